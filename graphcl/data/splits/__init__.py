"""Dataset splits by name: ``scaffold`` (deterministic, pretrain-gnns), ``balanced_scaffold``
(seeded, chemprop/GROVER/KCL) and ``random`` (seeded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphcl.data.splits.balanced_scaffold import balanced_scaffold_split
from graphcl.data.splits.random_split import random_split
from graphcl.data.splits.scaffold import murcko_scaffold, scaffold_split
from graphcl.errors import DatasetError
from graphcl.registry import Registry

SplitFn = Callable[..., tuple[list[int], list[int], list[int]]]
SPLITS: Registry[SplitFn] = Registry("split")
SPLITS.register("scaffold")(scaffold_split)
SPLITS.register("balanced_scaffold")(balanced_scaffold_split)
SPLITS.register("random")(random_split)

#: Splits whose result does not depend on the seed.
DETERMINISTIC_SPLITS = frozenset({"scaffold"})


@dataclass(frozen=True)
class Split:
    """Train/valid/test indices of one split, with how they were made."""

    name: str
    seed: int | None
    frac: tuple[float, float, float]
    train: list[int]
    valid: list[int]
    test: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "frac": list(self.frac),
            "sizes": [len(self.train), len(self.valid), len(self.test)],
            "train": self.train,
            "valid": self.valid,
            "test": self.test,
        }


def make_split(
    name: str,
    smiles: Sequence[str],
    frac: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int | None = 0,
) -> Split:
    """Split ``smiles`` with the split registered as ``name``.

    Raises:
        UnknownNameError: no such split.
        DatasetError: a scaffold split of a dataset without SMILES (a TU graph dataset).
    """
    if name != "random" and smiles and not any(smiles):
        raise DatasetError(
            f"the {name!r} split groups molecules by their SMILES, and this dataset has none "
            "(a graph dataset); use split: random"
        )
    train, valid, test = SPLITS.get(name)(smiles, frac=frac, seed=seed)
    used_seed = None if name in DETERMINISTIC_SPLITS else seed
    a, b, c = (float(f) for f in frac)
    return Split(name, used_seed, (a, b, c), train, valid, test)


def available() -> list[str]:
    """Names of the registered splits."""
    return SPLITS.available()


__all__ = [
    "DETERMINISTIC_SPLITS",
    "SPLITS",
    "Split",
    "available",
    "balanced_scaffold_split",
    "make_split",
    "murcko_scaffold",
    "random_split",
    "scaffold_split",
]
