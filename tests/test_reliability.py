"""Every bad input gets a named error, no interruption loses or corrupts a file, no cache serves
wrong graphs: the cases of the reliability probe, each checked through the API or the CLI
(exit status 2, a message naming the file and the row, line or key)."""

from __future__ import annotations

import multiprocessing
import os
import time
import warnings
from pathlib import Path

import pytest
import torch
import yaml

import graphcl
from graphcl.cli.main import main as cli
from graphcl.data import load_dataset
from graphcl.data.paths import processed_dir
from graphcl.encoders import build as build_encoder
from graphcl.encoders import save_encoder
from graphcl.errors import CheckpointError, DatasetError, InvalidSmilesError, TrainingError
from graphcl.featurization import smiles_to_graph
from graphcl.methods import ContrastiveMethod, StepContext
from graphcl.methods import build as build_method
from graphcl.training import TrainConfig, Trainer

ROWS = ["smiles,y", "CCO,1.5", "c1ccccc1O,2.0", "CC(=O)O,0.5", "CCN,1.0"]


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = cli(["-q", *argv])
    return status, capsys.readouterr().err


# --- silent wrong results ---------------------------------------------------------------------
def test_non_ascii_smiles_are_refused_naming_the_row(tmp_path, capsys, chembl_csv) -> None:
    with pytest.raises(InvalidSmilesError, match=r"non-ASCII character 'С' \(U\+0421"):
        smiles_to_graph("ССO")  # Cyrillic Es, RDKit would read water
    result = graphcl.evaluate(str(chembl_csv), seeds=1, train={"epochs": 1}, progress=False,
                              encoder={"name": "gin", "num_layers": 1, "hidden": 8})  # fmt: skip
    predictor = tmp_path / "p.pt"
    result.predictor("chembl_small").save(predictor)
    (tmp_path / "mols.smi").write_text("CCO\n\nССO\n", encoding="utf-8")
    status, error = _cli(capsys, "predict", str(predictor), "-i", str(tmp_path / "mols.smi"))
    assert status == 2
    assert "'ССO'" in error and "non-ASCII" in error and f"line 3 of {tmp_path}" in error
    status, error = _cli(capsys, "predict", str(predictor), "CCO", "ССO")
    assert status == 2 and "(argument 2)" in error
    path = _csv(tmp_path, "smiles,y\nCCO,1\nССO,2\nCCN,3\n")
    with pytest.warns(UserWarning, match="skipped 1 of 3"):
        data = load_dataset(path, progress=False, workers=0)
    assert data.smiles == ["CCO", "CCN"]
    rejects = next(processed_dir("t").rglob("rejects.csv")).read_text()
    assert "1,3,ССO,non-ASCII character" in rejects  # row 1, line 3


def test_damaged_cache_is_detected_reported_and_rebuilt(tmp_path) -> None:
    path = _csv(tmp_path, "\n".join(ROWS) + "\n", "flip.csv")
    original = load_dataset(path, progress=False, workers=0)
    [cache] = processed_dir("flip").rglob("graphs.pt")
    for damage in ("flip", "truncate", "empty", "random"):
        data = bytearray(cache.read_bytes())
        if damage == "flip":  # flip bytes inside the tensors' data, as the probe did
            start = len(data) // 3
            for i in range(start, start + 64):
                data[i] ^= 0xFF
        elif damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "empty":
            data = bytearray()
        else:
            data = bytearray(os.urandom(4096))
        cache.write_bytes(bytes(data))
        with pytest.warns(UserWarning, match=f"discarding a damaged cache.*{cache.name}"):
            healed = load_dataset(path, progress=False, workers=0)
        assert torch.equal(healed.y, original.y) and healed.smiles == original.smiles
        assert torch.equal(healed.store.x, original.store.x)
        assert cache.is_file()  # rebuilt


def test_cache_structure_is_checked(tmp_path) -> None:
    path = _csv(tmp_path, "\n".join(ROWS) + "\n", "structure.csv")
    data = load_dataset(path, progress=False, workers=0)
    data.store.edge_index[0, 0] = 50  # an edge into another graph
    assert any("outside their graph" in p for p in data.problems())
    data.store.edge_index[0, 0] = 0
    data.store.x[0, 0] = 200  # outside the atom vocabulary
    assert any("outside the vocabulary" in p for p in data.problems())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("smiles,y\nCCO,inf\n", r"t.csv:2: label 'y' is 'inf'; labels must be finite"),
        ("smiles,y\nCCO,-Infinity\n", r"t.csv:2: label 'y' is '-Infinity'"),
        ("smiles,y\nCCO,1\nCCN,high\n", r"t.csv:3: label 'y' is 'high', not a number"),
        ("smiles,y,y\nCCO,1,2\n", r"t.csv: column name\(s\) 'y' appear more than once"),
        ("", r"t.csv: the file is empty"),
        ("\n\n", r"t.csv: the file is empty"),
        ("smiles,y\n", r"t.csv: a header but no records"),
        ("smiles,y\nCCO,1\nCCN,2,3\n", r"t.csv:3: 3 fields where the header \(line 1\) has 2"),
        ("smiles,y\nCCO\n", r"t.csv:2: 1 fields where the header \(line 1\) has 2"),
        ("mol,y\nCCO,1\n", r"t.csv: no SMILES column 'smiles'"),
    ],
)
def test_bad_tables_name_the_file_and_line(tmp_path, text, message) -> None:
    with pytest.raises(DatasetError, match=message):
        load_dataset(_csv(tmp_path, text), progress=False, workers=0)


