"""The training engine shared by every objective: pre-training methods and fine-tuning alike.

Plain PyTorch (see the README's design notes): one loop that runs any
:class:`~graphcl.methods.base.TrainingObjective` through ``objective(batch, context) -> loss``
over anything that provides batches (a dataset's :meth:`batch_plan`, or a
:class:`~graphcl.data.plans.BatchPlan`): sets of small graphs, one large graph full-batch or in
node mini-batches. After each optimizer step it calls ``objective.after_step(context)`` (EMA
targets); at the end it saves ``objective.modules_to_save()``.

Reproducibility and resumption: everything random in epoch ``e`` — the batch order, the
generator handed to the objective and torch's global generator (dropout) — is seeded from
``(seed, e, rank)``, and checkpoints are written at epoch boundaries with the model, optimizer,
schedule and step count; resuming from epoch ``e`` therefore continues exactly as the
uninterrupted run would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel

from graphcl.data.plans import BatchPlan, mix_seed
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.checkpoint import load_checked, save_encoder
from graphcl.errors import CheckpointError, TrainingError
from graphcl.methods.base import TrainingObjective
from graphcl.progress import progress_bar
from graphcl.runtime.atomic import torch_save_atomic
from graphcl.runtime.device import resolve_device
from graphcl.runtime.step_context import StepContext
from graphcl.training.distributed import (
    DistributedContext,
    init_distributed,
    mean_over_ranks,
)
from graphcl.training.metrics_log import MetricsLog
from graphcl.training.optim import build_optimizer, build_schedule
from graphcl.training.sync_batchnorm import convert_batchnorm
from graphcl.training.train_config import OptimConfig, TrainConfig
from graphcl.typing import PathType

STATE_FORMAT = "graphcl-training-state"
#: Format of saved modules that are not graph encoders (read them with ``weights_only=True``).
MODULE_FORMAT = "graphcl-module"

#: ``on_epoch_end(epoch, row) -> stop``: may add entries to the epoch's metrics row.
EpochCallback = Callable[[int, dict[str, Any]], bool]


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        history: one row per epoch (``epoch``, ``loss``, ``lr``, ``<unit>_per_s``, ``seconds``,
            ``steps``, and whatever the epoch callback added).
        encoder_checkpoint: the pre-trained encoder file (rank 0 with a run directory), else None.
        seconds: wall time of this call.
        unit: what the throughput counts (``graphs``, ``nodes`` ...).
    """

    history: list[dict[str, Any]]
    encoder_checkpoint: Path | None
    seconds: float
    unit: str = "graphs"


