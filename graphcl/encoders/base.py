"""The encoder interface shared by every graph encoder."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from torch import Tensor, nn
from torch_geometric.data import Batch
from torch_geometric.nn import global_add_pool, global_max_pool, global_mean_pool

from graphcl.registry import Registry

POOLINGS: Registry[Callable[..., Tensor]] = Registry("pooling")
POOLINGS.register("mean")(global_mean_pool)
POOLINGS.register("sum")(global_add_pool)
POOLINGS.register("max")(global_max_pool)


class GraphEncoder(nn.Module, ABC):
    """A GNN that maps a batch of graphs to node and graph embeddings.

    Subclasses implement :meth:`node_embeddings` and call ``super().__init__`` with their
    constructor arguments, which are kept in :attr:`config` so a checkpoint can rebuild them.

    Attributes:
        out_dim: width of node and graph embeddings.
        atom_feature_dims: vocabulary size of each categorical node column it reads.
        bond_feature_dims: vocabulary size of each categorical edge column it reads.
        config: constructor keyword arguments (plain data; vocabularies excluded).
    """

    out_dim: int
    atom_feature_dims: tuple[int, ...]
    bond_feature_dims: tuple[int, ...]

    def __init__(self, pooling: str = "mean", **config: Any) -> None:
        super().__init__()
        self.pool = POOLINGS.get(pooling)
        self.config: dict[str, Any] = {"pooling": pooling, **config}

    @property
    def node_dim(self) -> int:
        """Width of node embeddings (``out_dim`` unless the readout changes the width)."""
        return self.out_dim

    @abstractmethod
    def node_embeddings(self, batch: Batch) -> Tensor:
        """Shape: batch with N nodes -> (N, node_dim)."""

    def forward(self, batch: Batch) -> Tensor:
        """Graph embeddings by pooling node embeddings per graph.

        Shape: batch of G graphs -> (G, out_dim).
        """
        nodes = self.node_embeddings(batch)
        return self.pool(nodes, batch.batch, size=batch.num_graphs)
