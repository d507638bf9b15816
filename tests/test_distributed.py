"""Data-parallel training on CPU (gloo, 2 processes) equals one process on the whole batch."""

from __future__ import annotations

import gc
import os
import time
import warnings
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from loss_calls import CALLS, GATHERING
from torch.nn.parallel import DistributedDataParallel

from graphcl import losses as loss_core
from graphcl.data import featurize_smiles
from graphcl.losses import NTXent
from graphcl.methods import build as build_method
from graphcl.training import StepContext, convert_batchnorm

WORLD = 2
TIMEOUT_S = 300
PER_RANK = 6
SMILES = [
    "CC(=O)Oc1ccccc1C(=O)O",
    "CCN(CC)CCOC(=O)c1ccc(N)cc1",
    "c1ccc2ccccc2c1",
    "CCO",
    "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "CCCCCCCC(=O)O",
    "Nc1ccncc1",
    "CC(C)Cc1ccccc1",
    "O=C(O)c1ccccc1O",
    "CN1CCC[C@H]1c1cccnc1",
    "C1CCCCC1",
    "ClC(Cl)Cl",
]


def _linear_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Linear(5, 4).double()


LABELS = torch.tensor([0, 1, 2, 0, 1, 2, 3, 3, 0, 1, 2, 3])


def _loss_step(name: str, rows: slice, ddp: bool) -> tuple[float, dict[str, torch.Tensor]]:
    """One step of a Linear(5, 6) model under the registered loss ``name`` on ``rows``."""
    kwargs, call = CALLS[name]
    torch.manual_seed(0)
    model: torch.nn.Module = torch.nn.Linear(5, 6).double()
    loss_fn = loss_core.build(name, **kwargs).double()
    if ddp:
        model = DistributedDataParallel(model)
    x1, x2 = _inputs()
    return _step(model, lambda m: call(loss_fn, m(x1[rows]), m(x2[rows]), LABELS[rows]))


def _graph_method() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_method(
        "graphcl",
        encoder={"name": "gin", "num_layers": 2, "hidden": 8},
        augmentations=["identity", "identity"],
    ).double()


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    shape = (WORLD * PER_RANK, 5)
    return (
        torch.randn(shape, generator=generator, dtype=torch.float64),
        torch.randn(shape, generator=generator, dtype=torch.float64),
    )


def _batch():
    store = featurize_smiles(SMILES, workers=0, progress=False).store
    return store


def _step(model, forward) -> tuple[float, dict[str, torch.Tensor]]:
    loss = forward(model)
    loss.backward()
    inner = model.module if isinstance(model, DistributedDataParallel) else model
    return float(loss.detach()), {
        n: p.grad.clone() for n, p in inner.named_parameters() if p.grad is not None
    }


def _worker(rank: int, store_file: str, out_dir: str) -> None:
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # loopback: never an interface the sandbox blocks
    torch.set_num_threads(1)  # two processes on a 2-core machine: no oversubscription
    dist.init_process_group(
        "gloo",
        init_method=f"file://{store_file}",
        rank=rank,
        world_size=WORLD,
        timeout=timedelta(seconds=120),
    )
    try:
        _compare(rank, out_dir)
        # DistributedDataParallel objects freed after the process group is gone can block in
        # their destructors: collect them (and their reference cycles) while it still exists.
        gc.collect()
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _compare(rank: int, out_dir: str) -> None:
    """Run every check on this rank's rows; rank 0 writes the averaged results."""
    mine = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    # 1. the loss core: negatives gathered with gradient
    x1, x2 = _inputs()
    loss_fn = NTXent(0.5)
    model = DistributedDataParallel(_linear_model())
    loss, grads = _step(model, lambda m: loss_fn(m(x1[mine]), m(x2[mine])))
    # 2. a whole GraphCL step: GIN with synchronized batch norm
    method = convert_batchnorm(_graph_method(), torch.device("cpu"))
    ddp = DistributedDataParallel(method)
    batch = _batch().collate(torch.arange(rank * PER_RANK, (rank + 1) * PER_RANK))
    graph_loss, graph_grads = _step(ddp, lambda m: m(batch, StepContext.single()))
    # 3. every loss that gathers negatives or batch statistics
    core = {name: _loss_step(name, mine, ddp=True) for name in GATHERING}
    losses = torch.tensor([loss, graph_loss, *(v for v, _ in core.values())], dtype=torch.float64)
    dist.all_reduce(losses)
    if rank == 0:
        torch.save(
            {
                "loss": losses / WORLD,
                "grads": grads,
                "graph_grads": graph_grads,
                "core_grads": {name: g for name, (_, g) in core.items()},
            },
            os.path.join(out_dir, "ddp.pt"),
        )


def test_two_process_gloo_equals_single_process(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = mp.spawn(
            _worker, args=(str(tmp_path / "store"), str(tmp_path)), nprocs=WORLD, join=False
        )
        deadline = time.monotonic() + TIMEOUT_S
        while not context.join(timeout=5):
            if time.monotonic() > deadline:
                for process in context.processes:
                    process.terminate()
                pytest.fail(f"the {WORLD} gloo processes did not finish within {TIMEOUT_S} s")
    result = torch.load(tmp_path / "ddp.pt", weights_only=True)
    x1, x2 = _inputs()
    loss, grads = _step(_linear_model(), lambda m: NTXent(0.5)(m(x1), m(x2)))
    graph_loss, graph_grads = _step(
        _graph_method(),
        lambda m: m(_batch().collate(torch.arange(WORLD * PER_RANK)), StepContext.single()),
    )
    everything = slice(0, WORLD * PER_RANK)
    core = {name: _loss_step(name, everything, ddp=False) for name in GATHERING}
    expected = [loss, graph_loss, *(v for v, _ in core.values())]
    for name, ours, single in zip(
        ["nt_xent", "graphcl", *GATHERING], result["loss"].tolist(), expected, strict=True
    ):
        assert ours == pytest.approx(single, rel=1e-9, abs=1e-12), name
    for name, (_, single_grads) in core.items():
        for key, grad in single_grads.items():
            torch.testing.assert_close(result["core_grads"][name][key], grad, msg=f"{name} {key}")
    for name, grad in grads.items():
        torch.testing.assert_close(result["grads"][name], grad, msg=name)
    assert graph_grads
    for name, grad in graph_grads.items():
        torch.testing.assert_close(
            result["graph_grads"][name], grad, msg=lambda m, n=name: f"{n}: {m}"
        )
