"""Reader of the raw Planetoid citation graphs Cora, CiteSeer and PubMed.

Yang, Cohen & Salakhutdinov, "Revisiting Semi-Supervised Learning with Graph Embeddings", ICML
2016 (kimiyoung/planetoid); the processing is Kipf & Welling's (ICLR 2017) as PyG's
``Planetoid`` reproduces it. A dataset ``<name>`` is eight files ``ind.<name>.<part>``:

* ``x``, ``tx``, ``allx``: bag-of-words features (TF-IDF for PubMed) of the labelled training
  nodes, the test nodes and all non-test nodes, as Python-2 pickles of ``scipy.sparse`` CSR
  matrices;
* ``y``, ``ty``, ``ally``: the matching one-hot labels (pickled numpy arrays);
* ``graph``: a pickled ``defaultdict`` node -> list of neighbours;
* ``test.index``: the node id of each ``tx`` row, one integer per line, unsorted.

The pickles are read with :func:`~graphcl.data.nodes.safe_unpickle.load_planetoid_pickle`, never
with the plain unpickler. Node ``i < len(allx)`` has row ``i`` of ``allx``/``ally``; node
``test.index[k]`` has row ``k`` of ``tx``/``ty``. CiteSeer's test ids span 1,015 ids with 15 gaps:
nodes of the graph that have no features or label in the files (often called isolated, but each
has one or two edges; CiteSeer's 48 isolated nodes are others). They get a zero feature row and
label -1 (PyG's loader gives them label 0); any all-zero one-hot row would also give -1. The
public split is train = the first ``len(y)`` nodes (Cora 140, CiteSeer 120, PubMed 60), valid =
the next 500, test = the 1,000 ids of ``test.index``. The graph is the adjacency dict made
symmetric, without self-loops or duplicates (Cora's dict is already symmetric and loop-free;
CiteSeer's has 248 self-loop entries, PubMed's 6, which are dropped, as PyG drops them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphcl.data.nodes.arrays import NodeGraphArrays, canonical_edge_index
from graphcl.data.nodes.safe_unpickle import as_csr, load_planetoid_pickle
from graphcl.data.nodes.splits import index_to_mask
from graphcl.errors import DatasetError, UnknownNameError
from graphcl.typing import IntArray, PathType

#: Lower-case file prefix -> display name.
PLANETOID_NAMES = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}

#: The parts of a Planetoid dataset, in the order of the file name suffixes.
PLANETOID_PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")

#: Size of the public validation set, after the training nodes.
NUM_VALID = 500


def planetoid_files(folder: PathType, name: str) -> dict[str, Path]:
    """The eight files of ``name`` in ``folder``, by part (``"x"`` ... ``"test.index"``).

    Raises:
        UnknownNameError: ``name`` is not cora, citeseer or pubmed (case-insensitive).
    """
    prefix = name.lower()
    if prefix not in PLANETOID_NAMES:
        raise UnknownNameError("Planetoid dataset", name, PLANETOID_NAMES)
    return {part: Path(folder) / f"ind.{prefix}.{part}" for part in PLANETOID_PARTS}


def _read_test_index(path: Path) -> IntArray:
    values: list[int] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                values.append(int(line))
            except ValueError:
                raise DatasetError(f"{path}:{number}: not an integer node id: {line!r}") from None
    index = np.asarray(values, dtype=np.int64)
    if index.size == 0 or len(np.unique(index)) != index.size or index.min() < 0:
        raise DatasetError(f"{path}: test ids must be distinct non-negative integers")
    return index


def _labels(obj: Any, path: Path, rows: int | None = None) -> np.ndarray:
    if not isinstance(obj, np.ndarray) or obj.ndim != 2 or obj.dtype.kind not in "biuf":
        raise DatasetError(f"{path}: expected a 2-D numeric one-hot label array")
    if rows is not None and obj.shape[0] != rows:
        raise DatasetError(f"{path}: {obj.shape[0]} label rows for {rows} feature rows")
    if not np.all((obj == 0) | (obj == 1)) or np.any(obj.sum(axis=1) > 1):
        raise DatasetError(f"{path}: labels must be one-hot rows (or all-zero rows)")
    return obj


def _class_ids(one_hot: np.ndarray) -> IntArray:
    """Class id of each one-hot row; -1 for an all-zero row."""
    ids = one_hot.argmax(axis=1).astype(np.int64)
    ids[one_hot.sum(axis=1) == 0] = -1
    return ids


def _edges(graph: Any, num_nodes: int, path: Path) -> IntArray:
    if not isinstance(graph, dict):
        raise DatasetError(f"{path}: expected a dict node -> list of neighbours")
    try:
        rows = np.repeat(
            np.fromiter(graph.keys(), dtype=np.int64, count=len(graph)),
            [len(neighbours) for neighbours in graph.values()],
        )
        cols = np.fromiter((v for neighbours in graph.values() for v in neighbours), dtype=np.int64)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: node ids must be integers ({exc})") from exc
    try:
        return canonical_edge_index(rows, cols, num_nodes)
    except DatasetError as exc:
        raise DatasetError(f"{path}: {exc}") from None


def read_planetoid(folder: PathType, name: str) -> NodeGraphArrays:
    """Read Cora, CiteSeer or PubMed from its raw ``ind.<name>.*`` files.

    Features are returned as stored (binary bag of words for Cora and CiteSeer, TF-IDF for
    PubMed); the papers row-normalise them, see
    :func:`~graphcl.data.nodes.transforms.row_normalize`.

    Args:
        folder: the directory holding the eight files.
        name: ``"cora"``, ``"citeseer"`` or ``"pubmed"`` (case-insensitive).

    Returns:
        The graph with ``masks`` ``train``/``valid``/``test`` of the public split. Cora: 2,708
        nodes, 10,556 directed edges, 1,433 features, 7 classes.

    Raises:
        UnknownNameError: ``name`` is not one of the three datasets.
        DatasetError: a file is missing (all missing files are named), a pickle names a global
            outside the allow-list, or the files disagree (row counts, ids out of range, ``x``/
            ``y`` not the first rows of ``allx``/``ally``).

    Example:
        >>> cora = read_planetoid("shared/data/planetoid", "cora")  # doctest: +SKIP
        >>> cora.num_nodes, cora.num_edges, int(cora.masks["train"].sum())  # doctest: +SKIP
        (2708, 10556, 140)
    """
    files = planetoid_files(folder, name)
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise DatasetError(
            f"Planetoid {PLANETOID_NAMES[name.lower()]}: missing file(s) {', '.join(missing)}"
        )
    x = as_csr(load_planetoid_pickle(files["x"]), str(files["x"]))
    tx = as_csr(load_planetoid_pickle(files["tx"]), str(files["tx"]))
    allx = as_csr(load_planetoid_pickle(files["allx"]), str(files["allx"]))
    y = _labels(load_planetoid_pickle(files["y"]), files["y"], x.shape[0])
    ty = _labels(load_planetoid_pickle(files["ty"]), files["ty"], tx.shape[0])
    ally = _labels(load_planetoid_pickle(files["ally"]), files["ally"], allx.shape[0])
    graph = load_planetoid_pickle(files["graph"])
    test_index = _read_test_index(files["test.index"])

    num_features, num_classes = allx.shape[1], ally.shape[1]
    if {x.shape[1], tx.shape[1]} != {num_features} or {y.shape[1], ty.shape[1]} != {num_classes}:
        raise DatasetError(
            f"{files['x']}, {files['tx']}, {files['allx']}: feature or class counts disagree"
        )
    if len(test_index) != tx.shape[0]:
        raise DatasetError(f"{files['test.index']}: {len(test_index)} ids for {tx.shape[0]} rows")
    first_test = allx.shape[0]
    if test_index.min() != first_test:
        raise DatasetError(
            f"{files['test.index']}: the smallest test id is {test_index.min()}, expected "
            f"{first_test} (the row count of {files['allx'].name})"
        )
    num_nodes = int(test_index.max()) + 1
    if (x != allx[: x.shape[0]]).nnz or not np.array_equal(y, ally[: y.shape[0]]):
        raise DatasetError(f"{files['x']}, {files['y']}: not the first rows of allx / ally")

    # row source of each node: allx row i, tx row k (node test_index[k]) or the zero row
    zero_row = first_test + tx.shape[0]
    source = np.full(num_nodes, zero_row, dtype=np.int64)
    source[:first_test] = np.arange(first_test)
    source[test_index] = first_test + np.arange(tx.shape[0])
    stacked = sp.vstack([allx, tx, sp.csr_matrix((1, num_features), dtype=np.float32)])
    features = sp.csr_matrix(stacked.tocsr()[source], dtype=np.float32)
    features.sort_indices()
    labels = np.concatenate([_class_ids(ally), _class_ids(ty), [-1]])[source]

    train = np.arange(y.shape[0])
    valid = np.arange(y.shape[0], y.shape[0] + NUM_VALID)
    if valid[-1] >= first_test:
        raise DatasetError(f"{files['allx']}: fewer than {NUM_VALID} nodes after the train nodes")
    return NodeGraphArrays(
        x=features,
        y=labels.astype(np.int64),
        edge_index=_edges(graph, num_nodes, files["graph"]),
        num_classes=int(num_classes),
        name=PLANETOID_NAMES[name.lower()],
        source_files=[str(path) for path in files.values()],
        masks={
            "train": index_to_mask(train, num_nodes),
            "valid": index_to_mask(valid, num_nodes),
            "test": index_to_mask(test_index, num_nodes),
        },
    )
