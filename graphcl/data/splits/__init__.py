"""Dataset splits by name: ``scaffold`` (deterministic, pretrain-gnns), ``balanced_scaffold``
(seeded, chemprop/GROVER/KCL), ``random`` (seeded) and ``public`` (a dataset's published split,
e.g. Planetoid's); split rules (``default``, ``kcl``) choose
one per dataset. Splits take a dataset; the scaffold splits need its SMILES and say so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from graphcl.data.splits.balanced_scaffold import balanced_scaffold, balanced_scaffold_split
from graphcl.data.splits.public import public_split
from graphcl.data.splits.random_split import random_split
from graphcl.data.splits.registry import SPLITS, require_smiles
from graphcl.data.splits.rules import SPLIT_RULES, SplitRule
from graphcl.data.splits.scaffold import murcko_scaffold, scaffold, scaffold_split

#: Splits whose result does not depend on the seed.
DETERMINISTIC_SPLITS = frozenset({"scaffold"})
#: Splits fixed by a dataset's publishers (``frac`` is not used).
FIXED_SPLITS = frozenset({"public"})


@dataclass(frozen=True)
class Split:
    """Train/valid/test indices of one split, with how they were made."""

    name: str
    seed: int | None
    frac: tuple[float, float, float]
    train: list[int]
    valid: list[int]
    test: list[int]
    label_fraction: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "frac": list(self.frac),
            "label_fraction": self.label_fraction,
            "sizes": [len(self.train), len(self.valid), len(self.test)],
            "train": self.train,
            "valid": self.valid,
            "test": self.test,
        }

    def with_labels(self, fraction: float, seed: int) -> Split:
        """The same split training on ``fraction`` of its training rows (the low-label setting:
        valid and test unchanged), chosen by a permutation seeded with ``seed``; the kept rows
        stay in their order. At least one row is kept.

        Raises:
            ValueError: ``fraction`` is not in (0, 1].
        """
        if not 0 < fraction <= 1:
            raise ValueError(f"a label fraction must be in (0, 1], got {fraction}")
        if fraction == 1:
            return self
        keep = max(1, round(fraction * len(self.train)))
        generator = torch.Generator().manual_seed(int(seed))
        chosen = torch.randperm(len(self.train), generator=generator)[:keep].sort().values
        train = [self.train[i] for i in chosen.tolist()]
        return replace(self, train=train, label_fraction=fraction)


def make_split(
    name: str,
    dataset: object,
    frac: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int | None = 0,
) -> Split:
    """Split ``dataset`` (or a list of SMILES) with the split registered as ``name``.

    Raises:
        UnknownNameError: no such split.
        DatasetError: a scaffold split of a dataset without SMILES (a TU graph dataset).
    """
    train, valid, test = SPLITS.get(name)(dataset, frac=frac, seed=seed)
    used_seed = None if name in DETERMINISTIC_SPLITS else seed
    if name in FIXED_SPLITS:  # the published fractions, not the asked ones
        total = max(len(dataset), 1)  # type: ignore[arg-type]
        frac = [len(train) / total, len(valid) / total, len(test) / total]
    a, b, c = (float(f) for f in frac)
    return Split(name, used_seed, (a, b, c), train, valid, test)


def resolve_split(name: str, dataset: str, default_split: str) -> str:
    """``name`` itself, or the split a rule (``default``, ``kcl``) gives ``dataset``."""
    if name in SPLIT_RULES:
        return SPLIT_RULES.get(name).resolve(dataset, default_split)
    return name


def split_choices() -> list[str]:
    """Every name ``split:`` accepts: the rules, then the splits."""
    return [*SPLIT_RULES.available(), *SPLITS.available()]


def available() -> list[str]:
    """Names of the registered splits."""
    return SPLITS.available()


__all__ = [
    "DETERMINISTIC_SPLITS",
    "FIXED_SPLITS",
    "SPLITS",
    "SPLIT_RULES",
    "Split",
    "SplitRule",
    "available",
    "balanced_scaffold",
    "balanced_scaffold_split",
    "make_split",
    "murcko_scaffold",
    "public_split",
    "random_split",
    "require_smiles",
    "resolve_split",
    "scaffold",
    "scaffold_split",
    "split_choices",
]
