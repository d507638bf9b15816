"""Run directories: one folder per run holding its recipe, environment, results and plots."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from graphcl.typing import PathType


def create_run_dir(root: PathType, name: str) -> Path:
    """A new, empty ``root/<YYYYmmdd-HHMMSS>-<name>`` directory (suffixed if it exists)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    base = Path(root) / f"{datetime.now():%Y%m%d-%H%M%S}-{slug}"
    path, counter = base, 1
    while path.exists():
        counter += 1
        path = base.with_name(f"{base.name}-{counter}")
    path.mkdir(parents=True)
    return path


def write_json(path: PathType, payload: Any) -> None:
    """Write ``payload`` as indented JSON."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, default=str)
        handle.write("\n")


def write_yaml(path: PathType, payload: Any) -> None:
    """Write ``payload`` as YAML, keys in insertion order."""
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(payload, handle, sort_keys=False)
