"""Balanced MSE for imbalanced regression: BMC, GAI and BNI.

Ren et al., "Balanced MSE for Imbalanced Visual Regression", CVPR 2022. With a Gaussian noise
model of variance ``sigma^2`` (learnable, initialised at ``noise_sigma``), the balanced
likelihood divides out the training label distribution ``p_train(y)``:

- ``bmc`` (batch Monte-Carlo): the batch's targets stand for ``p_train``:
  ``L = CE( -||pred_i - y_j||^2 / (2 sigma^2) over j, i )``;
- ``gai`` (GMM-based analytical integration), ``p_train = sum_k phi_k N(mu_k, v_k)``:
  ``L = -log N(y_i; pred_i, sigma^2) + log sum_k phi_k N(pred_i; mu_k, v_k + sigma^2)``;
- ``bni`` (bin-based numerical integration) over bin centres ``c_b`` with probabilities ``p_b``:
  ``L = -log N(y_i; pred_i, sigma^2) + log sum_b p_b N(pred_i; c_b, sigma^2)``.

Every form is averaged over the batch and scaled by ``2 sigma^2`` (without gradient), as in
the paper's code, so that its gradient in ``pred`` matches plain MSE's scale. ``gai`` and ``bni``
take scalar targets and need the prior (``BalancedMSE.from_labels`` fits it from training labels).
Under ``torch.distributed``, ``bmc`` contrasts with every process's targets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.gmm import fit_gmm
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES

MODES = ("bmc", "gai", "bni")


def _log_normal(x: Tensor, mean: Tensor, variance: Tensor) -> Tensor:
    return -0.5 * ((x - mean).pow(2) / variance + torch.log(2 * math.pi * variance))


@LOSSES.register("balanced_mse")
class BalancedMSE(nn.Module):
    """Balanced MSE (Ren et al. 2022).

    Args:
        mode: ``bmc``, ``gai`` or ``bni``.
        noise_sigma: initial ``sigma > 0``.
        learn_sigma: make ``sigma`` a parameter (else fixed).
        prior_weights, prior_means, prior_variances: the GMM of the training labels (``gai``),
            or bin probabilities and centres (``bni``; variances unused).
        gather_distributed: ``bmc`` targets from every process.

    Shape:
        ``loss(pred, target)``: (N,) or (N, D) (``bmc``), (N,) or (N, 1) otherwise -> scalar.
    """

    prior_weights: Tensor
    prior_means: Tensor
    prior_variances: Tensor

    def __init__(
        self,
        mode: str = "bmc",
        noise_sigma: float = 1.0,
        learn_sigma: bool = True,
        prior_weights: Sequence[float] | None = None,
        prior_means: Sequence[float] | None = None,
        prior_variances: Sequence[float] | None = None,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        log_sigma = torch.tensor(math.log(checks.positive("noise_sigma", noise_sigma)))
        self.log_sigma = nn.Parameter(log_sigma, requires_grad=learn_sigma)
        self.gather_distributed = gather_distributed
        if mode != "bmc":
            if prior_weights is None or prior_means is None:
                raise ValueError(f"mode {mode!r} needs prior_weights and prior_means")
            if len(prior_weights) != len(prior_means):
                raise ValueError("prior_weights and prior_means must have the same length")
            if mode == "gai" and (
                prior_variances is None or len(prior_variances) != len(prior_means)
            ):
                raise ValueError("mode 'gai' needs one prior variance per component")
            weights = torch.tensor(prior_weights, dtype=torch.float64)
            if bool((weights < 0).any()) or not float(weights.sum()) > 0:
                raise ValueError("prior_weights must be >= 0 with a positive sum")
            self.register_buffer("prior_weights", weights / weights.sum())
            self.register_buffer("prior_means", torch.tensor(prior_means, dtype=torch.float64))
            variances = prior_variances if mode == "gai" else [0.0] * len(prior_means)
            self.register_buffer("prior_variances", torch.tensor(variances, dtype=torch.float64))

    @classmethod
    def from_labels(
        cls, labels: Tensor, mode: str = "gai", size: int = 8, **kwargs: object
    ) -> BalancedMSE:
        """Fit the prior from training labels: a ``size``-component GMM (``gai``) or a
        ``size``-bin histogram (``bni``); ``bmc`` needs none."""
        values = labels.detach().double().flatten()
        if mode == "gai":
            mixture = fit_gmm(values[:, None], size, generator=torch.Generator().manual_seed(0))
            prior = {
                "prior_weights": mixture.weights.tolist(),
                "prior_means": mixture.means[:, 0].tolist(),
                "prior_variances": mixture.variances.tolist(),
            }
        elif mode == "bni":
            counts = torch.histc(
                values, bins=size, min=float(values.min()), max=float(values.max())
            )
            edges = torch.linspace(
                float(values.min()), float(values.max()), size + 1, dtype=torch.float64
            )
            prior = {
                "prior_weights": counts.tolist(),
                "prior_means": ((edges[1:] + edges[:-1]) / 2).tolist(),
            }
        else:
            prior = {}
        return cls(mode=mode, **prior, **kwargs)  # type: ignore[arg-type]

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        if pred.shape != target.shape or pred.dim() not in (1, 2) or pred.shape[0] < 1:
            raise ValueError(
                f"balanced_mse: pred and target must both be (N,) or (N, D), got "
                f"{tuple(pred.shape)} and {tuple(target.shape)}"
            )
        checks.finite("balanced_mse", pred, target)
        variance = (2 * self.log_sigma).exp()
        pred2, target2 = pred.reshape(pred.shape[0], -1), target.reshape(target.shape[0], -1)
        if self.mode == "bmc":
            candidates, own = gathered(target2.detach(), self.gather_distributed)
            logits = -torch.cdist(pred2, candidates.to(pred2.dtype)).pow(2) / (2 * variance)
            loss = F.cross_entropy(logits, own)
        else:
            if pred2.shape[1] != 1:
                raise ValueError(f"balanced_mse mode {self.mode!r} takes scalar targets")
            p, y = pred2[:, 0], target2[:, 0]
            likelihood = _log_normal(y, p, variance)
            means = self.prior_means.to(p.dtype)
            spread = self.prior_variances.to(p.dtype) + variance
            balance = torch.logsumexp(
                _log_normal(p[:, None], means, spread) + self.prior_weights.to(p.dtype).log(), dim=1
            )
            loss = (balance - likelihood).mean()
        return loss * (2 * variance).detach()
