"""ReSC, gCooL's reweighted self-supervised cross-contrast: nodes against the other view's
community centroids, negatives weighted by how far their community is from the positive one.

Li, Jing and Tong, "Graph Communal Contrastive Learning", WWW 2022, sec. 3 (ReSC). Embeddings are
L2-normalised first (``u_i`` of view 1, ``v_j`` of view 2). View 2's hard assignment
``psi(j) = argmax_k R'_jk`` (or given community ids) defines its community centroids and their
weights

    c_k = mean_{j : psi(j) = k} v_j,        w_kl = exp(-gamma * ||c_k - c_l||^2),

and node i of view 1 is contrasted with them, its positive being its own community in view 2,
``p = p_i = psi(i)``:

    l_i = -log( e^{s(u_i, c_p)} / (e^{s(u_i, c_p)} + sum_{k != p} w_{pk} e^{s(u_i, c_k)}) )

so that communities close to node i's own (``w`` near 1) are pushed away less than distant ones.
The loss is the mean of ``l_i`` over the nodes, averaged with the same term for view 2 against
view 1's centroids when ``symmetric`` (as gCooL does). Three similarities ``s``:

- ``"cosine"``: ``s(u, c) = u . c / (||c|| T)``, a true cosine (the default);
- ``"dot"``: ``s(u, c) = u . c / T`` against the unnormalised centroid: the reference code's
  ``cos`` branch (``exp(h @ C.T / tau)`` on unit ``h``);
- ``"rbf"``: ``s(u, c) = -||u - c||^2 / T^2``: the reference code's ``RBF`` branch.

graphcl applies the weights ``w`` in every form. The authors' code (``community_contrast`` in
``src/model.py``) applies them only in its RBF branch, which its ``main.py`` never selects, so
its cosine form is plain InfoNCE over centroids; ``gamma = 0`` reproduces that here. Centroids
carry no gradient by default (``detach_centroids``, as in the code), so the loss trains the
anchors; a community with no node in the other view has no centroid and is left out of the
denominator (the code keeps it as a zero vector: ``keep_empty=True``; its cosine is then 0).

Scale of ``gamma``: centroids of unit vectors are at most 2 apart, so ``gamma`` near 1 matters.
gCooL's values (2e-5 to 8e-5) leave every weight above 0.9996 here, as in its own code, whose
centroids are means of L2-normalised projections too.

Memory beyond the inputs and their gradients is O(n K + K^2 D) for n nodes, K communities and
D dimensions: the (n, K) logits and the (K, K) weights, never a node-by-node matrix nor a
normalised (n, D) copy (the row norms scale the (n, K) products instead).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.distributed import all_reduce_with_grad, world
from graphcl.losses.registry import LOSSES

Similarity = Literal["cosine", "dot", "rbf"]
SIMILARITIES = ("cosine", "dot", "rbf")


def community_ids(loss: str, name: str, communities: Tensor, n: int) -> tuple[Tensor, int]:
    """Hard community ids of ``n`` nodes and the community count K they imply.

    ``communities`` is either a soft assignment (n, K) of floats (its row argmax, without
    gradient) or (n,) integer ids ``>= 0`` (K = the largest id + 1).

    Raises:
        ValueError: another shape or dtype, or a negative id.
    """
    if communities.dim() == 2 and communities.dtype.is_floating_point:
        checks.rows(loss, name, communities, n)
        checks.finite(loss, communities)
        return communities.detach().argmax(dim=1), communities.shape[1]
    if communities.dim() == 1 and not (
        communities.dtype.is_floating_point or communities.dtype == torch.bool
    ):
        checks.rows(loss, name, communities, n)
        ids = communities.long()
        if int(ids.min()) < 0:
            raise ValueError(f"{loss}: {name} must be community ids >= 0, got {int(ids.min())}")
        return ids, int(ids.max()) + 1
    raise ValueError(
        f"{loss}: {name} must be an (n, K) float assignment or (n,) integer community ids, got "
        f"shape {tuple(communities.shape)} of {communities.dtype}"
    )


def community_centroids(
    embeddings: Tensor,
    ids: Tensor,
    num_communities: int,
    gather: bool = False,
    row_scale: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Mean embedding of each community and its node count (0: empty, centroid 0); with
    ``gather`` under ``torch.distributed`` over the nodes of every process. ``row_scale``
    multiplies each embedding first (``1 / ||v_j||`` gives the mean of the unit vectors without
    an (n, D) copy).

    Shape: embeddings (n, D), ids (n,), row_scale (n,) -> ((K, D), (K,)).
    """
    members = F.one_hot(ids, num_communities).to(embeddings.dtype)  # (n, K)
    if row_scale is not None:
        members = members * row_scale[:, None]
    sums = members.T @ embeddings
    counts = torch.bincount(ids, minlength=num_communities).to(embeddings.dtype)
    if gather and world()[1] > 1:
        sums, counts = all_reduce_with_grad(sums), all_reduce_with_grad(counts)
    return sums / counts.clamp(min=1)[:, None], counts


