"""CircuitGCL: the circuit dataset, the ``circuitgcl`` method, the coupling/ground protocols,
plots, recipes and ``predict_parasitics`` (a synthetic inverter chain everywhere; digtime from the
data mirror, skipped when absent)."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.data import HeteroData

from graphcl.circuits import CapacitanceTransform, parse_netlist
from graphcl.circuits.dataset import (
    COUPLING_KINDS,
    CircuitDataset,
    feature_blocks,
    load_design,
)
from graphcl.circuits.predict import COLUMNS, ParasiticPredictor, predict_parasitics
from graphcl.encoders import build as build_encoder
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.errors import DatasetError, RecipeError
from graphcl.evaluation.config import FinetuneConfig
from graphcl.evaluation.protocols.registry import PROTOCOLS, get_protocol
from graphcl.methods import build as build_method
from graphcl.methods.circuitgcl import CircuitGCL
from graphcl.threads import single_threaded
from graphcl.training.train_config import TrainConfig
from graphcl.training.trainer import Trainer

DIGTIME = Path("circuits/cirgps_digtime/digtime.npz")
CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Graphs of a few hundred nodes: one intra-op thread is faster than several."""
    with single_threaded():
        yield


def _chain(stages: int = 12) -> str:
    lines = [".subckt inv a y vdd vss", "mp y a vdd vdd pmos w=270n l=20n nf=2",
             "mn y a vss vss nmos w=180n l=20n nf=2", ".ends inv"]  # fmt: skip
    lines += [f"x{i} n{i} n{i + 1} vdd 0 inv" for i in range(stages)]
    lines += [f"c{i} n{i} n{i + 2} {i + 1}f" for i in range(stages - 1)]
    return "\n".join(lines) + "\n"


def _labelled(graph: HeteroData, seed: int = 0) -> HeteroData:
    """``graph`` with synthetic parasitics: net-net and pin-net couplings and ground labels
    whose log scale follows the net degree (so there is something to learn)."""
    generator = torch.Generator().manual_seed(seed)
    nets, pins = int(graph["net"].num_nodes), int(graph["pin"].num_nodes)
    degree = torch.bincount(graph["pin", "connects", "net"].edge_index[1], minlength=nets)
    scaled = (0.2 + 0.1 * degree.float()).clamp(0.05, 0.95)
    graph["net"].y_ground = CapacitanceTransform().inverse(scaled.double()).float()
    graph["pin"].y_ground = torch.full((pins,), 1e-19)
    a = torch.arange(nets - 1)
    graph["net", "cc", "net"].edge_index = torch.stack([a, a + 1])
    graph["net", "cc", "net"].edge_label = (1e-19 * (1 + degree[a] + degree[a + 1]).float()) * (
        1 + 0.1 * torch.rand(nets - 1, generator=generator)
    )
    p = torch.arange(pins)
    graph["pin", "cc", "net"].edge_index = torch.stack([p, (p * 7) % nets])
    graph["pin", "cc", "net"].edge_label = 1e-20 * (1 + torch.rand(pins, generator=generator))
    return graph


@pytest.fixture(scope="module")
def netlist():  # type: ignore[no-untyped-def]
    return parse_netlist(_chain(), path="chain.sp")


@pytest.fixture(scope="module")
def circuit(netlist) -> CircuitDataset:  # type: ignore[no-untyped-def]
    return CircuitDataset(_labelled(netlist.to_graph(remove_supply=True)), "chain")


_LOADED: dict[str, CircuitDataset] = {}


@pytest.fixture
def digtime(mirror: Path) -> CircuitDataset:
    if not (mirror / DIGTIME).is_file():
        pytest.skip(f"digtime is not in the data mirror ({mirror / DIGTIME} absent)")
    if "digtime" not in _LOADED:
        _LOADED["digtime"] = load_design("digtime")
    return _LOADED["digtime"]


def _encoder(dataset: CircuitDataset, hidden: int = 16):  # type: ignore[no-untyped-def]
    return build_encoder(
        "gcn", features=dataset.info.features, num_layers=2, hidden=hidden, dropout=0.0
    )


