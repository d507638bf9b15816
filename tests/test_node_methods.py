"""Node-level methods on one graph: GRACE, GCA, BGRL and gCooL through the shared trainer, their
views, centre masks, the EMA schedule, multiplex graphs, and community detection."""

from __future__ import annotations

import math

import networkx as nx
import pytest
import torch
from torch import nn
from torch_geometric.data import Data, HeteroData

from graphcl.community_detection import communities, modularity
from graphcl.data.node_dataset import NodeDataset
from graphcl.encoders import load_encoder
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import RecipeError
from graphcl.methods import build as build_method
from graphcl.methods.bgrl import target_decay
from graphcl.methods.gcool import layer_graphs
from graphcl.methods.node_views import NodeViews
from graphcl.runtime.step_context import StepContext
from graphcl.training import TrainConfig, Trainer

NODE_METHODS = ("grace", "gca", "bgrl", "gcool")


def planted(blocks: int = 3, size: int = 20, features: int = 8, seed: int = 0) -> Data:
    """A planted-partition graph: dense blocks, sparse links between them, features by block."""
    generator = torch.Generator().manual_seed(seed)
    n = blocks * size
    block = torch.arange(n) // size
    same = block[:, None] == block[None, :]
    probability = torch.where(same, torch.tensor(0.5), torch.tensor(0.02))
    upper = torch.triu(torch.rand(n, n, generator=generator) < probability, diagonal=1)
    edge_index = upper.nonzero().T
    edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    centres = torch.randn(blocks, features, generator=generator)
    x = centres[block] + 0.3 * torch.randn(n, features, generator=generator)
    return Data(x=x, edge_index=edge_index, y=block, num_nodes=n)


def node_dataset(graph: Data | None = None) -> NodeDataset:
    return NodeDataset.from_graph(graph if graph is not None else planted(), "planted")


def method(name: str, dataset: NodeDataset, **kwargs: object):
    return build_method(
        name,
        encoder={"name": "gcn", "num_layers": 2, "hidden": 16},
        featurizer=None,
        features=dataset.info.features,
        **kwargs,
    )


def context(step: int = 0, epoch: int = 1) -> StepContext:
    return StepContext(
        step=step,
        epoch=epoch,
        epochs=10,
        total_steps=10,
        generator=torch.Generator().manual_seed(step),
    )


@pytest.mark.parametrize("name", NODE_METHODS)
def test_trains_full_batch_through_the_trainer_and_saves_the_encoder(tmp_path, name) -> None:
    torch.manual_seed(0)
    dataset = node_dataset()
    model = method(name, dataset)
    config = TrainConfig(epochs=3, lr=0.01, checkpoint_every=0, seed=0)
    result = Trainer(config, tmp_path, progress=False).fit(model, dataset)
    losses = [row["loss"] for row in result.history]
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert result.unit == "nodes"
    encoder, _, _ = load_encoder(tmp_path / "encoder.pt")
    assert encoder.node_embeddings(dataset.graph).shape == (dataset.num_nodes, 16)


@pytest.mark.parametrize("name", NODE_METHODS)
def test_trains_on_node_mini_batches(name) -> None:
    torch.manual_seed(0)
    dataset = node_dataset()
    config = TrainConfig(epochs=1, batch_size=20, batching="nodes", checkpoint_every=0)
    result = Trainer(config, None, progress=False).fit(method(name, dataset), dataset)
    assert result.history[0]["steps"] == 3 and math.isfinite(result.history[0]["loss"])


