"""Encoder checkpoints: weights plus what is needed to rebuild the encoder.

Format 2 (a ``torch.save`` dict, read with ``torch.load(weights_only=True)``)::

    {"format": "graphcl-encoder", "format_version": 2, "graphcl_version": "0.2.0",
     "featurizer": "ogb",                       # molecular featurizer, or None (node datasets...)
     "encoder": {"name": "gin", "config": {...}},
     "node_features": {"kind": "categorical", "dims": [...]},
     "edge_features": {"kind": "categorical", "dims": [...]},
     "state_dict": {...}, "meta": {...}}

Format 1 (graphcl 0.1: no ``format_version``, categorical ``"dims": [[node], [edge]]`` and the
molecular parameter names ``atom_embedding`` / ``bond_embedding``) still loads: its sizes become
categorical feature specs and its parameter names are mapped onto the neutral ones
(``node_embedding`` / ``edge_embedding``); a test loads files written by graphcl 0.1.

Pre-training runs write these; ``graphcl eval --checkpoint`` starts fine-tuning from them.
"""

from __future__ import annotations

import re
from typing import Any

from graphcl._version import __version__
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.layers import LAYERS
from graphcl.encoders.registry import ENCODERS
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import CheckpointError, RecipeError, UnknownNameError
from graphcl.features import FeatureSpec
from graphcl.runtime.atomic import torch_save_atomic
from graphcl.runtime.safe_load import safe_torch_load
from graphcl.typing import PathType

FORMAT = "graphcl-encoder"
FORMAT_VERSION = 2

#: Parameter names of graphcl 0.1 conv-stack encoders -> their names now.
_V1_RENAMES = (
    (re.compile(r"^atom_embedding\.tables\."), "node_embedding.embedding.tables."),
    (re.compile(r"^(convs\.\d+\.)bond_embedding\.tables\."), r"\1edge_embedding.embedding.tables."),
)


def encoder_name(encoder: GraphEncoder) -> str:
    """Registry name of an encoder instance.

    Raises:
        CheckpointError: the encoder's class is not registered.
    """
    if isinstance(encoder, ConvStackEncoder):
        return encoder.layer
    try:
        return ENCODERS.name_of(encoder)
    except ValueError:
        raise CheckpointError(f"{type(encoder).__name__} is not a registered encoder") from None


def encoder_record(encoder: GraphEncoder, featurizer: str | None) -> dict[str, Any]:
    """What rebuilds ``encoder`` (its weights excluded): name, configuration, feature specs and
    the featurizer of its inputs. Shared by encoder checkpoints and predictors."""
    return {
        "format_version": FORMAT_VERSION,
        "graphcl_version": __version__,
        "featurizer": featurizer,
        "encoder": {"name": encoder_name(encoder), "config": dict(encoder.config)},
        "node_features": encoder.node_features.to_dict(),
        "edge_features": encoder.edge_features.to_dict(),
    }


def save_encoder(
    path: PathType,
    encoder: GraphEncoder,
    featurizer: str | None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Write an encoder checkpoint.

    Args:
        path: destination file.
        encoder: the encoder (its ``config`` and weights are stored).
        featurizer: name of the molecular featurizer whose graphs it encodes (None when its
            inputs come from a dataset's own features).
        meta: extra plain data (method, epochs, dataset ...).
    """
    torch_save_atomic(
        {
            "format": FORMAT,
            **encoder_record(encoder, featurizer),
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
    payload = safe_torch_load(path, what)
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise CheckpointError(f"{path} is not {what}")
    return payload


def migrate_state(name: str, state: dict[str, Any], version: int) -> dict[str, Any]:
    """A state dict of ``version`` with today's parameter names."""
    if version >= 2 or name not in LAYERS:
        return state
    out = {}
    for key, value in state.items():
        for pattern, replacement in _V1_RENAMES:
            key = pattern.sub(replacement, key)
        out[key] = value
    return out


def encoder_from_record(
    payload: dict[str, Any], path: PathType, state: dict[str, Any] | None, **overrides: Any
) -> GraphEncoder:
    """Rebuild the encoder a checkpoint or predictor ``payload`` describes.

    Args:
        payload: the record (see :func:`encoder_record`; format 1 records are understood).
        path: the file, for messages.
        state: the encoder's state dict to load (None: leave freshly initialised).
        **overrides: constructor arguments to change (``dropout``).

    Raises:
        CheckpointError: the record does not describe a buildable encoder, or the weights do not
            fit it.
    """
    try:
        spec = payload["encoder"]
        name, config = str(spec["name"]), {**spec["config"], **overrides}
        version = int(payload.get("format_version", 1))
        if "node_features" in payload:
            node = FeatureSpec.from_dict(payload["node_features"])
            edge = FeatureSpec.from_dict(payload["edge_features"])
            features = (node, edge)
        else:  # format 1: categorical vocabularies
            node_dims, edge_dims = payload["dims"]
            features = (FeatureSpec.categorical(node_dims), FeatureSpec.categorical(edge_dims))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a complete encoder record ({exc})") from exc
    try:
        encoder = build_encoder(name, features=features, **config)
    except (RecipeError, UnknownNameError) as exc:
        raise CheckpointError(f"{path}: records an encoder graphcl cannot build: {exc}") from None
    if state is not None:
        try:
            encoder.load_state_dict(migrate_state(name, state, version))
        except RuntimeError as exc:
            raise CheckpointError(
                f"{path}: its weights do not fit the encoder it records ({name}, "
                f"{config}): {str(exc).splitlines()[0]}"
            ) from None
    return encoder


def load_encoder(
    path: PathType, **overrides: Any
) -> tuple[GraphEncoder, str | None, dict[str, Any]]:
    """Rebuild an encoder from a checkpoint.

    Args:
        path: checkpoint file.
        **overrides: constructor arguments to change, e.g. ``dropout=0.5`` for fine-tuning a
            model pre-trained without dropout; architecture changes fail to load.

    Returns:
        The encoder with its weights, the featurizer name (None for non-molecular inputs), and
        the checkpoint's ``meta``.

    Raises:
        CheckpointError: the file is not a graphcl encoder checkpoint or does not match its
            recorded configuration.
    """
    payload = load_checked(path, FORMAT, "a graphcl encoder checkpoint")
    state = payload.get("state_dict")
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: an encoder checkpoint without weights (no state_dict)")
    encoder = encoder_from_record(payload, path, state, **overrides)
    featurizer = payload.get("featurizer")
    return (
        encoder,
        (str(featurizer) if featurizer is not None else None),
        dict(payload.get("meta", {})),
    )
