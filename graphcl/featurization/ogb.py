"""The OGB molecular featurizer: 9 atom and 3 bond categorical features.

Output is identical to ``ogb.utils.smiles2graph`` (Hu et al., "Open Graph Benchmark", NeurIPS
2020): the same columns, the same category indices (the last index of each column is OGB's
``misc``), the same edge order. It is faster because it reads each RDKit property column-wise
over a whole chunk of molecules and maps values to categories with one vectorized table lookup per
column (OGB does ``str(enum)`` and ``list.index`` per atom), derives the total degree from the
bond list, reads bond types as numbers rather than enums, and skips properties the SMILES text
proves absent: no ``@`` means no chiral tags, no ``/`` or ``\\`` no double-bond stereo, no ``[``
no radicals (only bracket atoms carry them); exact bond types are read only for molecules that
can hold dative bonds (``->`` in the text, or any element beyond H C N O F P S Cl Br I, since
sanitization turns metal-ligand bonds dative). CXSMILES (``|``) always takes the full path.

Bond stereo values that OGB's list lacks (RDKit's atropisomer tags) map to the last index
(``STEREOANY``) where OGB would raise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import repeat
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
from graphcl.typing import IntArray

_HYBRIDIZATION = ["SP", "SP2", "SP3", "SP3D", "SP3D2"]

_CHIRAL_TAG = enum_table(rdchem.ChiralType, CHIRALITY, len(CHIRALITY))
_HYBRID = enum_table(rdchem.HybridizationType, _HYBRIDIZATION, len(_HYBRIDIZATION))
_BTYPE = enum_table(rdchem.BondType, BOND_TYPES, len(BOND_TYPES))
_BSTEREO = enum_table(rdchem.BondStereo, BOND_STEREO, len(BOND_STEREO) - 1)

# bond order (GetBondTypeAsDouble) -> OGB bond type; any other order is "misc"
_ORDER_TYPE: defaultdict[float, int] = defaultdict(
    lambda: len(BOND_TYPES), {1.0: 0, 2.0: 1, 3.0: 2, 1.5: 3}
)

# Molecules made only of these elements cannot hold dative bonds (RDKit creates those from
# "->" in SMILES or, during sanitization, between metals and their ligands).
_ORGANIC = frozenset({1, 6, 7, 8, 9, 15, 16, 17, 35, 53})  # H C N O F P S Cl Br I

_A = rdchem.Atom
_B = rdchem.Bond


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

    def featurize_mols(self, molecules: Iterable[tuple[Chem.Mol, str]]) -> GraphArrays:
        # Raw RDKit values, column by column over all molecules (ints, bools, int-valued enums).
        atomic: list[Any] = []
        charge: list[Any] = []
        num_h: list[Any] = []
        hybrid: list[Any] = []
        aromatic: list[Any] = []
        in_ring: list[Any] = []
        chiral: list[Any] = []
        radicals: list[Any] = []
        begin: list[Any] = []
        end: list[Any] = []
        first_atom: list[int] = []  # per bond: index of its molecule's first atom in the chunk
        bond_type: list[Any] = []
        stereo: list[Any] = []
        conjugated: list[Any] = []
        exact_types: list[tuple[int, list[Any]]] = []  # (first bond, RDKit types) to overwrite
        node_counts: list[int] = []
        bond_counts: list[int] = []
        for mol, text in molecules:
            cx = "|" in text
            atoms = list(map(mol.GetAtomWithIdx, range(mol.GetNumAtoms())))
            n = len(atoms)
            atomic.extend(map(_A.GetAtomicNum, atoms))
            charge.extend(map(_A.GetFormalCharge, atoms))
            num_h.extend(map(_A.GetTotalNumHs, atoms))
            hybrid.extend(map(_A.GetHybridization, atoms))
            aromatic.extend(map(_A.GetIsAromatic, atoms))
            in_ring.extend(map(_A.IsInRing, atoms))
            chiral.extend(map(_A.GetChiralTag, atoms) if cx or "@" in text else repeat(0, n))
            radicals.extend(
                map(_A.GetNumRadicalElectrons, atoms) if cx or "[" in text else repeat(0, n)
            )
            bonds = bonds_of(mol)
            # dative bonds have order 1 like single bonds: read the exact type where they can be
            if cx or ">" in text or "<" in text or not _ORGANIC.issuperset(atomic[-n:]):
                exact_types.append((len(bond_type), list(map(_B.GetBondType, bonds))))
            begin.extend(map(_B.GetBeginAtomIdx, bonds))
            end.extend(map(_B.GetEndAtomIdx, bonds))
            bond_type.extend(map(_ORDER_TYPE.__getitem__, map(_B.GetBondTypeAsDouble, bonds)))
            if cx or "/" in text or "\\" in text:
                stereo.extend(map(_B.GetStereo, bonds))
            else:
                stereo.extend(repeat(0, len(bonds)))
            conjugated.extend(map(_B.GetIsConjugated, bonds))
            first_atom.extend(repeat(len(atomic) - n, len(bonds)))
            node_counts.append(n)
            bond_counts.append(len(bonds))

        def array(values: list[Any]) -> IntArray:
            return np.fromiter(values, dtype=np.int64, count=len(values))

        bond_begin, bond_end, hydrogens = array(begin), array(end), array(num_h)
        # total degree = bonded neighbours + hydrogens (RDKit's Atom.GetTotalDegree)
        offset = array(first_atom)
        degree = (
            np.bincount(bond_begin + offset, minlength=len(hydrogens))
            + np.bincount(bond_end + offset, minlength=len(hydrogens))
            + hydrogens
        )
        x = np.stack(
            [
                bucket(array(atomic), 1, 118),
                _CHIRAL_TAG[array(chiral)],
                np.minimum(degree, 11),
                bucket(array(charge), -5, 5),
                np.minimum(hydrogens, 9),
                np.minimum(array(radicals), 5),
                _HYBRID[array(hybrid)],
                array(aromatic),
                array(in_ring),
            ],
            axis=1,
        )
        types = array(bond_type)
        for first, exact in exact_types:
            types[first : first + len(exact)] = _BTYPE[array(exact)]
        bond_rows = np.stack(
            [bond_begin, bond_end, types, _BSTEREO[array(stereo)], array(conjugated)], axis=1
        )
        return pack_graphs(x, bond_rows, node_counts, bond_counts)
