"""Fault injection: SIGKILL graphcl jobs during an epoch, during each kind of file write, during
featurization and during a download; every file left behind must be the previous complete
version or the new complete version, the next run must ignore or clean up the leftovers, and a
resumed run must end exactly where an uninterrupted one does."""

from __future__ import annotations

import csv
import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
import torch

from graphcl.data import load_dataset
from graphcl.data.fetch import download
from graphcl.encoders import load_encoder
from graphcl.runtime.safe_load import safe_torch_load
from graphcl.training import load_training_state

CHILD = Path(__file__).with_name("fault_child.py")
TIMEOUT = 240


def _start(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.Popen[bytes], Path]:
    marker = tmp_path / f"marker-{time.monotonic_ns()}"
    environment = {**os.environ, **env, "MARKER": str(marker)}
    process = subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process, marker


def _kill_when_paused(process: subprocess.Popen[bytes], marker: Path) -> str:
    deadline = time.monotonic() + TIMEOUT
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"the child ended before pausing: {process.stderr.read()!r}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the child never reached the pause point")
        time.sleep(0.05)
    reason = marker.read_text()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return reason


def _run(tmp_path: Path, *args: str) -> None:
    process, _ = _start(tmp_path, *args)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, stderr.decode()


def _every_file_is_complete(run_dir: Path) -> list[str]:
    """Every visible file in ``run_dir`` reads completely; returns the temporary leftovers."""
    leftovers = []
    for path in run_dir.rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith("."):
            leftovers.append(path.name)
            continue
        if path.suffix == ".pt":
            safe_torch_load(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".csv":
            rows = list(csv.DictReader(path.open()))
            assert rows and all(None not in row and None not in row.values() for row in rows)
        elif path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
    return leftovers


@pytest.mark.parametrize(
    "target",
    [
        "last.pt",
        "metrics.csv",
        "encoder.pt",
        pytest.param("epoch2.pt", marks=pytest.mark.slow),
        pytest.param("metrics.json", marks=pytest.mark.slow),
        pytest.param("loss_curve.png", marks=pytest.mark.slow),
    ],
)
def test_killed_mid_write_leaves_the_previous_complete_file(tmp_path, target) -> None:
    run = tmp_path / "run"
    process, marker = _start(tmp_path, "train", str(run), "2", PAUSE_ON=target)
    # epoch 1's files are written first; the pause comes at epoch 2's write of `target`
    # (encoder.pt is written once, after the last epoch)
    reason = _kill_when_paused(process, marker)
    assert target in reason
    leftovers = _every_file_is_complete(run)
    assert any(target in name for name in leftovers), leftovers  # the killed write's temp file
    checkpoints = run / "checkpoints"
    if target == "last.pt":
        # a pause at epoch 1's last.pt happens first; its previous version is none at all
        state = checkpoints / "last.pt"
        assert not state.exists() or load_training_state(state)["epoch"] == 1
    if target == "epoch2.pt":
        assert not (checkpoints / "epoch2.pt").exists()
    if target.startswith("metrics"):
        assert not (run / target).exists() or len(
            json.loads((run / "metrics.json").read_text())
        ) in (1, 2)
    if target == "encoder.pt":
        assert not (run / "encoder.pt").exists()
        assert load_training_state(checkpoints / "last.pt")["epoch"] == 2
    # the next run into the same directory cleans the dead process's leftovers up
    _run(tmp_path, "train", str(run), "2")
    assert _every_file_is_complete(run) == []
    load_encoder(run / "encoder.pt")


def test_resume_after_a_kill_mid_epoch_equals_an_uninterrupted_run(tmp_path) -> None:
    straight = tmp_path / "straight"
    _run(tmp_path, "train", str(straight), "3")
    killed = tmp_path / "killed"
    process, marker = _start(tmp_path, "train", str(killed), "3", PAUSE_STEP="6")  # epoch 2
    assert "epoch 2" in _kill_when_paused(process, marker)
    assert _every_file_is_complete(killed) == []
    assert load_training_state(killed / "checkpoints" / "last.pt")["epoch"] == 1
    _run(tmp_path, "train", str(killed), "3", str(killed / "checkpoints" / "last.pt"))
    expected = torch.load(straight / "final.pt", weights_only=True)
    resumed = torch.load(killed / "final.pt", weights_only=True)
    for key, value in expected["state"].items():
        torch.testing.assert_close(resumed["state"][key], value, rtol=0, atol=0, msg=key)
    assert resumed["losses"] == pytest.approx(expected["losses"], rel=0, abs=0)
    history = json.loads((killed / "metrics.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2, 3]


@pytest.mark.parametrize(
    ("pause", "reason"),
    [({"PAUSE_ON": "graphs.pt"}, "graphs.pt"), ({"PAUSE_FEATURIZE": "150"}, "molecule 150")],
    ids=["cache-write", "featurization"],
)
def test_killed_while_featurizing_or_writing_a_cache_leaves_no_cache_and_heals(
    tmp_path, nci_smiles, monkeypatch, pause, reason
) -> None:
    table = tmp_path / "mols.csv"
    table.write_text(
        "smiles,y\n" + "".join(f"{s},{i % 2}\n" for i, s in enumerate(nci_smiles[:300]))
    )
    home = tmp_path / "home"
    process, marker = _start(tmp_path, "cache", str(table), GRAPHCL_HOME=str(home), **pause)
    assert reason in _kill_when_paused(process, marker)
    caches = list(home.rglob("graphs.pt"))
    assert caches == []  # the featurized cache never appeared half-written
    monkeypatch.setenv("GRAPHCL_HOME", str(home))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset(table, workers=0, progress=False)
        again = load_dataset(table, workers=0, progress=False)  # now from the cache
    assert len(data) == len(again) > 250
    assert not [p for p in home.rglob(".*") if p.is_file()]  # leftovers cleaned


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    delay = 0.0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        for start in range(0, len(self.body), 4096):
            self.wfile.write(self.body[start : start + 4096])
            self.wfile.flush()
            time.sleep(self.delay)

    def log_message(self, *args: object) -> None:
        return


def test_killed_download_leaves_nothing_trusted_and_is_cleaned_up(tmp_path) -> None:
    body = os.urandom(200_000)
    digest = hashlib.sha256(body).hexdigest()
    _SlowHandler.body, _SlowHandler.delay = body, 0.05
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/data.bin"
        destination = tmp_path / "downloads" / "data.bin"
        process, _ = _start(tmp_path, "download", url, str(destination), digest)
        deadline = time.monotonic() + TIMEOUT
        while not [p for p in destination.parent.glob(".data.bin.*.tmp") if p.stat().st_size]:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.kill()
        process.wait(timeout=30)
        assert not destination.exists()  # never a partial file under the real name
        assert list(destination.parent.glob(".data.bin.*.tmp"))  # the dead process's temp file
        _SlowHandler.delay = 0.0
        assert download(url, destination, digest, progress=False) == digest
        assert destination.read_bytes() == body
        assert not list(destination.parent.glob(".data.bin.*"))  # cleaned up
    finally:
        server.shutdown()