def test_adaptive_weights_are_computed_once_per_graph(monkeypatch) -> None:
    from graphcl.augmentation.edge_drop import EdgeDrop

    calls = []
    real = EdgeDrop.precompute

    def counted(self, data):  # type: ignore[no-untyped-def]
        calls.append(self.mode)
        return real(self, data)

    monkeypatch.setattr(EdgeDrop, "precompute", counted)
    views = NodeViews(
        {"name": "edge_drop", "ratio": 0.3, "mode": "degree"},
        {"name": "edge_drop", "ratio": 0.5, "mode": "degree"},
    )
    graph = planted()
    before = graph.edge_index.clone()
    for step in range(4):
        first, second = views(graph, torch.Generator().manual_seed(step))
        assert first.num_nodes == second.num_nodes == graph.num_nodes
        assert first.num_edges < graph.num_edges and second.num_edges < first.num_edges + 60
    assert calls == ["degree"]  # both views share one weight table, computed once
    assert torch.equal(graph.edge_index, before)  # the input is never modified
    other = planted(seed=1)
    views(other, None)
    assert calls == ["degree", "degree"]  # a new graph gets its own weights


@pytest.mark.parametrize("name", ["grace", "bgrl", "gcool"])
def test_losses_count_only_centre_nodes(name) -> None:
    torch.manual_seed(0)
    dataset = node_dataset()
    model = method(name, dataset)
    graph = dataset.graph.clone()
    halo = graph.clone()
    halo.center_mask = torch.arange(graph.num_nodes) < 30
    if name == "grace":
        z1, z2 = model.embed_views(halo, context())
        assert z1.shape[0] == z2.shape[0] == 30
    loss = model(halo, context())
    assert torch.isfinite(loss)
    # a loss over the centre nodes differs from the loss over all of them
    assert not torch.isclose(loss, model(graph, context()))


@pytest.mark.parametrize("name", ["grace", "gca"])
def test_grace_initialises_its_encoder_as_the_reference_gcn_layers(name) -> None:
    dataset = node_dataset()
    encoder = method(name, dataset).encoder
    linears = [m for m in encoder.modules() if isinstance(m, nn.Linear)]
    assert linears  # the input adapter and the two GCN layers
    for layer in linears:
        weight = layer.weight.detach()
        fan_out, fan_in = weight.shape
        bound = math.sqrt(6.0 / (fan_in + fan_out))  # Glorot-uniform, as PyG's GCNConv
        assert float(weight.abs().max()) <= bound
        assert float(weight.std()) > 0.8 * bound / math.sqrt(3.0)
        assert layer.bias is None or not bool(layer.bias.any())
    torch.manual_seed(0)
    kept = method(name, dataset, init="default")
    torch.manual_seed(0)
    own = build_encoder(
        "gcn", None, features=dataset.info.features, num_layers=2, hidden=16, dropout=0.0
    ).state_dict()
    for key, value in kept.encoder.state_dict().items():
        assert torch.equal(value, own[key])  # the encoder's own initialisation
    assert any(bool(m.bias.any()) for m in kept.encoder.modules() if isinstance(m, nn.Linear))
    with pytest.raises(RecipeError, match="init must be one of"):
        method(name, dataset, init="orthogonal")


def test_bgrl_target_follows_the_online_encoder_on_a_cosine_schedule() -> None:
    assert target_decay(0.0, 0.99) == pytest.approx(0.99)
    assert target_decay(1.0, 0.99) == pytest.approx(1.0)
    assert target_decay(0.5, 0.99) == pytest.approx(0.995)
    dataset = node_dataset()
    model = method("bgrl", dataset, decay=0.5)
    with torch.no_grad():
        for parameter in model.encoder.parameters():
            parameter.add_(1.0)
    target = next(model.target.parameters()).clone()
    online = next(model.encoder.parameters()).clone()
    model.after_step(context())  # progress 0: decay 0.5
    moved = next(model.target.parameters())
    torch.testing.assert_close(moved, 0.5 * target + 0.5 * online)
    assert not any(p.requires_grad for p in model.target.parameters())


