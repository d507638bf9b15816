from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml

import graphcl
from graphcl.data import load_dataset, make_split
from graphcl.encoders import PredictionHead, PropertyModel, build, save_encoder
from graphcl.errors import CheckpointError, InvalidSmilesError, RecipeError
from graphcl.evaluation import FinetuneConfig, Predictor, get_protocol

TINY = {"encoder": {"name": "gin", "num_layers": 2, "hidden": 16}, "train": {"epochs": 3}}


def test_evaluate_writes_a_complete_run_directory(chembl_csv, tmp_path) -> None:
    result = graphcl.evaluate(str(chembl_csv), seeds=2, output_dir=tmp_path, progress=False, **TINY)
    run = result.run_dir
    assert run is not None and run.parent == tmp_path
    names = {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}
    assert {
        "recipe.yaml",
        "environment.json",
        "metrics.json",
        "results.md",
        "learning_curves.png",
        "splits/chembl_small/seed0.json",
        "splits/chembl_small/seed1.json",
        "predictors/chembl_small-seed0.pt",
    } <= names
    environment = json.loads((run / "environment.json").read_text())
    assert environment["versions"]["torch"] and environment["device"] == "cpu"
    assert "git_commit" in environment
    metrics = json.loads((run / "metrics.json").read_text())
    assert len(metrics["results"]) == 2 and "best-validation" in metrics["protocol"]
    assert len(metrics["results"][0]["history"]) == 3
    split = json.loads((run / "splits/chembl_small/seed0.json").read_text())
    assert sorted(split["train"] + split["valid"] + split["test"]) == list(range(120))
    recipe = yaml.safe_load((run / "recipe.yaml").read_text())
    assert recipe["evaluate"]["train"]["epochs"] == 3
    table = (run / "results.md").read_text()
    assert "± " in table and "RMSE" in table and "chembl_small" in table
    assert result.summary()["chembl_small"]["seeds"] == 2


def test_selection_rules(chembl_csv) -> None:
    dataset = load_dataset(chembl_csv, progress=False)
    split = make_split("scaffold", dataset.smiles)
    outcomes = {}
    for selection in ("best_val", "last_epoch"):
        torch.manual_seed(0)
        model = PropertyModel(build("gin", num_layers=2, hidden=16), PredictionHead(16, 1))
        outcomes[selection] = get_protocol("finetune").run(
            dataset,
            split,
            model,
            config=FinetuneConfig(epochs=4),
            seed=0,
            device=torch.device("cpu"),
            selection=selection,
            progress=False,
        )
    best, last = outcomes["best_val"], outcomes["last_epoch"]
    valid_curve = [h["valid"] for h in best.history]
    assert best.selected_epoch == int(np.argmin(valid_curve)) + 1  # RMSE: lower is better
    assert best.test == best.history[best.selected_epoch - 1]["test"]
    assert last.selected_epoch == 4 and last.test == last.history[-1]["test"]
    # identical training, so the histories agree
    assert [h["valid"] for h in last.history] == pytest.approx(valid_curve)


def test_early_stopping(chembl_csv) -> None:
    dataset = load_dataset(chembl_csv, progress=False)
    split = make_split("random", dataset.smiles, seed=0)
    model = PropertyModel(build("gcn", num_layers=1, hidden=8), PredictionHead(8, 1))
    outcome = get_protocol("finetune").run(
        dataset,
        split,
        model,
        config=FinetuneConfig(epochs=50, patience=2, lr=0.5),
        seed=0,
        device=torch.device("cpu"),
        progress=False,
    )
    assert len(outcome.history) < 50
    assert len(outcome.history) - outcome.selected_epoch == 2