def inverse_norms(embeddings: Tensor) -> Tensor:
    """``1 / max(||z_i||, 1e-12)``, the row scale of ``F.normalize``. Shape: (n, D) -> (n,)."""
    return 1 / embeddings.norm(dim=1).clamp(min=1e-12)


@LOSSES.register("resc")
class ReSC(nn.Module):
    """gCooL's reweighted node-to-community cross-view contrast (see the module docstring).

    Args:
        temperature: ``T > 0`` (gCooL: 0.2 to 0.4).
        gamma: ``>= 0``, the RBF width of the negative weights over squared centroid distances;
            0 is unweighted InfoNCE over centroids.
        similarity: ``"cosine"``, ``"dot"`` (the reference's ``cos`` branch) or ``"rbf"``.
        symmetric: average with the view-2-against-view-1 term (else view-1 anchors only).
        detach_centroids: centroids (and so the weights) carry no gradient, as in gCooL's code.
        keep_empty: keep communities with no node in the other view as zero centroids in the
            denominator (the reference code); by default they are left out.
        num_communities: K; None takes it from the assignments (their width, or the largest id
            + 1, over every process).
        gather_distributed: under ``torch.distributed``, centroids from the nodes of every
            process (with gradient when not detached), so loss and gradients equal one process
            on the concatenated nodes.

    Shape:
        z1, z2 (n, D) the two views' node embeddings, row i the same node; communities1,
        communities2 the views' assignments, each (n, K) soft (rows of
        :func:`graphcl.losses.deca.soft_assignment`, argmax taken) or (n,) integer ids;
        communities2 defaults to communities1 -> scalar.

    Raises:
        ValueError: temperature <= 0, gamma < 0, an unknown similarity; views of different
            shapes or non-finite; assignments of the wrong shape or dtype, negative ids, ids
            >= num_communities.

    Example:
        >>> z1, z2 = torch.randn(6, 4), torch.randn(6, 4)
        >>> ids = torch.tensor([0, 0, 1, 1, 2, 2])
        >>> ReSC(temperature=0.4, gamma=1.0)(z1, z2, ids).dim()
        0
    """

    def __init__(
        self,
        temperature: float = 0.4,
        gamma: float = 1.0,
        similarity: Similarity = "cosine",
        symmetric: bool = True,
        detach_centroids: bool = True,
        keep_empty: bool = False,
        num_communities: int | None = None,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.gamma = checks.non_negative("gamma", gamma)
        if similarity not in SIMILARITIES:
            raise ValueError(
                f"similarity must be one of {', '.join(SIMILARITIES)}, got {similarity!r}"
            )
        if num_communities is not None and num_communities < 1:
            raise ValueError(f"num_communities must be >= 1 or None, got {num_communities}")
        self.similarity = similarity
        self.symmetric = symmetric
        self.detach_centroids = detach_centroids
        self.keep_empty = keep_empty
        self.num_communities = num_communities
        self.gather_distributed = gather_distributed

    def forward(
        self, z1: Tensor, z2: Tensor, communities1: Tensor, communities2: Tensor | None = None
    ) -> Tensor:
        return torch.stack(
            [t.mean() for t in self.terms(z1, z2, communities1, communities2)]
        ).mean()

    def terms(
        self, z1: Tensor, z2: Tensor, communities1: Tensor, communities2: Tensor | None = None
    ) -> list[Tensor]:
        """The per-node losses ``l_i``: view-1 anchors, then view-2 anchors if symmetric.

        Shape: as :meth:`forward` -> [(n,)] or [(n,), (n,)].
        """
        name = "resc"
        n = checks.views(name, [z1, z2], minimum=2)
        ids1, k1 = community_ids(name, "communities1", communities1, n)
        ids2, k2 = (
            (ids1, k1)
            if communities2 is None
            else community_ids(name, "communities2", communities2, n)
        )
        k = self._count(name, max(k1, k2), z1.device)
        # unit vectors u = z / ||z|| enter only through (n, K) products: scale those, never
        # materialise an (n, D) normalised copy
        scale1, scale2 = inverse_norms(z1), inverse_norms(z2)
        terms = [self._direction(z1, scale1, z2, scale2, ids2, k)]
        if self.symmetric:
            terms.append(self._direction(z2, scale2, z1, scale1, ids1, k))
        return terms

    def _count(self, name: str, k: int, device: torch.device) -> int:
        """K: the configured count, or the largest implied one over every process."""
        if self.gather_distributed and world()[1] > 1:
            total = torch.tensor([k], device=device)
            dist.all_reduce(total, op=dist.ReduceOp.MAX)
            k = int(total)
        if self.num_communities is None:
            return k
        if k > self.num_communities:
            raise ValueError(
                f"{name}: community id {k - 1} given but num_communities is {self.num_communities}"
            )
        return self.num_communities

    def _direction(
        self,
        anchors: Tensor,
        anchor_scale: Tensor,
        others: Tensor,
        other_scale: Tensor,
        positives: Tensor,
        k: int,
    ) -> Tensor:
        """``l_i`` for the unit anchors ``anchors * anchor_scale`` against the centroids of the
        unit ``others * other_scale`` grouped by ``positives`` (the anchors' own communities in
        the other view). Shape: (n,)."""
        if self.detach_centroids:
            others, other_scale = others.detach(), other_scale.detach()
        centroids, counts = community_centroids(
            others, positives, k, self.gather_distributed, other_scale
        )
        logits = self._logits(anchors, anchor_scale, centroids)
        distance = (centroids[:, None, :] - centroids[None, :, :]).pow(2).sum(-1)
        log_weights = (-self.gamma * distance).index_select(0, positives)  # log w_{p_i k}
        if not self.keep_empty:
            log_weights = log_weights.masked_fill(counts == 0, float("-inf"))
        rows = torch.arange(anchors.shape[0], device=anchors.device)
        log_weights = log_weights.index_put((rows, positives), log_weights.new_zeros(()))
        denominator = torch.logsumexp(logits + log_weights, dim=1)
        return denominator - logits[rows, positives]

    def _logits(self, anchors: Tensor, scale: Tensor, centroids: Tensor) -> Tensor:
        """``s(u_i, c_k)`` for ``u_i = anchors_i * scale_i`` (RBF: up to a constant per row,
        which cancels). Shape: (n, D), (n,), (K, D) -> (n, K)."""
        targets = F.normalize(centroids, dim=1) if self.similarity == "cosine" else centroids
        products = (anchors @ targets.T) * scale[:, None]  # u_i . t_k
        if self.similarity != "rbf":
            return products / self.temperature
        # -||u - c||^2 = 2 u . c - ||c||^2 - ||u||^2; the last term is the same for every
        # candidate of a row, so it cancels from l_i (value and gradient) and is left out
        return (2 * products - (centroids * centroids).sum(1)) / self.temperature**2
