"""Device selection."""

from __future__ import annotations

import torch

from graphcl.errors import RecipeError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else CPU; explicit names are checked.

    Raises:
        RecipeError: CUDA was asked for but is not available, or the name is not a device.
    """
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise RecipeError(f"device: {exc}") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise RecipeError(f"device {device!r} requested but CUDA is not available")
    return resolved
