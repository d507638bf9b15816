"""Reader of the TUDataset raw text format (graph classification benchmarks such as MUTAG, NCI1,
PROTEINS).

Morris et al., "TUDataset: A collection of benchmark datasets for learning with graphs", GRL+
workshop, ICML 2020. A dataset ``NAME`` is a set of files, one value (or comma-separated pair) per
line, all ids 1-based:

* ``NAME_A.txt``: one directed edge ``u, v`` per line (undirected graphs list both directions);
* ``NAME_graph_indicator.txt``: the graph of node ``i`` on line ``i`` (graphs are contiguous);
* ``NAME_graph_labels.txt``: the class of graph ``g`` on line ``g``;
* ``NAME_node_labels.txt``, ``NAME_edge_labels.txt`` (optional): categorical labels.

The graphs come out as graphcl's categorical graphs: ``x`` is the node label (remapped to
``0..k-1``) or, without node labels, the node degree capped at :data:`MAX_DEGREE`; ``edge_attr``
is the edge label (remapped) or a single zero column. Edges are stored as undirected pairs
(columns ``2k`` and ``2k + 1``), like bonds, so every augmentation applies unchanged; self-loops in
the source are dropped (GNN layers add their own). Binary graph labels become 0/1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from graphcl.data.card import DatasetCard
from graphcl.data.dataset import DatasetInfo, GraphDataset
from graphcl.data.formats.registry import GRAPH_FORMATS
from graphcl.data.store import GraphStore
from graphcl.errors import DatasetError
from graphcl.featurization.base import GraphArrays
from graphcl.typing import FloatArray, IntArray

#: Degrees above this share the last category when a dataset has no node labels.
MAX_DEGREE = 64
_ROLES = ("A", "graph_indicator", "graph_labels", "node_labels", "edge_labels")


@dataclass(frozen=True)
class TUGraphs:
    """A TU dataset read into graphcl arrays.

    Attributes:
        graphs: the graphs (local node indices, undirected edge pairs).
        labels: Shape: (G, 1), float64 in {0, 1}.
        label_names: ``["class"]``; the source class of label 1 is in ``classes``.
        classes: the source label values mapped to 0 and 1.
        node_feature_dims, edge_feature_dims: category counts of the ``x`` / ``edge_attr`` columns.
    """

    graphs: GraphArrays
    labels: FloatArray
    label_names: list[str]
    classes: list[int]
    node_feature_dims: list[int]
    edge_feature_dims: list[int]


def _role(path: Path) -> str:
    stem = path.name.removesuffix(".gz").removesuffix(".txt")
    for role in _ROLES:
        if stem.endswith("_" + role):
            return role
    raise DatasetError(
        f"{path.name} is not a TU dataset file (expected NAME_A.txt, NAME_graph_indicator.txt, "
        "NAME_graph_labels.txt and optionally NAME_node_labels.txt, NAME_edge_labels.txt)"
    )


def _read_ints(path: Path, columns: int) -> IntArray:
    try:
        values = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as exc:
        raise DatasetError(f"{path}: not a TU file of {columns} integer column(s): {exc}") from exc
    if values.shape[1] != columns:
        raise DatasetError(f"{path}: expected {columns} column(s), found {values.shape[1]}")
    return values if columns > 1 else values[:, 0]


def _categories(values: IntArray) -> tuple[IntArray, int]:
    """Values remapped to ``0..k-1`` in sorted order, and ``k``."""
    unique, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), len(unique)


def read_tu(name: str, paths: Sequence[Path]) -> TUGraphs:
    """Read a TU dataset from its raw files (in any order; identified by their names).

    Raises:
        DatasetError: a required file is missing, ids are out of range, graphs are not
            contiguous, or there are not exactly two classes.
    """
    files = {_role(Path(p)): Path(p) for p in paths}
    missing = [r for r in _ROLES[:3] if r not in files]
    if missing:
        raise DatasetError(f"{name}: missing TU file(s) {', '.join(missing)}")
    edges = _read_ints(files["A"], 2) - 1
    graph_of = _read_ints(files["graph_indicator"], 1) - 1
    raw_labels = _read_ints(files["graph_labels"], 1)
    num_nodes, num_graphs = len(graph_of), len(raw_labels)
    if edges.size and (edges.min() < 0 or edges.max() >= num_nodes):
        raise DatasetError(f"{files['A']}: node ids must lie in 1..{num_nodes}")
    if graph_of.size and graph_of.max() + 1 != num_graphs:
        raise DatasetError(
            f"{files['graph_labels']}: {num_graphs} labels for {graph_of.max() + 1} graphs"
        )
    if np.any(np.diff(graph_of) < 0) or graph_of.min() != 0 or graph_of.max() != num_graphs - 1:
        raise DatasetError(
            f"{files['graph_indicator']}: graph ids must be sorted and run from 1 to {num_graphs}"
        )
    classes = sorted(set(raw_labels.tolist()))
    if len(classes) != 2:
        raise DatasetError(
            f"{files['graph_labels']}: {len(classes)} classes {classes}; graphcl's TU reader "
            "handles binary graph classification"
        )
    node_ptr = np.searchsorted(graph_of, np.arange(num_graphs + 1))

    # undirected pairs, each once (u < v), with the label of their first listing
    if "edge_labels" in files:
        edge_label, edge_dim = _categories(_read_ints(files["edge_labels"], 1))
        if len(edge_label) != len(edges):
            raise DatasetError(
                f"{files['edge_labels']}: {len(edge_label)} lines for {len(edges)} edges"
            )
    else:
        edge_label, edge_dim = np.zeros(len(edges), dtype=np.int64), 1
    low, high = edges.min(axis=1), edges.max(axis=1)
    proper = low != high
    if np.any(graph_of[low] != graph_of[high]):
        raise DatasetError(f"{files['A']}: an edge joins nodes of two different graphs")
    keys = low[proper] * num_nodes + high[proper]
    keys, first = np.unique(keys, return_index=True)
    low, high = keys // num_nodes, keys % num_nodes
    pair_label = edge_label[proper][first]
    graph_of_edge = graph_of[low]  # sorted, since keys are sorted by the lower node
    offset = node_ptr[graph_of_edge]
    edge_index = np.stack([low - offset, high - offset, high - offset, low - offset])
    edge_index = edge_index.reshape(2, 2, -1).transpose(1, 2, 0).reshape(2, -1)
    edge_attr = np.repeat(pair_label, 2)[:, None]
    edge_counts = 2 * np.bincount(graph_of_edge, minlength=num_graphs)

    if "node_labels" in files:
        node_label, node_dim = _categories(_read_ints(files["node_labels"], 1))
        if len(node_label) != num_nodes:
            raise DatasetError(
                f"{files['node_labels']}: {len(node_label)} lines for {num_nodes} nodes"
            )
    else:
        degree = np.bincount(np.concatenate([low, high]), minlength=num_nodes)
        node_label, node_dim = np.minimum(degree, MAX_DEGREE), MAX_DEGREE + 1
    graphs = GraphArrays(
        x=node_label[:, None],
        edge_index=edge_index.astype(np.int64),
        edge_attr=edge_attr.astype(np.int64),
        node_counts=np.diff(node_ptr),
        edge_counts=edge_counts,
    )
    labels = (raw_labels == classes[1]).astype(np.float64)[:, None]
    return TUGraphs(graphs, labels, ["class"], classes, [node_dim], [edge_dim])


@GRAPH_FORMATS.register("tu")
def load_tu(card: DatasetCard, paths: Sequence[Path]) -> GraphDataset:
    """A TU graph dataset (no SMILES: its graphs come from the files, not from a featurizer)."""
    tu = read_tu(card.name, paths)
    info = DatasetInfo(
        name=card.name,
        task=str(card.task),
        metric=card.metric,
        label_names=tu.label_names,
        featurizer=None,
        default_split=card.default_split,
        node_feature_dims=tu.node_feature_dims,
        edge_feature_dims=tu.edge_feature_dims,
    )
    count = len(tu.graphs)
    labels = torch.from_numpy(tu.labels).float()
    return GraphDataset(GraphStore.from_arrays(tu.graphs), labels, None, list(range(count)), info)
