"""The pretrain_gnns featurizer: pretrain-gnns' vocabulary, its reserved rows, and what becomes
of values outside it."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import rdchem

from graphcl.data.featurize import featurize_smiles
from graphcl.errors import InvalidSmilesError
from graphcl.features import EDGE_SPECIAL_TOKENS, NODE_SPECIAL_TOKENS
from graphcl.featurization.pretrain_gnns import DUMMY_ATOM, PretrainGNNsFeaturizer

# chem/loader.py's lists, as RDKit names (CHI_OTHER is in pretrain-gnns' list, past its table)
ATOMIC_NUMBERS = list(range(1, 119))
CHIRALITY = ["CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW", "CHI_OTHER"]
BOND_TYPES = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
BOND_DIRS = ["NONE", "ENDUPRIGHT", "ENDDOWNRIGHT"]

EDGE_CASES = [
    "C[C@H](N)C(=O)O",
    "C/C=C/C",
    r"F/C=C\F",
    "[O-][N+](=O)c1ccccc1",
    "[Na+].[Cl-]",
    "[13CH3]C",
    "C[Cu-3]",
    "*c1ccccc1",
    "C[C@@H]1CC[C@H](C)CC1 |r|",
    "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "N->[Pt](<-N)(Cl)Cl",
    "C[Pt@SP1](F)(Cl)Br",
    "F[Co@OH1](Cl)(Br)(I)(N)O",
    "C#N",
    "[Xe]",
]


def pretrain_gnns_graph(mol: Chem.Mol) -> tuple[list, list, list]:
    """chem/loader.py's mol_to_graph_data_obj_simple, by list.index (raises where it does)."""
    x = [
        [ATOMIC_NUMBERS.index(a.GetAtomicNum()), CHIRALITY.index(str(a.GetChiralTag()))]
        for a in mol.GetAtoms()
    ]
    edges, attrs = [], []
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        attr = [BOND_TYPES.index(str(bond.GetBondType())), BOND_DIRS.index(str(bond.GetBondDir()))]
        edges += [[i, j], [j, i]]
        attrs += [attr, attr]
    return x, edges, attrs


def test_vocabulary_and_reserved_tokens_line_up_with_the_published_tables() -> None:
    featurizer = PretrainGNNsFeaturizer()
    assert featurizer.describe() == {
        "name": "pretrain_gnns",
        "version": 1,
        "atom_features": {"atomic_num": 119, "chirality": 3},
        "bond_features": {"bond_type": 4, "bond_direction": 3},
    }
    assert featurizer.cache_key == "pretrain_gnns-v1"
    atom_rows = [d + NODE_SPECIAL_TOKENS for d in featurizer.atom_feature_dims]
    bond_rows = [d + EDGE_SPECIAL_TOKENS for d in featurizer.bond_feature_dims]
    # x_embedding1 has 120 rows, its mask row 119 = graphcl's mask token of column 0
    assert atom_rows[0] == 120 and featurizer.atom_feature_dims[0] == 119
    # edge_embedding1 has 6 rows: self-loop 4 and mask 5 = graphcl's self-loop / added tokens
    assert bond_rows[0] == 6 and featurizer.bond_feature_dims[0] == 4
    # chirality (3 published rows) and direction (3) get graphcl's reserved rows after them
    assert (atom_rows[1], bond_rows[1]) == (4, 5)


