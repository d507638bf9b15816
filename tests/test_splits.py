from __future__ import annotations

import pytest
import torch

from graphcl.data.splits import (
    FIXED_SPLITS,
    SPLITS,
    balanced_scaffold_split,
    make_split,
    murcko_scaffold,
    random_split,
    scaffold_split,
)
from graphcl.errors import DatasetError

# Hand-made set with known Bemis-Murcko scaffolds (index: scaffold group)
# benzene: 0, 3, 6 | cyclohexane: 1, 4 | pyridine: 2, 7 | naphthalene: 5 | acyclic "": 8, 9
SMILES = [
    "Cc1ccccc1",  # 0 benzene
    "CC1CCCCC1",  # 1 cyclohexane
    "Cc1ccncc1",  # 2 pyridine
    "Oc1ccccc1",  # 3 benzene
    "OC1CCCCC1",  # 4 cyclohexane
    "Cc1ccc2ccccc2c1",  # 5 naphthalene
    "Nc1ccccc1",  # 6 benzene
    "Nc1ccncc1",  # 7 pyridine
    "CCO",  # 8 acyclic
    "CCCN",  # 9 acyclic
]


def test_murcko_scaffold_keeps_chirality() -> None:
    assert murcko_scaffold("Cc1ccccc1") == "c1ccccc1"
    assert murcko_scaffold("CCO") == ""
    chiral = murcko_scaffold("C[C@H]1CC[C@@H](C2CCCCC2)O1")
    assert "@" in chiral


def test_scaffold_split_follows_size_order_and_tie_rule() -> None:
    # groups sorted by (size, first index) descending: benzene(3), acyclic(2, first 8),
    # pyridine(2, first 2), cyclohexane(2, first 1), naphthalene(1).
    # train cutoff 8: 3 + 2 + 2 = 7 fit; cyclohexane would make 9 -> valid cutoff 9: 7+2 fits.
    # naphthalene: train 7+1 = 8 fits.
    train, valid, test = scaffold_split(SMILES)
    assert train == [0, 3, 6, 8, 9, 2, 7, 5]
    assert valid == [1, 4]
    assert test == []


def test_scaffold_split_is_deterministic_and_partitions() -> None:
    smiles = SMILES * 3
    first = scaffold_split(smiles, frac=(0.6, 0.2, 0.2))
    assert first == scaffold_split(smiles, frac=(0.6, 0.2, 0.2))
    assert first == scaffold_split(smiles, frac=(0.6, 0.2, 0.2), seed=123)  # seed is ignored
    together = sorted(first[0] + first[1] + first[2])
    assert together == list(range(len(smiles)))


def test_scaffold_groups_never_cross_parts() -> None:
    smiles = SMILES * 5
    for split in (scaffold_split(smiles), balanced_scaffold_split(smiles, seed=3)):
        owner = {}
        for part, indices in enumerate(split):
            for i in indices:
                scaffold = murcko_scaffold(smiles[i])
                assert owner.setdefault(scaffold, part) == part


def test_balanced_scaffold_split_depends_on_seed(nci_smiles: list[str]) -> None:
    smiles = nci_smiles[:400]
    a = balanced_scaffold_split(smiles, seed=0)
    assert a == balanced_scaffold_split(smiles, seed=0)
    assert a != balanced_scaffold_split(smiles, seed=1)
    assert sorted(a[0] + a[1] + a[2]) == list(range(400))
    assert abs(len(a[0]) - 320) <= 40


def test_random_split_sizes_and_seed() -> None:
    train, valid, test = random_split(list(range(101)), seed=7)
    assert (len(train), len(valid), len(test)) == (81, 10, 10)
    assert (train, valid, test) == random_split(list(range(101)), seed=7)
    assert train != random_split(list(range(101)), seed=8)[0]


@pytest.mark.parametrize("name", sorted(set(SPLITS.available()) - FIXED_SPLITS))
def test_every_split_runs_through_make_split(name: str) -> None:
    split = make_split(name, SMILES * 2, seed=1)
    assert sorted(split.train + split.valid + split.test) == list(range(20))
    record = split.to_dict()
    assert record["name"] == name and sum(record["sizes"]) == 20
    assert (record["seed"] is None) == (name == "scaffold")


def test_the_public_split_is_the_datasets_own_and_a_list_has_none() -> None:
    class Published:
        name = "toy"

        def __len__(self) -> int:
            return 5

        def __init__(self) -> None:
            runs = (([0, 1], [2], [3, 4]), ([4, 3], [1], [0, 2]))
            self.splits = {"public": [tuple(torch.tensor(p) for p in run) for run in runs]}

    assert make_split("public", Published(), seed=0).train == [0, 1]
    assert make_split("public", Published(), seed=3).test == [0, 2]  # seed 3 -> split 1
    with pytest.raises(DatasetError, match="no public split; use split: random"):
        make_split("public", SMILES * 2, seed=0)


def test_bad_fractions_are_rejected() -> None:
    with pytest.raises(ValueError, match="summing to 1"):
        scaffold_split(SMILES, frac=(0.8, 0.1, 0.2))
