"""Batch normalization with statistics over all processes, on CPU (gloo) as well as CUDA.

With data-parallel training each process sees only its share of a batch; normalizing with local
statistics makes the model differ from single-process training on the whole batch. PyTorch's
``SyncBatchNorm`` fixes that on GPUs only; :class:`DistributedBatchNorm1d` does it anywhere by
summing per-channel statistics with a differentiable all-reduce.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor, nn

from graphcl.losses.distributed import all_reduce_with_grad


class DistributedBatchNorm1d(nn.BatchNorm1d):
    """``BatchNorm1d`` whose training statistics are the mean and (biased) variance over the
    rows of every process; identical to ``BatchNorm1d`` outside distributed training.

    Shape:
        (N, C) -> (N, C).
    """

    def forward(self, x: Tensor) -> Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized()):
            return super().forward(x)
        count = all_reduce_with_grad(x.new_tensor([float(x.shape[0])]))
        mean = all_reduce_with_grad(x.sum(0)) / count
        var = all_reduce_with_grad(((x - mean) ** 2).sum(0)) / count
        if self.track_running_stats and self.running_mean is not None:
            assert self.running_var is not None and self.num_batches_tracked is not None
            with torch.no_grad():
                self.num_batches_tracked += 1
                factor = (
                    1.0 / float(self.num_batches_tracked)
                    if self.momentum is None
                    else self.momentum
                )
                unbiased = var * count / (count - 1).clamp(min=1)
                self.running_mean.mul_(1 - factor).add_(factor * mean)
                self.running_var.mul_(1 - factor).add_(factor * unbiased)
        out = (x - mean) / torch.sqrt(var + self.eps)
        if self.affine:
            out = out * self.weight + self.bias
        return out


def convert_batchnorm(module: nn.Module, device: torch.device) -> nn.Module:
    """Replace every ``BatchNorm1d`` of ``module`` by a synchronized one (parameters kept):
    PyTorch's ``SyncBatchNorm`` on CUDA, :class:`DistributedBatchNorm1d` elsewhere."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(module)
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm1d:
            reference = next(iter(child.state_dict().values()))  # keep dtype and device
            synced = DistributedBatchNorm1d(
                child.num_features,
                child.eps,
                child.momentum,
                child.affine,
                child.track_running_stats,
                device=reference.device,
                dtype=reference.dtype if reference.is_floating_point() else None,
            )
            synced.load_state_dict(child.state_dict())
            setattr(module, name, synced)
        else:
            convert_batchnorm(child, device)
    return module