@pytest.mark.parametrize(
    ("smiles", "x", "bond_attr"),
    [
        (
            "C[C@H](N)C=O",
            [[5, 0], [5, 2], [6, 0], [5, 0], [7, 0]],
            [[0, 0], [0, 0], [0, 0], [1, 0]],
        ),
        (
            "C[C@@H](N)C=O",
            [[5, 0], [5, 1], [6, 0], [5, 0], [7, 0]],
            [[0, 0], [0, 0], [0, 0], [1, 0]],
        ),
        (r"F/C=C\F", [[8, 0], [5, 0], [5, 0], [8, 0]], [[0, 1], [1, 0], [0, 2]]),
        ("c1ccoc1", [[5, 0], [5, 0], [5, 0], [7, 0], [5, 0]], [[3, 0]] * 5),
        ("C#N", [[5, 0], [6, 0]], [[2, 0]]),
        ("[2H]O[2H]", [[0, 0], [7, 0], [0, 0]], [[0, 0], [0, 0]]),
        ("[Og]", [[117, 0]], []),
    ],
)
def test_hand_checked_molecules(smiles: str, x: list, bond_attr: list) -> None:
    graph = PretrainGNNsFeaturizer()(smiles)
    assert graph.x.tolist() == x
    assert graph.edge_attr[::2].tolist() == bond_attr  # one row per bond ...
    assert graph.edge_attr[1::2].tolist() == bond_attr  # ... the same in both directions
    assert graph.edge_index.shape == (2, 2 * len(bond_attr))


def test_equal_to_pretrain_gnns_on_real_molecules(nci_smiles: list[str]) -> None:
    featurizer = PretrainGNNsFeaturizer()
    checked = 0
    with rdBase.BlockLogs():
        molecules = [(s, Chem.MolFromSmiles(s)) for s in nci_smiles[:600]]
    for smiles, mol in molecules:
        if mol is None:
            continue
        try:
            x, edges, attrs = pretrain_gnns_graph(mol)
        except ValueError:  # outside pretrain-gnns' lists: see the out-of-vocabulary tests
            continue
        arrays = featurizer.arrays(smiles)
        assert arrays.x.tolist() == x, smiles
        assert arrays.edge_index.T.tolist() == edges, smiles
        assert arrays.edge_attr.tolist() == attrs, smiles
        checked += 1
    assert checked > 500


def test_many_at_once_equals_one_at_a_time(nci_smiles: list[str]) -> None:
    featurizer = PretrainGNNsFeaturizer()
    smiles = nci_smiles[:200] + EDGE_CASES
    many = featurizer.featurize_many(smiles)
    assert len(many.kept) == len(many.graphs) and len(many.kept) + len(many.rejects) == len(smiles)
    atom_start = np.concatenate([[0], np.cumsum(many.graphs.node_counts)])
    edge_start = np.concatenate([[0], np.cumsum(many.graphs.edge_counts)])
    for position, index in enumerate(many.kept):
        one = featurizer.arrays(smiles[index])
        atoms = slice(atom_start[position], atom_start[position + 1])
        edges = slice(edge_start[position], edge_start[position + 1])
        np.testing.assert_array_equal(many.graphs.x[atoms], one.x)
        np.testing.assert_array_equal(many.graphs.edge_index[:, edges], one.edge_index)
        np.testing.assert_array_equal(many.graphs.edge_attr[edges], one.edge_attr)


def test_values_stay_inside_the_vocabulary_and_never_hit_reserved_tokens(
    nci_smiles: list[str],
) -> None:
    featurizer = PretrainGNNsFeaturizer()
    with rdBase.BlockLogs():
        smiles = [s for s in nci_smiles[:300] if Chem.MolFromSmiles(s) is not None] + EDGE_CASES
    for text in smiles:
        arrays = featurizer.arrays(text)
        assert (arrays.x >= 0).all() and (arrays.x < np.array(featurizer.atom_feature_dims)).all()
        if len(arrays.edge_attr):
            assert (arrays.edge_attr >= 0).all()
            assert (arrays.edge_attr < np.array(featurizer.bond_feature_dims)).all()


def test_dummy_atoms_take_the_spare_row_not_the_mask_token() -> None:
    x = PretrainGNNsFeaturizer()("*c1ccccc1").x
    assert x[0].tolist() == [DUMMY_ATOM, 0] and DUMMY_ATOM == 118
    assert x[1:, 0].tolist() == [5] * 6


