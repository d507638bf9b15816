"""The featurizer interface: a SMILES string in, a categorical molecular graph out.

Every featurizer produces *categorical* atom and bond features (small non-negative integers, one
column per property), so that encoders embed them with one lookup table per column. That is the
representation OGB and pretrain-gnns use, and it is equivalent to one-hot vectors followed by a
linear layer.

Vocabulary convention shared with augmentations and encoders: for atom column ``i`` the index
``atom_feature_dims[i]`` is reserved as the *mask token*; for bond column ``j`` the index
``bond_feature_dims[j]`` marks a *self-loop* and ``bond_feature_dims[j] + 1`` an *added* edge
(one that edge perturbation inserted). Encoders therefore allocate ``dim + ATOM_SPECIAL_TOKENS``
and ``dim + BOND_SPECIAL_TOKENS`` rows per column.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from rdkit import Chem, rdBase
from torch_geometric.data import Data

from graphcl.errors import InvalidSmilesError
from graphcl.typing import IntArray

#: Extra embedding rows per atom column (the mask token).
ATOM_SPECIAL_TOKENS = 1
#: Extra embedding rows per bond column (self-loop, added edge).
BOND_SPECIAL_TOKENS = 2


@dataclass(frozen=True)
class MolGraphArrays:
    """One molecular graph as numpy arrays: what featurizers return and the cache stores.

    Attributes:
        x: atom features. Shape: (num_atoms, num_atom_features), int64 categories.
        edge_index: directed edges, both directions of every bond; bond ``k`` of the RDKit
            molecule gives columns ``2k`` (begin -> end) and ``2k + 1`` (end -> begin).
            Shape: (2, 2 * num_bonds), int64 atom indices.
        edge_attr: bond features, aligned with ``edge_index`` columns.
            Shape: (2 * num_bonds, num_bond_features), int64 categories.
    """

    x: IntArray
    edge_index: IntArray
    edge_attr: IntArray

    def to_data(self, smiles: str) -> Data:
        """Wrap the arrays (without copying) in a PyG ``Data`` that also carries ``smiles``."""
        return Data(
            x=torch.from_numpy(self.x),
            edge_index=torch.from_numpy(self.edge_index),
            edge_attr=torch.from_numpy(self.edge_attr),
            smiles=smiles,
        )


def parse_smiles(smiles: str) -> Chem.Mol:
    """Parse and sanitize a SMILES string with RDKit's defaults.

    Args:
        smiles: the SMILES string.

    Returns:
        The sanitized RDKit molecule (hydrogens implicit, as ``Chem.MolFromSmiles`` gives).

    Raises:
        InvalidSmilesError: the string is empty, does not parse, fails sanitization (valence,
            kekulization) or yields a molecule without atoms. The message names the SMILES and,
            where RDKit gives one, the reason.
    """
    if not isinstance(smiles, str) or not smiles.strip():
        raise InvalidSmilesError(str(smiles), "empty SMILES")
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InvalidSmilesError(smiles, _rdkit_reason(smiles))
    if mol.GetNumAtoms() == 0:
        raise InvalidSmilesError(smiles, "the molecule has no atoms")
    return mol


def _rdkit_reason(smiles: str) -> str:
    """Why RDKit rejected ``smiles`` (only called on the failure path)."""
    with rdBase.BlockLogs():
        raw = Chem.MolFromSmiles(smiles, sanitize=False)
        if raw is None:
            return "SMILES syntax error"
        try:
            Chem.SanitizeMol(raw)
        except Exception as exc:  # RDKit raises several exception types here
            return str(exc).strip() or type(exc).__name__
    return "RDKit could not build the molecule"


class MoleculeFeaturizer(ABC):
    """Turns SMILES strings into categorical molecular graphs.

    Subclasses set the class attributes and implement :meth:`featurize_mol`. ``name`` and
    ``version`` key the on-disk cache: bump ``version`` whenever the output changes.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    atom_feature_names: ClassVar[tuple[str, ...]]
    atom_feature_dims: ClassVar[tuple[int, ...]]
    bond_feature_names: ClassVar[tuple[str, ...]]
    bond_feature_dims: ClassVar[tuple[int, ...]]

    @property
    def cache_key(self) -> str:
        """``name-vVERSION``, part of every cache path written with this featurizer."""
        return f"{self.name}-v{self.version}"

    @abstractmethod
    def featurize_mol(self, mol: Chem.Mol, smiles: str) -> MolGraphArrays:
        """Features of an already parsed molecule.

        Args:
            mol: sanitized RDKit molecule parsed from ``smiles``.
            smiles: the SMILES text it came from (featurizers may use it to skip work, e.g. no
                ``@`` means no chiral tags).
        """

    def arrays(self, smiles: str) -> MolGraphArrays:
        """Numpy features of one SMILES string.

        Raises:
            InvalidSmilesError: see :func:`parse_smiles`.
        """
        return self.featurize_mol(parse_smiles(smiles), smiles)

    def __call__(self, smiles: str) -> Data:
        """PyG graph of one SMILES string (``x``, ``edge_index``, ``edge_attr``, ``smiles``)."""
        return self.arrays(smiles).to_data(smiles)

    def describe(self) -> dict[str, object]:
        """Name, version and the feature columns with their vocabulary sizes."""
        return {
            "name": self.name,
            "version": self.version,
            "atom_features": dict(
                zip(self.atom_feature_names, self.atom_feature_dims, strict=True)
            ),
            "bond_features": dict(
                zip(self.bond_feature_names, self.bond_feature_dims, strict=True)
            ),
        }


def edges_both_directions(bonds: IntArray, num_bond_features: int) -> tuple[IntArray, IntArray]:
    """Expand per-bond rows ``(begin, end, feat_0, ..., feat_k)`` into directed edge arrays.

    Args:
        bonds: Shape: (num_bonds, 2 + num_bond_features).
        num_bond_features: number of feature columns after the two atom indices.

    Returns:
        ``edge_index`` (2, 2 * num_bonds) with bond ``k`` at columns ``2k`` and ``2k + 1``, and
        ``edge_attr`` (2 * num_bonds, num_bond_features) repeated to match.
    """
    num_bonds = bonds.shape[0]
    edge_index = np.empty((2, 2 * num_bonds), dtype=np.int64)
    edge_index[0, 0::2] = edge_index[1, 1::2] = bonds[:, 0]
    edge_index[1, 0::2] = edge_index[0, 1::2] = bonds[:, 1]
    edge_attr = np.repeat(bonds[:, 2 : 2 + num_bond_features], 2, axis=0)
    return edge_index, edge_attr


def enum_lookup(enum: type, names: list[str], default: int) -> dict[object, int]:
    """Map every value of an RDKit enum to the index of its name in ``names`` (else ``default``).

    Built once at import time, so featurization does a dict lookup instead of ``str(enum)``
    followed by ``list.index``.
    """
    values: dict[int, object] = enum.values  # type: ignore[attr-defined]
    table: dict[object, int] = {}
    for member in values.values():
        table[member] = names.index(str(member)) if str(member) in names else default
    return table
