"""Where each local embedding sits among the candidates of a (possibly distributed) batch."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from graphcl.losses.distributed import gather_with_grad, world


@dataclass(frozen=True)
class ViewLayout:
    """Anchors of this process against candidates of every process, for V views of n samples.

    Attributes:
        anchors: this process's embeddings, view after view. Shape: (V * n, D).
        candidates: every process's embeddings, view after view (view k of all ranks, then view
            k + 1). Shape: (V * W * n, D) for W processes.
        columns: the candidate column of each anchor. Shape: (V * n,).
        total: samples per view over all processes (``W * n``).
    """

    anchors: Tensor
    candidates: Tensor
    columns: Tensor
    total: int


def view_layout(views: list[Tensor], gather: bool) -> ViewLayout:
    """Lay out ``views`` (each (n, D), row i of every view the same sample); with ``gather``
    under ``torch.distributed``, candidates come from every process (with gradient)."""
    n = views[0].shape[0]
    rank, size = world() if gather else (0, 1)
    shared = [gather_with_grad(v) for v in views] if size > 1 else views
    total = size * n
    own = rank * n + torch.arange(n, device=views[0].device)
    columns = torch.cat([k * total + own for k in range(len(views))])
    return ViewLayout(torch.cat(views), torch.cat(shared), columns, total)


def gathered(tensor: Tensor, gather: bool) -> tuple[Tensor, Tensor]:
    """``tensor`` (n, ...) of every process (with gradient when ``gather`` under
    ``torch.distributed``) and the rows that are this process's own.

    Shape: (n, ...) -> ((W * n, ...), (n,)).
    """
    layout = view_layout([tensor], gather)
    return layout.candidates, layout.columns