def test_non_tetrahedral_chirality_is_read_as_unspecified() -> None:
    featurizer = PretrainGNNsFeaturizer()
    for smiles in ("C[Pt@SP1](F)(Cl)Br", "F[Co@OH1](Cl)(Br)(I)(N)O", "F[As@TB1](Cl)(Br)(I)N"):
        mol = Chem.MolFromSmiles(smiles)
        assert any(a.GetChiralTag() != rdchem.ChiralType.CHI_UNSPECIFIED for a in mol.GetAtoms())
        assert featurizer(smiles).x[:, 1].tolist() == [0] * mol.GetNumAtoms(), smiles
    # CHI_OTHER (no SMILES gives it): set on a parsed molecule
    mol = Chem.MolFromSmiles("C[C@H](N)O")
    mol.GetAtomWithIdx(1).SetChiralTag(rdchem.ChiralType.CHI_OTHER)
    assert featurizer.featurize_mols([(mol, "C[C@H](N)O")]).x[:, 1].tolist() == [0, 0, 0, 0]


def test_dative_bonds_are_single_and_drawn_directions_are_none() -> None:
    featurizer = PretrainGNNsFeaturizer()
    mol = Chem.MolFromSmiles("N->[Pt](<-N)(Cl)Cl")
    assert {str(b.GetBondType()) for b in mol.GetBonds()} == {"DATIVE", "SINGLE"}
    assert featurizer("N->[Pt](<-N)(Cl)Cl").edge_attr[:, 0].tolist() == [0] * 8
    mol = Chem.MolFromSmiles(r"F/C=C\F")
    mol.GetBondWithIdx(0).SetBondDir(rdchem.BondDir.BEGINWEDGE)
    attr = featurizer.featurize_mols([(mol, r"F/C=C\F")]).edge_attr[::2]
    assert attr.tolist() == [[0, 0], [1, 0], [0, 2]]


def test_other_bond_types_are_refused_with_the_bond_named() -> None:
    featurizer = PretrainGNNsFeaturizer()
    with pytest.raises(
        InvalidSmilesError, match=r"'\[Cr\]\$\[Cr\]'.*bond 0 \(Cr0-Cr1\) is QUADRUPLE"
    ):
        featurizer("[Cr]$[Cr]")
    mol = Chem.MolFromSmiles("CCO")
    editable = Chem.RWMol(mol)
    editable.GetBondWithIdx(1).SetBondType(rdchem.BondType.ZERO)
    with pytest.raises(InvalidSmilesError, match=r"bond 1 \(C1-O2\) is ZERO"):
        featurizer.featurize_mols([(editable.GetMol(), "CCO")])


def test_featurize_many_reports_out_of_vocabulary_molecules_as_rejects() -> None:
    smiles = ["CCO", "[Cr]$[Cr]", "not a smiles", "c1ccccc1", "", "C[C@H](N)O"]
    result = PretrainGNNsFeaturizer().featurize_many(smiles)
    assert result.kept == [0, 3, 5]
    assert [index for index, _ in result.rejects] == [1, 2, 4]
    assert "QUADRUPLE" in result.rejects[0][1] and "syntax" in result.rejects[1][1]
    assert result.graphs.node_counts.tolist() == [3, 6, 4]
    # the dataset pipeline (in this process) keeps the same rows and reasons
    featurized = featurize_smiles(smiles, PretrainGNNsFeaturizer(), workers=0, progress=False)
    assert featurized.kept == [0, 3, 5]
    assert (featurized.rejects[0].row, featurized.rejects[0].smiles) == (1, "[Cr]$[Cr]")


def test_max_atoms_and_non_ascii_are_refused_like_other_featurizers() -> None:
    result = PretrainGNNsFeaturizer().featurize_many(["C" * 20, "ССO", "CC"], max_atoms=10)
    assert result.kept == [2]
    assert "max_atoms=10" in result.rejects[0][1] and "non-ASCII" in result.rejects[1][1]
