"""gCooL's scheduled joint objective: the node term plus a community term that moves from DeCA
to ReSC and then fades out.

Li, Jing and Tong, "Graph Communal Contrastive Learning", WWW 2022, sec. 3 (joint objective):

    L(t) = L_node + alpha(t) * [e^{-t/s} L_DeCA + (1 - e^{-t/s}) L_ReSC],
    alpha(t) = max(0, 1 - t / (r s)),   r = 0.2,

with stride ``s`` (gCooL: 500 or 1000) and ``t`` the epoch, counted from 0. gCooL trains on the
whole graph with one optimiser step per epoch (its ``fit(epoch, ...)``), so epochs and steps are
the same count there; a mini-batch trainer should pass the epoch, not the step, to keep the
paper's time scale.

Note what the schedule implies: ``alpha`` reaches 0 at ``t = r s`` (epoch 100 for s = 500), when
``e^{-t/s} >= e^{-r} ~ 0.82``, so DeCA dominates the community term while it lasts and ReSC's
coefficient ``alpha (1 - e^{-t/s})`` never exceeds about 0.048 (at ``t ~ 0.1 s``); after ``r s``
epochs only ``L_node`` is trained.
"""

from __future__ import annotations

import math

from torch import Tensor

from graphcl.losses import checks


def gcool_weights(t: float, stride: float, alpha_rate: float = 0.2) -> tuple[float, float, float]:
    """(alpha, w_deca, w_resc) at epoch ``t``: ``L = L_node + w_deca L_DeCA + w_resc L_ReSC``.

    ``alpha = max(0, 1 - t / (alpha_rate * stride))``, ``w_deca = alpha e^{-t/stride}`` and
    ``w_resc = alpha (1 - e^{-t/stride})`` (``alpha`` included in both).

    Args:
        t: the epoch, ``>= 0`` (the first is 0).
        stride: ``s > 0``, in epochs.
        alpha_rate: ``r > 0``; the community terms end at ``t = r s`` (gCooL: 0.2).

    Raises:
        ValueError: t < 0, stride <= 0 or alpha_rate <= 0.

    Example:
        >>> gcool_weights(0, 500)
        (1.0, 1.0, 0.0)
        >>> gcool_weights(100, 500)
        (0.0, 0.0, 0.0)
    """
    checks.non_negative("t", t)
    checks.positive("stride", stride)
    checks.positive("alpha_rate", alpha_rate)
    alpha = max(0.0, 1.0 - t / (alpha_rate * stride))
    decay = math.exp(-t / stride)
    return alpha, alpha * decay, alpha * (1.0 - decay)


def gcool_objective(
    node: Tensor,
    deca: Tensor,
    resc: Tensor,
    t: float,
    stride: float,
    alpha_rate: float = 0.2,
) -> Tensor:
    """gCooL's loss at epoch ``t``: ``node + w_deca * deca + w_resc * resc`` (see
    :func:`gcool_weights`).

    Shape: scalars -> scalar.

    Example:
        >>> import torch
        >>> gcool_objective(torch.tensor(2.0), torch.tensor(-1.0), torch.tensor(3.0), 0, 500)
        tensor(1.)
    """
    _, w_deca, w_resc = gcool_weights(t, stride, alpha_rate)
    return node + w_deca * deca + w_resc * resc
