"""Balanced random scaffold split with a seed (chemprop's ``scaffold_balanced``).

Used by GROVER and KCL: scaffold groups larger than half the valid or test size go first (in a
seeded random order), then the remaining groups in a seeded random order; each group goes to train
while it fits, else to valid while it fits, else to test. Different seeds give different, still
scaffold-disjoint, splits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from graphcl.data.splits.registry import SPLITS, require_smiles
from graphcl.data.splits.scaffold import check_fractions, scaffold_groups


def balanced_scaffold_split(
    smiles: Sequence[str],
    frac: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int | None = 0,
) -> tuple[list[int], list[int], list[int]]:
    """Seeded, size-balanced scaffold split.

    Args:
        smiles: one SMILES per molecule.
        frac: (train, valid, test) fractions.
        seed: random seed of the group order.

    Returns:
        Train, valid and test indices into ``smiles``; no scaffold spans two parts.
    """
    frac_train, frac_valid, frac_test = check_fractions(frac)
    train_size = frac_train * len(smiles)
    valid_size = frac_valid * len(smiles)
    test_size = frac_test * len(smiles)
    big: list[list[int]] = []
    small: list[list[int]] = []
    for members in scaffold_groups(smiles):
        is_big = len(members) > valid_size / 2 or len(members) > test_size / 2
        (big if is_big else small).append(members)
    rng = random.Random(seed or 0)
    rng.shuffle(big)
    rng.shuffle(small)
    train: list[int] = []
    valid: list[int] = []
    test: list[int] = []
    for members in big + small:
        if len(train) + len(members) <= train_size:
            train.extend(members)
        elif len(valid) + len(members) <= valid_size:
            valid.extend(members)
        else:
            test.extend(members)
    return train, valid, test


@SPLITS.register("balanced_scaffold")
def balanced_scaffold(
    dataset: object, frac: Sequence[float] = (0.8, 0.1, 0.1), seed: int | None = 0
) -> tuple[list[int], list[int], list[int]]:
    """:func:`balanced_scaffold_split` of a dataset's SMILES.

    Raises:
        DatasetError: the dataset has no SMILES (graphs that are not molecules).
    """
    return balanced_scaffold_split(require_smiles(dataset, "balanced_scaffold"), frac, seed)
