"""Processed-dataset files that check themselves: a content checksum stored with the data, and
structural checks when read.

A cache with flipped bytes must never load: :func:`write_checked` stores a SHA-256 of every
tensor's bytes (and of the plain data) inside the file; :func:`read_checked` recomputes it and
raises :class:`~graphcl.errors.DatasetError` naming the file when it differs, when the file is
truncated, empty or not a graphcl cache. :func:`graphcl.data.load_dataset` then warns, deletes
the file and rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import torch

from graphcl.errors import CheckpointError, DatasetError
from graphcl.runtime.atomic import torch_save_atomic
from graphcl.runtime.safe_load import safe_torch_load
from graphcl.typing import PathType

FORMAT = "graphcl-dataset-cache"


def _update(digest: Any, key: str, value: Any) -> None:
    digest.update(key.encode())
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        digest.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
        if tensor.numel():  # reshape: a size-1 dimension may have stride 0
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        for inner in sorted(value):
            _update(digest, f"{key}/{inner}", value[inner])
    elif isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        for index, inner in enumerate(value):
            _update(digest, f"{key}[{index}]", inner)
    else:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode())


def content_digest(payload: dict[str, Any]) -> str:
    """SHA-256 over every entry of ``payload`` (tensors by dtype, shape and bytes)."""
    digest = hashlib.sha256()
    for key in sorted(payload):
        if key not in ("format", "checksum"):
            _update(digest, key, payload[key])
    return digest.hexdigest()


def write_checked(payload: dict[str, Any], path: PathType) -> None:
    """Save ``payload`` with its checksum, atomically."""
    torch_save_atomic({**payload, "format": FORMAT, "checksum": content_digest(payload)}, path)


def read_checked(path: PathType) -> dict[str, Any]:
    """The payload :func:`write_checked` saved, verified.

    Raises:
        DatasetError: unreadable, not a graphcl cache, or its content differs from its checksum.
    """
    try:
        payload = safe_torch_load(path, "a graphcl dataset cache")
    except CheckpointError as exc:
        raise DatasetError(str(exc)) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a graphcl dataset cache (written by another version?)")
    if payload.get("checksum") != content_digest(payload):
        raise DatasetError(f"{path}: its content does not match its checksum (damaged file)")
    return payload