class Trainer:
    """Runs an objective over batches for a number of epochs.

    Args:
        config: optimisation settings (:class:`TrainConfig` for pre-training; any
            :class:`OptimConfig`, e.g. fine-tuning's).
        run_dir: where checkpoints, metrics and encoders go (rank 0 only); None writes nothing.
        progress: show a progress bar: ``True``/``"batches"`` (one bar per epoch, with loss and
            throughput), ``"epochs"`` (one bar over the epochs) or ``False``.
        description: label of an ``"epochs"`` bar.
        device: where to train (default: the config's ``device``, else ``auto``).
        distributed: join the ``torchrun`` process group when there is one (fine-tuning, which
            runs on rank 0 only, passes False).
        seed_each_epoch: reseed torch's global generator from ``(seed, epoch, rank)`` at every
            epoch (exact resumption). Fine-tuning passes False: its caller seeds once before
            building the model, as pretrain-gnns' scripts do.
    """

    def __init__(
        self,
        config: OptimConfig,
        run_dir: PathType | None = None,
        progress: bool | str = True,
        *,
        description: str = "training",
        device: torch.device | str | None = None,
        distributed: bool = True,
        seed_each_epoch: bool = True,
    ) -> None:
        self.config = config
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.progress = "batches" if progress is True else progress
        self.description = description
        self.device = device
        self.distributed = distributed
        self.seed_each_epoch = seed_each_epoch

    def _context(self) -> DistributedContext:
        device = self.device if self.device is not None else getattr(self.config, "device", "auto")
        if self.distributed:
            return init_distributed(device if isinstance(device, str) else str(device))
        return DistributedContext(0, 1, resolve_device(device))

    def _plan(self, data: Any, context: DistributedContext) -> BatchPlan:
        if isinstance(data, BatchPlan):
            return data
        cfg = self.config
        options = (
            cfg.plan_options(context.device.type == "cuda") if isinstance(cfg, TrainConfig) else {}
        )
        seed = cfg.seed if isinstance(cfg, TrainConfig) else 0
        plan: BatchPlan = data.batch_plan(
            cfg.batch_size,
            seed=seed,
            rank=context.rank,
            world_size=context.world_size,
            **options,
        )
        return plan

    def fit(
        self,
        method: TrainingObjective,
        data: Any,
        *,
        resume: Path | str | None = None,
        meta: dict[str, Any] | None = None,
        on_epoch_end: EpochCallback | None = None,
    ) -> TrainResult:
        """Train ``method`` on ``data`` (labels are the objective's business).

        Args:
            method: the objective, with freshly initialised (or pre-loaded) weights.
            data: a dataset (anything with ``batch_plan``) or a batch plan.
            resume: a training-state checkpoint to continue from.
            meta: extra plain data stored with the encoder checkpoints.
            on_epoch_end: called after every epoch with its metrics row (it may add entries,
                e.g. validation scores); returning True stops training.

        Raises:
            CheckpointError: ``resume`` is not a graphcl training state.
            ValueError: the data is smaller than one global batch.
        """
        started = time.perf_counter()
        cfg = self.config
        seed = cfg.seed if isinstance(cfg, TrainConfig) else 0
        context = self._context()
        device = context.device
        main = context.is_main and self.run_dir is not None
        plan = self._plan(data, context)
        unit = method.unit or plan.unit
        method.to(device)
        model: torch.nn.Module = method
        if context.distributed:
            if not isinstance(cfg, TrainConfig) or cfg.sync_batchnorm:
                convert_batchnorm(method, device)
            model = DistributedDataParallel(
                method, device_ids=[device.index] if device.type == "cuda" else None
            )
        optimizer = build_optimizer(cfg, method.parameter_groups())
        steps_per_epoch = plan.steps(1)
        total_steps = cfg.epochs * steps_per_epoch
        schedule = build_schedule(cfg.schedule, optimizer, total_steps, **cfg.schedule_args)
        amp = cfg.amp is True or (cfg.amp == "auto" and device.type == "cuda")
        first_epoch, history, step = 1, [], 0
        if resume is not None:
            state = load_training_state(resume)
            try:
                method.load_state_dict(state["method"])
                optimizer.load_state_dict(state["optimizer"])
                if schedule is not None and state["schedule"] is not None:
                    schedule.load_state_dict(state["schedule"])
                first_epoch, history = int(state["epoch"]) + 1, list(state["history"])
            except (KeyError, RuntimeError, ValueError, TypeError) as exc:
                raise CheckpointError(
                    f"cannot resume from {resume}: it was written by another method, "
                    f"architecture or optimizer ({str(exc).splitlines()[0]})"
                ) from None
            step = int(state.get("step", (first_epoch - 1) * steps_per_epoch))
            history = [row for row in history if int(row["epoch"]) < first_epoch]
            if first_epoch > cfg.epochs + 1:
                raise CheckpointError(
                    f"{resume} already holds {first_epoch - 1} epochs, more than the "
                    f"{cfg.epochs} this run asks for (raise epochs to continue training)"
                )
        log = MetricsLog(self.run_dir if main else None, history)
        checkpoints = self.run_dir / "checkpoints" if main and self.run_dir else None
        if checkpoints is not None:
            checkpoints.mkdir(parents=True, exist_ok=True)
        show = bool(self.progress) and context.is_main
        epoch_bar = progress_bar(
            range(first_epoch, cfg.epochs + 1),
            desc=self.description,
            unit="epoch",
            enabled=show and self.progress == "epochs",
        )
        rate_key = f"{unit}_per_s"
        parameters = list(method.parameters())  # walked once: every step looks at their grads

        for epoch in epoch_bar:
            tick = time.perf_counter()
            if self.seed_each_epoch:
                torch.manual_seed(mix_seed(seed, epoch, context.rank, 1))
            generator = torch.Generator(device=device).manual_seed(
                mix_seed(seed, epoch, context.rank, 2)
            )
            steps = plan.steps(epoch)
            model.train()
            total, count, done = 0.0, 0, 0
            bar = progress_bar(
                plan.batches(epoch),
                total=steps,
                desc=f"epoch {epoch}/{cfg.epochs}",
                unit="batch",
                enabled=show and self.progress == "batches",
            )
            for batch in bar:
                batch = batch.to(device, non_blocking=device.type == "cuda")
                step_context = StepContext(
                    step,
                    epoch,
                    cfg.epochs,
                    total_steps,
                    generator,
                    context.rank,
                    context.world_size,
                    device,
                )
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                    loss = model(batch, step_context)
                where = (epoch, done + 1, steps, step, checkpoints)
                if not bool(torch.isfinite(loss.detach())):
                    raise _non_finite("loss", loss, method, batch, where)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                trainable = [p for p in parameters if p.grad is not None]
                if cfg.grad_clip:
                    norm = torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)
                else:
                    norm = torch.nn.utils.get_total_norm(
                        [p.grad for p in trainable if p.grad is not None]
                    )
                if not bool(torch.isfinite(norm)):
                    raise _non_finite("gradient norm", norm, method, batch, where)
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                method.after_step(step_context)
                step += 1
                done += 1
                total += float(loss.detach())
                count += plan.size(batch)
                elapsed = time.perf_counter() - tick
                bar.set_postfix(
                    loss=f"{total / done:.4f}",
                    **{rate_key: f"{count * context.world_size / elapsed:,.0f}"},
                    refresh=False,  # the bar refreshes itself, with the current count
                )
            seconds = time.perf_counter() - tick
            row: dict[str, Any] = {
                "epoch": epoch,
                "loss": mean_over_ranks(total / max(done, 1), context),
                "lr": optimizer.param_groups[0]["lr"],
                rate_key: count * context.world_size / seconds,
                "seconds": seconds,
                "steps": done,
            }
            stop = bool(on_epoch_end(epoch, row)) if on_epoch_end is not None else False
            log.append(row)
            epoch_bar.set_postfix(
                {k: f"{v:.3f}" for k, v in row.items() if k in ("loss", "valid", "test")},
                refresh=False,
            )
            last = epoch == cfg.epochs or stop
            every = cfg.checkpoint_every if isinstance(cfg, TrainConfig) else 0
            if checkpoints is not None and (last or (every and epoch % every == 0)):
                state = {
                    "format": STATE_FORMAT,
                    "epoch": epoch,
                    "step": step,
                    "method": method.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "schedule": schedule.state_dict() if schedule is not None else None,
                    "history": log.history,
                    "config": cfg.to_dict(),
                }
                torch_save_atomic(state, checkpoints / f"epoch{epoch}.pt")
                torch_save_atomic(state, checkpoints / "last.pt")
            if stop:
                break

        encoder_path = None
        if main and self.run_dir is not None:
            done = int(log.history[-1]["epoch"]) if log.history else 0
            encoder_path = self._save_encoders(method, log.history, done, meta)
        return TrainResult(log.history, encoder_path, time.perf_counter() - started, unit)

    def _save_encoders(
        self,
        method: TrainingObjective,
        history: list[dict[str, Any]],
        epochs: int,
        meta: dict[str, Any] | None,
    ) -> Path | None:
        """Write ``modules_to_save()``: ``encoder.pt`` and ``<role>_encoder.pt`` (graph
        encoders as encoder checkpoints, other modules as ``graphcl-module`` state dicts)."""
        assert self.run_dir is not None
        featurizer = getattr(method, "featurizer", None)
        info = {"epochs": epochs, "final_loss": history[-1]["loss"] if history else None}
        info.update(meta or {})
        encoder_path = None
        for role, module in method.modules_to_save().items():
            path = self.run_dir / ("encoder.pt" if role == "encoder" else f"{role}_encoder.pt")
            record = info if role == "encoder" else {**info, "role": role}
            if isinstance(module, GraphEncoder):
                save_encoder(path, module, featurizer, meta=record)
            else:
                torch_save_atomic(
                    {
                        "format": MODULE_FORMAT,
                        "class": f"{type(module).__module__}.{type(module).__qualname__}",
                        "config": dict(getattr(module, "config", {})),
                        "state_dict": module.state_dict(),
                        "meta": record,
                    },
                    path,
                )
            if role == "encoder":
                encoder_path = path
        return encoder_path


