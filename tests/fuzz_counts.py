"""How many generated inputs each property-based test tried (printed at the end of the run)."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()


def count(name: str) -> None:
    """One more input tried by the property ``name``."""
    COUNTS[name] += 1
