"""The arrays of one large graph for node classification, as the node readers return them.

Every reader in :mod:`graphcl.data.nodes` (Planetoid, gnn-benchmark, WikiCS) produces a
:class:`NodeGraphArrays`: sparse node features, integer labels, one canonical undirected
``edge_index`` and the published splits as boolean masks. The dataset type built on top of it
(caching, cards, download) lives elsewhere; this module holds no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graphcl.errors import DatasetError
from graphcl.typing import IntArray

if TYPE_CHECKING:
    from torch_geometric.data import Data

#: A boolean node mask. Shape: (N,).
BoolArray = npt.NDArray[np.bool_]

#: The mask names a :class:`NodeGraphArrays` may carry in ``masks``.
MASK_NAMES = ("train", "valid", "test")


def canonical_edge_index(row: npt.ArrayLike, col: npt.ArrayLike, num_nodes: int) -> IntArray:
    """The undirected graph of the directed pairs ``(row[i], col[i])``, in graphcl's one form.

    Both directions of every pair are kept, self-loops and duplicates are dropped, and the
    columns are sorted by source, then target.

    Args:
        row: source node of each pair. Shape: (E_in,).
        col: target node of each pair. Shape: (E_in,).
        num_nodes: N; every id must lie in ``0..N-1``.

    Returns:
        int64 edge index. Shape: (2, E), E even, ``edge_index[:, k]`` and its reverse both present.

    Raises:
        DatasetError: ``row`` and ``col`` differ in length, or an id lies outside ``0..N-1``.

    Example:
        >>> canonical_edge_index([0, 1, 2, 2], [1, 0, 2, 0], 3).tolist()
        [[0, 0, 1, 2], [1, 2, 0, 0]]
    """
    src = np.asarray(row, dtype=np.int64).ravel()
    dst = np.asarray(col, dtype=np.int64).ravel()
    if src.shape != dst.shape:
        raise DatasetError(f"edge lists differ in length: {src.size} sources, {dst.size} targets")
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= num_nodes):
        raise DatasetError(f"edge endpoints must lie in 0..{num_nodes - 1}")
    proper = src != dst
    src, dst = src[proper], dst[proper]
    keys = np.unique(np.concatenate([src * num_nodes + dst, dst * num_nodes + src]))
    return np.stack([keys // num_nodes, keys % num_nodes]).astype(np.int64)


@dataclass(frozen=True)
class NodeGraphArrays:
    """One graph of N nodes with features, labels and published splits.

    Attributes:
        x: node features, float32 CSR. Shape: (N, F). Bag-of-words features stay sparse; use
            :meth:`dense_x` for a dense copy.
        y: class id of each node in ``0..C-1``, or -1 for a node without a label (the 15 CiteSeer
            nodes missing from its ``test.index``). int64. Shape: (N,).
        edge_index: undirected graph with both directions, no self-loops, no duplicates, sorted
            by source then target (see :func:`canonical_edge_index`). int64. Shape: (2, E).
        num_classes: C.
        class_names: the name of class ``c`` at position ``c``, when the source has them.
        feature_names: the name of feature column ``f`` at position ``f`` (a word or phrase of
            the bag of words), when the source has them.
        masks: the dataset's own published split as boolean masks named ``train``, ``valid`` and
            ``test`` (Planetoid's public split; WikiCS's single ``test`` mask). Empty when the
            dataset publishes none. Each Shape: (N,).
        split_masks: several published splits as ``(train, valid, test)`` mask triples (WikiCS:
            20), else None. Each Shape: (N,).
        stopping_masks: WikiCS's early-stopping mask of each split in ``split_masks``, else
            None. Each Shape: (N,).
        name: the dataset's display name (``"Cora"``, ``"Coauthor-CS"`` ...).
        source_files: the files read, as given to the reader.

    Raises:
        DatasetError: on construction, when the arrays disagree in N, a label lies outside
            ``-1..C-1``, ``edge_index`` is not in canonical form, or a mask has the wrong shape.
    """

    x: sp.csr_matrix
    y: IntArray
    edge_index: IntArray
    num_classes: int
    name: str
    source_files: list[str]
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    masks: dict[str, BoolArray] = field(default_factory=dict)
    split_masks: list[tuple[BoolArray, BoolArray, BoolArray]] | None = None
    stopping_masks: list[BoolArray] | None = None

    def __post_init__(self) -> None:
        where = f"{self.name}: "
        if not sp.issparse(self.x) or self.x.format != "csr" or self.x.dtype != np.float32:
            raise DatasetError(where + "x must be a float32 scipy.sparse CSR matrix")
        n = self.x.shape[0]
        if self.y.dtype != np.int64 or self.y.shape != (n,):
            raise DatasetError(where + f"y must be int64 of shape ({n},), got {self.y.shape}")
        if self.y.size and (self.y.min() < -1 or self.y.max() >= self.num_classes):
            raise DatasetError(where + f"labels must lie in -1..{self.num_classes - 1}")
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise DatasetError(
                where + f"{len(self.class_names)} class names for {self.num_classes} classes"
            )
        if self.feature_names is not None and len(self.feature_names) != self.x.shape[1]:
            raise DatasetError(
                where + f"{len(self.feature_names)} feature names for {self.x.shape[1]} columns"
            )
        _check_edge_index(self.edge_index, n, where)
        for key, mask in self.masks.items():
            if key not in MASK_NAMES:
                raise DatasetError(where + f"unknown mask {key!r}; use one of {MASK_NAMES}")
            _check_mask(mask, n, where + f"mask {key!r}")
        for k, triple in enumerate(self.split_masks or []):
            for part, mask in zip(MASK_NAMES, triple, strict=True):
                _check_mask(mask, n, where + f"split {k} {part} mask")
        if self.stopping_masks is not None:
            if self.split_masks is None or len(self.stopping_masks) != len(self.split_masks):
                raise DatasetError(where + "one stopping mask is needed per split in split_masks")
            for k, mask in enumerate(self.stopping_masks):
                _check_mask(mask, n, where + f"split {k} stopping mask")

    @property
    def num_nodes(self) -> int:
        """N."""
        return int(self.x.shape[0])

    @property
    def num_features(self) -> int:
        """F."""
        return int(self.x.shape[1])

    @property
    def num_edges(self) -> int:
        """E, the number of directed entries of ``edge_index`` (twice the undirected edges)."""
        return int(self.edge_index.shape[1])

    def dense_x(self) -> npt.NDArray[np.float32]:
        """A dense float32 copy of ``x``. Shape: (N, F)."""
        return np.asarray(self.x.toarray(), dtype=np.float32)

    def to_pyg(self) -> Data:
        """The graph as a ``torch_geometric.data.Data``.

        ``x`` (float32, dense), ``y`` (int64) and ``edge_index`` (int64) always; ``train_mask``,
        ``val_mask`` and ``test_mask`` from ``masks`` when present. With ``split_masks`` (which
        then take the place of ``masks``) the layout follows PyG's ``WikiCS``: ``train_mask`` and
        ``val_mask`` of Shape (N, S), one column per split, ``test_mask`` of Shape (N,) when all
        splits share it (else (N, S)), and ``stopping_mask`` of Shape (N, S) when there are
        stopping masks.
        """
        import torch
        from torch_geometric.data import Data

        data = Data(
            x=torch.from_numpy(self.dense_x()),
            y=torch.from_numpy(self.y.astype(np.int64)),
            edge_index=torch.from_numpy(self.edge_index.astype(np.int64)),
            num_nodes=self.num_nodes,
        )
        if self.split_masks:
            trains, valids, tests = (
                np.stack(part, axis=1) for part in zip(*self.split_masks, strict=True)
            )
            data.train_mask = torch.from_numpy(trains)
            data.val_mask = torch.from_numpy(valids)
            same_test = bool(np.all(tests == tests[:, :1]))
            data.test_mask = torch.from_numpy(tests[:, 0].copy() if same_test else tests)
            if self.stopping_masks is not None:
                data.stopping_mask = torch.from_numpy(np.stack(self.stopping_masks, axis=1))
        else:
            attributes = {"train": "train_mask", "valid": "val_mask", "test": "test_mask"}
            for key, mask in self.masks.items():
                data[attributes[key]] = torch.from_numpy(mask.copy())
        return data


def _check_edge_index(edge_index: IntArray, num_nodes: int, where: str) -> None:
    if edge_index.dtype != np.int64 or edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise DatasetError(
            where + f"edge_index must be int64 of shape (2, E), got {edge_index.shape}"
        )
    if edge_index.shape[1] == 0:
        return
    src, dst = edge_index
    if min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= num_nodes:
        raise DatasetError(where + f"edge_index ids must lie in 0..{num_nodes - 1}")
    keys = src * num_nodes + dst
    if np.any(np.diff(keys) <= 0):
        raise DatasetError(where + "edge_index must be sorted by source then target, no duplicates")
    if np.any(src == dst):
        raise DatasetError(where + "edge_index must not hold self-loops")
    reverse = np.sort(dst * num_nodes + src)
    if not np.array_equal(reverse, keys):
        raise DatasetError(where + "edge_index must hold both directions of every edge")


def _check_mask(mask: BoolArray, num_nodes: int, what: str) -> None:
    if mask.dtype != np.bool_ or mask.shape != (num_nodes,):
        raise DatasetError(f"{what} must be bool of shape ({num_nodes},), got {mask.shape}")