def _model(dataset: CircuitDataset) -> PropertyModel:
    encoder = _encoder(dataset)
    return PropertyModel(encoder, PredictionHead(encoder.out_dim, 1))


def _train(method: CircuitGCL, dataset: CircuitDataset, **train: object) -> list[dict]:
    config = TrainConfig(**{"epochs": 2, "batch_size": 32, "device": "cpu",
                            "checkpoint_every": 0, **train})  # type: ignore[arg-type]  # fmt: skip
    return Trainer(config, None, progress=False).fit(method, dataset).history


# -- the dataset -------------------------------------------------------------------------------


def test_view_features_labels_and_splits(circuit: CircuitDataset) -> None:
    counts = {t: c for t, (_, c) in circuit.offsets.items()}
    data = circuit.data
    assert data.num_nodes == sum(counts.values()) and data.x.dtype == torch.float32
    assert torch.equal(data.x[:, :3].argmax(1), data.node_type)  # node-type one-hot first
    assert torch.isfinite(data.x).all()
    assert circuit.info.node_features.describe() == f"float ({data.x.shape[1]})"
    # structural edges only, both directions
    edges = set(map(tuple, data.edge_index.T.tolist()))
    assert all((b, a) in edges for a, b in edges)
    assert (
        len(circuit) == int(circuit.edge_label_index.shape[1]) == counts["net"] - 1 + counts["pin"]
    )
    assert set(circuit.edge_kind.tolist()) == {
        COUPLING_KINDS.index("p2n"),
        COUPLING_KINDS.index("n2n"),
    }
    assert ((circuit.edge_y >= 0) & (circuit.edge_y <= 1)).all()
    # ground labels on pins and nets only; devices are missing (-1)
    start, count = circuit.offsets["device"]
    assert (circuit.node_class[start : start + count] == -1).all()
    assert circuit.labelled_nodes.numel() == counts["pin"] + counts["net"]
    split = circuit.edge_split(seed=3)
    assert sorted(split.train + split.valid + split.test) == list(range(len(circuit)))
    assert split == circuit.edge_split(seed=3) and split != circuit.edge_split(seed=4)
    nodes = circuit.node_split(seed=0)
    assert set(nodes.train + nodes.valid + nodes.test) == set(circuit.labelled_nodes.tolist())


def test_batch_plans(circuit: CircuitDataset) -> None:
    full = circuit.batch_plan(8, batching="full")
    assert next(iter(full.batches(1))) is circuit.data
    sampled = circuit.batch_plan(16, seed=0)  # auto: 4 x 64 neighbour sampling
    batches = list(sampled.batches(1))
    assert len(batches) == sampled.steps(1) == math.ceil(circuit.num_nodes / 16)
    assert sum(sampled.size(b) for b in batches) == circuit.num_nodes
    assert torch.equal(batches[0].x, circuit.data.x[batches[0].n_id])
    links = circuit.batch_plan(10, batching="links", fanouts=(4, 4))
    batch = next(iter(links.batches(1)))
    position = batch.edge_label[:, 2].long()
    ends = batch.n_id[batch.edge_label_index]
    assert torch.equal(ends, circuit.edge_label_index[:, position])
    assert torch.allclose(batch.edge_label[:, 0].float(), circuit.edge_y[position])
    with pytest.raises(DatasetError, match="batching must be one of"):
        circuit.batch_plan(8, batching="communities")
    with pytest.raises(DatasetError, match="sampler"):
        circuit.batch_plan(8, sampler="butina")


def test_label_transform_round_trip_in_farads(circuit: CircuitDataset) -> None:
    transform = circuit.transform
    inside = (circuit.edge_farads > transform.low) & (circuit.edge_farads < transform.high)
    back = transform.inverse(circuit.edge_y.double()[inside])
    assert torch.allclose(back, circuit.edge_farads[inside], rtol=1e-5)
    farads = torch.tensor([1e-21, 3.3e-19, 2e-17, 1e-15], dtype=torch.float64)
    assert torch.allclose(transform.inverse(transform.forward(farads)), farads, rtol=1e-12)
    assert transform.classes(farads).tolist() == [0, 2, 3, 4]


