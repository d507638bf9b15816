"""A richer categorical featurizer for property prediction from scratch.

Adds to the OGB columns the full hybridization set, ring-size and ring-count information and a
bond ring flag. Every column is categorical, so the same embedding encoders apply; the last index
of each column collects values outside the listed range.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdchem

from graphcl.featurization.base import (
    GraphArrays,
    MoleculeFeaturizer,
    bonds_of,
    bucket,
    enum_table,
    pack_graphs,
)
from graphcl.featurization.vocabulary import BOND_STEREO, BOND_TYPES, CHIRALITY

_HYBRIDIZATION = ["UNSPECIFIED", "S", "SP", "SP2", "SP3", "SP2D", "SP3D", "SP3D2", "OTHER"]

_CHIRAL_TAG = enum_table(rdchem.ChiralType, CHIRALITY, len(CHIRALITY))
_HYBRID = enum_table(rdchem.HybridizationType, _HYBRIDIZATION, len(_HYBRIDIZATION))
_BTYPE = enum_table(rdchem.BondType, BOND_TYPES, len(BOND_TYPES))
_BSTEREO = enum_table(rdchem.BondStereo, BOND_STEREO, len(BOND_STEREO))
_RING_SIZES = (3, 4, 5, 6, 7, 8)


# column -> (low, high) value range; values outside go to the overflow index
_BUCKETS = {0: (1, 118), 1: (0, 10), 2: (-5, 5), 4: (0, 8), 9: (0, 3), 10: (0, 4), 11: (0, 7)}


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

    def featurize_mols(self, molecules: Iterable[tuple[Chem.Mol, str]]) -> GraphArrays:
        atom_rows: list[tuple[Any, ...]] = []
        bond_rows: list[tuple[Any, ...]] = []
        node_counts, bond_counts = [], []
        for mol, _ in molecules:
            ring_info = mol.GetRingInfo()
            for atom in mol.GetAtoms():
                index = atom.GetIdx()
                rings = ring_info.NumAtomRings(index)
                smallest = 0
                if rings:
                    sizes = (n for n in _RING_SIZES if ring_info.IsAtomInRingOfSize(index, n))
                    smallest = next(sizes, 9) - 2  # size 3 -> 1, ..., 8 -> 6, larger -> 7
                atom_rows.append(
                    (
                        atom.GetAtomicNum(),
                        atom.GetTotalDegree(),
                        atom.GetFormalCharge(),
                        _CHIRAL_TAG[atom.GetChiralTag()],
                        atom.GetTotalNumHs(),
                        _HYBRID[atom.GetHybridization()],
                        atom.GetIsAromatic(),
                        atom.IsInRing(),
                        smallest,
                        rings,
                        atom.GetNumRadicalElectrons(),
                        atom.GetTotalValence(),
                    )
                )
            bond_rows.extend(
                (
                    b.GetBeginAtomIdx(),
                    b.GetEndAtomIdx(),
                    _BTYPE[b.GetBondType()],
                    _BSTEREO[b.GetStereo()],
                    b.GetIsConjugated(),
                    b.IsInRing(),
                )
                for b in bonds_of(mol)
            )
            node_counts.append(mol.GetNumAtoms())
            bond_counts.append(mol.GetNumBonds())
        raw = np.array(atom_rows, dtype=np.int64).reshape(-1, 12)
        x = raw.copy()
        for column, (low, high) in _BUCKETS.items():
            x[:, column] = bucket(raw[:, column], low, high)
        bonds = np.array(bond_rows, dtype=np.int64).reshape(-1, 6)
        return pack_graphs(x, bonds, node_counts, bond_counts)
