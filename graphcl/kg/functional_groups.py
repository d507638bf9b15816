"""Functional groups matched by SMARTS, stored per atom as packed bits.

KANO's ElementKG lists 82 functional groups with a SMARTS pattern each. Matching them once per
molecule (when a dataset is prepared, not per training step) gives every atom the set of groups
it belongs to, kept as a bit-packed node column ``fg_bits`` of shape (atoms, ceil(G / 8)) uint8
(``numpy.packbits`` order: group ``g`` is bit ``7 - g % 8`` of byte ``g // 8``). The
``element_kg`` augmentation turns those bits into functional-group nodes.

Example:
    >>> matcher = FunctionalGroupMatcher([("hydroxyl", "[OX2H]"), ("carbonyl", "[CX3]=[OX1]")])
    >>> matcher.match(Chem.MolFromSmiles("OCC=O")).astype(int).tolist()
    [[1, 0], [0, 0], [0, 1], [0, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from rdkit import Chem, rdBase
from torch import Tensor

from graphcl.errors import DatasetError
from graphcl.progress import progress_bar

#: The node column that holds functional-group membership.
FG_COLUMN = "fg_bits"


class FunctionalGroupMatcher:
    """Compiled SMARTS patterns of named functional groups.

    Args:
        groups: ``(name, SMARTS)`` pairs, e.g. ``ElementKG.functional_groups``.

    Raises:
        DatasetError: a SMARTS that RDKit cannot parse (the message names the group).
    """

    def __init__(self, groups: Sequence[tuple[str, str]]) -> None:
        if not groups:
            raise DatasetError("no functional groups to match")
        self.names = tuple(name for name, _ in groups)
        self.patterns = []
        for name, smarts in groups:
            with rdBase.BlockLogs():
                pattern = Chem.MolFromSmarts(smarts)
            if pattern is None:
                raise DatasetError(f"functional group {name!r}: SMARTS {smarts!r} does not parse")
            self.patterns.append(pattern)

    @property
    def num_groups(self) -> int:
        return len(self.names)

    def match(self, mol: Chem.Mol) -> np.ndarray:
        """Which groups each atom belongs to (any match of the group covering the atom).

        Shape: molecule with N atoms -> (N, G) bool.
        """
        member = np.zeros((mol.GetNumAtoms(), self.num_groups), dtype=bool)
        for g, pattern in enumerate(self.patterns):
            for hit in mol.GetSubstructMatches(pattern, uniquify=True, maxMatches=10_000):
                member[list(hit), g] = True
        return member

    def bits(self, mol: Chem.Mol) -> np.ndarray:
        """:meth:`match` packed along groups. Shape: (N, ceil(G / 8)) uint8."""
        return np.packbits(self.match(mol), axis=1)

    def bits_of_smiles(
        self,
        smiles: Sequence[str],
        atom_counts: Sequence[int] | None = None,
        progress: bool = False,
    ) -> Tensor:
        """Packed memberships of many molecules, atoms concatenated in order.

        Args:
            smiles: one SMILES per molecule (parsed as the featurizers parse them, so atoms come
                in the same order as a featurized graph's nodes).
            atom_counts: expected atoms per molecule (checked when given).
            progress: show a progress bar.

        Returns:
            (total atoms, ceil(G / 8)) uint8.

        Raises:
            DatasetError: a SMILES that does not parse, or whose atom count differs from the
                graph's (the message names the SMILES).
        """
        parts = []
        for i, text in enumerate(progress_bar(smiles, desc="functional groups", enabled=progress)):
            with rdBase.BlockLogs():
                mol = Chem.MolFromSmiles(text) if text else None
            if mol is None:
                raise DatasetError(f"molecule {i}: cannot match functional groups of {text!r}")
            if atom_counts is not None and mol.GetNumAtoms() != atom_counts[i]:
                raise DatasetError(
                    f"molecule {i} ({text!r}): {mol.GetNumAtoms()} atoms, "
                    f"its graph has {atom_counts[i]}"
                )
            parts.append(self.bits(mol))
        width = (self.num_groups + 7) // 8
        stacked = np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.uint8)
        return torch.from_numpy(stacked)


def unpack_bits(bits: Tensor, num_groups: int) -> Tensor:
    """Inverse of the packing: (N, ceil(G / 8)) uint8 -> (N, G) bool, on ``bits``' device."""
    shifts = torch.arange(7, -1, -1, device=bits.device, dtype=torch.uint8)
    unpacked = (bits.unsqueeze(-1) >> shifts) & 1
    return unpacked.reshape(bits.shape[0], -1)[:, :num_groups].bool()
