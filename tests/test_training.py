"""The training engine: logs, checkpoints, exact resumption, pretrain + load + evaluate."""

from __future__ import annotations

import csv
import json
import warnings

import pytest
import torch

import graphcl
from graphcl.errors import CheckpointError, RecipeError
from graphcl.methods import build as build_method
from graphcl.training import TrainConfig, Trainer, build_schedule, load_training_state

TINY_ENCODER = {"name": "gin", "num_layers": 2, "hidden": 16}


@pytest.fixture(scope="module")
def molecules(nci_molecules):
    return nci_molecules.subset(range(96))


def _method(seed: int = 0):
    torch.manual_seed(seed)
    return build_method("graphcl", encoder=TINY_ENCODER)


def _train(molecules, run_dir, epochs, resume=None, **overrides):
    config = TrainConfig(epochs=epochs, batch_size=32, checkpoint_every=1, seed=3, **overrides)
    method = _method()
    result = Trainer(config, run_dir, progress=False).fit(method, molecules, resume=resume)
    return method, result


def test_run_directory_contents(molecules, tmp_path) -> None:
    _, result = _train(molecules, tmp_path, epochs=2)
    assert {p.name for p in tmp_path.iterdir()} >= {
        "metrics.csv",
        "metrics.json",
        "loss_curve.png",
        "checkpoints",
        "encoder.pt",
    }
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "epoch1.pt",
        "epoch2.pt",
        "last.pt",
    ]
    with open(tmp_path / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert json.loads((tmp_path / "metrics.json").read_text())[1]["graphs_per_s"] > 0
    assert result.encoder_checkpoint == tmp_path / "encoder.pt"
    state = load_training_state(tmp_path / "checkpoints" / "last.pt")
    assert state["epoch"] == 2 and len(state["history"]) == 2


def test_resume_continues_to_the_same_result(molecules, tmp_path) -> None:
    straight, full = _train(molecules, tmp_path / "a", epochs=4)
    _train(molecules, tmp_path / "b", epochs=2)
    resumed, continued = _train(
        molecules, tmp_path / "c", epochs=4, resume=tmp_path / "b" / "checkpoints" / "last.pt"
    )
    for key, value in straight.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value, rtol=0, atol=0, msg=key)
    assert [r["loss"] for r in continued.history] == pytest.approx(
        [r["loss"] for r in full.history]
    )


def test_same_seed_same_run_and_schedule(molecules) -> None:
    _, a = _train(molecules, None, epochs=2, schedule="cosine")
    _, b = _train(molecules, None, epochs=2, schedule="cosine")
    assert [r["loss"] for r in a.history] == [r["loss"] for r in b.history]
    assert a.history[-1]["lr"] < 1e-3  # cosine decays


def test_bad_resume_file(molecules, tmp_path) -> None:
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a graphcl training state"):
        _train(molecules, None, epochs=1, resume=tmp_path / "other.pt")


def test_schedules_and_config_errors() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = build_schedule("warmup_cosine", optimizer, 100, warmup_steps=10)
    for _ in range(10):
        optimizer.step()
        schedule.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1.0, rel=1e-3)
    with pytest.raises(RecipeError, match="unknown key 'warmup' in lr schedule 'warmup_cosine'"):
        build_schedule("warmup_cosine", optimizer, 100, warmup=3)
    with pytest.raises(RecipeError, match=r"pretrain\.train\.lr must be > 0"):
        TrainConfig(lr=0)
    with pytest.raises(ValueError, match="choose one of: constant, cosine"):
        TrainConfig(schedule="linear")


def test_pretrain_then_load_and_evaluate(tmp_path, chembl_csv) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = graphcl.pretrain(
            "nci5k",
            encoder=TINY_ENCODER,
            max_graphs=128,
            output_dir=tmp_path,
            progress=False,
            train={"epochs": 2, "batch_size": 32},
        )
    assert (result.run_dir / "recipe.yaml").is_file()
    model = graphcl.load(result.encoder_checkpoint)
    embeddings = model.embed(["CCO", "c1ccccc1O", "CCO"])
    assert embeddings.shape == (3, 16)
    torch.testing.assert_close(embeddings[0], embeddings[2])
    assert model.meta["dataset"] == "nci5k" and model.meta["graphs"] == 128
    evaluation = graphcl.evaluate(
        str(chembl_csv),
        checkpoint=str(result.encoder_checkpoint),
        seeds=1,
        train={"epochs": 1},
        progress=False,
    )
    assert "from pre-trained: graphcl on nci5k" in evaluation.describe()


def test_bfloat16_autocast_trains_on_cpu(molecules) -> None:
    """``amp: true`` runs the step under bfloat16 autocast on CPU too, close to float32."""
    _, exact = _train(molecules, None, epochs=1)
    _, mixed = _train(molecules, None, epochs=1, amp=True)
    assert abs(mixed.history[0]["loss"] - exact.history[0]["loss"]) < 0.05
    with pytest.raises(RecipeError, match="amp"):
        TrainConfig(amp="fast")


@pytest.mark.gpu
def test_trains_on_cuda_with_bfloat16_autocast(molecules) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    _, result = _train(molecules, None, epochs=1, device="cuda")
    assert torch.isfinite(torch.tensor(result.history[0]["loss"]))


@pytest.mark.parametrize(
    "loss",
    [
        {"name": "cacr"},
        {"chunk_size": 7},
        {"name": "clip", "temperature": 0.2},
        {"name": "hallucinator"},
    ],
)
def test_graphcl_trains_with_a_loss_chosen_by_name(molecules, loss) -> None:
    """The recipe's ``method.loss.name`` switches GraphCL's objective; the loss goes down."""
    torch.manual_seed(0)
    method = build_method("graphcl", encoder=TINY_ENCODER, loss=loss)
    config = TrainConfig(epochs=3, batch_size=32, lr=0.01, seed=3, checkpoint_every=0)
    result = Trainer(config, None, progress=False).fit(method, molecules)
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert method.config["loss"]["name"] == loss.get("name", "nt_xent")


def test_chunked_nt_xent_trains_exactly_like_dense(molecules) -> None:
    _, dense = _train(molecules, None, epochs=1)
    torch.manual_seed(0)
    method = build_method("graphcl", encoder=TINY_ENCODER, loss={"chunk_size": 5})
    config = TrainConfig(epochs=1, batch_size=32, checkpoint_every=1, seed=3)
    chunked = Trainer(config, None, progress=False).fit(method, molecules)
    assert chunked.history[0]["loss"] == pytest.approx(dense.history[0]["loss"], rel=1e-5)


@pytest.mark.parametrize(
    ("sampler", "args"), [("butina", {}), ("pseudo_label", {"num_clusters": 40})]
)
def test_trainer_batches_with_a_named_sampler(molecules, sampler, args) -> None:
    _, result = _train(molecules, None, epochs=1, sampler=sampler, sampler_args=args)
    assert result.history[0]["loss"] > 0
