"""Optimizers and learning-rate schedules by name.

Schedules step once per optimizer step; their lengths are in steps.

- ``constant``: no schedule.
- ``cosine``: cosine decay to ``min_lr`` over the run.
- ``warmup_cosine``: linear warm-up over ``warmup_steps`` then cosine decay.
- ``step``: multiply by ``gamma`` every ``step_size`` steps (KCL: 0.99 every 500 steps).
- ``exponential``: multiply by ``gamma`` every step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    LRScheduler,
    SequentialLR,
    StepLR,
)

from graphcl.registry import Registry
from graphcl.signature import check_kwargs

OPTIMIZERS: Registry[Callable[..., Optimizer]] = Registry("optimizer")
OPTIMIZERS.register("adam")(torch.optim.Adam)
OPTIMIZERS.register("adamw")(torch.optim.AdamW)


@OPTIMIZERS.register("sgd")
def _sgd(params: Iterable[Any], lr: float, weight_decay: float = 0.0) -> Optimizer:
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)


SCHEDULES: Registry[Callable[..., LRScheduler | None]] = Registry("lr schedule")


@SCHEDULES.register("constant")
def _constant(optimizer: Optimizer, total_steps: int) -> None:
    return None


@SCHEDULES.register("cosine")
def _cosine(optimizer: Optimizer, total_steps: int, min_lr: float = 0.0) -> LRScheduler:
    return CosineAnnealingLR(optimizer, T_max=max(total_steps, 1), eta_min=min_lr)


@SCHEDULES.register("warmup_cosine")
def _warmup_cosine(
    optimizer: Optimizer, total_steps: int, warmup_steps: int = 100, min_lr: float = 0.0
) -> LRScheduler:
    warmup = max(min(warmup_steps, total_steps - 1), 1)
    return SequentialLR(
        optimizer,
        [
            LinearLR(optimizer, start_factor=1e-3, total_iters=warmup),
            CosineAnnealingLR(optimizer, T_max=max(total_steps - warmup, 1), eta_min=min_lr),
        ],
        milestones=[warmup],
    )


@SCHEDULES.register("step")
def _step(
    optimizer: Optimizer, total_steps: int, step_size: int = 500, gamma: float = 0.99
) -> LRScheduler:
    return StepLR(optimizer, step_size=step_size, gamma=gamma)


@SCHEDULES.register("exponential")
def _exponential(optimizer: Optimizer, total_steps: int, gamma: float = 0.999) -> LRScheduler:
    return ExponentialLR(optimizer, gamma=gamma)


def build_schedule(
    name: str, optimizer: Optimizer, total_steps: int, **kwargs: Any
) -> LRScheduler | None:
    """The schedule registered as ``name`` (None for ``constant``).

    Raises:
        UnknownNameError: unknown schedule; RecipeError: an argument it does not take.
    """
    schedule = SCHEDULES.get(name)
    check_kwargs(schedule, kwargs, f"lr schedule {name!r}", exclude=("optimizer", "total_steps"))
    return schedule(optimizer, total_steps, **kwargs)


def build_optimizer(
    config: Any, parameters: Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]]
) -> Optimizer:
    """The optimizer ``config.optimizer`` over ``parameters`` (or parameter groups, which may set
    their own ``lr``) with ``config.lr`` and ``config.weight_decay`` (any
    :class:`~graphcl.training.train_config.OptimConfig`)."""
    return OPTIMIZERS.get(config.optimizer)(
        parameters, lr=config.lr, weight_decay=config.weight_decay
    )