def test_encoder_lr_moves_the_encoder_less_than_the_head(chembl_csv) -> None:
    dataset = load_dataset(chembl_csv, progress=False)
    split = make_split("scaffold", dataset.smiles)
    moved = {}
    for encoder_lr in (None, 1e-6):
        torch.manual_seed(0)
        model = PropertyModel(build("gin", num_layers=2, hidden=16), PredictionHead(16, 1))
        start = {k: v.clone() for k, v in model.state_dict().items()}
        get_protocol("finetune").run(
            dataset,
            split,
            model,
            config=FinetuneConfig(epochs=2, lr=1e-2, encoder_lr=encoder_lr),
            seed=0,
            device=torch.device("cpu"),
            selection="last_epoch",
            progress=False,
        )
        end = model.state_dict()
        moved[encoder_lr] = {
            part: max(
                float((end[k].float() - start[k].float()).abs().max())
                for k in end
                if k.startswith(part) and end[k].is_floating_point() and "running" not in k
            )
            for part in ("encoder.", "head.")
        }
    # Adam steps are about lr each: the encoder at 1e-6 moves ~1e4 times less, the head not
    assert moved[1e-6]["encoder."] < 1e-4 < moved[None]["encoder."]
    assert moved[1e-6]["head."] > 1e-3
    with pytest.raises(RecipeError, match="encoder_lr"):
        FinetuneConfig(encoder_lr=0.0)


def test_predictor_predicts_saves_and_loads(chembl_csv, tmp_path) -> None:
    result = graphcl.evaluate(str(chembl_csv), seeds=1, progress=False, **TINY)
    predictor = result.predictor("chembl_small")
    smiles = ["c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"]
    values = predictor.predict(smiles)
    assert values.shape == (2, 1) and torch.isfinite(values).all()
    predictor.save(tmp_path / "p.pt")
    again = Predictor.load(tmp_path / "p.pt")
    torch.testing.assert_close(again.predict(smiles), values)
    assert again.task_names == ["pIC50"]
    with pytest.raises(InvalidSmilesError, match="'C1CC'"):
        predictor.predict(["CCO", "C1CC"])
    with pytest.raises(KeyError, match="kept: chembl_small seed 0"):
        result.predictor("chembl_small", seed=5)
    # graphcl.load takes a predictor too (where a user lands after make quickstart)
    loaded = graphcl.load(tmp_path / "p.pt")
    assert isinstance(loaded, Predictor)
    torch.testing.assert_close(loaded.predict(smiles), values)
    embeddings = loaded.embed(smiles)
    assert embeddings.shape == (2, 16)
    torch.testing.assert_close(loaded.embed([smiles[1]])[0], embeddings[1])
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="neither a graphcl encoder checkpoint nor"):
        graphcl.load(tmp_path / "other.pt")


def test_classification_predictor_outputs_probabilities(tmp_path) -> None:
    path = tmp_path / "cls.csv"
    rows = ["smiles,active"] + [f"{'C' * (i % 7 + 1)}O,{i % 2}" for i in range(40)]
    rows += [f"c1ccccc1{'C' * (i % 5)},{(i + 1) % 2}" for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    result = graphcl.evaluate(str(path), seeds=1, split="random", progress=False, **TINY)
    assert result.results[0].metric == "roc_auc"
    probabilities = result.predictor("cls").predict(["CCO", "c1ccccc1"])
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_kcl_split_is_balanced_scaffold_for_bbbp_and_bace_only(chembl_csv, tmp_path) -> None:
    from graphcl.data.splits import SPLIT_RULES, resolve_split

    kcl = SPLIT_RULES.get("kcl")
    assert [kcl.resolve(n, "scaffold") for n in ("bbbp", "bace", "esol", "freesolv")] == [
        "balanced_scaffold",
        "balanced_scaffold",
        "random",
        "random",
    ]
    assert resolve_split("default", "bbbp", "scaffold") == "scaffold"
    assert resolve_split("random", "bbbp", "scaffold") == "random"
    result = graphcl.evaluate(str(chembl_csv), seeds=1, split="kcl", progress=False, **TINY)
    assert result.splits == {"chembl_small": "random"}


def test_linear_protocol_keeps_the_encoder_frozen(chembl_csv, tmp_path) -> None:
    torch.manual_seed(0)
    encoder = build("gin", num_layers=2, hidden=16, dropout=0.0)
    save_encoder(tmp_path / "enc.pt", encoder, "ogb")
    result = graphcl.evaluate(
        str(chembl_csv),
        seeds=1,
        protocol="linear",
        checkpoint=str(tmp_path / "enc.pt"),
        train={"epochs": 2},
        progress=False,
    )
    trained = result.predictor("chembl_small").model.encoder
    for name, value in encoder.state_dict().items():
        assert torch.equal(trained.state_dict()[name], value), name
    assert "from pre-trained: enc.pt" in result.describe() and "linear" in result.describe()


def test_finetuning_starts_from_the_checkpoint(chembl_csv, tmp_path) -> None:
    torch.manual_seed(0)
    encoder = build("gin", num_layers=2, hidden=16)
    save_encoder(tmp_path / "enc.pt", encoder, "ogb")
    result = graphcl.evaluate(
        str(chembl_csv),
        seeds=1,
        checkpoint=str(tmp_path / "enc.pt"),
        train={"epochs": 1, "lr": 1e-6},
        progress=False,
    )
    trained = dict(result.predictor("chembl_small").model.encoder.named_parameters())
    start = dict(encoder.named_parameters())
    drift = max(float((trained[k] - start[k]).detach().abs().max()) for k in start)
    assert drift < 1e-3  # a tiny learning rate barely moves the pre-trained weights
    with pytest.raises(RecipeError, match="checkpoint holds a 'gin' encoder"):
        graphcl.evaluate(
            str(chembl_csv),
            checkpoint=str(tmp_path / "enc.pt"),
            encoder={"name": "gat"},
            progress=False,
        )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"protocol": "zero-shot"},
            "evaluate.protocol must be one of .*finetune, linear.*got 'zero-shot'",
        ),
        ({"selection": "best_test"}, "evaluate.selection must be one of best_val, last_epoch"),
        ({"split": "time"}, "evaluate.split must be one of default, kcl, balanced_scaffold"),
        ({"train": {"epoch": 3}}, "unknown key 'epoch' in evaluate.train; valid keys: amp, batch"),
        ({"train": {"lr": 0}}, "train.lr must be > 0"),
        ({"seed": 3}, "unknown key 'seed' in evaluate; valid keys:"),
    ],
)
def test_bad_settings_name_the_key(settings, message) -> None:
    with pytest.raises(RecipeError, match=message):
        graphcl.evaluate("chembl2321810", progress=False, **settings)


