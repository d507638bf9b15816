"""What a run ran on: package versions, device, git commit."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from graphcl._version import __version__

_PACKAGES = ("torch", "torch-geometric", "rdkit", "numpy", "pandas", "scikit-learn", "ogb")


def git_commit() -> str | None:
    """Commit of the graphcl source checkout (with ``-dirty`` if modified), or None."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def collect_environment(device: torch.device) -> dict[str, Any]:
    """Versions, platform, device and git commit, for a run's ``environment.json``."""
    versions = {"graphcl": __version__, "python": sys.version.split()[0]}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    info: dict[str, Any] = {
        "time_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": versions,
        "platform": platform.platform(),
        "cpu_count": torch.get_num_threads(),
        "device": str(device),
        "git_commit": git_commit(),
        "command": sys.argv,
    }
    if device.type == "cuda":
        info["cuda_device"] = torch.cuda.get_device_name(device)
        info["cuda_version"] = torch.version.cuda
    return info
