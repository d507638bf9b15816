"""The training engine shared by every self-supervised method.

Plain PyTorch (see the README's design notes): one loop that every method (GraphCL, KCL, gCooL,
CircuitGCL, other modalities) runs through ``method(batch, generator) -> loss``.

Reproducibility and resumption: everything random in epoch ``e`` — the shuffle, the augmentation
generator and torch's global generator (dropout) — is seeded from ``(seed, e, rank)``, and
checkpoints are written at epoch boundaries with the model, optimizer, schedule and gradient-scaler
states; resuming from epoch ``e`` therefore continues exactly as the uninterrupted run would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from graphcl.data.dataset import MoleculeDataset
from graphcl.data.loader import collate_identity
from graphcl.data.samplers import build_sampler
from graphcl.encoders.checkpoint import load_checked, save_encoder
from graphcl.methods.base import ContrastiveMethod
from graphcl.progress import progress_bar
from graphcl.training.distributed import DistributedContext, init_distributed, mean_over_ranks
from graphcl.training.metrics_log import MetricsLog
from graphcl.training.optim import OPTIMIZERS, build_schedule
from graphcl.training.sync_batchnorm import convert_batchnorm
from graphcl.training.train_config import TrainConfig
from graphcl.typing import PathType

STATE_FORMAT = "graphcl-training-state"


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        history: one row per epoch (``epoch``, ``loss``, ``lr``, ``graphs_per_s``, ``seconds``).
        encoder_checkpoint: the pre-trained encoder file (rank 0 with a run directory), else None.
        seconds: wall time of this call.
    """

    history: list[dict[str, Any]]
    encoder_checkpoint: Path | None
    seconds: float


def _seed(*parts: int) -> int:
    value = 0
    for part in parts:
        value = (value * 1_000_003 + part) % (2**62)
    return value


