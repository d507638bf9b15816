"""The encoder interface shared by every graph encoder."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.nn import global_add_pool, global_max_pool, global_mean_pool

from graphcl.features import FeatureSpec
from graphcl.registry import Registry

POOLINGS: Registry[Callable[..., Tensor]] = Registry("pooling")
POOLINGS.register("mean")(global_mean_pool)
POOLINGS.register("sum")(global_add_pool)
POOLINGS.register("max")(global_max_pool)


class GraphEncoder(nn.Module, ABC):
    """A GNN that maps a batch of graphs (or one large graph) to node and graph embeddings.

    Subclasses implement :meth:`node_embeddings` and call ``super().__init__`` with their
    constructor arguments, which are kept in :attr:`config` so a checkpoint can rebuild them.
    They are built from the :class:`~graphcl.features.FeatureSpec` of the node and edge features
    they read (categorical molecular columns, float features, or none), never from a featurizer.

    Attributes:
        out_dim: width of graph embeddings (and of node embeddings unless :attr:`node_dim` says
            otherwise).
        node_features: what ``batch.x`` holds.
        edge_features: what ``batch.edge_attr`` holds.
        config: constructor keyword arguments (plain data; feature specs excluded).
    """

    out_dim: int
    node_features: FeatureSpec
    edge_features: FeatureSpec

    def __init__(self, pooling: str = "mean", **config: Any) -> None:
        super().__init__()
        self.pool = POOLINGS.get(pooling)
        self.config: dict[str, Any] = {"pooling": pooling, **config}

    @property
    def node_dim(self) -> int:
        """Width of node embeddings (``out_dim`` unless the readout changes the width)."""
        return self.out_dim

    @property
    def atom_feature_dims(self) -> tuple[int, ...]:
        """Vocabulary sizes of categorical node columns (empty for other kinds)."""
        return self.node_features.dims if self.node_features.kind == "categorical" else ()

    @property
    def bond_feature_dims(self) -> tuple[int, ...]:
        """Vocabulary sizes of categorical edge columns (empty for other kinds)."""
        return self.edge_features.dims if self.edge_features.kind == "categorical" else ()

    @abstractmethod
    def node_embeddings(self, batch: Batch) -> Tensor:
        """Shape: batch (or graph) with N nodes -> (N, node_dim)."""

    def forward(self, batch: Batch) -> Tensor:
        """Graph embeddings by pooling node embeddings per graph.

        Shape: batch of G graphs -> (G, out_dim).
        """
        nodes = self.node_embeddings(batch)
        return self.pool(nodes, batch.batch, size=batch.num_graphs)
