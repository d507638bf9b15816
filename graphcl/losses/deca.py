"""DeCA, gCooL's dense community aggregation, computed over edges (memory linear in n + E).

Li, Jing and Tong, "Graph Communal Contrastive Learning", WWW 2022, sec. 3 (DeCA). K community
centres ``C`` (learnable, held by the caller) give each node a soft assignment ``r_i``, row i of
``R = softmax(h C^T / T)`` (:func:`soft_assignment`). With ``A`` the adjacency matrix of the graph
and ``DF = R^T A R`` (K x K, the soft edge counts between communities), DeCA minimises

    L = [lam * sum(DF) - (n - 1 + lam) * tr(DF)] / (n (n - 1)) + tr(R^T R) / (2 n)
      = lam * [sum(DF) - tr(DF)] / (n (n - 1)) - tr(DF) / n + tr(R^T R) / (2 n):

the soft inter-community edge density (weight ``lam``, the paper's lambda) is pushed down, the
intra-community edge density up, and ``tr(R^T R) / (2 n) = sum_i ||r_i||^2 / (2 n)`` penalises
confident (one-hot) rows, in [1 / (2K), 1 / 2] for softmax rows. This is the form of
``METHODS.md`` and of the authors' code (``DeCA`` in ``src/model.py``), which agree on the
regulariser ``tr(R^T R)`` (not a norm of ``R^T R``) and on the ``n (n - 1)`` normalisation.

The authors' code builds the dense n x n matrix ``A``. Here the same quantities come from the edge
list, never an n x n matrix:

    sum(DF) = sum_{(u, v) in E} (r_u . 1)(r_v . 1),      tr(DF) = sum_{(u, v) in E} r_u . r_v,

computed as ``s^T (A s)`` and ``sum(R * (A R))`` (``s = R 1``) with ``A X`` gathered and scattered
over blocks of edges, and the gradient ``(A + A^T) X`` the same way (:class:`EdgeSums`): time
O(E K), memory O(n K + chunk K) beyond the edge list.

Which entries ``A`` has (see :class:`DeCA`'s options): each listed pair ``(u, v)`` sets
``A[u, v]``; an undirected graph lists both directions (as PyG stores it), so ``A`` is symmetric
and each undirected edge counts twice, exactly as in the reference. Duplicate pairs count once
(``coalesce=True``: a binary ``A``, as in the code), or as often as listed
(``coalesce=False``: a multigraph, and no sort of the edges). Self-loops ``(i, i)`` are dropped by
default: the densities are over the ``n (n - 1)`` ordered pairs of distinct nodes, which a loop is
not (``self_loops=True`` keeps them as the reference's dense ``A`` does, ``A[i, i] = 1``).
Isolated nodes have no edge but count in ``n`` and in ``tr(R^T R)``.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor, nn
from torch.autograd.function import once_differentiable
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.registry import LOSSES

Similarity = Literal["cosine", "rbf"]


def soft_assignment(
    embeddings: Tensor, centres: Tensor, temperature: float, similarity: Similarity = "cosine"
) -> Tensor:
    """gCooL's soft community assignment ``R``: row-wise softmax of node-centre similarities.

    Both the embeddings and the centres are L2-normalised first (gCooL's projections already are,
    and its code normalises the centres), then

    - ``"cosine"``: ``R_ik = softmax_k(h_i . c_k / T)`` (the code's default, ``cos``);
    - ``"rbf"``: ``R_ik = softmax_k(-||h_i - c_k||^2 / T^2)`` (the code's ``RBF_sim``).

    gCooL's code detaches ``h`` here, so that DeCA trains only the centres; pass
    ``embeddings.detach()`` for that.

    Args:
        embeddings: node embeddings ``h``.
        centres: community centres ``C``, usually an ``nn.Parameter``.
        temperature: ``T > 0``.
        similarity: ``"cosine"`` or ``"rbf"``.

    Shape:
        embeddings (n, D), centres (K, D) -> (n, K), rows summing to 1.

    Raises:
        ValueError: temperature <= 0, an unknown similarity, shapes that do not fit, or
            non-finite inputs.

    Example:
        >>> R = soft_assignment(torch.randn(5, 3), torch.randn(2, 3), temperature=0.5)
        >>> R.shape, bool(torch.allclose(R.sum(1), torch.ones(5)))
        (torch.Size([5, 2]), True)
    """
    checks.positive("temperature", temperature)
    if embeddings.dim() != 2 or centres.dim() != 2 or embeddings.shape[1] != centres.shape[1]:
        raise ValueError(
            f"soft_assignment: embeddings and centres must be (n, D) and (K, D), got "
            f"{tuple(embeddings.shape)} and {tuple(centres.shape)}"
        )
    checks.finite("soft_assignment", embeddings, centres)
    if similarity not in ("cosine", "rbf"):
        raise ValueError(f"similarity must be 'cosine' or 'rbf', got {similarity!r}")
    # h_i . c_k for unit h and c, scaling the (n, K) products rather than copying (n, D) rows
    c = F.normalize(centres, dim=1)
    scale = 1 / embeddings.norm(dim=1, keepdim=True).clamp(min=1e-12)
    products = (embeddings @ c.T) * scale
    if similarity == "cosine":
        return torch.softmax(products / temperature, dim=1)
    # -||h - c||^2 = 2 h . c - 2 on the unit sphere; the constant cancels in the softmax
    return torch.softmax(2 * products / temperature**2, dim=1)


def _spread(x: Tensor, into: Tensor, source: Tensor, chunk: int | None) -> Tensor:
    """Row ``into[e]`` of the result sums ``x[source[e]]``, ``chunk`` edges at a time (no
    autograd). Shape: x (n, F), into and source (E,) -> (n, F)."""
    out = torch.zeros_like(x)
    step = chunk or max(int(source.numel()), 1)
    for start in range(0, source.numel(), step):
        stop = start + step
        out.index_add_(0, into[start:stop], x.index_select(0, source[start:stop]))
    return out


class EdgeSums(torch.autograd.Function):
    """``apply(x, source, target, chunk) -> q`` with ``q_f = sum_e x[source_e, f] x[target_e, f]``,
    i.e. the diagonal of ``x^T A x`` for ``A[u, v] = 1`` per listed edge ``(u, v)``.

    Forward keeps ``A x`` (n x F); backward returns ``g_f ((A + A^T) x)[:, f]``, spreading once
    more over the edges. Nothing of size E x F is kept, and at most ``chunk`` x F is gathered at a
    time.

    Shape:
        x (n, F), source and target (E,) -> q (F,).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, source: Tensor, target: Tensor, chunk: int | None) -> Tensor:
        spread = _spread(x, source, target, chunk)  # (A x)_u = sum_{(u, v)} x_v
        ctx.save_for_backward(x, spread, source, target)
        ctx.chunk = chunk
        return (x * spread).sum(0)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, spread, source, target = ctx.saved_tensors
        both = spread + _spread(x, target, source, ctx.chunk)  # (A + A^T) x
        return both * grad[None, :], None, None, None


def edge_list(
    edge_index: Tensor, num_nodes: int, self_loops: bool = False, coalesce: bool = True
) -> tuple[Tensor, Tensor]:
    """(source, target) of the entries of ``A`` that DeCA counts (see the module docstring).

    Raises:
        ValueError: ``edge_index`` not a (2, E) integer tensor or naming a node outside
            ``0..num_nodes-1``.
    """
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"deca: edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype.is_floating_point or edge_index.dtype == torch.bool:
        raise ValueError(f"deca: edge_index must hold integer node ids, got {edge_index.dtype}")
    edge_index = edge_index.long()
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise ValueError(
            f"deca: edge_index names nodes {int(edge_index.min())}..{int(edge_index.max())}, "
            f"outside 0..{num_nodes - 1} ({num_nodes} nodes)"
        )
    source, target = edge_index[0], edge_index[1]
    if not self_loops:
        keep = source != target
        source, target = source[keep], target[keep]
    if coalesce:
        key = torch.unique(source * num_nodes + target)
        source, target = key // num_nodes, key % num_nodes
    return source, target


@LOSSES.register("deca")
class DeCA(nn.Module):
    """gCooL's dense community aggregation over the edges of one graph.

    ``L = [lam * sum(DF) - (n - 1 + lam) * tr(DF)] / (n (n - 1)) + tr(R^T R) / (2 n)`` with
    ``DF = R^T A R``, computed from the edge list (see the module docstring for the formula, its
    sparse form and what counts as an entry of ``A``).

    Args:
        lam: ``lambda >= 0``, the weight of the inter-community density (gCooL: 0.1 to 1.0).
        self_loops: count listed ``(i, i)`` pairs as ``A[i, i] = 1`` (the reference code's dense
            ``A``); by default they are dropped, the densities being over distinct node pairs.
        coalesce: duplicate pairs count once (binary ``A``, as in the code); False counts each
            listed pair (a multigraph) and skips sorting the edges.
        chunk_size: edges gathered and scattered at a time (peak extra memory
            O(chunk_size * K)); None takes all edges at once.

    Shape:
        assignment (n, K) soft community assignment ``R`` (rows of :func:`soft_assignment`);
        edge_index (2, E) integer node ids, both directions of an undirected edge; num_nodes
        ``n`` (default ``R``'s rows) -> scalar.

    Raises:
        ValueError: lam < 0, chunk_size < 1, fewer than 2 nodes, an assignment that is not a
            finite (n, K) matrix, num_nodes that differs from its rows, or a bad edge_index.

    Example:
        >>> R = torch.softmax(torch.randn(4, 2), dim=1)
        >>> ring = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 0], [1, 0, 2, 1, 3, 2, 0, 3]])
        >>> DeCA(lam=0.9)(R, ring).dim()
        0
    """

    def __init__(
        self,
        lam: float = 1.0,
        self_loops: bool = False,
        coalesce: bool = True,
        chunk_size: int | None = 1 << 20,
    ) -> None:
        super().__init__()
        self.lam = checks.non_negative("lam", lam)
        self.self_loops = self_loops
        self.coalesce = coalesce
        self.chunk_size = checks.chunk(chunk_size)

    def forward(
        self, assignment: Tensor, edge_index: Tensor, num_nodes: int | None = None
    ) -> Tensor:
        n = self._nodes(assignment, num_nodes)
        source, target = edge_list(edge_index, n, self.self_loops, self.coalesce)
        totals = assignment.sum(1, keepdim=True)  # r_u . 1 (1 for softmax rows)
        columns = torch.cat([assignment, totals], dim=1)
        sums: Tensor = EdgeSums.apply(columns, source, target, self.chunk_size)
        intra = sums[:-1].sum()  # tr(DF) = sum_E r_u . r_v
        total = sums[-1]  # sum(DF) = sum_E (r_u . 1)(r_v . 1)
        density = (self.lam * total - (n - 1 + self.lam) * intra) / (n * (n - 1))
        return density + assignment.pow(2).sum() / (2 * n)

    @staticmethod
    def _nodes(assignment: Tensor, num_nodes: int | None) -> int:
        if assignment.dim() != 2 or assignment.shape[1] < 1:
            raise ValueError(
                f"deca: assignment must be an (n, K) matrix, got shape {tuple(assignment.shape)}"
            )
        checks.finite("deca", assignment)
        n = assignment.shape[0]
        if num_nodes is not None and num_nodes != n:
            raise ValueError(f"deca: num_nodes is {num_nodes} but the assignment has {n} rows")
        if n < 2:
            raise ValueError(f"deca needs at least 2 nodes, got {n}")
        return n
