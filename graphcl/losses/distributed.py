"""Gathering embeddings from every process with gradient, for negatives across ranks."""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside distributed training."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_with_grad(tensor: Tensor) -> Tensor:
    """Concatenate ``tensor`` from all processes along dim 0, keeping autograd.

    Gradients flowing into the gathered tensor are summed back onto each process's own slice
    (``torch.distributed.nn.all_gather``), so a loss over gathered negatives, averaged by DDP's
    gradient averaging, has the gradient of the same loss on the concatenated batch.

    Shape: (n, D) on each of W processes -> (W * n, D). Identity when not distributed. Every
    process must pass the same ``n``.
    """
    _, size = world()
    if size == 1:
        return tensor
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(tensor), dim=0)
