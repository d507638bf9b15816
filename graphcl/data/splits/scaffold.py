"""Deterministic Bemis-Murcko scaffold split, exactly as pretrain-gnns defines it.

Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020 (``splitters.py``):
molecules are grouped by their Bemis-Murcko scaffold SMILES *with* chirality; the groups are
sorted by size, largest first (ties: the group whose smallest index is larger comes first, which
is what sorting ``(size, first index)`` in reverse gives); groups then fill train until adding
the next one would exceed ``frac_train * N``, then valid up to ``(frac_train + frac_valid) * N``,
and the rest go to test.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rdkit import rdBase
from rdkit.Chem.Scaffolds import MurckoScaffold

from graphcl.data.splits.registry import SPLITS, require_smiles
from graphcl.errors import InvalidSmilesError


def murcko_scaffold(smiles: str, include_chirality: bool = True) -> str:
    """Bemis-Murcko scaffold SMILES of a molecule (``""`` for acyclic molecules).

    Raises:
        InvalidSmilesError: RDKit cannot parse ``smiles``.
    """
    try:
        with rdBase.BlockLogs():
            return str(
                MurckoScaffold.MurckoScaffoldSmiles(
                    smiles=smiles, includeChirality=include_chirality
                )
            )
    except Exception as exc:  # RDKit raises ValueError or ArgumentError for unparsable input
        raise InvalidSmilesError(smiles, "cannot compute its Murcko scaffold") from exc


@lru_cache(maxsize=8)
def _groups(smiles: tuple[str, ...], include_chirality: bool) -> tuple[tuple[int, ...], ...]:
    groups: dict[str, list[int]] = {}
    for index, text in enumerate(smiles):
        groups.setdefault(murcko_scaffold(text, include_chirality), []).append(index)
    return tuple(tuple(members) for members in groups.values())


def scaffold_groups(smiles: Sequence[str], include_chirality: bool = True) -> list[list[int]]:
    """Indices of molecules sharing a scaffold, one list per scaffold in first-seen order.

    Each list is sorted ascending. Results are memoized for the last few inputs, since every seed
    of a balanced scaffold split needs the same groups.
    """
    return [list(group) for group in _groups(tuple(smiles), include_chirality)]


def check_fractions(frac: Sequence[float]) -> tuple[float, float, float]:
    """Validate (train, valid, test) fractions: three non-negative numbers that sum to 1."""
    if len(frac) != 3 or any(f < 0 for f in frac) or abs(sum(frac) - 1.0) > 1e-6:
        raise ValueError(f"frac must be three non-negative fractions summing to 1, got {frac}")
    return float(frac[0]), float(frac[1]), float(frac[2])


def scaffold_split(
    smiles: Sequence[str],
    frac: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int | None = None,
) -> tuple[list[int], list[int], list[int]]:
    """Deterministic scaffold split (pretrain-gnns); ``seed`` is accepted and ignored.

    Args:
        smiles: one SMILES per molecule.
        frac: (train, valid, test) fractions.

    Returns:
        Train, valid and test indices into ``smiles``.

    Example:
        >>> train, valid, test = scaffold_split(["c1ccccc1C", "c1ccccc1O", "CCO", "C1CC1N"])
        >>> train, valid, test
        ([0, 1, 3], [], [2])
    """
    frac_train, frac_valid, _ = check_fractions(frac)
    groups = sorted(
        scaffold_groups(smiles), key=lambda members: (len(members), members[0]), reverse=True
    )
    train_cutoff = frac_train * len(smiles)
    valid_cutoff = (frac_train + frac_valid) * len(smiles)
    train: list[int] = []
    valid: list[int] = []
    test: list[int] = []
    for members in groups:
        if len(train) + len(members) <= train_cutoff:
            train.extend(members)
        elif len(train) + len(valid) + len(members) <= valid_cutoff:
            valid.extend(members)
        else:
            test.extend(members)
    return train, valid, test


@SPLITS.register("scaffold")
def scaffold(
    dataset: object, frac: Sequence[float] = (0.8, 0.1, 0.1), seed: int | None = None
) -> tuple[list[int], list[int], list[int]]:
    """:func:`scaffold_split` of a dataset's SMILES (deterministic: ``seed`` is ignored).

    Raises:
        DatasetError: the dataset has no SMILES (graphs that are not molecules).
    """
    return scaffold_split(require_smiles(dataset, "scaffold"), frac)
