"""Contract tests for every registered augmentation, plus per-augmentation checks."""

from __future__ import annotations

import copy

import pytest
import torch
from torch_geometric.data import Batch

from graphcl import augmentation
from graphcl.augmentation import AUGMENTATIONS
from graphcl.data import featurize_smiles
from graphcl.featurization import OGBFeaturizer

F = OGBFeaturizer
MASK = list(F.atom_feature_dims)
ADDED = [d + 1 for d in F.bond_feature_dims]
SMILES = [
    "CC(=O)Oc1ccccc1C(=O)O",
    "C",  # one atom, no edge
    "[Na+].[Cl-]",  # two components, no edge
    "CC",
    "c1ccc2ccccc2c1",
    "CCN(CC)CCOC(=O)c1ccc(N)cc1",
    "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "CCCCCCCCCCCCCCCCCC(=O)O",
] * 4

# constructor arguments used for each registered name (molecules: categorical x and edge_attr)
ARGUMENTS = {
    "node_drop": {"ratio": 0.3},
    "edge_perturb": {"ratio": 0.3, "added_attr": ADDED},
    "subgraph": {"ratio": 0.3},
    "attr_mask": {"ratio": 0.3, "mask_value": MASK},
    "feature_noise": {"std": 0.5},
    "identity": {},
    "compose": {"augmentations": ["node_drop", {"name": "attr_mask", "mask_value": MASK}]},
    "random_choice": {"augmentations": [{"name": "subgraph"}, {"name": "node_drop"}]},
    "element_kg": {"kg": "rdkit"},
    "edge_drop": {"ratio": 0.3, "mode": "degree"},
    "feature_mask": {"ratio": 0.3},
}


def molecule_batch(device: str = "cpu", float_x: bool = False) -> Batch:
    """A batch with node and edge ids attached, so a view can be traced back to its input."""
    store = featurize_smiles(SMILES, workers=0, progress=False).store
    batch = store.collate(torch.arange(len(SMILES)))
    batch.node_id = torch.arange(batch.num_nodes)
    batch.edge_id = torch.arange(batch.num_edges)
    batch._slice_dict.update(node_id=batch.ptr, edge_id=batch._slice_dict["edge_index"])
    zeros = torch.zeros(batch.num_graphs, dtype=torch.long)
    batch._inc_dict.update(node_id=zeros, edge_id=zeros)
    batch.y = torch.arange(batch.num_graphs, dtype=torch.float).unsqueeze(1)
    batch._slice_dict["y"] = torch.arange(batch.num_graphs + 1)
    batch._inc_dict["y"] = zeros
    if float_x:
        batch.x = batch.x.float()
    return batch.to(device)


def _snapshot(batch: Batch) -> dict:
    return {
        key: value.clone() if torch.is_tensor(value) else copy.copy(value) for key, value in batch
    }


def _views(name: str, device: str = "cpu") -> tuple[Batch, Batch]:
    batch = molecule_batch(device, float_x=name in ("feature_noise", "feature_mask"))
    aug = augmentation.build(name, **copy.deepcopy(ARGUMENTS[name]))
    generator = torch.Generator(device=device).manual_seed(7)
    return batch, aug(batch, generator)


def test_arguments_cover_every_registered_augmentation() -> None:
    assert set(ARGUMENTS) == set(AUGMENTATIONS.available())


@pytest.mark.parametrize("name", AUGMENTATIONS.available())
def test_contract(name: str) -> None:
    batch = molecule_batch(float_x=name in ("feature_noise", "feature_mask"))
    before = _snapshot(batch)
    slices_before = {k: v.clone() for k, v in batch._slice_dict.items()}
    aug = augmentation.build(name, **copy.deepcopy(ARGUMENTS[name]))
    view = aug(batch, torch.Generator().manual_seed(3))
    # the input is untouched
    for key, value in before.items():
        if torch.is_tensor(value):
            assert torch.equal(batch[key], value), key
    assert all(torch.equal(batch._slice_dict[k], v) for k, v in slices_before.items())
    # graph boundaries: no cross-graph edge, every graph keeps a node, grouping per graph
    src, dst = view.edge_index
    assert torch.equal(view.batch[src], view.batch[dst])
    assert view.num_graphs == batch.num_graphs and (view.ptr.diff() >= 1).all()
    assert torch.equal(
        view.batch, torch.repeat_interleave(torch.arange(view.num_graphs), view.ptr.diff())
    )
    assert view.edge_index.max() < view.num_nodes
    # attributes stay aligned: graph-level y kept; node ids map into the right graph
    assert torch.equal(view.y, batch.y)
    atoms = view.node_type == 0 if "node_type" in view else torch.ones_like(view.batch, dtype=bool)
    assert torch.equal(batch.batch[view.node_id[atoms]], view.batch[atoms])
    assert view.x.shape[0] == view.num_nodes and view.edge_attr.shape[0] == view.num_edges
    original = view.edge_attr[:, 0] != ADDED[0]
    if "edge_type" in view:  # added knowledge-graph edges
        original = view.edge_type == 0
    assert torch.equal(view.edge_attr[original], batch.edge_attr[view.edge_id[original]])
    ends = batch.edge_index[:, view.edge_id[original]]
    assert torch.equal(view.node_id[view.edge_index[:, original]], ends)
    # per-graph consistency: to_data_list splits it back into graphs
    graphs = view.to_data_list()
    assert len(graphs) == batch.num_graphs
    assert sum(g.num_nodes for g in graphs) == view.num_nodes


