"""gCooL: graph communal contrastive learning (Li et al., WWW 2022); see
shared/reference/METHODS.md section 3.

Two adaptive views (GCA), a shared 2-layer GCN, a projection ``Linear-ELU-Linear`` normalised to
the unit sphere, and K learnable community centres C shared by both views. Three terms:

- node: cross-view InfoNCE (loss core, chunked: memory linear in the nodes); as in gCooL's code
  the negatives of node i of view 1 are the other nodes of view 2 (``intra_view_negatives: true``
  adds GRACE's intra-view negatives);
- DeCA (:class:`~graphcl.losses.DeCA`): dense community aggregation of the soft assignment
  ``R = softmax(z C^T / T)`` of each view, over its edges (never an n x n adjacency), averaged
  over the two views; ``R`` is computed from detached embeddings, as in gCooL's code, so DeCA
  trains the centres;
- ReSC (:class:`~graphcl.losses.ReSC`): node-to-community cross-view contrast with community-
  distance reweighting of negatives (applied in the cosine and the RBF forms alike; gCooL's code
  applies it in its RBF branch only).

They combine as ``L = L_node + α(t)[e^{-t/s} L_DeCA + (1 - e^{-t/s}) L_ReSC]`` with
``α(t) = max(0, 1 - t/(0.2 s))``, t the epoch (from 0) and s the stride
(:func:`~graphcl.losses.gcool_weights`). The terms are kept in ``self.terms`` so a non-finite loss
is traced to its term.

Multiplex graphs (several edge types over one node set, given as an integer ``edge_type`` per
edge): with ``multiplex: true`` each layer gets its own views and, with ``shared_encoder: false``,
its own encoder; the community centres are shared by all layers, and the loss is the mean of the
layers' losses. The node embedding of a multiplex graph is the mean over layers.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Data, HeteroData

from graphcl.encoders.base import GraphEncoder
from graphcl.losses import DeCA, NTXent, ReSC, gcool_weights, soft_assignment
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.grace import GCA_VIEWS, apply_init, node_projection_head
from graphcl.methods.node_views import NodeViews, ViewSpec, centre_rows, describe
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext


def layer_graphs(graph: Data | HeteroData) -> list[Data]:
    """The layers of a multiplex graph, each a ``Data`` over the same nodes: one per edge type
    of a ``HeteroData`` with a single node type, or one per value of an integer ``edge_type``
    attribute of a ``Data``; ``[graph]`` for a graph with one edge type.

    Raises:
        ValueError: a ``HeteroData`` with more than one node type.
    """
    if isinstance(graph, HeteroData):
        if len(graph.node_types) != 1:
            raise ValueError(
                f"a multiplex graph has one node type, this one has {graph.node_types}"
            )
        nodes = graph[graph.node_types[0]]
        keep = {k: v for k, v in nodes.items() if k in ("x", "center_mask", "n_id")}
        return [
            Data(edge_index=graph[kind].edge_index, num_nodes=nodes.num_nodes, **keep)
            for kind in graph.edge_types
        ]
    kinds = graph.get("edge_type")
    if kinds is None:
        return [graph]
    keep = {k: graph[k] for k in ("x", "center_mask", "n_id") if k in graph}
    return [
        Data(edge_index=graph.edge_index[:, kinds == kind], num_nodes=graph.num_nodes, **keep)
        for kind in torch.unique(kinds).tolist()
    ]


@METHODS.register("gcool")
class GCooL(ContrastiveMethod):
    """Node InfoNCE + DeCA + ReSC with a schedule, community centres shared by both views.

    Args:
        encoder: the node encoder (gCooL: 2-layer GCN).
        featurizer: None for graphs with their own features.
        views: the two view specs (GCA's adaptive views by default).
        projection_dim: width of the projection (default: the encoder's).
        num_communities: K.
        tau: temperature of the node InfoNCE.
        assignment_temperature: T of the soft assignment.
        lam: λ of DeCA (intra- vs inter-community density).
        gamma: γ of ReSC's negative reweighting.
        stride: s of the schedule (epochs).
        similarity: ``cosine`` or ``rbf`` (assignment and ReSC).
        chunk_size: similarity rows of the node term at a time.
        intra_view_negatives: also contrast against the other nodes of the same view (GRACE).
        multiplex: read ``edge_type`` as layers of a multiplex graph.
        shared_encoder: with ``multiplex``, one encoder for every layer (else one per layer).
        num_layers_multiplex: how many layers (with per-layer encoders).
        init: encoder initialisation, ``glorot`` (the reference's PyG ``GCNConv``) or
            ``default`` (as built); see :mod:`graphcl.methods.grace`.

    Shape:
        graph (or node batch) with N nodes -> scalar loss.
    """

    unit = "nodes"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = None,
        views: tuple[ViewSpec, ViewSpec] | list[ViewSpec] = GCA_VIEWS,
        projection_dim: int | None = None,
        num_communities: int = 10,
        tau: float = 0.3,
        assignment_temperature: float = 0.5,
        lam: float = 0.9,
        gamma: float = 8e-5,
        stride: int = 500,
        similarity: str = "cosine",
        chunk_size: int | None = 2048,
        intra_view_negatives: bool = False,
        multiplex: bool = False,
        shared_encoder: bool = True,
        num_layers_multiplex: int = 1,
        init: str = "glorot",
    ) -> None:
        if len(views) != 2:
            raise ValueError(f"a node-level method needs two views, got {len(views)}")
        if num_communities < 2 or stride < 1 or num_layers_multiplex < 1:
            raise ValueError("num_communities must be >= 2, stride and layers >= 1")
        if similarity not in ("cosine", "rbf"):
            raise ValueError(f"similarity must be cosine or rbf, got {similarity!r}")
        super().__init__(
            featurizer,
            views=[describe(v) for v in views],
            projection_dim=projection_dim,
            num_communities=num_communities,
            tau=tau,
            assignment_temperature=assignment_temperature,
            lam=lam,
            gamma=gamma,
            stride=stride,
            similarity=similarity,
            chunk_size=chunk_size,
            intra_view_negatives=intra_view_negatives,
            multiplex=multiplex,
            shared_encoder=shared_encoder,
            num_layers_multiplex=num_layers_multiplex,
            init=init,
        )
        apply_init(encoder, init)
        width = projection_dim or encoder.node_dim
        self.encoder = encoder
        others = 0 if (shared_encoder or not multiplex) else num_layers_multiplex - 1
        self.layer_encoders = nn.ModuleList(copy.deepcopy(encoder) for _ in range(others))
        self.view_specs = (views[0], views[1])
        self.layer_views: list[NodeViews] = []  # one per layer (weights cached per layer)
        self._layers: tuple[Data | HeteroData, list[Data]] | None = None
        self.projection = node_projection_head(encoder.node_dim, width)
        self.centres = nn.Parameter(F.normalize(torch.randn(num_communities, width), dim=1))
        self.node_loss = NTXent(
            tau, intra_view_negatives=intra_view_negatives, chunk_size=chunk_size
        )
        self.deca = DeCA(lam=lam)
        self.resc = ReSC(temperature=tau, gamma=gamma, similarity=similarity)  # type: ignore[arg-type]
        self.assignment_temperature = assignment_temperature
        self.similarity = similarity
        self.stride = stride
        self.multiplex = multiplex

    def encoder_of(self, layer: int) -> GraphEncoder:
        """The encoder of multiplex layer ``layer`` (the shared one unless per-layer)."""
        if layer == 0 or not len(self.layer_encoders):
            return self.encoder
        other = self.layer_encoders[layer - 1]
        assert isinstance(other, GraphEncoder)
        return other

    def assignment(self, z: Tensor) -> Tensor:
        """Soft community assignment of projected embeddings. Shape: (N, D) -> (N, K)."""
        return soft_assignment(
            z,
            self.centres,
            self.assignment_temperature,
            self.similarity,  # type: ignore[arg-type]
        )

    def layers_of(self, batch: Data | HeteroData) -> list[Data]:
        """The layers of ``batch`` (cached for the graph of full-batch training)."""
        if not self.multiplex:
            return [batch]
        if self._layers is None or self._layers[0] is not batch:
            self._layers = (batch, layer_graphs(batch))
        return self._layers[1]

    def views_of(self, layer: int) -> NodeViews:
        while len(self.layer_views) <= layer:
            self.layer_views.append(NodeViews(*self.view_specs))
        return self.layer_views[layer]

    def layer_loss(
        self, graph: Data, layer: int, encoder: GraphEncoder, context: StepContext
    ) -> Tensor:
        first, second = self.views_of(layer)(graph, context.generator)
        z1 = F.normalize(self.projection(encoder.node_embeddings(first)), dim=1)
        z2 = F.normalize(self.projection(encoder.node_embeddings(second)), dim=1)
        r1, r2 = self.assignment(z1.detach()), self.assignment(z2.detach())
        # DeCA over every edge of the batch; the contrastive terms over its centre nodes
        deca = (self.deca(r1, first.edge_index) + self.deca(r2, second.edge_index)) / 2
        z1, z2, r1, r2 = centre_rows(graph, z1, z2, r1, r2)
        node = self.node_loss(z1, z2)
        resc = self.resc(z1, z2, r1, r2)
        _, w_deca, w_resc = gcool_weights(context.epoch - 1, self.stride)
        prefix = f"layer{layer}/" if self.multiplex else ""
        self.terms.update({f"{prefix}node": node, f"{prefix}deca": deca, f"{prefix}resc": resc})
        total: Tensor = node + w_deca * deca + w_resc * resc
        return total

    def forward(self, batch: Data | HeteroData, context: StepContext) -> Tensor:
        layers = self.layers_of(batch)
        self.terms = {}
        if len(self.layer_encoders) and len(layers) != len(self.layer_encoders) + 1:
            raise ValueError(
                f"the graph has {len(layers)} edge types, the method "
                f"{len(self.layer_encoders) + 1} per-layer encoders"
            )
        losses = [self.layer_loss(g, i, self.encoder_of(i), context) for i, g in enumerate(layers)]
        return torch.stack(losses).mean()

    def modules_to_save(self) -> dict[str, nn.Module]:
        saved: dict[str, nn.Module] = {"encoder": self.encoder}
        for index, other in enumerate(self.layer_encoders, start=1):
            saved[f"layer{index}"] = other
        return saved
