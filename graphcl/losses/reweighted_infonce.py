"""InfoNCE with negatives reweighted by a group structure (gCooL's ReSC).

Li et al., "Graph Communal Contrastive Learning", WWW 2022, sec. 4.2. Anchor ``u_i`` has the
positive candidate ``v_{p_i}``; every other candidate ``v_l`` enters the denominator with weight
``w_il = exp(-gamma * ||c_{g(p_i)} - c_{g(l)}||^2)``, where ``g`` maps candidates to groups
(communities) and ``c`` are the group centres:

    l_i = -log( e^{s(u_i, v_{p_i})} / (e^{s(u_i, v_{p_i})} + sum_{l != p_i} w_il e^{s(u_i, v_l)}) )

with ``s`` the cosine over ``T``. ``gamma = 0`` is plain one-directional InfoNCE (GRACE's
cross-view term). Two uses:

- sample level: ``loss(z1, z2, groups=g)``: row i of both views is a sample, its group ``g_i``;
  centres default to each group's mean normalised embedding in ``z2`` (no gradient);
- node-to-community (ReSC): ``loss(nodes, centres, positives=assignment)``: candidates are the
  K community centres of the other view, the positive of node i its community; by default each
  centre is its own group and its own group centre.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


def group_means(embeddings: Tensor, groups: Tensor) -> Tensor:
    """Mean of the rows of each group id ``0..max(groups)``. Shape: (N, D), (N,) -> (G, D)."""
    width = int(groups.max()) + 1
    sums = embeddings.new_zeros(width, embeddings.shape[1]).index_add_(0, groups, embeddings)
    counts = torch.bincount(groups, minlength=width).clamp(min=1)
    return sums / counts[:, None].to(embeddings.dtype)


@LOSSES.register("reweighted_infonce")
class ReweightedInfoNCE(nn.Module):
    """InfoNCE whose negatives carry weights ``exp(-gamma * ||c_a - c_b||^2)`` between groups.

    Args:
        temperature: ``T > 0``.
        gamma: ``>= 0``, the RBF width over squared centre distances (gCooL: 2e-5 to 8e-5 on
            unnormalised centres; with normalised defaults, values near 1 matter).
        gather_distributed: at sample level, candidates and groups from every process.

    Shape:
        z1 (N, D) anchors; z2 (N, D) candidates, or (K, D) with ``positives`` (N,) indices
        into them; groups (C,) long ids of the candidates; centres (G, D') group centres ->
        scalar.
    """

    def __init__(
        self, temperature: float = 0.2, gamma: float = 1.0, gather_distributed: bool = True
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.gamma = checks.non_negative("gamma", gamma)
        self.gather_distributed = gather_distributed

    def forward(
        self,
        z1: Tensor,
        z2: Tensor,
        groups: Tensor | None = None,
        centres: Tensor | None = None,
        positives: Tensor | None = None,
    ) -> Tensor:
        name = "reweighted_infonce"
        checks.finite(name, z1, z2)
        if z1.dim() != 2 or z2.dim() != 2 or z1.shape[1] != z2.shape[1]:
            raise ValueError(
                f"{name}: z1 and z2 must be (N, D) and (C, D), got {tuple(z1.shape)} and "
                f"{tuple(z2.shape)}"
            )
        anchors, candidates = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
        if positives is None:
            checks.views(name, [z1, z2], samples=2)
            candidates, positives = gathered(candidates, self.gather_distributed)
            if groups is not None:
                checks.rows(name, "groups", groups, z1.shape[0])
                groups = gathered(groups, self.gather_distributed)[0]
        else:
            checks.rows(name, "positives", positives, z1.shape[0])
        if groups is None:
            groups = torch.arange(candidates.shape[0], device=z1.device)
        checks.rows(name, "groups", groups, candidates.shape[0])
        if centres is None:
            centres = group_means(candidates.detach(), groups)
        checks.finite(name, centres)
        if int(groups.max()) >= centres.shape[0]:
            raise ValueError(
                f"{name}: group id {int(groups.max())} has no centre ({centres.shape[0]} given)"
            )
        candidate_centres = centres[groups]
        distance = torch.cdist(candidate_centres[positives], candidate_centres).pow(2)
        log_weights = -self.gamma * distance  # log w_il; 0 at the positive
        rows = torch.arange(z1.shape[0], device=z1.device)
        log_weights = log_weights.index_put((rows, positives), log_weights.new_zeros(()))
        logits = anchors @ candidates.T / self.temperature
        denominator = torch.logsumexp(logits + log_weights.to(logits.dtype), dim=1)
        return (denominator - logits[rows, positives]).mean()