def test_unlabeled_dataset_cannot_be_evaluated(tmp_path) -> None:
    path = tmp_path / "mols.smi"
    path.write_text("CCO\nCCN\nCCC\n")
    with pytest.raises(RecipeError, match="has no labels"):
        graphcl.evaluate(str(path), progress=False)


@pytest.mark.dataset
def test_published_rows_only_beside_runs_of_their_protocol(mirror) -> None:
    """A 1-epoch, 1-seed, 8-wide GIN does not get the 100-epoch, 10-seed rows: the table says
    which settings differ instead; the protocol line names width, epochs and seeds."""
    result = graphcl.evaluate(
        "bbbp",
        seeds=1,
        progress=False,
        encoder={"name": "gin", "num_layers": 1, "hidden": 8},
        train={"epochs": 1},
    )
    table = result.table()
    assert "| published:" not in table
    assert (
        "Published pretrain-gnns transfer rows (no pre-training (GIN), AttrMasking, GraphCL, "
        "GraphLoG, GraphMAE, Mole-BERT) not shown, their settings differ: "
        "published: GIN 5×300, 100 epochs, 10 seeds; this run: GIN 1×8, 1 epoch, 1 seed." in table
    )
    assert "protocol: finetune (GIN 1×8 from scratch), scaffold split 80/10/10, 1 epoch" in table
    assert "seeds 0..0 (1)" in table


def test_published_rows_print_when_the_settings_match() -> None:
    from graphcl.evaluation.published import TRANSFER_SETTINGS, published_rows
    from graphcl.evaluation.report import metric_table

    rows = {"ours": {"bbbp": [0.70, 0.72], "bace": [0.75, 0.77]}}
    table = metric_table(
        "roc_auc", rows, published_rows("roc_auc", "finetune", "scaffold"), TRANSFER_SETTINGS
    )
    assert "| published: no pre-training (GIN) (Hu et al., ICLR 2020) | 65.8 | 70.1 |" in table
    assert "| published: GraphCL (You et al., NeurIPS 2020) | 69.7 | 75.4 |" in table
    assert "not shown" not in table
    kcl = published_rows("roc_auc", "finetune", "balanced_scaffold")
    assert {r.settings["seeds"] for r in kcl} == {3}  # KCL's rows are 3-seed
    three = metric_table("roc_auc", rows, kcl, {"encoder": "kmpnn", "hidden": 64, "seeds": 3})
    assert "published: KCL (KMPNN)" in three and "KCL (GCN) (" not in three
    assert "published KCL rows (KCL (GCN)) not shown" in three.replace("Published", "published")