def test_non_utf8_table_names_the_line(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("smiles,y\nCCO,1\nC\xe9C,2\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"t.csv:3: not UTF-8 text \(byte b'\\xe9'"):
        load_dataset(path, progress=False, workers=0)


def test_bom_crlf_and_missing_labels_are_read(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffsmiles,y\r\nCCO,1\r\n\r\nCCN,\r\n".encode())
    data = load_dataset(path, progress=False, workers=0)
    assert data.smiles == ["CCO", "CCN"] and data.y[0, 0] == 1 and torch.isnan(data.y[1, 0])


def test_csv_and_tsv_of_the_same_bytes_never_share_a_cache(tmp_path) -> None:
    text = "smiles\ty\nCCO\t1\nCCN\t2\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    tsv = _csv(tmp_path / "a", text, "same.tsv")
    csv_path = _csv(tmp_path / "b", text, "same.csv")
    assert len(load_dataset(tsv, progress=False, workers=0)) == 2
    with pytest.raises(DatasetError, match="no SMILES column"):  # one column 'smiles\ty' here
        load_dataset(csv_path, progress=False, workers=0)


# --- broken files after a kill (see also test_fault_injection.py) -----------------------------
def _save(path: str, rounds: int) -> None:
    from graphcl.data import load_dataset as load

    data = load(path, progress=False, workers=0, cache=False)
    for _ in range(rounds):
        data.save(Path(path).with_suffix(".pt"))


def test_two_processes_saving_the_same_file_at_once(tmp_path) -> None:
    path = _csv(tmp_path, "\n".join(ROWS) + "\n", "race.csv")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save, args=(str(path), 8)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
        assert worker.exitcode == 0
    from graphcl.data import GraphDataset

    assert len(GraphDataset.load(path.with_suffix(".pt"))) == 4
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


# --- tracebacks instead of named errors --------------------------------------------------------
def _recipe(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"evaluate": {"datasets": ["chembl2321810"], "train": {"epochs": "ten"}}},
         "evaluate.train.epochs: expected int, got 'ten'"),
        ({"evaluate": {"datasets": ["chembl2321810"], "train": {"lr": "fast"}}},
         "evaluate.train.lr: expected float, got 'fast'"),
        ({"pretrain": {"dataset": "nci5k", "train": {"epochs": "ten"}}},
         "pretrain.train.epochs: expected int, got 'ten'"),
        (["evaluate", "pretrain"], "a recipe is a YAML mapping of sections"),
        ({"evaluate": {"datasets": ["chembl2321810"], "protocol": "zero-shot"}},
         "evaluate.protocol must be one of"),
        ({"evaluate": {"datasets": ["not_a_dataset"]}},
         "evaluate.datasets.0.: unknown dataset 'not_a_dataset'"),
        ({"evaluate": {"datasets": ["chembl2321810"], "seeds": 0}}, "evaluate.seeds must be >= 1"),
        ({"pretrain": {"dataset": "nope"}}, "pretrain.dataset: unknown dataset 'nope'"),
        ({"evaluate": {"datasets": ["chembl2321810"]}, "compare": ["best"]},
         "compare: unknown starting point 'best'"),
    ],
)  # fmt: skip
def test_recipe_values_fail_before_anything_runs(tmp_path, capsys, content, message) -> None:
    status, error = _cli(capsys, "run", str(_recipe(tmp_path, content)), "--dry-run")
    assert status == 2
    assert message.replace(".0.", "[0]") in error or message in error, error


def test_recipe_paths_are_never_replaced_by_shipped_recipes(tmp_path, capsys) -> None:
    status, error = _cli(capsys, "run", str(tmp_path / "quickstart.yaml"), "--dry-run")
    assert status == 2 and "no such recipe file" in error
    (tmp_path / "quickstart").mkdir()
    status, error = _cli(capsys, "run", str(tmp_path / "quickstart"), "--dry-run")
    assert status == 2 and "is a directory, not a recipe file" in error
    status, _ = _cli(capsys, "run", "quickstart", "--dry-run")  # a bare name: the shipped one
    assert status == 0


def test_bad_checkpoints_are_named_errors(tmp_path, capsys, chembl_csv) -> None:
    (tmp_path / "random.pt").write_bytes(os.urandom(500))
    (tmp_path / "empty.pt").write_bytes(b"")
    encoder = build_encoder("gin", num_layers=1, hidden=8)
    save_encoder(tmp_path / "good.pt", encoder, "ogb")
    payload = torch.load(tmp_path / "good.pt", weights_only=True)
    torch.save({k: v for k, v in payload.items() if k != "state_dict"}, tmp_path / "nostate.pt")
    payload["encoder"]["config"]["hidden"] = 16  # another architecture than its weights
    torch.save(payload, tmp_path / "other.pt")
    cases = {
        "random.pt": "it is not a torch file",
        "empty.pt": "it is empty",
        "nostate.pt": "without weights (no state_dict)",
        "other.pt": "its weights do not fit the encoder it records",
    }
    for name, message in cases.items():
        status, error = _cli(
            capsys, "eval", "--datasets", str(chembl_csv), "--checkpoint", str(tmp_path / name),
            "--seeds", "1", "--epochs", "1",
        )  # fmt: skip
        assert status == 2, name
        assert str(tmp_path / name) in error and message in error, error
        assert "weights_only=False" not in error and "Traceback" not in error
    status, error = _cli(capsys, "predict", str(tmp_path / "good.pt"), "CCO")
    assert status == 2 and "is not a graphcl predictor" in error


def test_resume_with_another_architecture_or_fewer_epochs(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(32))
    small = {"name": "gin", "num_layers": 1, "hidden": 8}
    config = TrainConfig(epochs=2, batch_size=16, checkpoint_every=1)
    Trainer(config, tmp_path, progress=False).fit(build_method("graphcl", encoder=small), molecules)
    state = tmp_path / "checkpoints" / "last.pt"
    wider = build_method("graphcl", encoder={**small, "hidden": 16})
    with pytest.raises(CheckpointError, match=f"cannot resume from {state}: it was written by"):
        Trainer(config, None, progress=False).fit(wider, molecules, resume=state)
    fewer = TrainConfig(epochs=1, batch_size=16)
    with pytest.raises(CheckpointError, match="already holds 2 epochs, more than the 1"):
        Trainer(fewer, None, progress=False).fit(
            build_method("graphcl", encoder=small), molecules, resume=state
        )
    done = Trainer(config, tmp_path / "again", progress=False).fit(
        build_method("graphcl", encoder=small), molecules, resume=state
    )  # nothing left to train: the record says 2 epochs, not more
    meta = torch.load(done.encoder_checkpoint, weights_only=True)["meta"]
    assert meta["epochs"] == 2 and len(done.history) == 2


# --- inputs that hang ---------------------------------------------------------------------------
def test_huge_smiles_is_refused_quickly_and_featurization_is_linear() -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidSmilesError, match="1,000,000 atoms, more than max_atoms=10,000"):
        smiles_to_graph("C" * 1_000_000)
    assert time.perf_counter() - start < 30  # counted from the text, never parsed
    from graphcl.featurization import OGBFeaturizer

    graph = OGBFeaturizer().featurize_many(["C" * 30_000], max_atoms=None).graphs
    assert graph.x.shape == (30_000, 9) and graph.edge_index.shape == (2, 59_998)


