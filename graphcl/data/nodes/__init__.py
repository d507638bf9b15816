"""Readers of one-large-graph node-classification datasets, their splits and feature transforms.

Each reader turns raw published files into a :class:`NodeGraphArrays` (sparse features, labels,
canonical undirected ``edge_index``, published split masks):

* :func:`read_planetoid`: Cora, CiteSeer, PubMed (``ind.<name>.*`` pickles, read through an
  allow-listed unpickler);
* :func:`read_gnn_benchmark`: Amazon-Computers, Amazon-Photo, Coauthor-CS, Coauthor-Physics
  (``.npz`` / ``.npz.gz``);
* :func:`read_wikics`: WikiCS (``data.json``).

Example:
    >>> from graphcl.data.nodes import random_node_splits, read_planetoid, row_normalize
    >>> cora = read_planetoid("shared/data/planetoid", "cora")  # doctest: +SKIP
    >>> x = row_normalize(cora.x)  # doctest: +SKIP
    >>> train, valid, test = random_node_splits(cora.num_nodes, num_splits=1)[0]  # doctest: +SKIP
"""

from graphcl.data.nodes.arrays import MASK_NAMES, NodeGraphArrays, canonical_edge_index
from graphcl.data.nodes.gnn_benchmark import GNN_BENCHMARK_NAMES, read_gnn_benchmark
from graphcl.data.nodes.planetoid import PLANETOID_NAMES, planetoid_files, read_planetoid
from graphcl.data.nodes.safe_unpickle import (
    NPY_STRING_GLOBALS,
    PLANETOID_GLOBALS,
    AllowListUnpickler,
    load_npy_strings,
    load_planetoid_pickle,
)
from graphcl.data.nodes.splits import (
    index_to_mask,
    mask_to_indices,
    masks_to_indices,
    public_split,
    random_node_splits,
)
from graphcl.data.nodes.transforms import row_normalize
from graphcl.data.nodes.wikics import read_wikics

__all__ = [
    "GNN_BENCHMARK_NAMES",
    "MASK_NAMES",
    "NPY_STRING_GLOBALS",
    "PLANETOID_GLOBALS",
    "PLANETOID_NAMES",
    "AllowListUnpickler",
    "NodeGraphArrays",
    "canonical_edge_index",
    "index_to_mask",
    "load_npy_strings",
    "load_planetoid_pickle",
    "mask_to_indices",
    "masks_to_indices",
    "planetoid_files",
    "public_split",
    "random_node_splits",
    "read_gnn_benchmark",
    "read_planetoid",
    "read_wikics",
    "row_normalize",
]
