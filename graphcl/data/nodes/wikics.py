"""Reader of WikiCS, the Wikipedia computer-science article graph.

Mernyei & Cangea, "Wiki-CS: A Wikipedia-Based Benchmark for Graph Neural Networks", GRL+
workshop, ICML 2020 (pmernyei/wiki-cs-dataset, ``dataset/data.json``). Nodes are articles,
edges hyperlinks, features the 300-dimensional mean GloVe vector of the article text, classes
one of 10 computer-science branches. ``data.json`` holds:

* ``features``: N lists of F floats; ``labels``: N class ids;
* ``links``: N adjacency lists (outgoing hyperlinks of node i);
* ``train_masks``, ``val_masks``, ``stopping_masks``: 20 lists of N booleans (or 0/1) each,
  one per published split; ``test_mask``: one list of N booleans shared by all splits.

The graph is the links made symmetric, without self-loops or duplicates. PyG's
``WikiCS(is_undirected=True)`` keeps self-loops, so its 216,123 directed edges are this graph's
edges plus one entry per self-looped article. Real statistics: 11,701 nodes, 300 features, 10
classes, 20 splits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphcl.data.nodes.arrays import BoolArray, NodeGraphArrays, canonical_edge_index
from graphcl.errors import DatasetError
from graphcl.typing import PathType

_KEYS = ("features", "labels", "links", "train_masks", "val_masks", "stopping_masks", "test_mask")


def _mask(values: Any, num_nodes: int, where: str) -> BoolArray:
    try:
        array = np.asarray(values)
    except ValueError as exc:
        raise DatasetError(f"{where}: not a list of booleans ({exc})") from exc
    if array.shape != (num_nodes,) or not (
        array.dtype == np.bool_ or (array.dtype.kind in "iu" and np.isin(array, (0, 1)).all())
    ):
        raise DatasetError(f"{where}: expected {num_nodes} booleans (or 0/1)")
    return array.astype(bool)


def _mask_list(data: dict[str, Any], key: str, num_nodes: int, path: Path) -> list[BoolArray]:
    values = data[key]
    if not isinstance(values, list) or not values:
        raise DatasetError(f"{path}: {key!r} must be a non-empty list of masks")
    return [_mask(m, num_nodes, f"{path}: {key}[{k}]") for k, m in enumerate(values)]


def read_wikics(path: PathType) -> NodeGraphArrays:
    """Read WikiCS from its ``data.json``.

    Args:
        path: the ``data.json`` file.

    Returns:
        The graph with its 20 published splits in ``split_masks`` (train = ``train_masks[k]``,
        valid = ``val_masks[k]``, test = ``test_mask``), the early-stopping masks in
        ``stopping_masks``, and ``masks == {"test": test_mask}``.

    Raises:
        DatasetError: the file is missing or not JSON, a key is missing, a link points outside
            ``0..N-1``, or the lists disagree in length.

    Example:
        >>> wikics = read_wikics("wikics/data.json")  # doctest: +SKIP
        >>> wikics.num_nodes, wikics.num_features, wikics.num_classes  # doctest: +SKIP
        (11701, 300, 10)
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a JSON object with keys {', '.join(_KEYS)}")
    missing = [key for key in _KEYS if key not in data]
    if missing:
        raise DatasetError(f"{path}: missing key(s) {', '.join(missing)}")

    try:
        features = np.asarray(data["features"], dtype=np.float32)
        labels = np.asarray(data["labels"])
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: 'features' must be N equal-length lists of numbers") from exc
    if features.ndim != 2:
        raise DatasetError(f"{path}: 'features' must be N equal-length lists of numbers")
    num_nodes = features.shape[0]
    if labels.shape != (num_nodes,) or labels.dtype.kind not in "iu" or labels.min() < 0:
        raise DatasetError(f"{path}: 'labels' must be {num_nodes} non-negative integers")
    links = data["links"]
    if not isinstance(links, list) or len(links) != num_nodes:
        raise DatasetError(f"{path}: 'links' must hold one adjacency list per node ({num_nodes})")
    try:
        rows = np.repeat(np.arange(num_nodes, dtype=np.int64), [len(js) for js in links])
        cols = np.fromiter((j for js in links for j in js), dtype=np.int64, count=len(rows))
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: 'links' must be lists of integer node ids ({exc})") from exc
    try:
        edge_index = canonical_edge_index(rows, cols, num_nodes)
    except DatasetError as exc:
        raise DatasetError(f"{path}: 'links': {exc}") from None

    trains = _mask_list(data, "train_masks", num_nodes, path)
    valids = _mask_list(data, "val_masks", num_nodes, path)
    stops = _mask_list(data, "stopping_masks", num_nodes, path)
    if not len(trains) == len(valids) == len(stops):
        raise DatasetError(
            f"{path}: {len(trains)} train, {len(valids)} val and {len(stops)} stopping masks"
        )
    test = _mask(data["test_mask"], num_nodes, f"{path}: test_mask")
    return NodeGraphArrays(
        x=sp.csr_matrix(features, dtype=np.float32),
        y=labels.astype(np.int64),
        edge_index=edge_index,
        num_classes=int(labels.max()) + 1,
        name="WikiCS",
        source_files=[str(path)],
        masks={"test": test},
        split_masks=[(tr, va, test) for tr, va in zip(trains, valids, strict=True)],
        stopping_masks=stops,
    )
