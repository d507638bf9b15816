"""Baselines (``ecfp_rf``, ``mean``): scores equal a direct scikit-learn / numpy computation on the
same split, missing labels and one-class tasks are handled as the metric module handles them,
datasets without molecules are refused by name, and a seed gives one result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import roc_auc_score

import graphcl.evaluation.baselines as baselines
from graphcl.data import load_dataset
from graphcl.data.dataset import GraphDataset
from graphcl.data.splits import Split
from graphcl.errors import RecipeError, UnknownNameError
from graphcl.evaluation.baselines import BASELINES, EcfpRF, MeanBaseline, get_baseline

TREES = 60  # fewer than the default 500 keeps the file fast; the direct computation uses the same

SMILES = [
    "CCO", "CCN", "CCC", "CCCC", "CCCO", "CCCN", "c1ccccc1", "c1ccccc1O", "c1ccccc1N",
    "Cc1ccccc1", "CC(=O)O", "CC(=O)N", "CCOC", "CCOCC", "C1CCCCC1", "C1CCNCC1", "C1CCOCC1",
    "c1ccncc1", "c1ccoc1", "c1ccsc1", "CC(C)O", "CC(C)N", "OCCO", "NCCN", "ClCCl", "BrCCBr",
    "FC(F)F", "CC#N", "C=CC=C", "CCS",
]  # fmt: skip
# Rows 0-19 train, 20-24 valid, 25-29 test. "" = missing.
# a: both classes everywhere; b: class 0 only in train, both in test (constant prior -> 0.5);
# c: both classes in train, class 1 only in test (skipped there).
TASK_A = "1 0 1 - 0 1 0 0 1 - 1 0 1 1 0 0 1 - 0 1 0 1 - 1 0 1 0 - 1 0"
TASK_B = "0 0 - 0 0 0 - 0 0 0 0 0 0 - 0 0 0 0 0 0 1 0 0 1 0 1 0 1 - 0"
TASK_C = "1 0 0 1 1 - 0 1 0 1 0 0 1 1 - 0 1 0 1 0 1 0 1 0 - 1 1 - 1 1"
TRAIN, VALID, TEST = list(range(20)), list(range(20, 25)), list(range(25, 30))


def _split(train: list[int], valid: list[int], test: list[int]) -> Split:
    return Split("manual", 0, (0.8, 0.1, 0.1), train, valid, test)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> GraphDataset:
    columns = [row.split() for row in (TASK_A, TASK_B, TASK_C)]
    lines = ["smiles,a,b,c"]
    for i, smiles in enumerate(SMILES):
        lines.append(",".join([smiles, *("" if col[i] == "-" else col[i] for col in columns)]))
    path: Path = tmp_path_factory.mktemp("baselines") / "toy_tasks.csv"
    path.write_text("\n".join(lines) + "\n")
    data = load_dataset(path, progress=False, workers=0)
    assert data.info.task == "classification" and data.smiles == SMILES
    return data


@pytest.fixture(scope="module")
def chembl() -> GraphDataset:
    return load_dataset("chembl2321810", progress=False)


def _fingerprints(smiles: list[str]) -> np.ndarray:
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    return np.array([generator.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in smiles])


def _labels(data: GraphDataset) -> np.ndarray:
    return data.y.numpy().astype(np.float64)


def test_registry_lists_the_baselines_and_names_unknown_ones() -> None:
    assert BASELINES.available() == ["ecfp_rf", "mean"]
    assert BASELINES.get("ecfp_rf") is EcfpRF and BASELINES.get("mean") is MeanBaseline
    assert all(getattr(baselines, name) is not None for name in baselines.__all__)
    with pytest.raises(UnknownNameError, match="unknown baseline 'rf'; choose one of: ecfp_rf"):
        get_baseline("rf")
    with pytest.raises(RecipeError, match="unknown key 'trees' in baseline 'ecfp_rf'"):
        get_baseline("ecfp_rf", trees=10)
    with pytest.raises(ValueError, match="n_estimators must be >= 1, got 0"):
        EcfpRF(n_estimators=0)


def test_regression_scores_match_a_direct_computation(chembl: GraphDataset) -> None:
    train, valid, test = list(range(0, 60)), list(range(60, 75)), list(range(75, 90))
    split = _split(train, valid, test)
    y = _labels(chembl)[:, 0]
    mean = MeanBaseline().run(chembl, split, seed=0)
    prior = y[train].mean()
    assert mean.test == pytest.approx(np.sqrt(np.mean((y[test] - prior) ** 2)), rel=1e-9)
    assert mean.valid == pytest.approx(np.sqrt(np.mean((y[valid] - prior) ** 2)), rel=1e-9)
    assert (mean.metric, mean.selection, mean.selected_epoch, mean.history) == (
        "rmse",
        "none",
        0,
        [],
    )
    assert mean.split is split and mean.skipped_tasks == [] and mean.test_per_task == [mean.test]
    assert mean.target_mean == pytest.approx([prior], rel=1e-6)
    assert mean.to_dict()["split"]["sizes"] == [60, 15, 15]

    forest = EcfpRF(n_estimators=TREES).run(chembl, split, seed=3)
    x = _fingerprints([chembl.smiles[i] for i in range(90)])
    direct = RandomForestRegressor(TREES, random_state=3).fit(x[train], y[train])
    expected = np.sqrt(np.mean((direct.predict(x[test]) - y[test]) ** 2))
    assert forest.test == pytest.approx(expected, rel=1e-9)
    assert forest.test < mean.test  # fingerprints carry signal on one congeneric series


def test_classification_handles_missing_labels_and_one_class_tasks(table: GraphDataset) -> None:
    y = _labels(table)
    assert np.isnan(y).any()
    split = _split(TRAIN, VALID, TEST)
    forest = EcfpRF(n_estimators=TREES).run(table, split, seed=1)
    x = _fingerprints(SMILES)
    expected: list[float | None] = []
    for t in range(3):
        labelled = ~np.isnan(y[TRAIN, t])
        present = ~np.isnan(y[TEST, t])
        labels = y[TEST, t][present]
        if labels.min() == labels.max():
            expected.append(None)
            continue
        train_labels = y[TRAIN, t][labelled]
        if train_labels.min() == train_labels.max():
            scores = np.full(len(TEST), train_labels.mean())
        else:
            model = RandomForestClassifier(TREES, random_state=1)
            model.fit(x[TRAIN][labelled], train_labels)
            scores = model.predict_proba(x[TEST])[:, 1]
        expected.append(float(roc_auc_score(labels, scores[present])))
    assert expected[1] == 0.5 and expected[2] is None
    assert forest.test_per_task == pytest.approx(expected)
    assert forest.skipped_tasks == ["c"] and forest.metric == "roc_auc"
    assert forest.test == pytest.approx(np.mean([expected[0], expected[1]]))

    mean = MeanBaseline().run(table, split, seed=1)
    assert mean.test_per_task == [0.5, 0.5, None] and mean.test == 0.5
    assert mean.valid == 0.5 and mean.skipped_tasks == ["c"]


def test_a_dataset_without_smiles_is_refused_by_ecfp_rf_only(table: GraphDataset) -> None:
    info = dataclasses.replace(table.info, name="toy_graphs", featurizer=None)
    graphs = GraphDataset(table.store, table.y, None, table.rows, info)
    split = _split(TRAIN, VALID, TEST)
    with pytest.raises(RecipeError, match=r"ecfp_rf needs molecules \(SMILES\); toy_graphs"):
        EcfpRF(n_estimators=TREES).run(graphs, split, seed=0)
    assert MeanBaseline().run(graphs, split, seed=0).test == 0.5
    # TU graph sets are scored by accuracy: the positive rate is read as "class 1 if > 0.5"
    tu_like = GraphDataset(
        table.store, table.y, None, table.rows, dataclasses.replace(info, metric="accuracy")
    )
    result = MeanBaseline().run(tu_like, split, seed=0)
    y = _labels(table)
    for t, score in enumerate(result.test_per_task):
        majority = float(np.nanmean(y[TRAIN, t]) > 0.5)
        labels = y[TEST, t][~np.isnan(y[TEST, t])]
        assert score == pytest.approx(np.mean(labels == majority))
    unlabeled = GraphDataset(
        table.store, table.y, None, table.rows, dataclasses.replace(info, task="unlabeled")
    )
    with pytest.raises(RecipeError, match="toy_graphs is unlabeled; baselines predict"):
        MeanBaseline().run(unlabeled, split, seed=0)


def test_a_seed_gives_one_result(table: GraphDataset, chembl: GraphDataset) -> None:
    split = _split(list(range(0, 60)), list(range(60, 75)), list(range(75, 90)))
    first = EcfpRF(n_estimators=TREES).run(chembl, split, seed=5)
    again = EcfpRF(n_estimators=TREES, n_jobs=2).run(chembl, split, seed=5)
    other = EcfpRF(n_estimators=TREES).run(chembl, split, seed=6)
    assert (first.valid, first.test) == (again.valid, again.test)
    assert first.test != other.test
    small = _split(TRAIN, VALID, TEST)
    a = EcfpRF(n_estimators=TREES).run(table, small, seed=2).test_per_task
    assert a == EcfpRF(n_estimators=TREES).run(table, small, seed=2).test_per_task


def test_evaluate_puts_baseline_rows_in_the_table_and_refuses_unknown_ones(tmp_path) -> None:
    import graphcl
    from graphcl.cli.main import main

    result = graphcl.evaluate(
        ["chembl2321810"], seeds=2, progress=False, baselines=["mean"], run_dir=tmp_path,
        encoder={"name": "gin", "num_layers": 1, "hidden": 8}, train={"epochs": 1},
        save_predictors="none",
    )  # fmt: skip
    runs = result.baselines["mean"]
    assert [r.seed for r in runs] == [r.seed for r in result.results]
    for run, outcome in zip(runs, result.results, strict=True):
        assert run.split.test == outcome.split.test  # the encoder's split, seed by seed
        y = _labels(load_dataset("chembl2321810", progress=False))[:, 0]
        prior = y[run.split.train].mean()
        assert run.test == pytest.approx(np.sqrt(np.mean((y[run.split.test] - prior) ** 2)))
    table = result.table()
    row = next(line for line in table.splitlines() if line.startswith("| baseline: mean"))
    assert f"{np.mean([r.test for r in runs]):.3f}" in row
    assert "Baselines (no graph encoder" in table and "mean: " in table
    assert [r["test"] for r in result.to_dict()["baselines"]["mean"]] == [r.test for r in runs]
    assert "| baseline: mean" in (tmp_path / "results.md").read_text()
    with pytest.raises(RecipeError, match=r"evaluate\.baselines: unknown 'rf'; choose"):
        graphcl.evaluate(["chembl2321810"], baselines=["rf"], progress=False)
    assert main(["-q", "eval", "--datasets", "chembl2321810", "--baselines", "mean,rf"]) == 2


def test_label_fractions_train_on_a_seeded_subset_and_get_their_own_columns(tmp_path) -> None:
    import graphcl

    result = graphcl.evaluate(
        ["chembl2321810"], seeds=2, progress=False, baselines=["mean"], run_dir=tmp_path,
        label_fractions=[0.1, 1.0], encoder={"name": "gin", "num_layers": 1, "hidden": 8},
        train={"epochs": 1}, save_predictors="none",
    )  # fmt: skip
    low = [r for r in result.results if r.dataset == "chembl2321810@10%"]
    full = [r for r in result.results if r.dataset == "chembl2321810"]
    assert len(low) == len(full) == 2
    for small, whole in zip(low, full, strict=True):
        assert small.split.label_fraction == 0.1 and whole.split.label_fraction == 1.0
        assert set(small.split.train) < set(whole.split.train)
        assert len(small.split.train) == round(0.1 * len(whole.split.train))
        assert (small.split.valid, small.split.test) == (whole.split.valid, whole.split.test)
    assert low[0].split.train != low[1].split.train  # seeded per seed
    y = _labels(load_dataset("chembl2321810", progress=False))[:, 0]
    means = [r for r in result.baselines["mean"] if r.dataset == "chembl2321810@10%"]
    prior = y[low[0].split.train].mean()
    assert means[0].test == pytest.approx(np.sqrt(np.mean((y[low[0].split.test] - prior) ** 2)))
    table = result.table()
    header = next(line for line in table.splitlines() if line.startswith("| model"))
    assert header == "| model | chembl2321810@10% | chembl2321810 |"  # no average over them
    saved = (tmp_path / "splits" / "chembl2321810@10%" / "seed0.json").read_text()
    assert '"label_fraction": 0.1' in saved
    with pytest.raises(RecipeError, match=r"label_fractions: give fractions in \(0, 1\]"):
        graphcl.evaluate(["chembl2321810"], label_fractions=[0.0], progress=False)
    from graphcl.cli.main import main

    assert main(["-q", "eval", "--datasets", "chembl2321810", "--label-fractions", "0.1,x"]) == 2
    assert main(["-q", "eval", "--datasets", "chembl2321810", "--label-fractions", "1.5"]) == 2