def _non_finite(
    what: str,
    value: torch.Tensor,
    method: TrainingObjective,
    batch: Any,
    where: tuple[int, int, int, int, Path | None],
) -> TrainingError:
    """The error that stops training at a NaN or inf: where it happened, which term of the loss
    and whether the batch's inputs were finite, and which checkpoint is the last good one."""
    epoch, batch_number, batches, step, checkpoints = where
    details = [f"the {what} is {float(value.detach().float())}"]
    bad_terms = [
        name for name, term in getattr(method, "terms", {}).items()
        if not bool(torch.isfinite(term.detach()).all())
    ]  # fmt: skip
    if bad_terms:
        details.append(f"non-finite loss term(s): {', '.join(bad_terms)}")
    for key in ("x", "edge_attr"):
        tensor = getattr(batch, key, None)
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
            count = int((~torch.isfinite(tensor)).sum())
            if count:
                details.append(f"the batch's {key} holds {count} non-finite values")
    if checkpoints is not None and (checkpoints / "last.pt").is_file():
        kept = f"the last good checkpoint is {checkpoints / 'last.pt'}"
    else:
        kept = "no checkpoint was written for this run yet"
    return TrainingError(
        f"training stopped at epoch {epoch}, step {step} (batch {batch_number} of {batches}): "
        f"{'; '.join(details)}; nothing was written for this epoch and {kept}"
    )


def load_training_state(path: Path | str) -> dict[str, Any]:
    """A checkpoint written by :class:`Trainer` (``torch.load(weights_only=True)``).

    Raises:
        CheckpointError: the file is missing or not a graphcl training state.
    """
    return load_checked(path, STATE_FORMAT, "a graphcl training state (from runs/*/checkpoints)")
