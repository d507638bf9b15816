"""Where graphcl keeps downloads and caches, and where it looks for a local data mirror.

- ``GRAPHCL_HOME`` (default ``~/.cache/graphcl``): ``downloads/<dataset>/`` holds verified
  downloads, ``processed/<dataset>/`` featurized caches and reject lists.
- ``GRAPHCL_DATA_MIRROR``: one or more directories (separated by ``os.pathsep``) laid out like
  ``shared/data`` (``moleculenet/BBBP.csv``, ``zinc250k/zinc.txt.gz`` ...). They are searched
  before any download, so air-gapped machines, tests and CI never touch the network.
"""

from __future__ import annotations

import os
from pathlib import Path


def graphcl_home() -> Path:
    """Root of graphcl's cache (``$GRAPHCL_HOME`` or ``~/.cache/graphcl``)."""
    env = os.environ.get("GRAPHCL_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "graphcl"


def downloads_dir(dataset: str) -> Path:
    """Directory of verified downloaded files of one dataset."""
    return graphcl_home() / "downloads" / dataset


def processed_dir(dataset: str) -> Path:
    """Directory of featurized caches of one dataset."""
    return graphcl_home() / "processed" / dataset


def mirror_dirs() -> list[Path]:
    """The local mirror directories from ``$GRAPHCL_DATA_MIRROR`` that exist, in order."""
    env = os.environ.get("GRAPHCL_DATA_MIRROR", "")
    return [Path(p).expanduser() for p in env.split(os.pathsep) if p and Path(p).is_dir()]
