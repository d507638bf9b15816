"""Published pre-trained encoders as graphcl encoders, by zoo name or from a pretrain-gnns file."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import CheckpointError, RecipeError, UnknownNameError
from graphcl.featurization.pretrain_gnns import PretrainGNNsFeaturizer
from graphcl.runtime.safe_load import safe_torch_load
from graphcl.typing import PathType
from graphcl.zoo.card import LAYER_OF_GNN_TYPE, ZooCard, get_model
from graphcl.zoo.convert import convert_pretrain_gnns_state, describe_state
from graphcl.zoo.fetch import fetch_model


def _fill(encoder: GraphEncoder, state: dict[str, Tensor], source: str) -> None:
    """Load converted weights, naming any key or shape that does not fit."""
    own = encoder.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise CheckpointError(
            f"{source}: converted weights do not fit the encoder; missing keys: "
            f"{', '.join(missing) or 'none'}; unexpected keys: {', '.join(unexpected) or 'none'}"
        )
    for key, value in state.items():
        if tuple(value.shape) != tuple(own[key].shape):
            raise CheckpointError(
                f"{source}: {key} has shape {tuple(value.shape)}, the encoder's is "
                f"{tuple(own[key].shape)}"
            )
    encoder.load_state_dict(state)


def load_pretrain_gnns(path: PathType, gnn_type: str = "gin", **overrides: Any) -> GraphEncoder:
    """A graphcl encoder holding the weights of a pretrain-gnns ``GNN`` state dict file (any
    file saved as pretrain-gnns does: its own, GraphCL's and GraphMAE's chemistry models).

    Depth, width and heads are read from the file; the encoder reads graphs of the
    ``pretrain_gnns`` featurizer and gives the last layer's node states (pretrain-gnns'
    ``JK="last"``, the default of every published model; a state dict does not record ``JK``).

    Args:
        path: the ``.pth`` file (read with ``torch.load(weights_only=True)`` onto the CPU).
        gnn_type: pretrain-gnns' layer kind of the file: ``gin``, ``gcn``, ``graphsage`` or
            ``gat`` (GCN and GraphSAGE files have the same keys, so the file cannot say).
        **overrides: encoder options (``dropout``, ``pooling``); depth and width come from the
            file.

    Raises:
        CheckpointError: the file cannot be read, or is not such a state dict (missing and
            unexpected keys are listed), or an override conflicts with it.

    Example:
        >>> encoder = load_pretrain_gnns("chem/model_gin/contextpred.pth")  # doctest: +SKIP
    """
    source = str(path)
    state = safe_torch_load(path, "a pretrain-gnns state dict")
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise CheckpointError(f"{source}: not a state dict (a mapping of names to tensors)")
    sizes = describe_state(state, gnn_type, source)
    for key in ("num_layers", "hidden", "heads"):
        if key in overrides and key in sizes and overrides[key] != sizes[key]:
            raise CheckpointError(
                f"{source}: holds {key}={sizes[key]}, cannot load it with {key}={overrides[key]}"
            )
    featurizer = PretrainGNNsFeaturizer()
    options = {"dropout": 0.5, "pooling": "mean", **overrides, **sizes}
    try:
        encoder = build_encoder(
            LAYER_OF_GNN_TYPE[gnn_type],
            features=(featurizer.node_features, featurizer.edge_features),
            **options,
        )
    except (RecipeError, UnknownNameError) as exc:
        raise CheckpointError(f"{source}: cannot build its encoder: {exc}") from None
    _fill(encoder, convert_pretrain_gnns_state(state, gnn_type, source=source), source)
    return encoder


def load_zoo_encoder(
    name: str | ZooCard, *, verify: bool = True, progress: bool = True, **overrides: Any
) -> tuple[GraphEncoder, str, dict[str, Any]]:
    """A published pre-trained encoder by zoo name, with its weights (like
    :func:`graphcl.encoders.checkpoint.load_encoder` for graphcl checkpoints).

    Args:
        name: zoo name (``pretrain-gnns/gcn_contextpred``; ``graphcl zoo list`` shows them), or
            a card.
        verify: check the file's git blob id and SHA-256 against the card.
        progress: show a progress bar if the file must be downloaded.
        **overrides: encoder options to change (``dropout=0.1``); the card's dropout (the
            fine-tuning default of the paper) and pooling apply otherwise.

    Returns:
        The encoder (training mode, as ``load_encoder`` gives), the featurizer name
        (``pretrain_gnns``) and metadata: ``method`` (``{"name": ...}``), ``dataset`` (the
        pre-training data), ``zoo`` (the name), ``card`` (the card's fields) and ``file``.

    Raises:
        UnknownNameError: no model has that name.
        BlobMismatchError, DownloadError: see :func:`graphcl.zoo.fetch_model`.
        CheckpointError: the file does not hold the card's architecture.

    Example:
        >>> encoder, featurizer, meta = load_zoo_encoder("pretrain-gnns/gcn_contextpred")
        >>> featurizer, encoder.layer, meta["method"]["name"]
        ('pretrain_gnns', 'gcn', 'contextpred')
    """
    card = name if isinstance(name, ZooCard) else get_model(name)
    path = fetch_model(card, verify=verify, progress=progress)
    arch = card.architecture
    options: dict[str, Any] = {"dropout": arch.dropout, "pooling": arch.pooling, **overrides}
    if arch.jk != "last":
        raise CheckpointError(f"{card.source}: graphcl reads jk=last encoders, got {arch.jk!r}")
    encoder = load_pretrain_gnns(path, arch.gnn_type, **options)
    found = {k: encoder.config.get(k) for k in ("num_layers", "hidden", "heads")}
    wanted = {"num_layers": arch.num_layers, "hidden": arch.hidden, "heads": arch.heads}
    if arch.gnn_type != "gat":
        found.pop("heads")
        wanted.pop("heads")
    if found != wanted:
        raise CheckpointError(f"{path}: holds {found}, but the card of {card.name} says {wanted}")
    meta = {
        "method": {"name": card.method},
        "dataset": card.pretraining_data,
        "zoo": card.name,
        "card": card.summary(),
        "file": str(path),
    }
    return encoder, card.featurizer, meta
