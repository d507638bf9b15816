"""torch.distributed set-up for data-parallel training, launched with ``torchrun``.

``torchrun --nproc_per_node N -m graphcl.cli.main run RECIPE`` starts N processes; each reads
``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` from the environment. CPU runs use the gloo backend,
CUDA runs NCCL with one device per process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from graphcl.runtime.device import resolve_device


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands in a (possibly single-process) run."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_distributed(device: str = "auto") -> DistributedContext:
    """Join the process group described by torchrun's environment (if any) and pick the device.

    Idempotent: a process that already joined keeps its group.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    resolved = resolve_device(device)
    if world_size == 1:
        return DistributedContext(0, 1, resolved)
    if resolved.type == "cuda":
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        resolved = torch.device("cuda", local_rank)
        torch.cuda.set_device(resolved)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if resolved.type == "cuda" else "gloo")
    return DistributedContext(dist.get_rank(), dist.get_world_size(), resolved)


def broadcast(value: Any, context: DistributedContext) -> Any:
    """``value`` of rank 0, on every rank (any picklable object)."""
    if not context.distributed:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def mean_over_ranks(value: float, context: DistributedContext) -> float:
    """The mean of a number over all ranks."""
    if not context.distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=context.device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / context.world_size