@pytest.mark.parametrize("name", AUGMENTATIONS.available())
def test_determinism(name: str) -> None:
    _, first = _views(name)
    _, second = _views(name)
    for key, value in first:
        if torch.is_tensor(value):
            assert torch.equal(value, second[key]), key


def test_node_drop_ratio_per_graph() -> None:
    batch, view = _views("node_drop")
    sizes = batch.ptr.diff()
    expected = torch.minimum((sizes * 0.3).long(), sizes - 1)
    assert torch.equal(sizes - view.ptr.diff(), expected)
    # dropped nodes are really removed: their edges are gone too
    kept = torch.zeros(batch.num_nodes, dtype=torch.bool)
    kept[view.node_id] = True
    edges_kept = kept[batch.edge_index].all(0)
    assert int(edges_kept.sum()) == view.num_edges


def test_node_drop_is_per_node_random() -> None:
    batch = molecule_batch()
    aug = augmentation.build("node_drop", ratio=0.5)
    views = [aug(batch, torch.Generator().manual_seed(s)) for s in range(2)]
    assert not torch.equal(views[0].node_id, views[1].node_id)
    # copies of the same molecule in one batch lose different atoms
    first = views[0].to_data_list()
    assert not torch.equal(first[0].node_id - 0, first[8].node_id - int(batch.ptr[8]))


def test_subgraph_keeps_a_connected_part_of_the_target_size() -> None:
    batch, view = _views("subgraph")
    sizes = batch.ptr.diff()
    target = sizes - (sizes * 0.3).long()
    kept = view.ptr.diff()
    for i, graph in enumerate(view.to_data_list()):
        if SMILES[i] == "[Na+].[Cl-]":
            assert kept[i] == 1  # the seed's component
            continue
        assert kept[i] == target[i]
        # connected: a walk over its edges from node 0 reaches every node
        reached = {0}
        changed = True
        while changed:
            changed = False
            for u, v in graph.edge_index.T.tolist():
                if u in reached and v not in reached:
                    reached.add(v)
                    changed = True
        assert len(reached) == graph.num_nodes


def test_edge_perturb_replaces_pairs_within_graphs() -> None:
    batch, view = _views("edge_perturb")
    assert view.num_edges == batch.num_edges  # as many added as removed
    added = view.edge_attr[:, 0] == ADDED[0]
    assert (view.edge_attr[added] == torch.tensor(ADDED)).all()
    pairs = batch.edge_index.shape[1] // 2
    assert int(added.sum()) // 2 == sum(
        int(m * 0.3) for m in (batch._slice_dict["edge_index"].diff() // 2).tolist()
    )
    assert int(added.sum()) <= pairs
    # added edges come in both directions and never as self-loops
    a = view.edge_index[:, added]
    assert (a[0] != a[1]).all()
    forward = set(map(tuple, a.T.tolist()))
    assert all((v, u) in forward for u, v in forward)


def test_attr_mask_masks_per_graph_count_with_the_token() -> None:
    batch, view = _views("attr_mask")
    masked = (view.x == torch.tensor(MASK)).all(1)
    counts = torch.bincount(view.batch[masked], minlength=view.num_graphs)
    assert torch.equal(counts, (batch.ptr.diff() * 0.3).long())
    assert torch.equal(view.x[~masked], batch.x[~masked])


def test_feature_noise_needs_float_features() -> None:
    with pytest.raises(ValueError, match="floating-point"):
        augmentation.build("feature_noise")(molecule_batch())
    batch, view = _views("feature_noise")
    assert not torch.equal(view.x, batch.x)
    assert abs(float((view.x - batch.x).std()) - 0.5) < 0.05


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="ratio must be in"):
        augmentation.build("node_drop", ratio=1.0)
    with pytest.raises(ValueError, match="unknown key 'rate' in augmentation 'subgraph'"):
        augmentation.build("subgraph", rate=0.1)
    with pytest.raises(ValueError, match="choose one of: attr_mask, compose"):
        augmentation.build("drop_nodes")


@pytest.mark.gpu
@pytest.mark.parametrize("name", AUGMENTATIONS.available())
def test_on_cuda(name: str) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    _, on_gpu = _views(name, "cuda")
    assert on_gpu.x.is_cuda and on_gpu.edge_index.is_cuda
    assert torch.equal(on_gpu.batch[on_gpu.edge_index[0]], on_gpu.batch[on_gpu.edge_index[1]])
