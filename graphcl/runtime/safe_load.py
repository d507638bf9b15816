"""Reading torch files safely, with errors that say what is wrong with the file.

Every file graphcl reads with ``torch.load`` goes through :func:`safe_torch_load`:
``weights_only=True`` (tensors, plain containers and numbers only: a file cannot run code) onto
the CPU. Failures become one :class:`~graphcl.errors.CheckpointError` naming the file and the
problem in plain words (empty, truncated or corrupted, not a torch file, holds Python objects
graphcl refuses to load); torch's own advice to retry with ``weights_only=False`` is never passed
on, because following it would run whatever code the file holds.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

import torch

from graphcl.errors import CheckpointError
from graphcl.typing import PathType

_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


def describe_load_failure(exc: BaseException) -> str:
    """Why torch could not read a file, without torch's advice to unpickle it unsafely."""
    text = str(exc)
    found = _GLOBAL.search(text)
    if isinstance(exc, pickle.UnpicklingError) and found:
        return (
            f"it holds Python objects ({found.group(1)}) that graphcl does not load: only "
            "tensors and plain data are read, so a file cannot run code (graphcl files never "
            "hold such objects)"
        )
    if isinstance(exc, EOFError):
        return "it is truncated (an interrupted write or copy?)"
    if isinstance(exc, (RuntimeError, zipfile.BadZipFile)) and (
        "zip" in text.lower() or "archive" in text.lower() or "central directory" in text
    ):
        return "it is not a complete torch file (truncated or corrupted)"
    if isinstance(exc, pickle.UnpicklingError):
        return "it is not a torch file (corrupted, or some other format)"
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{type(exc).__name__}: {first}"


def safe_torch_load(path: PathType, what: str = "a graphcl file") -> Any:
    """``torch.load(path, weights_only=True, map_location="cpu")`` with named errors.

    Raises:
        CheckpointError: the file is missing, empty, truncated, corrupted, not a torch file, or
            holds objects outside the safe set; the message names the file and says which.
    """
    file = Path(path)
    if not file.is_file():
        raise CheckpointError(f"{path}: no such file (expected {what})")
    if file.stat().st_size == 0:
        raise CheckpointError(f"cannot read {path} as {what}: it is empty (an interrupted write?)")
    try:
        return torch.load(file, weights_only=True, map_location="cpu")
    except Exception as exc:  # torch raises many types here; all mean "not readable"
        raise CheckpointError(
            f"cannot read {path} as {what}: {describe_load_failure(exc)}"
        ) from None
