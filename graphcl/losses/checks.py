"""Argument checks shared by the losses, with messages that say what is wrong."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def positive(name: str, value: float) -> float:
    """``value`` as a float; raises ValueError naming ``name`` unless it is > 0."""
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def non_negative(name: str, value: float) -> float:
    """``value`` as a float; raises ValueError naming ``name`` unless it is >= 0."""
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return float(value)


def fraction(name: str, value: float) -> float:
    """``value`` as a float; raises ValueError naming ``name`` unless 0 <= value <= 1."""
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def chunk(value: int | None) -> int | None:
    """A ``chunk_size``: None (dense) or a positive row count."""
    if value is not None and value < 1:
        raise ValueError(f"chunk_size must be >= 1 or None (dense), got {value}")
    return value


def finite(loss: str, *tensors: Tensor) -> None:
    """Raise ValueError if any tensor holds NaN or inf."""
    if not all(bool(torch.isfinite(t).all()) for t in tensors):
        raise ValueError(f"{loss} got non-finite (NaN or inf) embeddings")


def views(loss: str, tensors: Sequence[Tensor], minimum: int = 1, samples: int = 1) -> int:
    """Check ``tensors`` are at least ``minimum`` finite (N, D) views of one shape with
    N >= ``samples``; return N."""
    if len(tensors) < minimum:
        raise ValueError(f"{loss} needs at least {minimum} views/modalities, got {len(tensors)}")
    if any(t.dim() != 2 or t.shape != tensors[0].shape for t in tensors):
        shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
        raise ValueError(f"{loss} needs views of one shape (N, D), got {shapes}")
    n = tensors[0].shape[0]
    if n < samples:
        raise ValueError(f"{loss} needs at least {samples} samples, got {n}")
    finite(loss, *tensors)
    return n


def rows(loss: str, name: str, tensor: Tensor, n: int) -> None:
    """Raise ValueError unless ``tensor`` has ``n`` rows."""
    if tensor.dim() == 0 or tensor.shape[0] != n:
        raise ValueError(f"{loss}: {name} must have {n} rows, got shape {tuple(tensor.shape)}")
