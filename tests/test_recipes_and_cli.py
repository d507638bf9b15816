from __future__ import annotations

import json
import re

import pytest
import yaml

from graphcl.cli.main import main
from graphcl.config.recipe import (
    apply_overrides,
    available,
    load_recipe,
    parse_override,
    recipe_dir,
    validate,
)
from graphcl.errors import RecipeError, UnknownNameError


@pytest.mark.parametrize("name", available())
def test_every_shipped_recipe_validates(name: str) -> None:
    recipe = load_recipe(name)
    assert recipe["name"] and ("evaluate" in recipe or "pretrain" in recipe)


def test_quickstart_recipe_is_the_embedded_main_job() -> None:
    recipe = load_recipe(recipe_dir() / "quickstart.yaml")
    assert recipe["pretrain"]["dataset"] == "nci5k"
    assert recipe["evaluate"]["datasets"] == ["chembl2321810"]
    assert recipe["evaluate"]["split"] == "scaffold" and recipe["evaluate"]["seeds"] == 3
    assert recipe["compare"] == ["pretrained", "scratch"]


def _recipe(**evaluate) -> dict:
    return {"name": "t", "evaluate": {"datasets": ["chembl2321810"], **evaluate}}


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        (
            {"name": "t", "evalute": {}},
            "unknown key 'evalute' at the top of the recipe; "
            "valid keys: name, description, output_dir, pretrain, evaluate, compare",
        ),
        (_recipe(epochs=3), "unknown key 'epochs' in evaluate; valid keys: baselines, checkpoint"),
        (
            _recipe(train={"lr_rate": 1}),
            "unknown key 'lr_rate' in evaluate.train; valid keys: "
            "amp, batch_size, encoder_lr, epochs, eval_batch_size",
        ),
        (
            _recipe(encoder={"name": "gin", "layers": 3}),
            r"unknown key 'layers' in evaluate.encoder \(gin\); valid keys: activation, dropout, "
            "hidden, last_activation, norm, num_layers, pooling",
        ),
        (
            _recipe(head={"width": 3}),
            "unknown key 'width' in evaluate.head; valid keys: dropout, hidden",
        ),
        ({"name": "t", "evaluate": {"seeds": 3}}, "evaluate.datasets is required"),
        (
            {"name": "t", "pretrain": {"dataset": "nci5k", "epochs": 3}},
            "unknown key 'epochs' in pretrain; valid keys: dataset, encoder",
        ),
        (
            {"name": "t", "pretrain": {"dataset": "nci5k", "train": {"epoch": 3}}},
            "unknown key 'epoch' in pretrain.train; valid keys: amp, batch_size",
        ),
        (
            {"name": "t", "pretrain": {"dataset": "nci5k", "method": {"temperature": 0.1}}},
            "unknown key 'temperature' in method 'graphcl'; valid keys: augmentations, loss",
        ),
        (
            {
                "name": "t",
                "pretrain": {
                    "dataset": "nci5k",
                    "method": {"augmentations": ["node_drop", {"ratio": 1}]},
                },
            },
            "needs a 'name'",
        ),
        (
            {"name": "t", "pretrain": {"dataset": "nci5k", "method": {"loss": {"tau": 1}}}},
            "unknown key 'tau' in the loss 'nt_xent' of method 'graphcl'; "
            "valid keys: name, chunk_size, gather_distributed",
        ),
        (
            {"name": "t", "pretrain": {"dataset": "nci5k", "method": {"loss": {"name": "supcon"}}}},
            "loss 'supcon' of method 'graphcl' does not take two views alone; choose one of: "
            "nt_xent, cacr",
        ),
        (
            {"name": "t", "pretrain": {"dataset": "nci5k", "train": {"sampler": "butina2"}}},
            "pretrain.train.sampler: unknown batch sampler 'butina2'; choose one of: butina",
        ),
        (
            {
                "name": "t",
                "pretrain": {
                    "dataset": "nci5k",
                    "train": {"sampler": "butina", "sampler_args": {"cutoff": 0.8}},
                },
            },
            "unknown key 'cutoff' in pretrain.train.sampler_args of sampler 'butina'",
        ),
        ({"name": "t"}, "the recipe has no job section"),
        (
            {
                "name": "t",
                "evaluate": {"datasets": ["bbbp"]},
                "also_evaluate": {"transfer": {"train": {"epoch": 3}}},
            },
            "unknown key 'epoch' in also_evaluate.transfer.train",
        ),
    ],
)
def test_wrong_recipe_keys_are_named(recipe, message) -> None:
    with pytest.raises(RecipeError, match=message):
        validate(recipe)


