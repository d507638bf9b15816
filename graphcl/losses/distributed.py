"""Collectives with gradient, for negatives gathered across processes and synchronized statistics.

Forward and backward are written here (small ``autograd.Function``\\ s over ``torch.distributed``)
rather than taken from ``torch.distributed.nn``, whose functional collectives are deprecated.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside distributed training."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _AllGather(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, tensor: Tensor) -> Tensor:
        parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, tensor.contiguous())
        return torch.cat(parts, dim=0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        # every process's loss depends on every slice: sum the gradients, keep our own slice
        total = grad.contiguous().clone()
        dist.all_reduce(total)
        rank, size = world()
        return total.chunk(size, dim=0)[rank]


class _AllReduce(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, tensor: Tensor) -> Tensor:
        out = tensor.clone()
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        total = grad.contiguous().clone()
        dist.all_reduce(total)
        return total


def gather_with_grad(tensor: Tensor) -> Tensor:
    """Concatenate ``tensor`` from all processes along dim 0, keeping autograd.

    Gradients flowing into the gathered tensor are summed over processes back onto each
    process's own slice, so a loss over gathered negatives, averaged by DDP's gradient averaging,
    has the gradient of the same loss on the concatenated batch.

    Shape: (n, D) on each of W processes -> (W * n, D). Identity when not distributed. Every
    process must pass the same ``n``.
    """
    if world()[1] == 1:
        return tensor
    out: Tensor = _AllGather.apply(tensor)
    return out


def all_reduce_with_grad(tensor: Tensor) -> Tensor:
    """Sum of ``tensor`` over all processes, differentiable (identity when not distributed)."""
    if world()[1] == 1:
        return tensor
    out: Tensor = _AllReduce.apply(tensor)
    return out
