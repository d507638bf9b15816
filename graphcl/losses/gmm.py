"""A (semi-supervised) Gaussian mixture fitted by EM, in torch, for prototypes and label priors.

Spherical components (one variance each) on the rows of ``x``; labelled rows (label >= 0) have
their responsibility fixed to their own component, as in the semi-supervised GMM of
generalized category discovery (Vaze et al., CVPR 2022; Zhao et al., ICCV 2023). Used by
:mod:`graphcl.losses.prototypical` (prototypes) and :mod:`graphcl.losses.balanced_mse` (GAI
label-distribution prior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Mixture:
    """Fitted mixture. Shapes: weights (K,), means (K, D), variances (K,), responsibilities
    (N, K) of the fitted rows."""

    weights: Tensor
    means: Tensor
    variances: Tensor
    responsibilities: Tensor


def log_gaussian(x: Tensor, means: Tensor, variances: Tensor) -> Tensor:
    """log N(x_n; mu_k, var_k I). Shape: (N, D), (K, D), (K,) -> (N, K)."""
    d = x.shape[1]
    squared = torch.cdist(x, means).pow(2)
    return -0.5 * (squared / variances + d * torch.log(2 * math.pi * variances))


def fit_gmm(
    x: Tensor,
    components: int,
    labels: Tensor | None = None,
    iterations: int = 20,
    generator: torch.Generator | None = None,
    min_variance: float = 1e-6,
) -> Mixture:
    """Fit a spherical GMM with EM (no gradient).

    Args:
        x: (N, D) points.
        components: K; labelled classes must lie in 0..K-1.
        labels: (N,) class of each point, -1 where unknown (None: all unknown).
        iterations: EM steps.
        generator: seeds the initial means (random distinct rows, or class means when labelled).

    Raises:
        ValueError: fewer points than components; labels outside -1..K-1.
    """
    x = x.detach()
    n = x.shape[0]
    if n < components or components < 1:
        raise ValueError(f"fit_gmm: {n} points cannot fill {components} components")
    if labels is None:
        labels = torch.full((n,), -1, dtype=torch.long, device=x.device)
    if labels.shape != (n,) or int(labels.max()) >= components or int(labels.min()) < -1:
        raise ValueError(f"fit_gmm: labels must be (N,) in -1..{components - 1}")
    known = labels >= 0
    means = x[torch.randperm(n, generator=generator)[:components].to(x.device)].clone()
    for k in labels[known].unique().tolist():
        means[k] = x[labels == k].mean(0)
    variances = x.new_full((components,), float(x.var(0).mean().clamp(min=min_variance)))
    weights = x.new_full((components,), 1 / components)
    for _ in range(iterations):
        log_r = log_gaussian(x, means, variances) + weights.log()
        r = torch.softmax(log_r, dim=1)
        if bool(known.any()):
            r[known] = torch.nn.functional.one_hot(labels[known], components).to(r.dtype)
        mass = r.sum(0).clamp(min=1e-12)
        weights = mass / n
        means = (r.T @ x) / mass[:, None]
        squared = torch.cdist(x, means).pow(2)
        variances = ((r * squared).sum(0) / (mass * x.shape[1])).clamp(min=min_variance)
    return Mixture(weights, means, variances, r)