# --- numeric faults ------------------------------------------------------------------------------
class Exploding(ContrastiveMethod):
    """A loss that becomes NaN at a chosen step, in a named term."""

    def __init__(self, at_step: int, where: str) -> None:
        super().__init__("ogb")
        self.encoder = build_encoder("gin", num_layers=1, hidden=4)
        self.zero = torch.nn.Parameter(torch.zeros(1))
        self.at_step, self.where = at_step, where

    def forward(self, batch: object, context: StepContext) -> torch.Tensor:
        value = self.encoder(batch).square().mean()
        bad = torch.zeros(())
        if context.step == self.at_step and self.where == "loss":
            bad = torch.tensor(float("nan"))
        elif context.step == self.at_step:  # finite loss, NaN gradient: d sqrt(|p|) at p = 0
            bad = self.zero.abs().sqrt().sum()
        self.terms = {"smooth": value, "penalty": bad}
        return value + bad


@pytest.mark.parametrize("where", ["loss", "gradient"])
def test_non_finite_loss_or_gradient_stops_with_its_place(tmp_path, where) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(32))
    config = TrainConfig(epochs=3, batch_size=16, checkpoint_every=1)
    method = Exploding(at_step=3, where=where)  # epoch 2, its second batch
    with pytest.raises(TrainingError) as error:
        Trainer(config, tmp_path, progress=False).fit(method, molecules)
    message = str(error.value)
    assert "training stopped at epoch 2, step 3 (batch 2 of 2)" in message
    if where == "loss":
        assert "the loss is nan" in message and "non-finite loss term(s): penalty" in message
    else:
        assert "the gradient norm is nan" in message
    assert f"the last good checkpoint is {tmp_path / 'checkpoints' / 'last.pt'}" in message
    state = torch.load(tmp_path / "checkpoints" / "last.pt", weights_only=True)
    assert state["epoch"] == 1 and all(
        torch.isfinite(v).all() for v in state["method"].values() if v.is_floating_point()
    )
