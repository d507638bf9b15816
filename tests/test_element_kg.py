"""Element knowledge graphs and the knowledge-guided (element_kg) augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphcl import augmentation
from graphcl.augmentation.element_kg import ElementKGAugmentation, augment_molecule_reference
from graphcl.data import featurize_smiles
from graphcl.errors import DatasetError, UnknownNameError
from graphcl.kg import ElementKG, build_element_kg, load_element_kg, read_triples
from graphcl.kg.safe_pickle import rotate_pickle_to_arrays

TINY = """\
Period1 isPeriodOf  H
Period2 isPeriodOf  C
Period2 isPeriodOf  O
Period3 isPeriodOf  Na
Period3 isPeriodOf  Cl
Nonmetal isMetallicityOf  C
Nonmetal isMetallicityOf  O
Chalcogen isfamilyof  O
"""


@pytest.fixture
def tiny_kg(tmp_path) -> ElementKG:
    path = tmp_path / "triples.txt"
    path.write_text(TINY)
    return load_element_kg(path)


def _augment(smiles, kg, direction="attribute_to_atom"):
    batch = featurize_smiles(smiles, workers=0, progress=False).store.collate(
        torch.arange(len(smiles))
    )
    return batch, ElementKGAugmentation(kg, direction=direction)(batch)


def _named(view, kg, graph=0):
    """Node names (element symbols or attribute names) and typed edges of one graph."""
    data = view.to_data_list()[graph]
    names = []
    for entity, x in zip(data.node_entity.tolist(), data.x[:, 0].tolist(), strict=True):
        names.append(kg.entities[entity] if entity >= 0 else f"atom:{x + 1}")
    relations = ("bond", *kg.relations)
    edges = sorted(
        (names[u], names[v], relations[t])
        for (u, v), t in zip(data.edge_index.T.tolist(), data.edge_type.tolist(), strict=True)
    )
    return names, edges


def test_ethanol_gets_shared_attribute_nodes_and_typed_edges(tiny_kg) -> None:
    _, view = _augment(["CCO"], tiny_kg)
    names, edges = _named(view, tiny_kg)
    # entity ids are sorted names: Chalcogen, Nonmetal, Period2 (Period1 belongs to no heavy atom)
    assert names == ["atom:6", "atom:6", "atom:8", "Chalcogen", "Nonmetal", "Period2"]
    assert view.node_type.tolist() == [0, 0, 0, 1, 1, 1]
    expected = sorted(
        [("atom:6", "atom:6", "bond")] * 2
        + [("atom:6", "atom:8", "bond"), ("atom:8", "atom:6", "bond")]
        + [("Period2", "atom:6", "isPeriodOf")] * 2
        + [("Nonmetal", "atom:6", "isMetallicityOf")] * 2
        + [("Period2", "atom:8", "isPeriodOf"), ("Nonmetal", "atom:8", "isMetallicityOf")]
        + [("Chalcogen", "atom:8", "isfamilyof")]
    )
    assert edges == expected


def test_salt_isolated_atom_and_benzene_in_one_batch(tiny_kg) -> None:
    batch, view = _augment(["[Na+].[Cl-]", "C.O", "c1ccccc1"], tiny_kg)
    salt_names, salt_edges = _named(view, tiny_kg, 0)
    assert salt_names == ["atom:11", "atom:17", "Period3"]  # one Period3 node shared by both ions
    assert salt_edges == [
        ("Period3", "atom:11", "isPeriodOf"),
        ("Period3", "atom:17", "isPeriodOf"),
    ]
    names, edges = _named(view, tiny_kg, 1)  # two isolated atoms: no bond, linked via Period2
    assert names == ["atom:6", "atom:8", "Chalcogen", "Nonmetal", "Period2"]
    assert ("Period2", "atom:6", "isPeriodOf") in edges and (
        "Period2",
        "atom:8",
        "isPeriodOf",
    ) in edges
    names, edges = _named(view, tiny_kg, 2)
    assert names == ["atom:6"] * 6 + ["Nonmetal", "Period2"]
    assert sum(e[2] == "bond" for e in edges) == 12 and len(edges) == 12 + 12
    # per-graph attribute nodes: graphs never share one
    src, dst = view.edge_index
    assert torch.equal(view.batch[src], view.batch[dst])
    assert torch.equal(view.ptr, torch.tensor([0, 3, 8, 16]))
    assert batch.num_nodes == 10  # the input is untouched


@pytest.mark.parametrize("direction", ["attribute_to_atom", "atom_to_attribute", "both"])
def test_batched_augmentation_equals_the_per_molecule_reference(direction) -> None:
    kg = build_element_kg()
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "[NH4+].[Cl-]", "C", "O=S(=O)(O)c1ccc(Br)cc1", "[Fe+2]"]
    batch, view = _augment(smiles, kg, direction)
    for k, data in enumerate(view.to_data_list()):
        original = batch.to_data_list()[k]
        entities, edges = augment_molecule_reference(
            (original.x[:, 0] + 1).tolist(), original.edge_index.T.tolist(), kg, direction
        )
        assert data.node_entity.tolist() == entities
        ours = sorted(zip(*data.edge_index.tolist(), data.edge_type.tolist(), strict=True))
        assert ours == sorted(map(tuple, edges))


def test_element_kg_is_a_registered_augmentation(tiny_kg) -> None:
    aug = augmentation.build("element_kg", kg=tiny_kg, direction="both")
    assert isinstance(aug, ElementKGAugmentation)
    with pytest.raises(Exception, match="direction must be one of"):
        augmentation.build("element_kg", kg=tiny_kg, direction="up")


def test_rdkit_built_kg_bins_properties() -> None:
    kg = build_element_kg(levels=4)
    assert len(kg.elements) == 118 and "isGroupOf" in kg.relations
    carbon = dict(kg.attributes_of("C"))
    assert carbon["isPeriodOf"] == "Period2" and carbon["isGroupOf"] == "Group14"
    assert dict(kg.attributes_of(8))["isGroupOf"] == "Group16"
    levels = {a for e in kg.elements for r, a in kg.attributes_of(e) if r == "isWeightOf"}
    assert levels == {"Weight1", "Weight2", "Weight3", "Weight4"}


def test_triples_errors_name_the_file_and_line(tmp_path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Period2 isPeriodOf C\nPeriod2 isPeriodOf\n")
    with pytest.raises(DatasetError, match=r"bad.txt:2: expected 'attribute relation element'"):
        read_triples(bad)
    bad.write_text("Period2 isPeriodOf Xx\n")
    with pytest.raises(DatasetError, match="'Xx' is not an element symbol"):
        read_triples(bad)
    with pytest.raises(UnknownNameError, match="unknown knowledge graph 'kcll'"):
        load_element_kg("kcll")
    with pytest.raises(KeyError, match="not an element of knowledge graph"):
        build_element_kg().attributes_of("Xx")


@pytest.mark.dataset
def test_kcl_element_kg_from_the_mirror(mirror) -> None:
    kg = load_element_kg("kcl", progress=False)
    assert (len(kg.elements), len(kg.attributes), kg.num_entities) == (118, 107, 225)
    assert (kg.num_relations, len(kg.triples)) == (17, 1643)
    assert kg.entity_embeddings.shape == (225, 128) and kg.relation_embeddings.shape == (17, 64)
    assert ("isPeriodOf", "Period2") in kg.attributes_of("C")
    assert "1643 triples" in kg.summary()
    # the upstream pickle, read with the allow-list unpickler, equals the .npz twin
    arrays = rotate_pickle_to_arrays(mirror / "kcl_element_kg" / "RotatE_128_64.pkl")
    with np.load(mirror / "kcl_element_kg" / "RotatE_128_64.npz") as twin:
        for key in twin.files:
            assert np.array_equal(arrays[key], twin[key]), key


def test_allow_list_unpickler_refuses_other_globals(tmp_path) -> None:
    import pickle

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"id2entity": print}))
    with pytest.raises(DatasetError, match=r"refusing to load builtins\.print"):
        rotate_pickle_to_arrays(path)


@pytest.mark.dataset
def test_kano_element_kg_from_the_mirror(mirror) -> None:
    kg = load_element_kg("kano", progress=False)
    carbon = dict(kg.attributes_of("C"))
    # the same discretised levels as KCL's graph, read from KANO's element-element relations
    assert (
        carbon["hasPeriod"] == "Period2" and carbon["hasElectronegativity"] == "Electronegativity4"
    )
    assert carbon["isA"] == "reactiveNonmetals"
    assert len(kg.functional_groups) == 82 and kg.functional_groups[0] == ("Alkyl", "[CX4]")
    _, view = _augment(["CCO"], kg)  # feeds the same augmentation
    assert int((view.node_type == 1).sum()) == len(
        {a for e in ("C", "O") for _, a in kg.attributes_of(e)}
    )


def test_functional_group_file_errors_name_the_line(tmp_path) -> None:
    from graphcl.kg.kano import read_functional_groups

    path = tmp_path / "fg.txt"
    path.write_text("Alkyl [CX4]\nbroken\n")
    with pytest.raises(DatasetError, match=r"fg.txt:2: expected 'name SMARTS'"):
        read_functional_groups(path)
