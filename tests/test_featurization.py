from __future__ import annotations

import gzip
import random

import numpy as np
import pandas as pd
import pytest
import torch
from ogb.utils import smiles2graph
from rdkit import Chem, rdBase

from graphcl.errors import InvalidSmilesError
from graphcl.featurization import FEATURIZERS, OGBFeaturizer, RichFeaturizer, build, smiles_to_graph

# Molecules that exercise every fast path of the OGB featurizer: stereo centres, E/Z double bonds,
# charges, salts, radicals, isotopes, explicit hydrogens, metals, dative bonds, dummy atoms and
# CXSMILES.
EDGE_CASES = [
    "C[C@H](N)C(=O)O",
    "C/C=C/C",
    r"F/C=C\F",
    "[O-][N+](=O)c1ccccc1",
    "CN(=O)=O",
    "[Na+].[Cl-]",
    "[CH3]",
    "[13CH3]C",
    "[2H]C([2H])([2H])O",
    "C[Cu-3]",
    "*c1ccccc1",
    "C[C@@H]1CC[C@H](C)CC1 |r|",
    "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "c1ccc2ccccc2c1",
    "C",
    "[Xe]",
    "N->[Pt](<-N)(Cl)Cl",
    "CC(=O)O[Na]",
    "B(O)(O)c1ccccc1",
    # sanitization turns the S-Fe bonds of this complex dative although the SMILES says single
    "C1C[N+]23CCC[N+]4(C1)CC[S-]1[Fe+2]24([SH+]CC3)[S-]2CC[N+]34CCC[N+]5(CCC3)CC[SH+][Fe+2]1254",
]


def _assert_same_as_ogb(smiles: str) -> None:
    ours = OGBFeaturizer().arrays(smiles)
    reference = smiles2graph(smiles)
    np.testing.assert_array_equal(ours.x, reference["node_feat"], err_msg=smiles)
    np.testing.assert_array_equal(ours.edge_index, reference["edge_index"], err_msg=smiles)
    np.testing.assert_array_equal(ours.edge_attr, reference["edge_feat"], err_msg=smiles)


def test_equal_to_ogb_on_real_molecules(nci_smiles: list[str]) -> None:
    checked = 0
    with rdBase.BlockLogs():
        molecules = [s for s in nci_smiles[:450] if Chem.MolFromSmiles(s) is not None]
    for smiles in molecules[:400] + EDGE_CASES:
        _assert_same_as_ogb(smiles)
        checked += 1
    assert checked >= 400


@pytest.mark.dataset
def test_equal_to_ogb_on_moleculenet_and_zinc_samples(mirror) -> None:
    rng = random.Random(0)
    samples: list[str] = []
    for name, column in [
        ("bace.csv", "mol"),
        ("tox21.csv", "smiles"),
        ("HIV.csv.gz", "smiles"),
        ("toxcast.csv.gz", "smiles"),
        ("clintox.csv", "smiles"),
    ]:
        smiles = pd.read_csv(mirror / "moleculenet" / name)[column].tolist()
        samples += rng.sample(smiles, 100)
    with gzip.open(mirror / "zinc250k" / "zinc.txt.gz", "rt") as handle:
        zinc = [line.strip() for _, line in zip(range(20000), handle, strict=False)]
    samples += rng.sample(zinc, 200)
    with rdBase.BlockLogs():
        valid = [s for s in samples if Chem.MolFromSmiles(s) is not None]
    assert len(valid) > 650
    for smiles in valid:
        _assert_same_as_ogb(smiles)


def test_graph_fields_and_dtypes() -> None:
    graph = smiles_to_graph("CC(=O)O")
    assert graph.smiles == "CC(=O)O"
    assert graph.x.dtype == graph.edge_index.dtype == graph.edge_attr.dtype == torch.long
    assert graph.x.shape == (4, 9)
    assert graph.edge_index.shape == (2, 6)
    # both directions of each bond, adjacent columns
    assert graph.edge_index[:, 0].tolist() == graph.edge_index[:, 1].flip(0).tolist()
    assert torch.equal(graph.edge_attr[0::2], graph.edge_attr[1::2])


def test_isolated_atoms_have_no_edges() -> None:
    graph = smiles_to_graph("[Na+].[Cl-]")
    assert graph.num_nodes == 2
    assert graph.edge_index.shape == (2, 0)
    assert graph.edge_attr.shape == (0, 3)


@pytest.mark.parametrize(
    ("smiles", "reason"),
    [
        ("C1CC", "syntax"),
        ("C(C)(C)(C)(C)C", "valence"),
        ("c1cccc1", "kekulize"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_invalid_smiles_error_names_the_smiles(smiles: str, reason: str) -> None:
    with pytest.raises(InvalidSmilesError) as info:
        smiles_to_graph(smiles)
    assert repr(smiles) in str(info.value)
    assert reason in str(info.value).lower()
    assert info.value.smiles == smiles


@pytest.mark.parametrize("name", FEATURIZERS.available())
def test_features_stay_inside_the_declared_vocabulary(name: str, nci_smiles: list[str]) -> None:
    featurizer = build(name)
    assert featurizer.describe()["name"] == name
    with rdBase.BlockLogs():
        smiles = [s for s in nci_smiles[:300] if Chem.MolFromSmiles(s) is not None] + EDGE_CASES
    for text in smiles:
        arrays = featurizer.arrays(text)
        assert arrays.x.shape[1] == len(featurizer.atom_feature_dims)
        assert arrays.edge_attr.shape[1] == len(featurizer.bond_feature_dims)
        assert (arrays.x >= 0).all() and (arrays.x < np.array(featurizer.atom_feature_dims)).all()
        if len(arrays.edge_attr):
            assert (arrays.edge_attr < np.array(featurizer.bond_feature_dims)).all()


def test_rich_featurizer_columns() -> None:
    graph = RichFeaturizer()("C1CC1c1ccccc1")
    names = RichFeaturizer.atom_feature_names
    ring_size = graph.x[:, names.index("smallest_ring_size")].tolist()
    assert ring_size[:3] == [1, 1, 1]  # cyclopropane: index 1 = size 3
    assert ring_size[3:] == [4] * 6  # benzene: index 4 = size 6
    hybrid = graph.x[:, names.index("hybridization")].tolist()
    assert hybrid[0] == 4 and hybrid[4] == 3  # SP3 carbons, SP2 aromatic carbons


def test_unknown_featurizer_lists_choices() -> None:
    with pytest.raises(ValueError, match="choose one of: ogb, pretrain_gnns, rich"):
        build("morgan")
