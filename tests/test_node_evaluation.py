"""Linear evaluation of node embeddings: probe defaults, standardised embeddings, the Cora public
split end to end (published rows, macro-F1, splits and the embedding map in the run directory),
and node embeddings through ``graphcl.load(...).embed``."""

from __future__ import annotations

import json

import pytest
import torch

import graphcl
from graphcl.data import load_dataset
from graphcl.encoders import build as build_encoder
from graphcl.encoders import save_encoder
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.evaluation.config import EvaluationConfig, FinetuneConfig
from graphcl.evaluation.protocols.node_linear import PROBE_DEFAULTS, node_embeddings
from graphcl.evaluation.protocols.registry import get_protocol
from graphcl.features import FeatureSpec


def test_recipe_keys_win_over_a_protocols_defaults() -> None:
    given = EvaluationConfig(datasets=("cora",), train={"lr": 0.05}).train
    assert given.given == {"lr"}
    probe = given.with_defaults(PROBE_DEFAULTS)
    assert probe.lr == 0.05 and probe.epochs == PROBE_DEFAULTS["epochs"]
    assert probe.batch_size == PROBE_DEFAULTS["batch_size"]
    assert FinetuneConfig().with_defaults({}) == FinetuneConfig()
    assert "given" not in EvaluationConfig(datasets=("cora",)).to_dict()["train"]
    assert get_protocol("linear").train_defaults("graph") == {}
    assert get_protocol("linear").train_defaults("node") == PROBE_DEFAULTS
    # long enough to converge on poorly conditioned embeddings (500 epochs underfit on Cora)
    assert PROBE_DEFAULTS["lr"] == 0.01 and PROBE_DEFAULTS["epochs"] == 2000


def test_probe_embeddings_are_standardised_per_column() -> None:
    from torch_geometric.data import Data

    graph = Data(x=torch.rand(30, 5) * 1e-3, edge_index=torch.tensor([[0, 1], [1, 0]]))

    class Dataset:
        pass

    dataset = Dataset()
    dataset.graph = graph  # type: ignore[attr-defined]
    features = (FeatureSpec.float(5), FeatureSpec.none())
    encoder = build_encoder("gcn", features=features, num_layers=1, hidden=8)
    model = PropertyModel(encoder, PredictionHead(encoder.node_dim, 3))
    h = node_embeddings(model, dataset, torch.device("cpu"))  # type: ignore[arg-type]
    assert h.shape == (30, 8)
    torch.testing.assert_close(h.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
    torch.testing.assert_close(h.std(0), torch.ones(8), atol=1e-4, rtol=0)


@pytest.mark.dataset
def test_cora_public_split_end_to_end(mirror, tmp_path) -> None:
    encoder = {"name": "gcn", "num_layers": 2, "hidden": 512}
    result = graphcl.evaluate(
        ["cora"], protocol="linear", encoder=encoder, seeds=[0], train={"epochs": 60},
        progress=False, run_dir=tmp_path,
    )  # fmt: skip
    (accuracy,) = result.scores["cora"]
    assert 0.45 < accuracy <= 1.0  # a random 2-layer GCN's embeddings: far above 1/7 chance
    table = result.table()
    assert "public split" in table and "lr 0.01" in table and "60 epochs" in table
    assert "published: BGRL" in table and "Test macro-F1" in table
    seed = result.results[0]
    assert 0.0 < seed.extra["macro_f1"] <= 1.0
    assert seed.extra["micro_f1"] == pytest.approx(accuracy, abs=1e-6)
    split = json.loads((tmp_path / "splits" / "cora" / "seed0.json").read_text())
    assert split["sizes"] == [140, 500, 1000]
    assert (tmp_path / "embedding_map_cora.png").stat().st_size > 10_000


@pytest.mark.dataset
def test_random_node_splits_are_10_10_80_and_maps_can_be_turned_off(mirror, tmp_path) -> None:
    result = graphcl.evaluate(
        ["cora"], protocol="node_linear", split="random", seeds=2, progress=False,
        encoder={"name": "gcn", "num_layers": 1, "hidden": 16}, train={"epochs": 5},
        run_dir=tmp_path, embedding_map=False, save_predictors="none",
    )  # fmt: skip
    sizes = [json.loads(p.read_text())["sizes"] for p in (tmp_path / "splits" / "cora").iterdir()]
    assert all(sum(s) == 2708 and s[1] == 270 and s[0] in (270, 271, 272) for s in sizes)
    assert result.results[0].split.train != result.results[1].split.train
    assert not list(tmp_path.glob("embedding_map_*.png"))


@pytest.mark.dataset
def test_a_saved_encoder_embeds_the_nodes_of_a_node_dataset(mirror, tmp_path) -> None:
    cora = load_dataset("cora")
    encoder = build_encoder("gcn", features=cora.info.features, num_layers=2, hidden=32)
    save_encoder(tmp_path / "encoder.pt", encoder, featurizer=None)
    model = graphcl.load(tmp_path / "encoder.pt")
    by_dataset, by_graph = model.embed(cora), model.embed(cora.graph)
    assert by_dataset.shape == (cora.num_nodes, 32)
    torch.testing.assert_close(by_dataset, by_graph)


def test_embedding_communities_do_not_collapse_on_non_negative_embeddings() -> None:
    """ReLU embeddings all lie in the positive orthant; the map's DeCA communities must still
    find planted groups there (uncentred, every node fell into one community)."""
    from torch_geometric.data import Data

    from graphcl.evaluation.node_plots import embedding_communities

    generator = torch.Generator().manual_seed(0)
    groups = torch.arange(200) // 50  # 4 planted groups of 50 nodes
    means = torch.rand(4, 16, generator=generator) + 1.0
    embeddings = (means[groups] + 0.1 * torch.randn(200, 16, generator=generator)).relu()
    pairs = torch.randint(0, 50, (2, 800), generator=generator)
    offset = 50 * torch.randint(0, 4, (800,), generator=generator)
    graph = Data(edge_index=pairs + offset, num_nodes=200)  # edges inside the groups
    found = embedding_communities(embeddings, graph, k=4)
    assert found.assignment.unique().numel() >= 3 and found.modularity > 0.4
