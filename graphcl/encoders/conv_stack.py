"""The one implementation behind the GIN, GCN and GAT encoders (and any other layer).

An input adapter embeds the node features (categorical tables, or a linear projection of float
features); then each layer ``conv -> norm -> activation -> dropout``, as in pretrain-gnns (no
activation after the last layer unless ``last_activation``). The layer comes from the layer
registry (:mod:`graphcl.encoders.layers`), so ``encoder: {name: gin}``, ``{name: gcn}`` and
``{name: gat, heads: 4}`` are the same class with another layer, and every layer works on
categorical, float or absent edge features.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.inputs import build_input
from graphcl.encoders.layers import LAYERS, MessagePassingLayer, layer_options
from graphcl.features import NODE_SPECIAL_TOKENS, FeatureSpec

_NORMS: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm1d,
    "layer": nn.LayerNorm,
    "none": lambda width: nn.Identity(),
}
_ACTIVATIONS: dict[str, Callable[[int], nn.Module]] = {
    "relu": lambda width: nn.ReLU(),
    "prelu": lambda width: nn.PReLU(width),
    "elu": lambda width: nn.ELU(),
    "rrelu": lambda width: nn.RReLU(),
}


class ConvStackEncoder(GraphEncoder):
    """Input adapter, then ``num_layers`` message-passing layers of one registered kind.

    Args:
        node_features: what ``batch.x`` holds (categorical or float).
        edge_features: what ``batch.edge_attr`` holds (categorical, float or none).
        layer: registered layer name (``gin``, ``gcn``, ``gat``).
        num_layers: message-passing layers (5 in pretrain-gnns; 2 in GRACE/gCooL).
        hidden: embedding width (300 in pretrain-gnns).
        dropout: dropout after every layer (0.5 for fine-tuning, 0 for pre-training).
        pooling: graph readout, ``mean``, ``sum`` or ``max``.
        norm: normalisation after each layer: ``batch`` (pretrain-gnns), ``layer`` or ``none``.
        activation: ``relu``, ``prelu`` (BGRL, GRACE) or ``elu``.
        last_activation: also apply the activation after the last layer (GRACE does).
        layer_args: the layer's own options (``heads`` for GAT).

    Shape:
        batch with N nodes in G graphs -> node embeddings (N, hidden), graph embeddings (G, hidden).

    Example:
        >>> from graphcl.encoders import build
        >>> from graphcl.featurization import smiles_to_graph
        >>> from torch_geometric.data import Batch
        >>> encoder = build("gin", num_layers=2, hidden=16)
        >>> encoder(Batch.from_data_list([smiles_to_graph("CCO")])).shape
        torch.Size([1, 16])
    """

    def __init__(
        self,
        node_features: FeatureSpec,
        edge_features: FeatureSpec,
        layer: str = "gin",
        num_layers: int = 5,
        hidden: int = 300,
        dropout: float = 0.5,
        pooling: str = "mean",
        norm: str = "batch",
        activation: str = "relu",
        last_activation: bool = False,
        layer_args: Mapping[str, Any] | None = None,
    ) -> None:
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if node_features.kind == "none":
            raise ValueError("a conv-stack encoder needs node features (categorical or float)")
        for key, value, choices in (
            ("norm", norm, _NORMS),
            ("activation", activation, _ACTIVATIONS),
        ):
            if value not in choices:
                raise ValueError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
        options = dict(layer_args or {})
        # layers first, then the node input: the order in which parameters are initialised
        # (kept so that a seed gives the same weights as graphcl 0.1)
        layer_cls = LAYERS.get(layer)
        convs = [layer_cls(hidden, edge_features, **options) for _ in range(num_layers)]
        super().__init__(
            pooling,
            hidden=hidden,
            dropout=dropout,
            num_layers=num_layers,
            **options,
            **({"norm": norm} if norm != "batch" else {}),
            **({"activation": activation} if activation != "relu" else {}),
            **({"last_activation": True} if last_activation else {}),
        )
        self.layer = layer
        self.out_dim = hidden
        self.node_features = node_features
        self.edge_features = edge_features
        self.dropout = dropout
        self.last_activation = last_activation
        self.node_embedding = build_input(node_features, hidden, NODE_SPECIAL_TOKENS)
        self.convs = nn.ModuleList(convs)
        self.norms = nn.ModuleList(_NORMS[norm](hidden) for _ in convs)
        self.activations = nn.ModuleList(_ACTIVATIONS[activation](hidden) for _ in convs)

    def node_embeddings(self, batch: Batch) -> Tensor:
        h = self.node_embedding(batch.x)
        assert h is not None
        first = self.convs[0]
        assert isinstance(first, MessagePassingLayer)
        inputs = first.prepare(batch.edge_index, batch.get("edge_attr"), h.shape[0])
        last = len(self.convs) - 1
        for index, (conv, norm, activation) in enumerate(
            zip(self.convs, self.norms, self.activations, strict=True)
        ):
            h = norm(conv(h, *inputs))
            if index != last or self.last_activation:
                h = activation(h)
            h = F.dropout(h, self.dropout, training=self.training)
        return h


def family(name: str, layer: type[MessagePassingLayer]) -> Callable[..., ConvStackEncoder]:
    """The encoder constructor registered as ``name``: :class:`ConvStackEncoder` with that layer,
    whose signature lists the common options and the layer's own (so recipe keys are checked)."""

    def build(
        node_features: FeatureSpec, edge_features: FeatureSpec, **kwargs: Any
    ) -> ConvStackEncoder:
        own = {p.name for p in layer_options(layer)}
        layer_args = {k: kwargs.pop(k) for k in list(kwargs) if k in own}
        return ConvStackEncoder(
            node_features, edge_features, layer=name, layer_args=layer_args, **kwargs
        )

    common = [
        p
        for p in inspect.signature(ConvStackEncoder).parameters.values()
        if p.name not in ("layer", "layer_args")
    ]
    build.__signature__ = inspect.Signature([*common, *layer_options(layer)])  # type: ignore[attr-defined]
    build.__name__ = build.__qualname__ = f"{name}_encoder"
    build.__doc__ = f"``{name}`` layers in a :class:`ConvStackEncoder` ({layer.__name__})."
    return build