def epoch_batches(
    size: int, batch_size: int, epoch: int, seed: int, context: DistributedContext
) -> list[list[int]]:
    """This process's batches of epoch ``epoch``: a seeded permutation cut into global batches
    of ``batch_size * world`` (incomplete ones dropped), of which rank ``r`` takes the ``r``-th
    slice. Concatenating the ranks' batches in rank order gives the single-process batch."""
    generator = torch.Generator().manual_seed(_seed(seed, epoch))
    order = torch.randperm(size, generator=generator)
    global_size = batch_size * context.world_size
    usable = (size // global_size) * global_size
    batches = order[:usable].view(-1, context.world_size, batch_size)[:, context.rank]
    return batches.tolist()


class Trainer:
    """Runs a method over a dataset for a number of epochs.

    Args:
        config: optimisation settings.
        run_dir: where checkpoints, metrics and the encoder go (rank 0 only); None writes nothing.
        progress: show a progress bar with the loss and graphs per second.
    """

    def __init__(
        self, config: TrainConfig, run_dir: PathType | None = None, progress: bool = True
    ) -> None:
        self.config = config
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.progress = progress

    def fit(
        self,
        method: ContrastiveMethod,
        dataset: MoleculeDataset,
        *,
        resume: Path | str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> TrainResult:
        """Train ``method`` on ``dataset`` (its labels are ignored).

        Args:
            method: the method, with freshly initialised (or pre-loaded) weights.
            dataset: the graphs.
            resume: a training-state checkpoint to continue from.
            meta: extra plain data stored with the encoder checkpoint.

        Raises:
            CheckpointError: ``resume`` is not a graphcl training state.
            ValueError: the dataset is smaller than one global batch.
        """
        started = time.perf_counter()
        cfg = self.config
        context = init_distributed(cfg.device)
        device = context.device
        main = context.is_main and self.run_dir is not None
        method.to(device)
        model: torch.nn.Module = method
        if context.distributed:
            if cfg.sync_batchnorm:
                convert_batchnorm(method, device)
            model = DistributedDataParallel(
                method, device_ids=[device.index] if device.type == "cuda" else None
            )
        optimizer = OPTIMIZERS.get(cfg.optimizer)(
            method.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        plan = None
        if cfg.sampler != "random":
            plan = build_sampler(
                cfg.sampler,
                dataset.smiles,
                batch_size=cfg.batch_size * context.world_size,
                **cfg.sampler_args,
            )
        steps_per_epoch = len(dataset) // (cfg.batch_size * context.world_size)
        if plan is not None:
            steps_per_epoch = len(plan.batches(0, cfg.seed))
        if steps_per_epoch == 0:
            raise ValueError(
                f"{len(dataset)} graphs are fewer than one batch of "
                f"{cfg.batch_size} x {context.world_size} processes"
            )
        schedule = build_schedule(
            cfg.schedule, optimizer, cfg.epochs * steps_per_epoch, **cfg.schedule_args
        )
        amp = cfg.amp is True or (cfg.amp == "auto" and device.type == "cuda")
        pin = device.type == "cuda" and cfg.pin_memory in (True, "auto")
        first_epoch, history = 1, []
        if resume is not None:
            state = load_training_state(resume)
            method.load_state_dict(state["method"])
            optimizer.load_state_dict(state["optimizer"])
            if schedule is not None and state["schedule"] is not None:
                schedule.load_state_dict(state["schedule"])
            first_epoch, history = int(state["epoch"]) + 1, list(state["history"])
        log = MetricsLog(self.run_dir if main else None, history)
        checkpoints = self.run_dir / "checkpoints" if main and self.run_dir else None
        if checkpoints is not None:
            checkpoints.mkdir(parents=True, exist_ok=True)

        for epoch in range(first_epoch, cfg.epochs + 1):
            tick = time.perf_counter()
            torch.manual_seed(_seed(cfg.seed, epoch, context.rank, 1))
            generator = torch.Generator(device=device).manual_seed(
                _seed(cfg.seed, epoch, context.rank, 2)
            )
            if plan is None:
                batches = epoch_batches(len(dataset), cfg.batch_size, epoch, cfg.seed, context)
            else:  # rank r takes the r-th slice of every global batch
                mine = slice(context.rank * cfg.batch_size, (context.rank + 1) * cfg.batch_size)
                batches = [b[mine] for b in plan.batches(epoch, cfg.seed)]
            loader = DataLoader(
                dataset,
                batch_sampler=batches,
                collate_fn=collate_identity,
                num_workers=cfg.num_workers,
                pin_memory=pin,
            )
            model.train()
            total, graphs = 0.0, 0
            bar = progress_bar(
                loader,
                total=len(batches),
                desc=f"epoch {epoch}/{cfg.epochs}",
                unit="batch",
                enabled=self.progress and context.is_main,
            )
            for steps, batch in enumerate(bar, start=1):
                batch = batch.to(device, non_blocking=pin)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                    loss = model(batch, generator)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(method.parameters(), cfg.grad_clip)
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                total += float(loss.detach())
                graphs += batch.num_graphs
                elapsed = time.perf_counter() - tick
                bar.set_postfix(
                    loss=f"{total / steps:.4f}",
                    graphs_per_s=f"{graphs * context.world_size / elapsed:,.0f}",
                    refresh=False,  # the bar refreshes itself, with the current count
                )
            seconds = time.perf_counter() - tick
            row = {
                "epoch": epoch,
                "loss": mean_over_ranks(total / len(batches), context),
                "lr": optimizer.param_groups[0]["lr"],
                "graphs_per_s": graphs * context.world_size / seconds,
                "seconds": seconds,
            }
            log.append(row)
            last = epoch == cfg.epochs
            if checkpoints is not None and (
                last or (cfg.checkpoint_every and epoch % cfg.checkpoint_every == 0)
            ):
                state = {
                    "format": STATE_FORMAT,
                    "epoch": epoch,
                    "method": method.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "schedule": schedule.state_dict() if schedule is not None else None,
                    "history": log.history,
                    "config": cfg.to_dict(),
                }
                torch.save(state, checkpoints / f"epoch{epoch}.pt")
                torch.save(state, checkpoints / "last.pt")

        encoder_path = None
        if main and self.run_dir is not None:
            encoder_path = self.run_dir / "encoder.pt"
            info = {"epochs": cfg.epochs, "final_loss": log.history[-1]["loss"], **(meta or {})}
            save_encoder(encoder_path, method.encoder, method.featurizer, meta=info)
            for role, other in method.other_encoders().items():
                path = self.run_dir / f"{role}_encoder.pt"
                save_encoder(path, other, method.featurizer, meta={**info, "role": role})
        return TrainResult(log.history, encoder_path, time.perf_counter() - started)


def load_training_state(path: Path | str) -> dict[str, Any]:
    """A checkpoint written by :class:`Trainer` (``torch.load(weights_only=True)``).

    Raises:
        CheckpointError: the file is missing or not a graphcl training state.
    """
    return load_checked(path, STATE_FORMAT, "a graphcl training state (from runs/*/checkpoints)")
