"""A richer categorical featurizer for property prediction from scratch.

Adds to the OGB columns the full hybridization set, ring-size and ring-count information and a
bond ring flag. Every column is categorical, so the same embedding encoders apply; the last index
of each column collects values outside the listed range.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdchem

from graphcl.featurization.base import (
    MoleculeFeaturizer,
    MolGraphArrays,
    edges_both_directions,
    enum_lookup,
)

_CHIRALITY = ["CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW", "CHI_OTHER"]
_HYBRIDIZATION = ["UNSPECIFIED", "S", "SP", "SP2", "SP3", "SP2D", "SP3D", "SP3D2", "OTHER"]
_BOND_TYPE = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
_BOND_STEREO = ["STEREONONE", "STEREOZ", "STEREOE", "STEREOCIS", "STEREOTRANS", "STEREOANY"]

_CHIRAL_TAG = enum_lookup(rdchem.ChiralType, _CHIRALITY, len(_CHIRALITY))
_HYBRID = enum_lookup(rdchem.HybridizationType, _HYBRIDIZATION, len(_HYBRIDIZATION))
_BTYPE = enum_lookup(rdchem.BondType, _BOND_TYPE, len(_BOND_TYPE))
_BSTEREO = enum_lookup(rdchem.BondStereo, _BOND_STEREO, len(_BOND_STEREO))
_RING_SIZES = (3, 4, 5, 6, 7, 8)


def _bucket(value: int, low: int, high: int) -> int:
    """``value - low`` inside ``[low, high]``, else ``high - low + 1`` (the overflow index)."""
    return value - low if low <= value <= high else high - low + 1


class RichFeaturizer(MoleculeFeaturizer):
    """Atom: atomic number, total degree, formal charge, chirality tag, total H count,
    hybridization (all RDKit types), aromatic, in ring, smallest ring size (none, 3-8, larger),
    number of rings, radical electrons, explicit-valence bucket. Bond: type, stereo, conjugated,
    in ring.

    Example:
        >>> RichFeaturizer()("c1ccccc1O").x[0].tolist()
        [5, 3, 5, 0, 1, 3, 1, 1, 4, 1, 0, 4]
    """

    name: ClassVar[str] = "rich"
    version: ClassVar[int] = 1
    atom_feature_names = (
        "atomic_num",
        "degree",
        "formal_charge",
        "chirality",
        "num_h",
        "hybridization",
        "is_aromatic",
        "is_in_ring",
        "smallest_ring_size",
        "num_rings",
        "num_radical_e",
        "valence",
    )
    atom_feature_dims = (119, 12, 12, 5, 10, 10, 2, 2, 8, 5, 6, 9)
    bond_feature_names = ("bond_type", "bond_stereo", "is_conjugated", "is_in_ring")
    bond_feature_dims = (5, 7, 2, 2)

    def featurize_mol(self, mol: Chem.Mol, smiles: str) -> MolGraphArrays:
        ring_info = mol.GetRingInfo()
        rows = []
        for atom in mol.GetAtoms():
            index = atom.GetIdx()
            if ring_info.NumAtomRings(index):
                smallest = next(
                    (
                        k + 1
                        for k, n in enumerate(_RING_SIZES)
                        if ring_info.IsAtomInRingOfSize(index, n)
                    ),
                    len(_RING_SIZES) + 1,
                )
            else:
                smallest = 0
            rows.append(
                (
                    _bucket(atom.GetAtomicNum(), 1, 118),
                    _bucket(atom.GetTotalDegree(), 0, 10),
                    _bucket(atom.GetFormalCharge(), -5, 5),
                    _CHIRAL_TAG[atom.GetChiralTag()],
                    _bucket(atom.GetTotalNumHs(), 0, 8),
                    _HYBRID[atom.GetHybridization()],
                    atom.GetIsAromatic(),
                    atom.IsInRing(),
                    smallest,
                    _bucket(ring_info.NumAtomRings(index), 0, 3),
                    _bucket(atom.GetNumRadicalElectrons(), 0, 4),
                    _bucket(atom.GetTotalValence(), 0, 7),
                )
            )
        x = np.array(rows, dtype=np.int64)
        bonds = np.array(
            [
                (
                    b.GetBeginAtomIdx(),
                    b.GetEndAtomIdx(),
                    _BTYPE[b.GetBondType()],
                    _BSTEREO[b.GetStereo()],
                    b.GetIsConjugated(),
                    b.IsInRing(),
                )
                for b in mol.GetBonds()
            ],
            dtype=np.int64,
        ).reshape(-1, 6)
        edge_index, edge_attr = edges_both_directions(bonds, 4)
        return MolGraphArrays(x, edge_index, edge_attr)
