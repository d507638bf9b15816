"""The augmentation interface and the random-number helpers every augmentation uses.

An augmentation maps a whole mini-batch of graphs (a PyG ``Batch``) to a new ``Batch`` — a view —
with tensor operations only (no Python loop over graphs), on whatever device the batch is on.
Contract, checked by the tests for every registered augmentation:

- the input batch is never modified (new tensors are built; untouched ones are shared);
- graph boundaries hold: no edge between two graphs, every graph keeps at least one node, removed
  nodes leave the batch (and so the readout);
- ``edge_attr`` and every other node-, edge- and graph-level attribute stay aligned;
- ratios apply per graph (``floor(ratio * n_i)`` for a graph of ``n_i`` nodes);
- the same ``torch.Generator`` state gives the same view.

Every ``__call__`` of a subclass runs single-threaded (:func:`graphcl.threads.single_threaded`,
applied automatically by :class:`Augmentation`): views are many tiny tensor operations, which
intra-op threads only slow down, by up to 50x when another process holds a core.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.threads import single_threaded_call


class Augmentation(ABC):
    """A random, batch-level graph transformation: ``view = aug(batch, generator)``.

    Subclasses implement ``__call__``; it is wrapped to run single-threaded.
    """

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("__call__")
        if call is not None and not getattr(call, "__wrapped_single_threaded__", False):
            cls.__call__ = single_threaded_call(call)  # type: ignore[method-assign]

    @abstractmethod
    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        """A new view of ``batch`` (which is left unchanged).

        Args:
            batch: graphs collated into one ``Batch`` (``ptr``/``batch`` vectors required).
            generator: source of randomness; None uses torch's global generator.
        """

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


def check_ratio(ratio: float) -> float:
    """A ratio in [0, 1), else ValueError naming it."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"ratio must be in [0, 1), got {ratio}")
    return float(ratio)


def uniform(size: int, like: Tensor, generator: torch.Generator | None) -> Tensor:
    """``size`` uniform numbers in [0, 1) on ``like``'s device, drawn from ``generator``
    (which may live on another device: the numbers are then moved)."""
    if generator is None:
        return torch.rand(size, device=like.device)
    values = torch.rand(size, generator=generator, device=generator.device)
    return values.to(like.device, non_blocking=True)


def rank_within_graph(keys: Tensor, graph: Tensor, ptr: Tensor) -> Tensor:
    """Rank (0 = smallest key) of each item among the items of its graph.

    Args:
        keys: values in [0, 1) to order by. Shape: (N,).
        graph: graph of each item, sorted ascending (items grouped by graph). Shape: (N,).
        ptr: start of each graph's items, plus the total. Shape: (G + 1,).

    Returns:
        Shape: (N,), int64.
    """
    order = torch.argsort(graph.double() + keys.double())
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel(), device=keys.device) - ptr[graph[order]]
    return rank
