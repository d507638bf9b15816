from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch

from graphcl.encoders import ENCODERS, GINEConv, build, load_encoder, save_encoder
from graphcl.errors import CheckpointError, RecipeError
from graphcl.features import FeatureSpec
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
    conv = GINEConv(4, FeatureSpec.categorical(dims))
    x = torch.randn(3, 4)
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    edge_attr = torch.tensor([[0, 0, 0], [0, 0, 0], [1, 2, 1], [1, 2, 1]])
    out = conv(x, edge_index, edge_attr)
    embed = conv.edge_embedding
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
    conv = GINEConv(4, FeatureSpec.categorical(dims))
    x = torch.randn(3, 4)
    edge_index = torch.tensor([[0, 0], [1, 1]])
    edge_attr = torch.tensor([[1, 0, 0], [2, 0, 1]])
    out = conv(x, edge_index, edge_attr)
    embed = conv.edge_embedding
    loop = embed(torch.tensor([list(dims)]))[0]
    expected_1 = x[1] + loop + 2 * x[0] + embed(edge_attr).sum(0)
    torch.testing.assert_close(out[1], conv.mlp(expected_1))
    torch.testing.assert_close(out[2], conv.mlp(x[2] + loop))


FLOAT_GRAPH_FEATURES = (FeatureSpec.float(7), FeatureSpec.none())
FEATURE_SETTINGS = {
    "categorical nodes and edges": None,
    "float nodes, no edge features": FLOAT_GRAPH_FEATURES,
    "float nodes, float edges": (FeatureSpec.float(7), FeatureSpec.float(3)),
}


def _float_batch(edges: FeatureSpec) -> Batch:
    """Two random graphs with float node features (and float edge features if asked)."""
    generator = torch.Generator().manual_seed(3)
    graphs = []
    for n in (5, 4):
        pairs = torch.combinations(torch.arange(n))[::2].T
        edge_index = torch.cat([pairs, pairs.flip(0)], dim=1)
        data = {"x": torch.rand(n, 7, generator=generator), "edge_index": edge_index}
        if edges.kind == "float":
            half = torch.rand(pairs.shape[1], 3, generator=generator)
            data["edge_attr"] = torch.cat([half, half])
        from torch_geometric.data import Data

        graphs.append(Data(**data))
    return Batch.from_data_list(graphs)


@pytest.mark.parametrize("setting", FEATURE_SETTINGS)
@pytest.mark.parametrize("name", ENCODERS.available())
def test_every_encoder_reads_categorical_and_float_features(name: str, setting: str) -> None:
    """One encoder interface for molecules and float-feature graphs: each registered encoder
    is built from feature specs; molecule-only encoders (KMPNN) refuse float inputs, and R-GCN
    float edge features (its relations are categories), by name."""
    features = FEATURE_SETTINGS[setting]
    if features is None:
        encoder = build(name, **_size(name, 2, 16))
        batch = _batch()
    else:
        if name == "kmpnn":
            with pytest.raises(RecipeError, match="kmpnn reads molecules: categorical atom"):
                build(name, features=features, **_size(name, 2, 16))
            return
        if name == "rgcn" and features[1].kind == "float":
            with pytest.raises(RecipeError, match="rgcn reads edge relations"):
                build(name, features=features, **_size(name, 2, 16))
            return
        encoder = build(name, features=features, **_size(name, 2, 16))
        batch = _float_batch(features[1])
    assert (encoder.node_features, encoder.edge_features) == (
        features or (OGBFeaturizer().node_features, OGBFeaturizer().edge_features)
    )
    out = encoder(batch)
    assert out.shape == (batch.num_graphs, encoder.out_dim)
    assert encoder.node_embeddings(batch).shape == (batch.num_nodes, encoder.node_dim)
    out.square().mean().backward()
    trainable = [p for p in encoder.parameters() if p.requires_grad]
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in trainable)


def test_gin_with_float_edge_features_matches_the_formula() -> None:
    """h_i' = MLP(sum_j (h_j + W e_ji + b)) with self-loops of zero edge features."""
    torch.manual_seed(0)
    conv = GINEConv(4, FeatureSpec.float(2))
    x = torch.randn(3, 4)
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    edge_attr = torch.randn(4, 2)
    out = conv(x, edge_index, edge_attr)
    linear = conv.edge_embedding.linear
    expected = []
    for i in range(3):
        total = x[i] + linear(torch.zeros(2))
        for k in range(4):
            if edge_index[1, k] == i:
                total = total + x[edge_index[0, k]] + linear(edge_attr[k])
        expected.append(conv.mlp(total))
    torch.testing.assert_close(out, torch.stack(expected))


def test_gcn_without_edge_features_is_kipf_and_welling() -> None:
    """With no edge features the GCN layer is D^-1/2 (A + I) D^-1/2 X W + b."""
    torch.manual_seed(0)
    encoder = build(
        "gcn", features=FLOAT_GRAPH_FEATURES, num_layers=1, hidden=4, norm="none", dropout=0.0
    )
    batch = _float_batch(FeatureSpec.none())
    conv = encoder.convs[0]
    h = encoder.node_embedding(batch.x)
    n = batch.num_nodes
    a = torch.eye(n)
    a[batch.edge_index[1], batch.edge_index[0]] = 1.0
    d = a.sum(1).rsqrt()
    expected = (d[:, None] * a * d[None, :]) @ conv.linear(h)
    torch.testing.assert_close(encoder.node_embeddings(batch), expected, atol=1e-5, rtol=1e-5)


LEGACY = __import__("pathlib").Path(__file__).parent / "data" / "legacy"


@pytest.mark.parametrize("name", ["gin", "gcn", "gat"])
def test_checkpoints_written_by_graphcl_0_1_still_load(name: str) -> None:
    """Files written before the neutral feature specs (``dims``, ``atom_embedding`` ...) load
    and give the embeddings they gave then (recorded in reference_outputs.json)."""
    import json

    reference = json.loads((LEGACY / "reference_outputs.json").read_text())
    encoder, featurizer, meta = load_encoder(LEGACY / f"{name}_encoder_v0.1.pt")
    assert featurizer == "ogb" and meta["dataset"] == "nci5k"
    assert encoder.node_features == OGBFeaturizer().node_features
    batch = Batch.from_data_list([smiles_to_graph(s) for s in reference["smiles"]])
    torch.testing.assert_close(
        encoder.eval()(batch), torch.tensor(reference["outputs"][name]), atol=1e-6, rtol=1e-5
    )


def test_predictor_written_by_graphcl_0_1_still_loads() -> None:
    import json

    from graphcl.evaluation import Predictor

    reference = json.loads((LEGACY / "reference_outputs.json").read_text())
    predictor = Predictor.load(LEGACY / "predictor_v0.1.pt")
    torch.testing.assert_close(
        predictor.predict(reference["smiles"]),
        torch.tensor(reference["outputs"]["predictor"]),
        atol=1e-5,
        rtol=1e-5,
    )


def test_one_implementation_behind_gin_gcn_and_gat() -> None:
    from graphcl.encoders import LAYERS, ConvStackEncoder

    for name in ("gin", "gcn", "gat"):
        encoder = build(name, num_layers=1, hidden=8)
        assert type(encoder) is ConvStackEncoder and encoder.layer == name
        assert isinstance(encoder.convs[0], LAYERS.get(name))
    with pytest.raises(RecipeError, match="unknown key 'heads' in encoder 'gin'"):
        build("gin", heads=2)
    assert build("gat", num_layers=1, hidden=8, heads=2).config["heads"] == 2
