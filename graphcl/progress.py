"""Progress bars that stay readable in logs.

In a terminal they refresh ten times a second; when stderr is not a terminal (CI logs, files)
they refresh at most every 30 seconds, so a long run leaves a few dozen lines instead of
thousands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress_bar(
    iterable: Iterable[T] | None = None, *, enabled: bool = True, **kwargs: Any
) -> Any:
    """A ``tqdm`` bar (``leave=False`` unless given), disabled when ``enabled`` is false."""
    kwargs.setdefault("leave", False)
    kwargs.setdefault("mininterval", 0.1 if sys.stderr.isatty() else 30.0)
    return tqdm(iterable, disable=not enabled, **kwargs)
