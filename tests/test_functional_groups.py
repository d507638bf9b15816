"""Functional groups matched by SMARTS, and the functional-group nodes of ``element_kg``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from rdkit import Chem

from graphcl.augmentation.element_kg import ElementKGAugmentation, augment_molecule_reference
from graphcl.data import featurize_smiles
from graphcl.data.dataset import with_smiles
from graphcl.encoders import build as build_encoder
from graphcl.errors import DatasetError
from graphcl.kg import build_element_kg, load_element_kg
from graphcl.kg.functional_groups import FG_COLUMN, FunctionalGroupMatcher, unpack_bits

GROUPS = (("hydroxyl", "[OX2H]"), ("carbonyl", "[CX3]=[OX1]"), ("phenyl", "c1ccccc1"))


@pytest.fixture(scope="module")
def kg():
    return dataclasses.replace(build_element_kg(), functional_groups=GROUPS)


def _batch(smiles):
    featurized = featurize_smiles(smiles, workers=0, progress=False)
    return with_smiles(featurized.store.collate(torch.arange(len(smiles))), list(smiles))


def test_matcher_marks_every_atom_of_every_match() -> None:
    matcher = FunctionalGroupMatcher(GROUPS)
    # acetic acid: C C(=O) O -> carbonyl on atoms 1, 2; hydroxyl on atom 3
    member = matcher.match(Chem.MolFromSmiles("CC(=O)O"))
    assert member.astype(int).tolist() == [[0, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]]
    bits = matcher.bits_of_smiles(["CC(=O)O", "c1ccccc1O"])
    assert bits.shape == (4 + 7, 1) and bits.dtype == torch.uint8
    unpacked = unpack_bits(bits, 3)
    assert unpacked[:4].int().tolist() == member.astype(int).tolist()
    assert unpacked[4:10, 2].all() and unpacked[10].tolist() == [True, False, False]


def test_matcher_errors_name_the_group_and_the_smiles() -> None:
    with pytest.raises(DatasetError, match="functional group 'bad'"):
        FunctionalGroupMatcher([("bad", "[C")])
    matcher = FunctionalGroupMatcher(GROUPS)
    with pytest.raises(DatasetError, match=r"'CCO'.*3 atoms, its graph has 4"):
        matcher.bits_of_smiles(["CCO"], atom_counts=[4])
    with pytest.raises(DatasetError, match="C1CC"):
        matcher.bits_of_smiles(["C1CC"])


def test_acetic_acid_gets_one_node_per_group_linked_to_its_atoms(kg) -> None:
    view = ElementKGAugmentation(kg, functional_groups=True)(_batch(["CC(=O)O"]))
    hydroxyl, carbonyl = kg.num_entities, kg.num_entities + 1
    fg_nodes = (view.node_type == 2).nonzero().squeeze(1)
    assert view.node_entity[fg_nodes].tolist() == [hydroxyl, carbonyl]
    assert int(view.node_type[:4].sum()) == 0 and fg_nodes.tolist() == [
        view.num_nodes - 2,
        view.num_nodes - 1,
    ]
    membership = view.edge_type == kg.num_relations + 1
    pairs = sorted(
        (int(view.node_entity[u]), v) for u, v in view.edge_index[:, membership].T.tolist()
    )
    assert pairs == [(hydroxyl, 3), (carbonyl, 1), (carbonyl, 2)]


def test_groups_from_smiles_equal_a_stored_column_and_the_reference(kg) -> None:
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "[NH4+].[Cl-]", "OCCO", "c1ccccc1"]
    batch = _batch(smiles)
    augment = ElementKGAugmentation(kg, direction="both", functional_groups=True)
    view = augment(batch)
    stored = batch.clone()
    stored[FG_COLUMN] = FunctionalGroupMatcher(GROUPS).bits_of_smiles(smiles)
    del stored.smiles
    again = augment(stored)
    assert torch.equal(view.edge_index, again.edge_index)
    assert torch.equal(view.node_entity, again.node_entity)
    matcher = FunctionalGroupMatcher(GROUPS)
    for k, data in enumerate(view.to_data_list()):
        original = batch.to_data_list()[k]
        member = matcher.match(Chem.MolFromSmiles(smiles[k]))
        groups = [row.nonzero()[0].tolist() for row in member]
        entities, edges = augment_molecule_reference(
            (original.x[:, 0] + 1).tolist(), original.edge_index.T.tolist(), kg, "both", groups
        )
        assert data.node_entity.tolist() == entities
        ours = sorted(zip(*data.edge_index.tolist(), data.edge_type.tolist(), strict=True))
        assert ours == sorted(map(tuple, edges))


def test_functional_groups_need_a_kg_with_smarts_and_a_source_of_matches(kg) -> None:
    with pytest.raises(ValueError, match="lists no functional groups"):
        ElementKGAugmentation(build_element_kg(), functional_groups=True)
    batch = _batch(["CCO"])
    del batch.smiles
    with pytest.raises(ValueError, match="SMILES or an 'fg_bits' node column"):
        ElementKGAugmentation(kg, functional_groups=True)(batch)


@pytest.mark.dataset
def test_kmpnn_with_kano_functional_groups_embeds_smiles(mirror) -> None:
    encoder = build_encoder(
        "kmpnn",
        kg="kano",
        hidden=16,
        steps=2,
        functional_groups=True,
    )
    kano = load_element_kg("kano", progress=False)
    assert encoder.entity_embedding.num_embeddings == kano.num_entities + 82
    batch = _batch(["CC(=O)Oc1ccccc1C(=O)O", "OCCO"])
    out = encoder(batch)
    assert out.shape == (2, 32) and torch.isfinite(out).all()
    view = encoder.augmented(batch)
    assert int((view.node_type == 2).sum()) > 0


def test_cached_augmented_dataset_equals_augmenting_each_batch(kg, tmp_path) -> None:
    from graphcl.augmentation.cache import cache_augmented
    from graphcl.data import load_dataset
    from graphcl.data.dataset import MoleculeDataset

    dataset = load_dataset("chembl2321810", progress=False).subset(range(60))
    augment = ElementKGAugmentation(kg, direction="both", functional_groups=True)
    cached = cache_augmented(dataset, augment, batch_size=16, progress=False)
    (tmp_path / "ions.csv").write_text("smiles,y\n[Na+],1\n[Cl-],0\nCC=O,1\n")
    ions = load_dataset(str(tmp_path / "ions.csv"), progress=False)
    one_atom = cache_augmented(ions, augment, batch_size=2, progress=False)  # 1-atom graphs only
    assert set(one_atom.store.node_extra) == {"node_type", "node_entity"}
    assert augment(ions.collate(torch.arange(2))).y.tolist() == [[1.0], [0.0]]  # y stays per graph
    cached.save(tmp_path / "kg.pt")
    loaded = MoleculeDataset.load(tmp_path / "kg.pt")
    index = torch.tensor([5, 0, 59, 17])
    expected = augment(dataset.collate(index))
    for source in (cached, loaded):
        got = source.collate(index)
        assert torch.equal(got.edge_index, expected.edge_index)
        assert torch.equal(got.ptr, expected.ptr) and got.smiles == expected.smiles
        for key in ("x", "edge_attr", "node_type", "node_entity", "edge_type"):
            assert torch.equal(got[key].long(), expected[key]), key
    encoder = build_encoder("kmpnn", kg="rdkit", hidden=8, steps=2, pretrained_kg_embeddings=False)
    plain = ElementKGAugmentation("rdkit")
    encoder.eval()
    with torch.no_grad():
        direct = encoder(dataset.collate(index))
        from_cache = encoder(cache_augmented(dataset, plain, progress=False).collate(index))
    assert torch.allclose(direct, from_cache, atol=1e-6)


@pytest.mark.dataset
def test_kcl_pretrains_with_functional_group_nodes(mirror, tmp_path) -> None:
    import graphcl

    encoder = {"name": "kmpnn", "kg": "kano", "functional_groups": True, "hidden": 8, "steps": 1}
    result = graphcl.pretrain(
        "nci5k",
        method={"name": "kcl", "partner": {"name": "gcn", "num_layers": 1, "hidden": 8}},
        encoder=encoder,
        train={"epochs": 1, "batch_size": 32, "checkpoint_every": 0},
        max_graphs=64,
        output_dir=tmp_path,
        progress=False,
    )
    assert np.isfinite(result.history[0]["loss"])
    loaded = graphcl.load(result.encoder_checkpoint)
    assert loaded.encoder.config["functional_groups"] is True
    assert loaded.embed(["OCC(=O)O"]).shape == (1, 16)