def test_a_cirgps_graph_is_converted_and_errors_name_the_problem(circuit: CircuitDataset) -> None:
    raw = HeteroData()
    raw["net"].x = torch.rand(4, 3)
    raw["net"].y = torch.full((4, 1), 1e-18)
    raw["pin"].x = torch.tensor([[0], [1], [2], [0]])
    raw["pin"].y = torch.full((4, 1), 1e-19)
    raw["pin", "pin-net", "net"].edge_index = torch.tensor([[0, 1, 2, 3], [0, 1, 2, 3]])
    raw["net", "cc_n2n", "net"].edge_index = torch.tensor([[0, 1], [1, 2]])
    raw["net", "cc_n2n", "net"].y = torch.tensor([1e-18, 2e-18])
    design = CircuitDataset(raw, "raw")
    assert len(design) == 2 and design.labelled_nodes.numel() == 8
    assert [b.kind for b in feature_blocks(design.graph) if b.node_type == "pin"] == ["one_hot"]
    other = HeteroData()
    other["net"].x = torch.rand(3, 2)
    with pytest.raises(DatasetError, match="pin:x"):
        CircuitDataset(other, "other", blocks=design.blocks)
    with pytest.raises(DatasetError, match="unknown circuit design 'nope'"):
        load_design("nope")
    # a layout with a column the graph does not have (a CirGPS model on a netlist graph)
    from graphcl.circuits.dataset import FeatureBlock

    wider = (*circuit.blocks, FeatureBlock("device", "x", 99, "float", 1))
    with pytest.raises(DatasetError, match=r"no device:x\[99\] feature that the model reads"):
        CircuitDataset(circuit.graph, "chain", blocks=wider)


# -- the method --------------------------------------------------------------------------------


def test_circuitgcl_trains_with_the_shared_trainer_and_the_ema_moves(
    circuit: CircuitDataset,
) -> None:
    torch.manual_seed(0)
    method = build_method(
        "circuitgcl",
        encoder={"name": "gcn", "num_layers": 2, "hidden": 16},
        featurizer=None,
        features=circuit.info.features,
        predictor_hidden=16,
        decay=0.5,
    )
    assert isinstance(method, CircuitGCL) and method.unit == "nodes"
    online, target = copy.deepcopy(method.encoder), copy.deepcopy(method.target)
    history = _train(method, circuit, epochs=3)
    assert len(history) == 3 and all(math.isfinite(row["loss"]) for row in history)
    assert set(method.terms) == {"scattering", "alignment"}
    pairs = zip(target.parameters(), method.target.parameters(), strict=True)
    assert any(not torch.equal(a, b) for a, b in pairs)  # the target trained and followed
    pairs = zip(online.parameters(), method.encoder.parameters(), strict=True)
    assert any(not torch.equal(a, b) for a, b in pairs)
    assert method.modules_to_save() == {"encoder": method.encoder}


def test_after_step_is_the_ema_of_the_online_encoder(circuit: CircuitDataset) -> None:
    torch.manual_seed(0)
    method = CircuitGCL(_encoder(circuit), predictor_hidden=8, decay=0.9)
    with torch.no_grad():
        for parameter in method.encoder.parameters():
            parameter.add_(1.0)
    before = [p.clone() for p in method.target.parameters()]
    method.after_step(None)  # type: ignore[arg-type]
    for old, new, online in zip(
        before, method.target.parameters(), method.encoder.parameters(), strict=True
    ):
        assert torch.allclose(new, 0.9 * old + 0.1 * online)


def test_method_arguments_are_checked(circuit: CircuitDataset) -> None:
    with pytest.raises(ValueError, match="decay"):
        CircuitGCL(_encoder(circuit), decay=1.5)
    with pytest.raises(ValueError, match="not both 0"):
        CircuitGCL(_encoder(circuit), scatter_weight=0.0, align_weight=0.0)


