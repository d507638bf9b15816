from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch

from graphcl.encoders import ENCODERS, GINEConv, build, load_encoder, save_encoder
from graphcl.errors import CheckpointError, RecipeError
from graphcl.featurization import OGBFeaturizer, smiles_to_graph

MOLECULES = ["CC(=O)Oc1ccccc1C(=O)O", "C[C@H](N)C(=O)O", "[Na+].[Cl-]", "c1ccc2ccccc2c1"]


def _batch() -> Batch:
    return Batch.from_data_list([smiles_to_graph(s) for s in MOLECULES])


def _permute(batch: Batch, generator: torch.Generator) -> Batch:
    """Same graphs with nodes renumbered within each graph and edges shuffled."""
    order = torch.cat(
        [
            start + torch.randperm(int(end - start), generator=generator)
            for start, end in zip(batch.ptr[:-1], batch.ptr[1:], strict=True)
        ]
    )
    new_id = torch.empty_like(order)
    new_id[order] = torch.arange(order.numel())
    edges = torch.randperm(batch.edge_index.shape[1], generator=generator)
    return Batch(
        x=batch.x[order],
        edge_index=new_id[batch.edge_index[:, edges]],
        edge_attr=batch.edge_attr[edges],
        batch=batch.batch[order],
        ptr=batch.ptr,
    )


def _size(name: str, layers: int, hidden: int) -> dict:
    """Constructor arguments of a small encoder ``name``."""
    if name == "kmpnn":
        return {"steps": layers, "hidden": hidden, "kg": "rdkit"}
    return {"num_layers": layers, "hidden": hidden}


@pytest.mark.parametrize("name", ENCODERS.available())
def test_encoder_shapes_and_permutation_invariance(name: str) -> None:
    torch.manual_seed(0)
    encoder = build(name, **_size(name, 3, 32)).eval()
    batch = _batch()
    nodes = encoder.node_embeddings(batch)
    graphs = encoder(batch)
    assert nodes.shape == (batch.num_nodes, encoder.node_dim)
    assert graphs.shape == (len(MOLECULES), encoder.out_dim)
    permuted = _permute(batch, torch.Generator().manual_seed(1))
    torch.testing.assert_close(encoder(permuted), graphs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", ENCODERS.available())
def test_encoder_trains(name: str) -> None:
    encoder = build(name, **_size(name, 2, 16), featurizer="rich")
    graphs = encoder(Batch.from_data_list([smiles_to_graph(s, "rich") for s in MOLECULES]))
    graphs.square().mean().backward()
    assert all(
        p.grad is not None and torch.isfinite(p.grad).all()
        for p in encoder.parameters()
        if p.requires_grad
    )


def test_gine_conv_matches_the_formula() -> None:
    """h_i' = MLP(sum over in-neighbours j and i itself of (h_j + e_ji))."""
    torch.manual_seed(0)
    dims = OGBFeaturizer.bond_feature_dims
    conv = GINEConv(4, dims)
    x = torch.randn(3, 4)
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    edge_attr = torch.tensor([[0, 0, 0], [0, 0, 0], [1, 2, 1], [1, 2, 1]])
    out = conv(x, edge_index, edge_attr)
    embed = conv.bond_embedding
    loop = embed(torch.tensor([list(dims)]))[0]
    expected = []
    for i in range(3):
        total = x[i] + loop
        for k in range(edge_index.shape[1]):
            if edge_index[1, k] == i:
                total = total + x[edge_index[0, k]] + embed(edge_attr[k : k + 1])[0]
        expected.append(conv.mlp(total))
    torch.testing.assert_close(out, torch.stack(expected))


def test_checkpoint_roundtrip(tmp_path) -> None:
    torch.manual_seed(0)
    encoder = build("gin", num_layers=2, hidden=16, dropout=0.0).eval()
    save_encoder(tmp_path / "enc.pt", encoder, "ogb", meta={"method": "test"})
    loaded, featurizer, meta = load_encoder(tmp_path / "enc.pt")
    loaded.eval()
    assert featurizer == "ogb" and meta == {"method": "test"}
    torch.testing.assert_close(loaded(_batch()), encoder(_batch()))
    assert load_encoder(tmp_path / "enc.pt", dropout=0.5)[0].dropout == 0.5


def test_bad_checkpoint_and_bad_keys(tmp_path) -> None:
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a graphcl encoder checkpoint"):
        load_encoder(tmp_path / "other.pt")
    with pytest.raises(RecipeError, match="unknown key 'hiden' in encoder 'gin'"):
        build("gin", hiden=3)


def test_gine_conv_counts_parallel_edges_and_isolated_nodes() -> None:
    """A doubled edge contributes twice; an isolated node sums only itself and its self-loop."""
    torch.manual_seed(0)
    dims = OGBFeaturizer.bond_feature_dims
    conv = GINEConv(4, dims)
    x = torch.randn(3, 4)
    edge_index = torch.tensor([[0, 0], [1, 1]])
    edge_attr = torch.tensor([[1, 0, 0], [2, 0, 1]])
    out = conv(x, edge_index, edge_attr)
    embed = conv.bond_embedding
    loop = embed(torch.tensor([list(dims)]))[0]
    expected_1 = x[1] + loop + 2 * x[0] + embed(edge_attr).sum(0)
    torch.testing.assert_close(out[1], conv.mlp(expected_1))
    torch.testing.assert_close(out[2], conv.mlp(x[2] + loop))