def test_gcool_terms_follow_the_schedule() -> None:
    torch.manual_seed(0)
    dataset = node_dataset()
    model = method("gcool", dataset, stride=10)
    model(dataset.graph, context(epoch=1))
    assert set(model.terms) == {"node", "deca", "resc"}
    assert all(torch.isfinite(v) for v in model.terms.values())
    # after 0.2 * stride epochs alpha is 0: the loss is the node term alone
    late = model(dataset.graph, context(epoch=4))
    torch.testing.assert_close(late, model.terms["node"])


def multiplex_graph() -> HeteroData:
    graph = planted()
    other = planted(seed=3)
    data = HeteroData()
    data["paper"].x = graph.x
    data["paper", "cites", "paper"].edge_index = graph.edge_index
    data["paper", "shares_author", "paper"].edge_index = other.edge_index
    return data


def test_multiplex_layers_from_hetero_data_and_from_edge_type() -> None:
    hetero = multiplex_graph()
    layers = layer_graphs(hetero)
    assert len(layers) == 2
    assert all(layer.num_nodes == 60 and layer.x is hetero["paper"].x for layer in layers)
    flat = Data(
        x=hetero["paper"].x,
        edge_index=torch.cat([layers[0].edge_index, layers[1].edge_index], 1),
        edge_type=torch.cat(
            [torch.zeros(layers[0].num_edges), torch.ones(layers[1].num_edges)]
        ).long(),
        num_nodes=60,
    )
    for mine, theirs in zip(layer_graphs(flat), layers, strict=True):
        assert torch.equal(mine.edge_index, theirs.edge_index)
    two_types = HeteroData()
    two_types["a"].x = torch.zeros(2, 1)
    two_types["b"].x = torch.zeros(2, 1)
    with pytest.raises(ValueError, match="one node type"):
        layer_graphs(two_types)


@pytest.mark.parametrize("shared", [True, False])
def test_gcool_on_a_multiplex_graph_shares_the_community_centres(shared) -> None:
    torch.manual_seed(0)
    dataset = node_dataset()
    model = method(
        "gcool",
        dataset,
        multiplex=True,
        shared_encoder=shared,
        num_layers_multiplex=2,
        num_communities=3,
    )
    graph = multiplex_graph()
    loss = model(graph, context())
    assert set(model.terms) == {f"layer{i}/{t}" for i in (0, 1) for t in ("node", "deca", "resc")}
    loss.backward()
    assert model.centres.grad is not None  # one set of centres, trained by both layers' DeCA
    if not shared:
        layer_encoder = model.encoder_of(1)
        assert layer_encoder is not model.encoder
        assert any(p.grad is not None for p in layer_encoder.parameters())
        assert set(model.modules_to_save()) == {"encoder", "layer1"}
    assert len(model.layer_views) == 2


def test_louvain_finds_planted_blocks_and_reports_modularity() -> None:
    graph = planted(blocks=3, size=20)
    found = communities(graph, method="louvain")
    assert found.num_communities == 3 and found.sizes().tolist() == [20, 20, 20]
    pairs = graph.edge_index[:, graph.edge_index[0] < graph.edge_index[1]].T.tolist()
    network = nx.Graph(pairs)
    network.add_nodes_from(range(graph.num_nodes))
    parts = [set(torch.nonzero(found.assignment == k).flatten().tolist()) for k in range(3)]
    assert found.modularity == pytest.approx(nx.community.modularity(network, parts))
    assert modularity(graph.edge_index, graph.y) == pytest.approx(found.modularity)


def test_deca_communities_from_features_agree_with_the_blocks() -> None:
    graph = planted(blocks=3, size=20)
    found = communities(graph, method="deca", num_communities=3, epochs=100, seed=0)
    assert found.assignment.shape == (60,) and found.assignment.dtype == torch.long
    # each planted block is (almost) one community
    for block in range(3):
        members = found.assignment[graph.y == block]
        assert (members == members.mode().values).float().mean() >= 0.9
    assert found.modularity > 0.3
    with pytest.raises(Exception, match="louvain"):
        communities(graph, method="spectral")
