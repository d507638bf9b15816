"""Run directories: one folder per run holding its recipe, environment, results and plots."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
import yaml

from graphcl.runtime.atomic import atomic_open, write_json_atomic
from graphcl.runtime.environment import collect_environment
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
    """Write ``payload`` as indented JSON (atomically)."""
    write_json_atomic(path, payload)


def write_yaml(path: PathType, payload: Any) -> None:
    """Write ``payload`` as YAML, keys in insertion order (atomically)."""
    with atomic_open(path, "w") as handle:
        yaml.safe_dump(payload, handle, sort_keys=False)


def prepare_run_dir(
    run_dir: PathType | None,
    output_dir: PathType | None,
    run_name: str,
    recipe: dict[str, Any],
    device: torch.device,
) -> Path | None:
    """The directory of a run — ``run_dir`` exactly (created if needed), else a new one under
    ``output_dir``, else None — with ``recipe.yaml`` and ``environment.json`` written."""
    if run_dir is not None:
        directory = Path(run_dir)
        directory.mkdir(parents=True, exist_ok=True)
    elif output_dir is not None:
        directory = create_run_dir(output_dir, run_name)
    else:
        return None
    write_yaml(directory / "recipe.yaml", recipe)
    write_json(directory / "environment.json", collect_environment(device))
    return directory
