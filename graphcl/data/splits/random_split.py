"""Uniformly random split with a seed."""

from __future__ import annotations

from collections.abc import Sequence, Sized

import numpy as np

from graphcl.data.splits.registry import SPLITS
from graphcl.data.splits.scaffold import check_fractions


@SPLITS.register("random")
def random_split(
    smiles: Sequence[object] | Sized,
    frac: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int | None = 0,
) -> tuple[list[int], list[int], list[int]]:
    """Random permutation cut into (train, valid, test) of ``floor(frac * N)`` (train takes the
    rounding remainder).

    Args:
        smiles: a dataset, or one entry per example (only the length is used).
        frac: (train, valid, test) fractions.
        seed: seed of ``numpy.random.default_rng``.
    """
    _, frac_valid, frac_test = check_fractions(frac)
    order = np.random.default_rng(seed or 0).permutation(len(smiles)).tolist()
    n_valid = int(frac_valid * len(smiles))
    n_test = int(frac_test * len(smiles))
    n_train = len(smiles) - n_valid - n_test
    return order[:n_train], order[n_train : n_train + n_valid], order[n_train + n_valid :]
