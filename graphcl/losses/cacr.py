"""CACR: contrastive attraction and contrastive repulsion.

Zheng et al., "Contrastive Attraction and Contrastive Repulsion for Representation Learning",
TMLR 2023. For L2-normalised views and the cost ``c(a, b) = ||a - b||^2``, each anchor ``z_i``
of view ``x`` attracts its positives (the same sample in the other views) and repels the other
samples of another view ``y``, each through a conditional distribution over them:

    attraction_i = sum_{p} pi+_ip * alpha * c(z_i, z_p),   pi+_i = softmax_p( t+ * c(z_i, z_p) )
    repulsion_i  = -sum_{j != i} pi-_ij * beta * c(z^x_i, z^y_j),
                   pi-_i = softmax_{j != i}( -t- * c(z^x_i, z^y_j) )

so distant positives are pulled harder and close negatives pushed harder (the weights are part
of the objective, with gradient, as in the authors' code). The loss is the mean attraction over
all anchors plus the mean repulsion over ordered view pairs ``x != y`` (the authors take x < y;
both orders make the loss symmetric in the views).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


@LOSSES.register("cacr")
class CACR(nn.Module):
    """Contrastive attraction + contrastive repulsion over two or more views.

    Args:
        pos_temperature: ``t+ >= 0``: how much more distant positives weigh (0: uniform).
        neg_temperature: ``t- >= 0``: how much more close negatives weigh (0: uniform).
        alpha: scale of the attraction cost. beta: scale of the repulsion cost.
        gather_distributed: negatives from every process.

    Shape:
        ``loss(z1, z2, ...)``: V >= 2 views (N, D) -> scalar.
    """

    def __init__(
        self,
        pos_temperature: float = 1.0,
        neg_temperature: float = 2.0,
        alpha: float = 1.0,
        beta: float = 1.0,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.pos_temperature = checks.non_negative("pos_temperature", pos_temperature)
        self.neg_temperature = checks.non_negative("neg_temperature", neg_temperature)
        self.alpha = checks.positive("alpha", alpha)
        self.beta = checks.positive("beta", beta)
        self.gather_distributed = gather_distributed

    def forward(self, *views: Tensor) -> Tensor:
        n = checks.views("cacr", views, minimum=2, samples=2)
        z = torch.stack([F.normalize(v, dim=1) for v in views])  # (V, N, D)
        count = len(views)
        # attraction: cost to the same sample in the other views (2 - 2 cos for unit vectors)
        cost = 2 - 2 * torch.einsum("xnd,ynd->nxy", z, z)  # (N, V, V)
        others = ~torch.eye(count, dtype=torch.bool, device=z.device)
        positive_cost = cost[:, others].view(n, count, count - 1)
        weights = torch.softmax(self.pos_temperature * positive_cost, dim=-1)
        attraction = self.alpha * (weights * positive_cost).sum(-1).mean()
        # repulsion: the other samples of each other view
        repulsion = z.new_zeros(())
        for x in range(count):
            for y in range(count):
                if x == y:
                    continue
                candidates, own = gathered(z[y], self.gather_distributed)
                negative_cost = 2 - 2 * z[x] @ candidates.T
                scores = -self.neg_temperature * negative_cost
                scores = scores.index_put(
                    (torch.arange(n, device=z.device), own), scores.new_tensor(float("-inf"))
                )
                pi = torch.softmax(scores, dim=1)
                repulsion = repulsion - self.beta * (pi * negative_cost).sum(1).mean()
        return attraction + repulsion / (count * (count - 1))