def test_recipe_run_pretrains_then_compares_starting_points(tmp_path, chembl_csv, capsys) -> None:
    recipe = {
        "name": "tiny",
        "output_dir": str(tmp_path),
        "pretrain": {
            "dataset": "nci5k",
            "max_graphs": 64,
            "encoder": {"name": "gin", "num_layers": 2, "hidden": 8},
            "train": {"epochs": 1, "batch_size": 32},
        },
        "evaluate": {"datasets": [str(chembl_csv)], "seeds": 1, "train": {"epochs": 1}},
        "compare": ["pretrained", "scratch"],
        "also_evaluate": {"transfer": {"split": "random", "train": {"batch_size": 16}}},
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert main(["-q", "run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "graphcl gin (pre-trained: graphcl on nci5k)" in out and "graphcl gin (scratch)" in out
    summary, rest = out.split("## All protocols")[1].split("protocol: finetune", 1)
    # one table of both protocols' rows first (named by section: both are finetune), test then
    # validation scores, each row with its one seed's score
    assert summary.index("Test RMSE") < summary.index("Validation RMSE")
    for table in summary.split("Validation RMSE"):
        for row in ("(scratch), evaluate", "(scratch), transfer", "on nci5k), transfer"):
            assert re.search(re.escape(row) + r" \| \d\.\d{3} \|", table), (row, table)
    main_table, transfer_table = rest.split("## transfer")
    assert "scaffold split" in main_table and "random split" in transfer_table
    run = next(tmp_path.glob("*-tiny"))
    scored = json.loads((run / "evaluate-transfer-scratch" / "metrics.json").read_text())
    test_part, valid_part = summary.split("Validation RMSE")
    for part, key in ((test_part, "test"), (valid_part, "valid")):
        assert f"(scratch), transfer | {scored['results'][0][key]:.3f} |" in part
    assert {p.name for p in run.iterdir()} >= {
        "recipe.yaml",
        "pretrain",
        "evaluate-pretrained",
        "evaluate-scratch",
        "evaluate-transfer-pretrained",
        "evaluate-transfer-scratch",
        "results.md",
    }
    settings = yaml.safe_load((run / "evaluate-transfer-scratch" / "recipe.yaml").read_text())
    assert settings["evaluate"]["train"]["epochs"] == 1  # nested keys merge with evaluate's
    assert (run / "pretrain" / "encoder.pt").is_file()


def test_protocols_on_different_datasets_get_no_joint_table(tmp_path, chembl_csv, capsys) -> None:
    # the second protocol scores chembl_small@50% only, so its rows have no column in common
    recipe = {
        "name": "apart",
        "output_dir": str(tmp_path),
        "evaluate": {
            "datasets": [str(chembl_csv)],
            "seeds": 1,
            "encoder": {"name": "gin", "num_layers": 2, "hidden": 8},
            "train": {"epochs": 1},
        },
        "also_evaluate": {"half": {"protocol": "linear", "label_fractions": [0.5]}},
    }
    path = tmp_path / "apart.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert main(["-q", "run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "## half" in out and "chembl_small@50%" in out
    assert "## All protocols" not in out


def test_unknown_encoder_name_in_recipe() -> None:
    with pytest.raises(
        UnknownNameError,
        match="unknown encoder 'gine'; choose one of: gat, gat_pretrain_gnns, gcn, gin",
    ):
        validate(_recipe(encoder={"name": "gine"}))


def test_overrides() -> None:
    assert parse_override("evaluate.train.epochs=5") == (["evaluate", "train", "epochs"], 5)
    assert parse_override("evaluate.datasets=[bbbp, bace]")[1] == ["bbbp", "bace"]
    recipe = apply_overrides(
        _recipe(train={"epochs": 100}), ["evaluate.train.epochs=2", "evaluate.encoder.hidden=8"]
    )
    assert recipe["evaluate"]["train"]["epochs"] == 2
    assert recipe["evaluate"]["encoder"] == {"hidden": 8}
    with pytest.raises(RecipeError, match="expects key=value"):
        parse_override("evaluate.train.epochs")
    with pytest.raises(RecipeError, match=r"evaluate\.datasets is not a mapping"):
        apply_overrides(_recipe(), ["evaluate.datasets.x=1"])


def test_override_of_misspelt_key_is_reported(tmp_path) -> None:
    with pytest.raises(RecipeError, match=r"unknown key 'epocs' in evaluate\.train"):
        load_recipe("quickstart", ["evaluate.train.epocs=1"])


def test_unknown_recipe_lists_shipped_ones() -> None:
    with pytest.raises(
        UnknownNameError, match=r"unknown recipe 'nope'; choose one of: .*quickstart"
    ):
        load_recipe("nope")


def test_cli_help_for_every_command(capsys) -> None:
    for argv in (
        ["--help"],
        ["datasets", "--help"],
        ["featurize", "--help"],
        ["eval", "--help"],
        ["run", "--help"],
        ["predict", "--help"],
        ["datasets", "fetch", "--help"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 0
        assert "usage: graphcl" in capsys.readouterr().out


def test_cli_datasets(capsys) -> None:
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    assert "bbbp" in out and "chembl2321810" in out and "regression" in out
    assert main(["datasets", "info", "chembl2321810"]) == 0
    out = capsys.readouterr().out
    info = yaml.safe_load(out.split("local copy")[0])
    assert info["task"] == "regression" and info["files"][0]["embedded"] == "rdkit"
    assert "local copy of CHEMBL2321810.smi: /" in out
    assert main(["datasets", "info", "bbbbp"]) == 2
    error = capsys.readouterr().err
    assert (
        "unknown dataset 'bbbbp'; choose one of: amazon_computers, amazon_photo, "
        "array_128_32_8t, bace" in error
    )
    assert main(["-q", "datasets", "fetch", "nci5k"]) == 0
    assert "first_5K.smi  sha256=91e71c01" in capsys.readouterr().out


def test_cli_featurize_eval_predict(chembl_csv, tmp_path, capsys) -> None:
    output = tmp_path / "graphs.pt"
    assert main(["-q", "featurize", str(chembl_csv), "-o", str(output)]) == 0
    assert output.is_file() and "120 molecules" in capsys.readouterr().out
    argv = [
        "-q",
        "eval",
        "--datasets",
        str(chembl_csv),
        "--seeds",
        "1",
        "--epochs",
        "2",
        "--output-dir",
        str(tmp_path / "runs"),
        "--set",
        "encoder.hidden=16",
        "--set",
        "encoder.num_layers=2",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Test RMSE" in out and "run directory:" in out
    predictor = next((tmp_path / "runs").rglob("predictors/*.pt"))
    assert main(["predict", str(predictor), "CCO", "c1ccccc1O"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "smiles,pIC50" and lines[1].startswith("CCO,")
    assert main(["eval", "--datasets", str(chembl_csv), "--set", "train.epoch=1"]) == 2
    assert "unknown key 'epoch' in evaluate.train" in capsys.readouterr().err


def test_cli_run_dry_run(capsys) -> None:
    assert main(["run", "quickstart", "--set", "evaluate.seeds=1", "--dry-run"]) == 0
    resolved = yaml.safe_load(capsys.readouterr().out)
    assert resolved["evaluate"]["seeds"] == 1 and resolved["name"] == "quickstart"
