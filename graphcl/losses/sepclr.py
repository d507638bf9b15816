"""SepCLR: separate common and salient patterns of a target population from a background.

Louiset et al., "Separating common from salient patterns with Contrastive Representation
Learning", ICLR 2024. Two encoders give each sample a common embedding ``c`` and a salient
embedding ``s``. Background samples (e.g. healthy controls, or inactive molecules) should carry
no salient information; target samples carry both:

    L = NT-Xent(c1, c2)                         common space, background and target
      + NT-Xent(s1[target], s2[target])         salient space, target only
      + w_bg * mean_{background} ||s||^2         background salient embeddings collapse to 0
      + w_leak * ||corr(c, s)||_F^2 / D           no information shared by the two spaces

where ``corr`` is the cross-correlation of the batch-standardised common and salient embeddings
(both views averaged). The last term is a cheap decorrelation stand-in for the paper's mutual
information penalty; the salient InfoNCE needs at least two target samples in the batch. Under
``torch.distributed`` the common term gathers negatives from every process; the salient, background
and leak terms use each process's own batch.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from graphcl.losses import checks
from graphcl.losses.nt_xent import NTXent
from graphcl.losses.registry import LOSSES


def cross_correlation(a: Tensor, b: Tensor) -> Tensor:
    """Correlation between the columns of ``a`` and ``b``. Shape: (N, D), (N, E) -> (D, E)."""
    a = (a - a.mean(0)) / (a.std(0) + 1e-6)
    b = (b - b.mean(0)) / (b.std(0) + 1e-6)
    return a.T @ b / a.shape[0]


@LOSSES.register("sepclr")
class SepCLR(nn.Module):
    """Common/salient contrastive objective with a background penalty and a leak penalty.

    Args:
        background_weight: ``w_bg >= 0``.
        leak_weight: ``w_leak >= 0``.
        **kwargs: NT-Xent options of both contrastive terms (temperature, ...).

    Shape:
        ``loss(c1, c2, s1, s2, labels=is_target)``: common views (N, D), salient views (N, E),
        is_target (N,) bool or 0/1 -> scalar.
    """

    def __init__(
        self, background_weight: float = 1.0, leak_weight: float = 1.0, **kwargs: Any
    ) -> None:
        super().__init__()
        self.background_weight = checks.non_negative("background_weight", background_weight)
        self.leak_weight = checks.non_negative("leak_weight", leak_weight)
        self.nt_xent = NTXent(**kwargs)
        # the target subset differs in size between processes: contrast it within each process
        self.salient_nt_xent = NTXent(**{**kwargs, "gather_distributed": False})

    def forward(self, c1: Tensor, c2: Tensor, s1: Tensor, s2: Tensor, labels: Tensor) -> Tensor:
        n = checks.views("sepclr", [c1, c2], samples=2)
        checks.views("sepclr", [s1, s2], samples=n)
        checks.rows("sepclr", "labels", labels, n)
        target = labels.bool()
        if int(target.sum()) < 2:
            raise ValueError("sepclr needs at least 2 target samples (labels = 1) in the batch")
        loss = self.nt_xent(c1, c2) + self.salient_nt_xent(s1[target], s2[target])
        if bool((~target).any()):
            background = (s1[~target].pow(2).sum(1) + s2[~target].pow(2).sum(1)) / 2
            loss = loss + self.background_weight * background.mean()
        common, salient = (c1 + c2) / 2, (s1 + s2) / 2
        leak = cross_correlation(common, salient).pow(2).sum() / common.shape[1]
        return loss + self.leak_weight * leak
