"""Node splits of one large graph: the published ones and seeded random ones.

The node-level contrastive methods (GRACE, Zhu et al. 2020; GCA, Zhu et al. 2021; BGRL, Thakoor
et al. 2022) evaluate a frozen encoder with a linear classifier on random 10% / 10% / 80%
train / valid / test node splits, repeated over several seeds, for datasets without a published
split (Amazon, Coauthor), and on the published splits otherwise (Planetoid's public split,
WikiCS's 20 splits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from graphcl.data.nodes.arrays import BoolArray, NodeGraphArrays
from graphcl.errors import DatasetError
from graphcl.typing import IntArray

#: One split as node ids: (train, valid, test), each sorted int64. Shape: (K,) each.
IndexSplit = tuple[IntArray, IntArray, IntArray]


def index_to_mask(indices: npt.ArrayLike, num_nodes: int) -> BoolArray:
    """Boolean mask that is True at ``indices``.

    Args:
        indices: node ids in ``0..N-1``. Shape: (K,).
        num_nodes: N.

    Returns:
        Shape: (N,).

    Raises:
        DatasetError: an index lies outside ``0..N-1``.

    Example:
        >>> index_to_mask([0, 2], 4).tolist()
        [True, False, True, False]
    """
    index = np.asarray(indices, dtype=np.int64).ravel()
    if index.size and (index.min() < 0 or index.max() >= num_nodes):
        raise DatasetError(f"node indices must lie in 0..{num_nodes - 1}")
    mask = np.zeros(num_nodes, dtype=bool)
    mask[index] = True
    return mask


def mask_to_indices(mask: npt.ArrayLike) -> IntArray:
    """The sorted node ids where ``mask`` is True.

    Args:
        mask: Shape: (N,), bool.

    Returns:
        int64. Shape: (K,).

    Raises:
        DatasetError: ``mask`` is not a 1-D boolean array.

    Example:
        >>> mask_to_indices([True, False, True]).tolist()
        [0, 2]
    """
    array = np.asarray(mask)
    if array.dtype != np.bool_ or array.ndim != 1:
        raise DatasetError(
            f"a node mask must be 1-D bool, got {array.dtype} of shape {array.shape}"
        )
    return np.flatnonzero(array).astype(np.int64)


def masks_to_indices(train: npt.ArrayLike, valid: npt.ArrayLike, test: npt.ArrayLike) -> IndexSplit:
    """A ``(train, valid, test)`` mask triple as sorted node-id arrays.

    Raises:
        DatasetError: a mask is not 1-D bool, or the masks differ in length.
    """
    if len({np.asarray(m).shape for m in (train, valid, test)}) != 1:
        raise DatasetError("train, valid and test masks must have the same length")
    return mask_to_indices(train), mask_to_indices(valid), mask_to_indices(test)


def _check_frac(frac: Sequence[float]) -> tuple[float, float, float]:
    if len(frac) != 3:
        raise DatasetError(f"frac must be (train, valid, test) fractions, got {tuple(frac)}")
    f_train, f_valid, f_test = (float(f) for f in frac)
    if min(f_train, f_valid, f_test) < 0 or f_train + f_valid + f_test > 1 + 1e-9:
        raise DatasetError(f"fractions must be >= 0 and sum to at most 1, got {tuple(frac)}")
    return f_train, f_valid, f_test


def random_node_splits(
    num_nodes: int,
    num_splits: int = 20,
    frac: Sequence[float] = (0.1, 0.1, 0.8),
    seed: int = 0,
) -> list[IndexSplit]:
    """Seeded random (train, valid, test) node splits, the GRACE / GCA / BGRL protocol.

    Split ``k`` permutes the nodes with ``numpy.random.default_rng([seed, k])`` (a
    ``SeedSequence`` of the two integers, so splits are independent of each other and of
    ``num_splits``: the first 5 of 20 splits equal the 5 splits of ``num_splits=5``). The
    permutation is cut into ``floor(frac[0] * N)`` train and ``floor(frac[1] * N)`` valid nodes;
    test takes the rest when the fractions sum to 1, else ``floor(frac[2] * N)`` nodes (the
    remaining nodes are in no part). Each part is returned sorted.

    Args:
        num_nodes: N.
        num_splits: how many splits.
        frac: (train, valid, test) fractions, each >= 0, summing to at most 1.
        seed: non-negative base seed.

    Returns:
        ``num_splits`` triples of disjoint sorted int64 node-id arrays.

    Raises:
        DatasetError: ``num_nodes`` or ``num_splits`` < 1, ``seed`` < 0, or bad fractions.

    Example:
        >>> train, valid, test = random_node_splits(100, num_splits=1)[0]
        >>> len(train), len(valid), len(test)
        (10, 10, 80)
    """
    if num_nodes < 1 or num_splits < 1:
        raise DatasetError(f"num_nodes and num_splits must be >= 1, got {num_nodes}, {num_splits}")
    if seed < 0:
        raise DatasetError(f"seed must be >= 0, got {seed}")
    f_train, f_valid, f_test = _check_frac(frac)
    n_train = int(np.floor(f_train * num_nodes))
    n_valid = int(np.floor(f_valid * num_nodes))
    if abs(f_train + f_valid + f_test - 1) <= 1e-9:
        n_test = num_nodes - n_train - n_valid
    else:
        n_test = int(np.floor(f_test * num_nodes))
    splits: list[IndexSplit] = []
    for k in range(num_splits):
        order = np.random.default_rng([seed, k]).permutation(num_nodes).astype(np.int64)
        splits.append(
            (
                np.sort(order[:n_train]),
                np.sort(order[n_train : n_train + n_valid]),
                np.sort(order[n_train + n_valid : n_train + n_valid + n_test]),
            )
        )
    return splits


def public_split(arrays: NodeGraphArrays) -> list[IndexSplit]:
    """The dataset's published split(s) as node ids.

    WikiCS: its 20 splits, train = ``train_masks[k]``, valid = ``val_masks[k]`` (the
    ``stopping_masks`` are left out; they are in ``arrays.stopping_masks``), test = the single
    ``test_mask``. Planetoid: one split, the public 140/500/1000 (Cora) split.

    Args:
        arrays: a graph read by one of the node readers.

    Returns:
        One triple per published split, each part sorted int64.

    Raises:
        DatasetError: the dataset has no published split (Amazon, Coauthor: use
            :func:`random_node_splits`).
    """
    if arrays.split_masks:
        return [masks_to_indices(*triple) for triple in arrays.split_masks]
    if all(key in arrays.masks for key in ("train", "valid", "test")):
        return [
            masks_to_indices(arrays.masks["train"], arrays.masks["valid"], arrays.masks["test"])
        ]
    raise DatasetError(
        f"{arrays.name} has no published train/valid/test split; use random_node_splits"
    )
