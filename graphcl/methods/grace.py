"""GRACE and GCA: node-level contrast between two views of one graph.

Zhu et al., "Deep Graph Contrastive Representation Learning" (GRACE), ICML GRL+ workshop 2020;
Zhu et al., "Graph Contrastive Learning with Adaptive Augmentation" (GCA), WWW 2021. Two views
(edge dropping + feature masking; GCA drops unimportant edges and features more often, by degree,
PageRank or eigenvector centrality, capped at 0.7), a shared GNN encoder (2-layer GCN), a
projection head ``Linear-ELU-Linear``, and the node-level InfoNCE with intra- and inter-view
negatives: for node i of view 1, the positive is node i of view 2 and the negatives are every
other node of both views,

    l(u_i, v_i) = -log e^{s(u_i,v_i)/τ} / (e^{s(u_i,v_i)/τ} + Σ_{k≠i} e^{s(u_i,v_k)/τ}
                                              + Σ_{k≠i} e^{s(u_i,u_k)/τ}),

averaged over both directions: NT-Xent with intra-view negatives and the positive in the
denominator, computed by the loss core's chunked path so memory grows linearly with the number of
nodes (``chunk_size``; the n x n similarity matrix is never built).

Initialisation: the reference encoders are PyG ``GCNConv`` layers (Glorot-uniform weights, zero
biases), so ``init="glorot"`` (the default) re-initialises every ``nn.Linear`` of the encoder that
way. With PyTorch's default ``nn.Linear`` initialisation (weights of standard deviation
``1 / sqrt(3 fan_in)``, 2-3x smaller than Glorot's, and non-zero biases) GRACE learns far more
slowly at its published lr 5e-4: on Cora the loss falls from 8.59 to 7.45 in 200 epochs instead
of to about 6.9, and the linear probe loses 10-17 points. ``init="default"`` keeps the encoder's
own initialisation.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.data import Data

from graphcl.encoders.base import GraphEncoder
from graphcl.losses import NTXent
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.node_views import NodeViews, ViewSpec, centre_rows, describe
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext

#: GRACE's views on Cora (edge drop 0.2 / 0.4, feature mask 0.3 / 0.4).
GRACE_VIEWS: tuple[ViewSpec, ViewSpec] = (
    [{"name": "edge_drop", "ratio": 0.2}, {"name": "feature_mask", "ratio": 0.3}],
    [{"name": "edge_drop", "ratio": 0.4}, {"name": "feature_mask", "ratio": 0.4}],
)
#: GCA's adaptive views (degree centrality; the paper's Amazon-Photo rates).
GCA_VIEWS: tuple[ViewSpec, ViewSpec] = (
    [
        {"name": "edge_drop", "ratio": 0.3, "mode": "degree"},
        {"name": "feature_mask", "ratio": 0.1, "mode": "degree"},
    ],
    [
        {"name": "edge_drop", "ratio": 0.5, "mode": "degree"},
        {"name": "feature_mask", "ratio": 0.1, "mode": "degree"},
    ],
)


#: Encoder initialisations of :class:`GRACE` (``init``).
INITS = ("glorot", "default")


def glorot_init(module: nn.Module) -> None:
    """Glorot-uniform weights and zero biases for every ``nn.Linear`` in ``module`` (what PyG's
    ``GCNConv`` does, the layer of the GRACE and GCA reference encoders); other modules (embedding
    tables, norms) are left as they are."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def apply_init(encoder: nn.Module, init: str) -> None:
    """Initialise ``encoder`` as ``init`` says: ``glorot`` (:func:`glorot_init`, the reference
    node-level encoders' PyG ``GCNConv`` initialisation) or ``default`` (left as built).

    Raises:
        ValueError: another ``init``.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    if init == "glorot":
        glorot_init(encoder)


def node_projection_head(width: int, out: int) -> nn.Module:
    """GRACE's projection ``Linear-ELU-Linear``. Shape: (N, width) -> (N, out)."""
    return nn.Sequential(nn.Linear(width, out), nn.ELU(), nn.Linear(out, out))


@METHODS.register("grace")
class GRACE(ContrastiveMethod):
    """Two views, a shared encoder, a projection head, node-level InfoNCE.

    Args:
        encoder: the node encoder (GRACE: 2-layer GCN).
        featurizer: None for graphs with their own features.
        views: the two view specs (lists of augmentation specs).
        projection_dim: width of the projection (default: the encoder's).
        temperature: τ of the InfoNCE.
        chunk_size: similarity rows computed at a time (memory O(chunk · N)); None: dense.
        init: ``glorot`` re-initialises the encoder's linear layers as the reference GCN layers
            are (Glorot weights, zero biases; see the module docstring); ``default`` keeps the
            encoder's initialisation.

    Shape:
        graph (or node batch) with N nodes -> scalar loss.
    """

    unit = "nodes"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = None,
        views: tuple[ViewSpec, ViewSpec] | list[ViewSpec] = GRACE_VIEWS,
        projection_dim: int | None = None,
        temperature: float = 0.5,
        chunk_size: int | None = 2048,
        init: str = "glorot",
    ) -> None:
        if len(views) != 2:
            raise ValueError(f"a node-level method needs two views, got {len(views)}")
        super().__init__(
            featurizer,
            views=[describe(v) for v in views],
            projection_dim=projection_dim,
            temperature=temperature,
            chunk_size=chunk_size,
            init=init,
        )
        apply_init(encoder, init)
        self.encoder = encoder
        self.views = NodeViews(views[0], views[1])
        self.projection = node_projection_head(encoder.node_dim, projection_dim or encoder.node_dim)
        self.loss = NTXent(
            temperature,
            intra_view_negatives=True,
            positive_in_denominator=True,
            symmetric=True,
            chunk_size=chunk_size,
        )

    def embed_views(self, batch: Data, context: StepContext) -> tuple[Tensor, Tensor]:
        """Projected node embeddings of the two views (the ``center_mask`` nodes of a mini-batch
        with context nodes). Shape: (N, projection_dim) each."""
        first, second = self.views(batch, context.generator)
        z1, z2 = centre_rows(
            batch,
            self.projection(self.encoder.node_embeddings(first)),
            self.projection(self.encoder.node_embeddings(second)),
        )
        return z1, z2

    def forward(self, batch: Data, context: StepContext) -> Tensor:
        z1, z2 = self.embed_views(batch, context)
        out: Tensor = self.loss(z1, z2)
        return out


@METHODS.register("gca")
class GCA(GRACE):
    """GRACE with adaptive views (GCA): the defaults drop edges and mask features by degree
    centrality; ``mode: pagerank`` or ``evc`` in the view specs choose the others.

    Args:
        encoder: the node encoder.
        featurizer: None for graphs with their own features.
        views: the two adaptive view specs.
        projection_dim: width of the projection.
        temperature: τ.
        chunk_size: similarity rows at a time.
        init: encoder initialisation, as :class:`GRACE`'s.
    """

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = None,
        views: tuple[ViewSpec, ViewSpec] | list[ViewSpec] = GCA_VIEWS,
        projection_dim: int | None = None,
        temperature: float = 0.2,
        chunk_size: int | None = 2048,
        init: str = "glorot",
    ) -> None:
        super().__init__(encoder, featurizer, views, projection_dim, temperature, chunk_size, init)
