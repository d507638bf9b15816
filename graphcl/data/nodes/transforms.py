"""Node-feature transforms for one large graph.

Planetoid features are row-normalised in the papers that use them (Kipf & Welling, ICLR 2017,
``preprocess_features``; GRACE and GCA through PyG's ``NormalizeFeatures``); Amazon, Coauthor and
WikiCS features are used as read.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graphcl.errors import DatasetError

Features = TypeVar("Features", sp.csr_matrix, npt.NDArray[np.float32])


def row_normalize(x: Features) -> Features:
    """Each row divided by its sum; rows that sum to zero stay as they are (all zeros for
    non-negative features).

    Kipf & Welling's rule (divide by the row sum wherever it is non-zero). For the non-negative
    bag-of-words features it is meant for, every non-empty row then sums to 1 and equals PyG's
    ``NormalizeFeatures`` (which divides by ``max(sum, 1)``), since such rows sum to at least 1.
    The sum is taken in float64 and the result returned as float32.

    Args:
        x: node features, a ``scipy.sparse`` matrix (returned as CSR) or a dense array.
            Shape: (N, F).

    Returns:
        A new float32 matrix of the same kind; ``x`` is not modified. Shape: (N, F).

    Raises:
        DatasetError: ``x`` is not two-dimensional.

    Example:
        >>> row_normalize(np.array([[1.0, 3.0], [0.0, 0.0]])).tolist()
        [[0.25, 0.75], [0.0, 0.0]]
    """
    if x.ndim != 2:
        raise DatasetError(f"features must be a 2-D (N, F) matrix, got shape {x.shape}")
    if sp.issparse(x):
        matrix = sp.csr_matrix(x, dtype=np.float64, copy=True)
        sums = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
        scale = np.divide(1.0, sums, out=np.ones_like(sums), where=sums != 0)
        matrix.data *= np.repeat(scale, np.diff(matrix.indptr))
        return sp.csr_matrix(matrix, dtype=np.float32)
    dense = np.asarray(x, dtype=np.float64)
    sums = dense.sum(axis=1, keepdims=True)
    scale = np.divide(1.0, sums, out=np.ones_like(sums), where=sums != 0)
    return np.asarray(dense * scale, dtype=np.float32)
