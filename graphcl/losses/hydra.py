"""Feature gates per class pair (Hydra): make an arbitrary pair positive in a learned subspace.

Following METHODS.md sec. 5: learnable gates per pair of classes select a subspace of the
embedding in which a given pair is contrasted as positive. For classes ``c_i, c_j`` the gate is
``g_ij = sigmoid(G[c_i, c_j])`` (D), symmetric in the two classes; with L2-normalised gated
vectors

    s_ij = cos(g_ij * u_i, g_ij * v_j) / T
    L = mean_i CE(s_i., pair(i)) + rho * mean(g)

where ``u`` anchors, ``v`` candidates and ``pair(i)`` the candidate made positive for anchor i
(default: the same sample, so that the gates learn which features identify a sample of each
class pair). The sparsity term ``rho * mean(g)`` keeps each subspace small. The (N, N, D) gated
products make it a loss for batches of hundreds, not tens of thousands.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


@LOSSES.register("hydra")
class Hydra(nn.Module):
    """InfoNCE in class-pair-gated subspaces.

    Args:
        num_classes: C, the classes the labels take (0..C-1).
        dim: D, the embedding width.
        temperature: ``T > 0``.
        sparsity: ``rho >= 0``, weight of the mean gate value.
        gather_distributed: candidates and labels from every process.

    Shape:
        ``loss(u, v, labels=y, pairs=None)``: u, v (N, D); y (N,) in 0..C-1; pairs (N,) the
        row of v made positive for each row of u -> scalar.
    """

    def __init__(
        self,
        num_classes: int,
        dim: int,
        temperature: float = 0.1,
        sparsity: float = 0.01,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        if num_classes < 1 or dim < 1:
            raise ValueError(f"num_classes and dim must be >= 1, got {num_classes} and {dim}")
        self.temperature = checks.positive("temperature", temperature)
        self.sparsity = checks.non_negative("sparsity", sparsity)
        self.gather_distributed = gather_distributed
        self.gates = nn.Parameter(torch.full((num_classes, num_classes, dim), 2.0))

    def gate(self, a: Tensor, b: Tensor) -> Tensor:
        """Gates of class pairs ``(a_i, b_j)``. Shape: (A,), (B,) -> (A, B, D)."""
        symmetric = (self.gates + self.gates.transpose(0, 1)) / 2
        return torch.sigmoid(symmetric[a[:, None], b[None, :]])

    def forward(self, u: Tensor, v: Tensor, labels: Tensor, pairs: Tensor | None = None) -> Tensor:
        n = checks.views("hydra", [u, v], samples=2)
        if u.shape[1] != self.gates.shape[2]:
            raise ValueError(
                f"hydra: embeddings have width {u.shape[1]}, the gates {self.gates.shape[2]}"
            )
        checks.rows("hydra", "labels", labels, n)
        if int(labels.min()) < 0 or int(labels.max()) >= self.gates.shape[0]:
            raise ValueError(f"hydra: labels must lie in 0..{self.gates.shape[0] - 1}")
        candidates, own = gathered(v, self.gather_distributed)
        candidate_labels = gathered(labels, self.gather_distributed)[0]
        target = own
        if pairs is not None:  # rows of this process's v, as columns among all candidates
            checks.rows("hydra", "pairs", pairs, n)
            target = own[0] + pairs.long()
        g = self.gate(labels.long(), candidate_labels.long())  # (N, C, D)
        gated_u = F.normalize(g * u[:, None, :], dim=2)
        gated_v = F.normalize(g * candidates[None, :, :], dim=2)
        logits = (gated_u * gated_v).sum(2) / self.temperature
        return F.cross_entropy(logits, target) + self.sparsity * g.mean()
