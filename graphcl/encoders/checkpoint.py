"""Encoder checkpoints: weights plus what is needed to rebuild the encoder.

Format (a ``torch.save`` dict, read with ``torch.load(weights_only=True)``)::

    {"format": "graphcl-encoder", "graphcl_version": "0.1.0",
     "featurizer": "ogb", "encoder": {"name": "gin", "config": {...}},
     "dims": [[node column sizes], [edge column sizes]],
     "state_dict": {...}, "meta": {...}}

Pre-training runs write these; ``graphcl eval --checkpoint`` starts fine-tuning from them.
"""

from __future__ import annotations

from typing import Any

import torch

from graphcl._version import __version__
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.registry import ENCODERS
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import CheckpointError
from graphcl.typing import PathType

FORMAT = "graphcl-encoder"


def encoder_name(encoder: GraphEncoder) -> str:
    """Registry name of an encoder instance."""
    for name in ENCODERS:
        if type(encoder) is ENCODERS.get(name):
            return name
    raise CheckpointError(f"{type(encoder).__name__} is not a registered encoder")


def save_encoder(
    path: PathType,
    encoder: GraphEncoder,
    featurizer: str,
    meta: dict[str, Any] | None = None,
) -> None:
    """Write an encoder checkpoint.

    Args:
        path: destination file.
        encoder: the encoder (its ``config`` and weights are stored).
        featurizer: name of the featurizer whose graphs it encodes.
        meta: extra plain data (method, epochs, dataset ...).
    """
    torch.save(
        {
            "format": FORMAT,
            "graphcl_version": __version__,
            "featurizer": featurizer,
            "encoder": {"name": encoder_name(encoder), "config": dict(encoder.config)},
            "dims": [list(encoder.atom_feature_dims), list(encoder.bond_feature_dims)],
            "state_dict": encoder.state_dict(),
            "meta": meta or {},
        },
        path,
    )


def load_checked(path: PathType, fmt: str, what: str) -> dict[str, Any]:
    """A graphcl file read safely (``torch.load(weights_only=True)``, onto the CPU) whose
    ``format`` field is ``fmt``.

    Raises:
        CheckpointError: the file cannot be read, or is not ``what``.
    """
    try:
        payload = torch.load(path, weights_only=True, map_location="cpu")
    except (OSError, RuntimeError) as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise CheckpointError(f"{path} is not {what}")
    return payload


def load_encoder(path: PathType, **overrides: Any) -> tuple[GraphEncoder, str, dict[str, Any]]:
    """Rebuild an encoder from a checkpoint.

    Args:
        path: checkpoint file.
        **overrides: constructor arguments to change, e.g. ``dropout=0.5`` for fine-tuning a
            model pre-trained without dropout; architecture changes fail to load.

    Returns:
        The encoder with its weights, the featurizer name, and the checkpoint's ``meta``.

    Raises:
        CheckpointError: the file is not a graphcl encoder checkpoint or does not match its
            recorded configuration.
    """
    payload = load_checked(path, FORMAT, "a graphcl encoder checkpoint")
    spec = payload["encoder"]
    config = {**spec["config"], **overrides}
    dims = (tuple(payload["dims"][0]), tuple(payload["dims"][1])) if "dims" in payload else None
    encoder = build_encoder(spec["name"], payload["featurizer"], dims=dims, **config)
    try:
        encoder.load_state_dict(payload["state_dict"])
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not fit the recorded encoder: {exc}") from exc
    return encoder, str(payload["featurizer"]), dict(payload.get("meta", {}))
