"""A graphcl job run in a child process by tests/test_fault_injection.py, which kills it with
SIGKILL at chosen moments.

Usage: python fault_child.py train RUN_DIR EPOCHS [RESUME] | cache CSV | download URL DEST SHA

Environment:
    PAUSE_ON: pause (and write MARKER) just before the content of a file whose temporary name
        contains this text is fsynced and renamed into place, i.e. in the middle of its write.
    PAUSE_STEP: pause (and write MARKER) after this optimizer step (during an epoch).
    PAUSE_FEATURIZE: pause (and write MARKER) after featurizing this many molecules.
    MARKER: the file to write when pausing; the parent kills the process once it exists.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import torch

MARKER = os.environ.get("MARKER")


def pause(reason: str) -> None:
    assert MARKER is not None
    staged = Path(MARKER + ".part")  # the parent must never read a created but empty marker
    staged.write_text(reason)
    os.replace(staged, MARKER)
    time.sleep(120)  # the parent kills us long before this ends


def install_write_pause() -> None:
    text = os.environ.get("PAUSE_ON")
    if not text:
        return
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if text in Path(name).name:
            pause(f"writing {name}")
        real_fsync(fd)

    os.fsync = fsync  # type: ignore[assignment]


def train(run_dir: str, epochs: int, resume: str | None) -> None:
    from graphcl.data import load_dataset
    from graphcl.methods import build as build_method
    from graphcl.training import TrainConfig, Trainer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(64))
    torch.manual_seed(0)
    method = build_method("graphcl", encoder={"name": "gin", "num_layers": 2, "hidden": 16})
    pause_step = os.environ.get("PAUSE_STEP")
    if pause_step is not None:
        original = method.after_step

        def after_step(context):  # type: ignore[no-untyped-def]
            original(context)
            if context.step + 1 == int(pause_step):
                pause(f"step {context.step + 1} of epoch {context.epoch}")

        method.after_step = after_step  # type: ignore[method-assign]
    config = TrainConfig(epochs=epochs, batch_size=16, checkpoint_every=1, seed=5)
    result = Trainer(config, run_dir, progress=False).fit(method, molecules, resume=resume)
    torch.save(
        {"state": method.state_dict(), "losses": [row["loss"] for row in result.history]},
        Path(run_dir) / "final.pt",
    )


def install_featurize_pause() -> None:
    count = os.environ.get("PAUSE_FEATURIZE")
    if not count:
        return
    from graphcl.featurization import base

    real = base.screen_smiles
    seen = [0]

    def screen_smiles(*args):  # type: ignore[no-untyped-def]
        seen[0] += 1  # called once per molecule, before it is featurized
        if seen[0] == int(count):
            pause(f"featurizing molecule {seen[0]}")
        return real(*args)

    base.screen_smiles = screen_smiles


def cache(csv: str) -> None:
    from graphcl.data import load_dataset

    install_featurize_pause()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_dataset(csv, workers=0, progress=False)


def download(url: str, destination: str, sha256: str) -> None:
    from graphcl.data.fetch import download as fetch

    fetch(url, destination, sha256, progress=False)


if __name__ == "__main__":
    torch.set_num_threads(1)
    install_write_pause()
    mode, *args = sys.argv[1:]
    if mode == "train":
        train(args[0], int(args[1]), args[2] if len(args) > 2 else None)
    elif mode == "cache":
        cache(args[0])
    else:
        download(*args)