# -- protocols, plots, prediction --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["edge_regression", "edge_regression_gai", "edge_regression_bni", "edge_regression_mse",
     "edge_regression_finetune"],
)  # fmt: skip
def test_edge_regression_protocols_give_finite_metrics(
    circuit: CircuitDataset, name: str, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    protocol = get_protocol(name)
    config = FinetuneConfig.from_recipe({"epochs": 3, "batch_size": 16})
    result = protocol.run(
        circuit, circuit.edge_split(0), _model(circuit), config=config, seed=0, device=CPU,
        progress=False,
    )  # fmt: skip
    assert result.metric == "rmse" and math.isfinite(result.test)
    for key in ("mae", "mse", "r2", "mae_f", "mse_f", "r2_f"):
        assert math.isfinite(result.extra[key]), key
    assert 0 <= result.extra["mae_f"] < 1e-15  # farads
    record = protocol.predictions[("chain", 0)]
    assert ((record["pred_f"] >= 1e-21) & (record["pred_f"] <= 1e-15)).all()
    [path] = protocol.write_plots(tmp_path)
    assert path.name == "parity-chain-seed0.png" and path.stat().st_size > 1000


@pytest.mark.parametrize("name", ["ground_cap", "ground_cap_ce", "ground_cap_finetune"])
def test_ground_cap_protocols_give_finite_metrics(
    circuit: CircuitDataset, name: str, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    protocol = get_protocol(name)
    config = FinetuneConfig.from_recipe({"epochs": 3, "batch_size": 16})
    result = protocol.run(
        circuit, circuit.edge_split(0), _model(circuit), config=config, seed=0, device=CPU,
        progress=False,
    )  # fmt: skip
    assert result.metric == "accuracy" and 0 <= result.test <= 1
    assert set(result.split.test) <= set(circuit.labelled_nodes.tolist())
    assert 0 <= result.extra["macro_f1"] <= 1 and 0 <= result.extra["accuracy"] <= 1
    confusion = protocol.predictions[("chain", 0)]["confusion"]
    assert confusion.shape == (5, 5) and confusion.sum() == len(result.split.test)
    [path] = protocol.write_plots(tmp_path)
    assert path.name == "confusion-chain-seed0.png" and path.stat().st_size > 1000


def test_protocols_are_registered_and_refuse_other_datasets() -> None:
    names = {"edge_regression", "edge_regression_gai", "edge_regression_bni",
             "edge_regression_mse", "edge_regression_finetune", "ground_cap", "ground_cap_ce",
             "ground_cap_finetune"}  # fmt: skip
    assert names <= set(PROTOCOLS.available())
    with pytest.raises(RecipeError, match="circuit designs"):
        get_protocol("edge_regression").run(
            object(),
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            config=FinetuneConfig(),
            seed=0,
            device=CPU,
        )


def test_predict_parasitics_columns_and_units(
    netlist, circuit: CircuitDataset, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    encoder = _encoder(circuit)
    config = FinetuneConfig.from_recipe({"epochs": 2, "batch_size": 16})
    runs = []
    for name in ("edge_regression_mse", "ground_cap"):
        protocol = get_protocol(name)
        protocol.run(circuit, circuit.edge_split(0), PropertyModel(encoder, PredictionHead(16, 1)),
                     config=config, seed=0, device=CPU, progress=False)  # fmt: skip
        runs.append(protocol)
    model = ParasiticPredictor.from_runs(encoder, circuit, *runs)
    model.save(tmp_path / "parasitics.pt")
    again = ParasiticPredictor.load(tmp_path / "parasitics.pt")
    table = predict_parasitics(model, circuit)  # the labelled net-net pairs
    assert table.equals(predict_parasitics(again, circuit))
    assert table.equals(again.predict_parasitics(circuit))
    assert tuple(table.columns) == COLUMNS
    coupling, ground = table[table.kind == "coupling"], table[table.kind == "ground"]
    nets = list(circuit.graph["net"].names)
    assert sorted(ground.net) == sorted(nets) and len(coupling) == len(nets) - 1
    assert set(coupling.net) | set(coupling.other_net) <= set(nets)
    farads = table.capacitance_f.to_numpy()
    assert np.isfinite(farads).all() and (farads >= 1e-21).all() and (farads <= 1e-15).all()
    assert set(table["class"].unique()) <= set(range(5))
    # a netlist without parasitics: candidate pairs are the nets sharing a device
    bare = predict_parasitics(model, netlist)
    coupling = bare[bare.kind == "coupling"]
    pairs = set(zip(coupling.net, coupling.other_net, strict=True))
    assert {("n0", "n1"), ("n0", "n2")} <= pairs and ("n0", "n3") not in pairs  # x0 and c0
    assert (bare[bare.kind == "ground"].net.tolist()) == nets
    with pytest.raises(DatasetError, match="predict_parasitics takes"):
        predict_parasitics(model, "chain.sp")  # type: ignore[arg-type]


# -- recipes and digtime -----------------------------------------------------------------------


def test_the_digtime_recipe_validates_and_dry_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from graphcl.cli.main import main
    from graphcl.config.recipe import load_recipe

    path = Path(__file__).parents[1] / "recipes" / "circuitgcl_digtime.yaml"
    recipe = load_recipe(path)
    assert recipe["pretrain"]["method"]["name"] == "circuitgcl"
    assert recipe["pretrain"]["dataset"] == recipe["evaluate"]["datasets"][0] == "digtime"
    assert recipe["evaluate"]["protocol"] == "edge_regression"
    assert recipe["also_evaluate"]["ground_cap"]["protocol"] == "ground_cap"
    assert main(["run", str(path), "--dry-run"]) in (0, None)
    assert "circuitgcl" in capsys.readouterr().out


def test_a_published_design_offline_fails_with_a_named_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import graphcl.data.fetch as fetch
    from graphcl.errors import DownloadError

    def offline(url: str, *args: object, **kwargs: object) -> str:
        raise DownloadError(f"could not download {url}: offline")

    monkeypatch.setattr(fetch, "download", offline)
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DownloadError, match=r"circuits/cirgps_timing_ctrl/timing_ctrl\.pt"):
        load_design("timing_ctrl", progress=False)


@pytest.mark.dataset
def test_digtime_loads_and_trains_a_few_steps(digtime: CircuitDataset) -> None:
    from graphcl.data import load_dataset

    assert (digtime.num_nodes, len(digtime)) == (17580, 44351)
    assert digtime.labelled_nodes.numel() == 13447
    assert isinstance(load_dataset("digtime", progress=False), CircuitDataset)
    torch.manual_seed(0)
    method = CircuitGCL(_encoder(digtime), predictor_hidden=16)
    plan = digtime.node_plan(torch.arange(0, digtime.num_nodes, 40), 128, fanouts=(8, 8))
    history = (
        Trainer(TrainConfig(epochs=1, device="cpu", checkpoint_every=0), None, progress=False)
        .fit(method, plan)
        .history
    )
    assert math.isfinite(history[0]["loss"]) and history[0]["steps"] == plan.steps(1)


# -- evaluation runs: transfer to another design, plots, saved predictors, the CLI ------------


def test_evaluate_transfers_to_an_unseen_design_and_predict_writes_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    import graphcl
    from graphcl.circuits import save_circuit_graph
    from graphcl.cli.main import main
    from graphcl.evaluation.protocols.edge_regression import circuit_embeddings, predict_pairs

    paths = {}
    for stages, seed in ((12, 0), (20, 1)):
        graph = parse_netlist(_chain(stages), path=f"chain{stages}.sp").to_graph(True)
        paths[stages] = tmp_path / f"chain{stages}.pt"
        save_circuit_graph(_labelled(graph, seed), paths[stages])
    common = {"split": "random", "seeds": 1, "progress": False, "transfer": [str(paths[20])],
              "encoder": {"name": "gcn", "num_layers": 2, "hidden": 16},
              "train": {"epochs": 2, "batch_size": 16}}  # fmt: skip
    edge = graphcl.evaluate(
        [str(paths[12])], protocol="edge_regression_mse", run_dir=tmp_path / "edge", **common
    )
    ground = graphcl.evaluate(
        [str(paths[12])], protocol="ground_cap", run_dir=tmp_path / "ground", **common
    )
    scores = edge.results[0].transfer["chain20"]
    assert {"rmse", "r2", "mae_f", "r2_n2n"} <= set(scores)
    assert {"accuracy", "macro_f1"} <= set(ground.results[0].transfer["chain20"])
    # the transfer score equals scoring every labelled pair of the unseen design directly
    predictor = edge.predictor("chain12")
    unseen = load_design(paths[20])
    h = circuit_embeddings(predictor.encoder, unseen, CPU)
    pred = predict_pairs(predictor.edge_head, h, unseen.edge_label_index, unseen.edge_kind)
    expected = (pred.double().clamp(0, 1) - unseen.edge_y.double()).pow(2).mean().sqrt()
    assert scores["rmse"] == pytest.approx(float(expected), rel=1e-5)
    table = edge.table()
    assert "chain12 → chain20" in table and "R² (farads)" in table
    assert (tmp_path / "edge" / "parity-chain12-seed0.png").stat().st_size > 1000
    assert (tmp_path / "ground" / "confusion-chain12-seed0.png").stat().st_size > 1000
    saved = [tmp_path / where / "predictors" / "chain12-seed0.pt" for where in ("edge", "ground")]
    split = (tmp_path / "ground" / "splits" / "chain12" / "seed0.json").read_text()
    assert str(ground.results[0].split.test[0]) in split  # the node split actually used

    netlist = tmp_path / "chain20.sp"
    netlist.write_text(_chain(20))
    out = tmp_path / "parasitics.csv"
    assert main(["-q", "predict", *map(str, saved), "--netlist", str(netlist), "-o", str(out)]) == 0
    assert "coupling pairs" in capsys.readouterr().err
    frame = pd.read_csv(out, keep_default_na=False)
    assert tuple(frame.columns) == COLUMNS and set(frame.kind) == {"coupling", "ground"}
    assert ((frame.capacitance_f >= 1e-21) & (frame.capacitance_f <= 1e-15)).all()
    assert len(frame[frame.kind == "ground"]) == 21  # n0 .. n20
    # two coupling heads, or a netlist that is not there, are named errors
    assert main(["-q", "predict", str(saved[0]), str(saved[0]), "--netlist", str(netlist)]) == 2
    assert main(["-q", "predict", str(saved[0]), "--netlist", str(tmp_path / "no.sp")]) == 2
    with pytest.raises(RecipeError, match="transfer scores designs the model has not seen"):
        graphcl.evaluate([str(paths[12])], protocol="ground_cap", transfer=[str(paths[12])])


def test_rgcn_is_the_relational_formula_and_reads_circuit_views(circuit: CircuitDataset) -> None:
    from graphcl.encoders.rgcn import RelationalConv
    from graphcl.features import FeatureSpec

    torch.manual_seed(0)
    layer = RelationalConv(6, FeatureSpec.categorical([4]))
    x = torch.randn(7, 6)
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 0, 2], [1, 2, 3, 4, 5, 6, 0, 2, 1]])
    relation = torch.tensor([0, 1, 2, 3, 0, 1, 5, 0, 0])  # 5: an augmentation token
    out = layer(x, edge_index, relation[:, None])
    conv = layer.conv
    expected = x @ conv.root + conv.bias  # h_i' = W_0 h_i + b + sum_r mean_{j in N_r(i)} W_r h_j
    for r in range(6):
        chosen = relation == r
        for i in range(7):
            sources = edge_index[0][chosen & (edge_index[1] == i)]
            if sources.numel():
                expected[i] += (x[sources] @ conv.weight[r]).mean(0)
    assert torch.allclose(out, expected, atol=1e-5)
    with pytest.raises(ValueError, match="rgcn reads edge relations"):
        RelationalConv(6, FeatureSpec.float(2))
    # the circuit view's relations: 3 * type(source) + type(target), both directions
    view = circuit.data
    types = view.node_type
    assert torch.equal(
        view.edge_attr[:, 0], 3 * types[view.edge_index[0]] + types[view.edge_index[1]]
    )
    assert circuit.info.features[1] == FeatureSpec.categorical([9])
    encoder = build_encoder("rgcn", features=circuit.info.features, num_layers=2, hidden=16)
    method = CircuitGCL(encoder, predictor_hidden=16)
    history = _train(method, circuit, batching="neighbors")
    assert all(math.isfinite(row["loss"]) for row in history)
