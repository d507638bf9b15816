"""Neighbour sampling for mini-batches on one large graph (node level and link level).

A pure-torch, vectorised replacement for PyG's ``NeighborLoader`` and ``LinkNeighborLoader``,
which need pyg-lib or torch-sparse to sample. It serves node-level contrastive methods (GRACE,
BGRL, gCooL) on graphs of millions of nodes and heterogeneous circuit graphs (``device``, ``pin``
and ``net`` nodes; CircuitGCL samples 4 hops of 64 neighbours).

- :class:`CSRGraph`: incoming-neighbour CSR of a ``Data`` or ``HeteroData`` (all edge types, in a
  homogeneous id space described by :class:`GraphLayout`);
- :func:`sample_neighbors`: multi-hop uniform sampling without replacement, one vectorised pass
  per hop, giving a :class:`SampledSubgraph` (``to_data`` gathers every attribute);
- :class:`NeighborLoader` / :class:`LinkNeighborLoader`: epoch-seeded mini-batch iterables.

Example:
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> from graphcl.data.sampling import NeighborLoader
    >>> data = Data(x=torch.randn(1000, 16), edge_index=torch.randint(0, 1000, (2, 10000)))
    >>> loader = NeighborLoader(data, fanouts=(10, 10), batch_size=128, seed=0)
    >>> sum(batch.batch_size for batch in loader)
    1000
"""

from graphcl.data.sampling.csr import CSRGraph, GraphLayout
from graphcl.data.sampling.loader import LinkNeighborLoader, NeighborLoader, whole_graph
from graphcl.data.sampling.neighbor import Fanouts, fanout_table, sample_neighbors
from graphcl.data.sampling.subgraph import SampledSubgraph

__all__ = [
    "CSRGraph",
    "Fanouts",
    "GraphLayout",
    "LinkNeighborLoader",
    "NeighborLoader",
    "SampledSubgraph",
    "fanout_table",
    "sample_neighbors",
    "whole_graph",
]
