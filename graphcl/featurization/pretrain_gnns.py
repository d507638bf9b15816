"""The pretrain-gnns molecular featurizer: 2 atom and 2 bond categorical features.

Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020 (chem/loader.py,
``mol_to_graph_data_obj_simple``); GraphCL's and GraphMAE's chemistry models read the same graphs.
Output equals pretrain-gnns' on every molecule its featurization and embedding tables accept:
the same columns, category indices and edge order (both directions of every bond, in bond
order). The published
encoders (:mod:`graphcl.zoo`) read these graphs.

Vocabulary (category index in brackets):

- ``atomic_num`` (119): element ``Z`` in 1-118 -> ``Z - 1`` [0-117]; a dummy atom (``*``, atomic
  number 0: attachment points, R groups) -> [118], the one row of pretrain-gnns' atom table
  (120 rows) that its own featurization never fills (a published model has never trained it).
  Index 119 is graphcl's mask token and pretrain-gnns' mask row alike.
- ``chirality`` (3): ``CHI_UNSPECIFIED`` [0], ``CHI_TETRAHEDRAL_CW`` [1],
  ``CHI_TETRAHEDRAL_CCW`` [2]. The published tables have these three rows only, so every other
  tag (``CHI_OTHER``; RDKit's newer ``CHI_TETRAHEDRAL``, ``CHI_ALLENE``, ``CHI_SQUAREPLANAR``,
  ``CHI_TRIGONALBIPYRAMIDAL``, ``CHI_OCTAHEDRAL``, from ``@SP1``, ``@OH1`` ...) is read as
  unspecified [0]: the atom is kept, its non-tetrahedral stereo is dropped, as if the SMILES did
  not give it. (pretrain-gnns indexed ``CHI_OTHER`` as 3, past the end of its 3-row table, and
  could not read the newer tags at all.)
- ``bond_type`` (4): ``SINGLE`` [0], ``DOUBLE`` [1], ``TRIPLE`` [2], ``AROMATIC`` [3]. Dative bonds
  (``->`` in SMILES, and metal-ligand bonds that RDKit 2023+ sanitization makes dative) are read
  as single [0], which is what the RDKit of pretrain-gnns (2019.03) made of those molecules. Any
  other type (quadruple ``$``, zero-order, ionic, hydrogen, three-centre ...) has no category:
  :meth:`PretrainGNNsFeaturizer.arrays` raises :class:`~graphcl.errors.InvalidSmilesError`
  naming the bond, and :meth:`~PretrainGNNsFeaturizer.featurize_many` reports the molecule as a
  reject with that reason.
- ``bond_direction`` (3): ``NONE`` [0], ``ENDUPRIGHT`` [1], ``ENDDOWNRIGHT`` [2] (the ``/`` and
  ``\\`` of double-bond stereo); wedge, dash and the other directions of drawn structures (never
  set from SMILES) -> ``NONE`` [0].

Reserved tokens line up with pretrain-gnns' rows: graphcl's bond self-loop token ``4`` is
pretrain-gnns' self-loop bond type 4, its added-edge token ``5`` the masked bond type 5, and its
atom mask token ``119`` the masked atom type. pretrain-gnns writes 0 in the second column of
self-loops and masked atoms and bonds where graphcl writes its reserved tokens (3 for
chirality, 3 and 4 for bond direction); :func:`graphcl.zoo.convert_pretrain_gnns_state` copies
row 0 of the published tables into those rows, so a converted model computes the same function.

Like the OGB featurizer it reads each RDKit property column-wise over a chunk of molecules, maps
values to categories with one table lookup per column, and skips properties the SMILES text
proves absent (no ``@``: no chiral tags; no ``/`` or ``\\``: no bond directions; CXSMILES always
takes the full path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, ClassVar

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdchem

from graphcl.errors import InvalidSmilesError
from graphcl.featurization.base import (
    DEFAULT_MAX_ATOMS,
    Featurized,
    GraphArrays,
    MoleculeFeaturizer,
    bonds_of,
    pack_graphs,
    parse_smiles,
)
from graphcl.typing import IntArray

#: pretrain-gnns' category lists (``allowable_features`` of chem/loader.py), as RDKit names.
CHIRALITY = ("CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW")
BOND_TYPES = ("SINGLE", "DOUBLE", "TRIPLE", "AROMATIC")
BOND_DIRECTIONS = ("NONE", "ENDUPRIGHT", "ENDDOWNRIGHT")
#: Bond types read as single bonds.
DATIVE_TYPES = ("DATIVE", "DATIVEONE", "DATIVEL", "DATIVER")
#: Category of dummy atoms (atomic number 0).
DUMMY_ATOM = 118


def _table(enum: type, categories: dict[str, int], default: int) -> IntArray:
    """Lookup table from an RDKit enum's integer values to categories (``default`` for the
    names not in ``categories``)."""
    values: dict[int, object] = enum.values  # type: ignore[attr-defined]
    table = np.full(max(values) + 1, default, dtype=np.int64)
    for value, member in values.items():
        table[value] = categories.get(str(member).rsplit(".", 1)[-1], default)
    return table


_CHIRAL = _table(rdchem.ChiralType, {name: i for i, name in enumerate(CHIRALITY)}, 0)
_DIRECTION = _table(rdchem.BondDir, {name: i for i, name in enumerate(BOND_DIRECTIONS)}, 0)
_BOND_TYPE = _table(
    rdchem.BondType,
    {**{name: i for i, name in enumerate(BOND_TYPES)}, **dict.fromkeys(DATIVE_TYPES, 0)},
    -1,
)
_KNOWN_TYPES = frozenset(int(v) for v, category in enumerate(_BOND_TYPE) if category >= 0)

_A = rdchem.Atom
_B = rdchem.Bond


def _unknown_bond(bonds: Sequence[Chem.Bond], types: Sequence[int]) -> str:
    """The refusal reason for the first bond of ``bonds`` whose type has no category."""
    index = next(i for i, t in enumerate(types) if int(t) not in _KNOWN_TYPES)
    bond = bonds[index]
    begin, end = bond.GetBeginAtom(), bond.GetEndAtom()
    return (
        f"bond {index} ({begin.GetSymbol()}{begin.GetIdx()}-{end.GetSymbol()}{end.GetIdx()}) "
        f"is {str(bond.GetBondType()).rsplit('.', 1)[-1]}, which pretrain-gnns' bond "
        "vocabulary (single, double, triple, aromatic; dative read as single) does not hold"
    )


class PretrainGNNsFeaturizer(MoleculeFeaturizer):
    """Atom: atomic number, chirality tag. Bond: type, direction (pretrain-gnns' graphs).

    The vocabulary and the handling of values outside it are described in
    :mod:`graphcl.featurization.pretrain_gnns`.

    Shape:
        ``x`` (num_atoms, 2), ``edge_index`` (2, 2 * num_bonds), ``edge_attr``
        (2 * num_bonds, 2), int64 categories.

    Example:
        >>> g = PretrainGNNsFeaturizer()("C[C@H](N)C=O")
        >>> g.x.tolist()
        [[5, 0], [5, 2], [6, 0], [5, 0], [7, 0]]
        >>> g.edge_attr[::2].tolist()
        [[0, 0], [0, 0], [0, 0], [1, 0]]
    """

    name: ClassVar[str] = "pretrain_gnns"
    version: ClassVar[int] = 1
    atom_feature_names = ("atomic_num", "chirality")
    atom_feature_dims = (119, 3)
    bond_feature_names = ("bond_type", "bond_direction")
    bond_feature_dims = (4, 3)

    def featurize_mols(self, molecules: Iterable[tuple[Chem.Mol, str]]) -> GraphArrays:
        """Graphs of parsed molecules.

        Raises:
            InvalidSmilesError: a molecule has a bond type outside the vocabulary (quadruple,
                zero-order ...); the message names the SMILES and the bond.
        """
        return self._featurize(molecules, None)

    def featurize_many(
        self, smiles: Sequence[str], max_atoms: int | None = DEFAULT_MAX_ATOMS
    ) -> Featurized:
        """Graphs of many SMILES strings; unusable ones (unparsable, not ASCII, more than
        ``max_atoms`` atoms, or a bond type outside the vocabulary) are reported with their
        reason, not raised."""
        kept: list[int] = []
        rejects: list[tuple[int, str]] = []

        def parsed() -> Iterator[tuple[Chem.Mol, str]]:
            for index, text in enumerate(smiles):
                try:
                    mol = parse_smiles(text, max_atoms)
                except InvalidSmilesError as exc:
                    rejects.append((index, exc.reason))
                    continue
                if max_atoms is not None and mol.GetNumAtoms() > max_atoms:
                    count = mol.GetNumAtoms()
                    rejects.append((index, f"{count:,} atoms, more than max_atoms={max_atoms:,}"))
                    continue
                kept.append(index)
                yield mol, text

        def refuse(reason: str) -> None:
            # called while the molecule yielded last is featurized: it is the last one kept
            rejects.append((kept.pop(), reason))

        graphs = self._featurize(parsed(), refuse)
        return Featurized(graphs, kept, sorted(rejects))

    def _featurize(
        self,
        molecules: Iterable[tuple[Chem.Mol, str]],
        refuse: Callable[[str], None] | None,
    ) -> GraphArrays:
        """Featurize ``molecules``; one outside the vocabulary raises (``refuse`` None) or is
        skipped after ``refuse(reason)`` is called."""
        atomic: list[Any] = []
        chiral: list[Any] = []
        begin: list[Any] = []
        end: list[Any] = []
        bond_type: list[Any] = []
        direction: list[Any] = []
        node_counts: list[int] = []
        bond_counts: list[int] = []
        for mol, text in molecules:
            bonds = bonds_of(mol)
            types = list(map(int, map(_B.GetBondType, bonds)))
            if not _KNOWN_TYPES.issuperset(types):
                reason = _unknown_bond(bonds, types)
                if refuse is None:
                    raise InvalidSmilesError(text, reason)
                refuse(reason)
                continue
            cx = "|" in text
            atoms = list(map(mol.GetAtomWithIdx, range(mol.GetNumAtoms())))
            atomic.extend(map(_A.GetAtomicNum, atoms))
            if cx or "@" in text:
                chiral.extend(map(_A.GetChiralTag, atoms))
            else:
                chiral.extend(repeat(0, len(atoms)))
            begin.extend(map(_B.GetBeginAtomIdx, bonds))
            end.extend(map(_B.GetEndAtomIdx, bonds))
            bond_type.extend(types)
            if cx or "/" in text or "\\" in text:
                direction.extend(map(_B.GetBondDir, bonds))
            else:
                direction.extend(repeat(0, len(bonds)))
            node_counts.append(len(atoms))
            bond_counts.append(len(bonds))

        def array(values: list[Any]) -> IntArray:
            return np.fromiter(values, dtype=np.int64, count=len(values))

        numbers = array(atomic)
        x = np.stack([np.where(numbers == 0, DUMMY_ATOM, numbers - 1), _CHIRAL[array(chiral)]], 1)
        bond_rows = np.stack(
            [
                array(begin),
                array(end),
                _BOND_TYPE[array(bond_type)],
                _DIRECTION[array(direction)],
            ],
            axis=1,
        )
        return pack_graphs(x.reshape(-1, 2), bond_rows.reshape(-1, 4), node_counts, bond_counts)
