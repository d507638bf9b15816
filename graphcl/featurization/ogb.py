"""The OGB molecular featurizer: 9 atom and 3 bond categorical features.

Output is identical to ``ogb.utils.smiles2graph`` (Hu et al., "Open Graph Benchmark", NeurIPS
2020): the same columns, the same category indices (the last index of each column is OGB's
``misc``), the same edge order. It is faster because every RDKit enum is mapped with a table built
once instead of ``str()`` + ``list.index`` per atom, and because properties that the SMILES text
proves absent are not queried (no ``@`` in the string: no chiral tags; no ``/`` or ``\\``: no
double-bond stereo; CXSMILES extensions after ``|`` always take the full path).

Bond stereo values that OGB's list lacks (RDKit's atropisomer tags) map to the last index
(``STEREOANY``) where OGB would raise.
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
_HYBRIDIZATION = ["SP", "SP2", "SP3", "SP3D", "SP3D2"]
_BOND_TYPE = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
_BOND_STEREO = ["STEREONONE", "STEREOZ", "STEREOE", "STEREOCIS", "STEREOTRANS", "STEREOANY"]

# value -> category tables; a value missing from a table is OGB's "misc" (the column's last index)
_ATOMIC_NUM = {z: z - 1 for z in range(1, 119)}
_DEGREE = {d: d for d in range(11)}
_CHARGE = {c: c + 5 for c in range(-5, 6)}
_NUM_H = {h: h for h in range(9)}
_RADICALS = {r: r for r in range(5)}
_CHIRAL_TAG = enum_lookup(rdchem.ChiralType, _CHIRALITY, len(_CHIRALITY))
_HYBRID = enum_lookup(rdchem.HybridizationType, _HYBRIDIZATION, len(_HYBRIDIZATION))
_BTYPE = enum_lookup(rdchem.BondType, _BOND_TYPE, len(_BOND_TYPE))
_BSTEREO = enum_lookup(rdchem.BondStereo, _BOND_STEREO, len(_BOND_STEREO) - 1)


class OGBFeaturizer(MoleculeFeaturizer):
    """Atom: atomic number, chirality tag, total degree, formal charge, total H count, radical
    electrons, hybridization, aromatic, in ring. Bond: type, stereo, conjugated.

    Example:
        >>> g = OGBFeaturizer()("CCO")
        >>> g.x.shape, g.edge_index.shape, g.edge_attr.shape
        (torch.Size([3, 9]), torch.Size([2, 4]), torch.Size([4, 3]))
    """

    name: ClassVar[str] = "ogb"
    version: ClassVar[int] = 1
    atom_feature_names = (
        "atomic_num",
        "chirality",
        "degree",
        "formal_charge",
        "num_h",
        "num_radical_e",
        "hybridization",
        "is_aromatic",
        "is_in_ring",
    )
    atom_feature_dims = (119, 5, 12, 12, 10, 6, 6, 2, 2)
    bond_feature_names = ("bond_type", "bond_stereo", "is_conjugated")
    bond_feature_dims = (5, 6, 2)

    def featurize_mol(self, mol: Chem.Mol, smiles: str) -> MolGraphArrays:
        cx = "|" in smiles
        atoms = list(map(mol.GetAtomWithIdx, range(mol.GetNumAtoms())))
        chiral = cx or "@" in smiles
        x = np.array(
            [
                (
                    _ATOMIC_NUM.get(a.GetAtomicNum(), 118),
                    _CHIRAL_TAG[a.GetChiralTag()] if chiral else 0,
                    _DEGREE.get(a.GetTotalDegree(), 11),
                    _CHARGE.get(a.GetFormalCharge(), 11),
                    _NUM_H.get(a.GetTotalNumHs(), 9),
                    _RADICALS.get(a.GetNumRadicalElectrons(), 5),
                    _HYBRID[a.GetHybridization()],
                    a.GetIsAromatic(),
                    a.IsInRing(),
                )
                for a in atoms
            ],
            dtype=np.int64,
        )
        bonds = list(map(mol.GetBondWithIdx, range(mol.GetNumBonds())))
        stereo = cx or "/" in smiles or "\\" in smiles
        rows = np.array(
            [
                (
                    b.GetBeginAtomIdx(),
                    b.GetEndAtomIdx(),
                    _BTYPE[b.GetBondType()],
                    _BSTEREO[b.GetStereo()] if stereo else 0,
                    b.GetIsConjugated(),
                )
                for b in bonds
            ],
            dtype=np.int64,
        ).reshape(-1, 5)
        edge_index, edge_attr = edges_both_directions(rows, 3)
        return MolGraphArrays(x, edge_index, edge_attr)
