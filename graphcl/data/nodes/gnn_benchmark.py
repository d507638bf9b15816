"""Reader of the gnn-benchmark ``.npz`` graphs: Amazon-Computers, Amazon-Photo, Coauthor-CS and
Coauthor-Physics.

Shchur, Mumme, Bojchevski & Günnemann, "Pitfalls of Graph Neural Network Evaluation", R2L
workshop, NeurIPS 2018 (shchur/gnn-benchmark). Amazon co-purchase graphs from McAuley et al.
(SIGIR 2015): nodes are products, features a bag of words of their reviews, classes product
categories. Coauthor graphs from the Microsoft Academic Graph (KDD Cup 2016): nodes are authors,
features the keywords of their papers, classes fields of study.

One ``.npz`` (read as ``.npz`` or gzipped ``.npz.gz``, decompressed in memory) holds the CSR
adjacency (``adj_data``, ``adj_indices``, ``adj_indptr``, ``adj_shape``), the CSR features
(``attr_*``), ``labels`` and ``class_names``, plus ``attr_names`` and ``node_names`` for Coauthor.
Arrays are loaded with ``numpy.load(allow_pickle=False)``; Coauthor's ``class_names`` is an
object array that numpy only stores pickled, so it is read with the string-only allow-list of
:func:`~graphcl.data.nodes.safe_unpickle.load_npy_strings` instead.

The graph is the adjacency made symmetric, without self-loops or duplicates, as PyG's ``Amazon``
and ``Coauthor`` build it; no node is dropped (the paper's largest-connected-component step is
not applied, as in PyG). Features are binarised (``x > 0 -> 1``) by default, as PyG does: the
stored Amazon features are already 0/1, Coauthor's are keyword counts.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from graphcl.data.nodes.arrays import NodeGraphArrays, canonical_edge_index
from graphcl.data.nodes.safe_unpickle import load_npy_strings
from graphcl.errors import DatasetError
from graphcl.typing import PathType

#: File stem -> display name.
GNN_BENCHMARK_NAMES = {
    "amazon_electronics_computers": "Amazon-Computers",
    "amazon_electronics_photo": "Amazon-Photo",
    "ms_academic_cs": "Coauthor-CS",
    "ms_academic_phy": "Coauthor-Physics",
}

_REQUIRED = (
    "adj_data",
    "adj_indices",
    "adj_indptr",
    "adj_shape",
    "attr_data",
    "attr_indices",
    "attr_indptr",
    "attr_shape",
    "labels",
)


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".npz")


def _open_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc})") from exc
    if path.name.endswith(".gz") or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"{path}: not a readable gzip file ({exc})") from exc
    return raw


def _csr(arrays: dict[str, np.ndarray], prefix: str, path: Path) -> sp.csr_matrix:
    try:
        shape = tuple(int(s) for s in arrays[f"{prefix}_shape"])
        matrix = sp.csr_matrix(
            (
                arrays[f"{prefix}_data"].astype(np.float32),
                arrays[f"{prefix}_indices"],
                arrays[f"{prefix}_indptr"],
            ),
            shape=shape,
            dtype=np.float32,
        )
        matrix.check_format(full_check=True)
    except (TypeError, ValueError, IndexError) as exc:
        raise DatasetError(f"{path}: inconsistent CSR arrays {prefix}_* ({exc})") from exc
    return matrix


def read_gnn_benchmark(
    path: PathType, name: str | None = None, *, binary_features: bool = True
) -> NodeGraphArrays:
    """Read one gnn-benchmark graph from its ``.npz`` or ``.npz.gz`` file.

    Args:
        path: the file, e.g. ``gnn_benchmark/ms_academic_cs.npz.gz``.
        name: display name; default from the file name (``"Coauthor-CS"``), else its stem.
        binary_features: set every positive feature to 1, as PyG does; False keeps Coauthor's
            keyword counts.

    Returns:
        The graph, with ``class_names`` and (Coauthor) ``feature_names``; no published split
        (``masks`` empty; use :func:`~graphcl.data.nodes.splits.random_node_splits`).
        Coauthor-CS: 18,333 nodes, 163,788 directed edges, 6,805 features, 15 classes.

    Raises:
        DatasetError: the file is missing, not an npz, lacks a key, holds pickled data other
            than a string array, or its arrays disagree in size.

    Example:
        >>> path = "shared/data/gnn_benchmark/ms_academic_cs.npz.gz"
        >>> cs = read_gnn_benchmark(path)  # doctest: +SKIP
        >>> cs.num_nodes, cs.num_edges, cs.num_features, cs.num_classes  # doctest: +SKIP
        (18333, 163788, 6805, 15)
    """
    path = Path(path)
    raw = _open_bytes(path)
    try:
        archive = np.load(io.BytesIO(raw), allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path}: not an .npz archive ({exc})") from exc
    with archive:
        missing = [key for key in _REQUIRED if key not in archive.files]
        if missing:
            raise DatasetError(f"{path}: missing key(s) {', '.join(missing)}")
        try:
            arrays = {key: archive[key] for key in _REQUIRED}
        except ValueError as exc:
            raise DatasetError(f"{path}: {exc}") from exc
        names: dict[str, list[str] | None] = {}
        with zipfile.ZipFile(io.BytesIO(raw)) as members:
            for key in ("class_names", "attr_names"):
                member = f"{key}.npy"
                names[key] = (
                    load_npy_strings(members.read(member), f"{path}:{member}")
                    if member in members.namelist()
                    else None
                )

    adjacency = _csr(arrays, "adj", path)
    features = _csr(arrays, "attr", path)
    num_nodes = adjacency.shape[0]
    if adjacency.shape != (num_nodes, num_nodes) or features.shape[0] != num_nodes:
        raise DatasetError(
            f"{path}: adjacency {adjacency.shape} and features {features.shape} disagree"
        )
    labels = arrays["labels"]
    if labels.shape != (num_nodes,) or labels.dtype.kind not in "iu" or labels.min() < 0:
        raise DatasetError(f"{path}: labels must be {num_nodes} non-negative integers")
    num_classes = int(labels.max()) + 1
    class_names = names["class_names"]
    if class_names is not None and len(class_names) != num_classes:
        raise DatasetError(f"{path}: {len(class_names)} class names for {num_classes} classes")
    features.sum_duplicates()
    features.sort_indices()
    if binary_features:
        features.data[features.data > 0] = 1.0
    features.eliminate_zeros()
    coo = adjacency.tocoo()
    stem = _stem(path)
    return NodeGraphArrays(
        x=features,
        y=labels.astype(np.int64),
        edge_index=canonical_edge_index(coo.row, coo.col, num_nodes),
        num_classes=num_classes,
        name=name or GNN_BENCHMARK_NAMES.get(stem, stem),
        source_files=[str(path)],
        class_names=class_names,
        feature_names=names["attr_names"],
    )
