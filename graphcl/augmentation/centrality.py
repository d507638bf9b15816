"""Node centralities for adaptive augmentations (GCA): degree, PageRank and eigenvector centrality.

Everything is vectorised over the whole graph (or the whole ``Batch``): a sparse CSR
matrix-vector product per power iteration, ``bincount``/``index_add_`` for the per-graph sums.
Graphs of a batch never interact: PageRank teleports within each graph and eigenvector
centrality is normalised per graph, so a graph's centralities do not depend on its batch mates.

Zhu et al., "Graph Contrastive Learning with Adaptive Augmentation" (GCA), WWW 2021, Sec. 3.2.

Conventions:

- ``edge_index`` holds directed edges ``src -> dst`` (row 0 -> row 1), as in PyG; an undirected
  graph stores both directions.
- "Undirected version" of a graph (:func:`symmetrize`): every stored edge ``(u, v)`` becomes the
  unordered pair ``{u, v}``; duplicates merge, self-loops stay (once).
- Results are float64 (the power iterations converge to ``tol`` in float64), on the device of
  ``edge_index``.

Example:
    >>> import torch
    >>> path = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # 0 - 1 - 2
    >>> degree(path, 3).tolist()
    [1.0, 2.0, 1.0]
    >>> [round(v, 4) for v in eigenvector(path, 3).tolist()]
    [0.5, 0.7071, 0.5]
"""

from __future__ import annotations

import warnings
from typing import Literal

import torch
from torch import Tensor

from graphcl.augmentation.batch_ops import counts_to_ptr

#: The node centralities an adaptive augmentation can weight by.
CENTRALITIES = ("degree", "pagerank", "evc")

Centrality = Literal["degree", "pagerank", "evc"]
DegreeKind = Literal["in", "out", "total"]


def degree(
    edge_index: Tensor, num_nodes: int, kind: DegreeKind = "in", dtype: torch.dtype = torch.float64
) -> Tensor:
    """Number of edges entering (``"in"``), leaving (``"out"``) or touching (``"total"``, in + out)
    each node; parallel edges count with their multiplicity, a self-loop once in and once out.

    For an undirected graph stored with both directions, in-degree = out-degree = the degree. The
    adaptive views use the in-degree on directed graphs (a node's importance comes from the nodes
    pointing to it, as an edge's comes from the node it points to in GCA).

    Args:
        edge_index: Shape: (2, E).
        num_nodes: N (isolated nodes get 0).
        kind: which edges to count.
        dtype: of the result.

    Returns:
        Shape: (N,).

    Raises:
        ValueError: unknown ``kind``.
    """
    src, dst = edge_index
    if kind == "in":
        count = torch.bincount(dst, minlength=num_nodes)
    elif kind == "out":
        count = torch.bincount(src, minlength=num_nodes)
    elif kind == "total":
        count = torch.bincount(src, minlength=num_nodes) + torch.bincount(dst, minlength=num_nodes)
    else:
        raise ValueError(f"degree kind must be 'in', 'out' or 'total', got {kind!r}")
    return count.to(dtype)


def undirected_pairs(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor, Tensor]:
    """The distinct unordered pairs ``{u, v}`` of ``edge_index``, and the pair of each edge.

    Args:
        edge_index: Shape: (2, E).
        num_nodes: N (``N**2`` must fit in int64).

    Returns:
        ``(low, high, pair_of_edge)``: the pairs' smaller and larger end, sorted by
        ``(low, high)``, Shape: (P,) each; the index of each edge's pair, Shape: (E,).
    """
    src, dst = edge_index
    key = torch.minimum(src, dst) * num_nodes + torch.maximum(src, dst)
    pairs, pair_of_edge = torch.unique(key, return_inverse=True)
    return pairs // num_nodes, pairs % num_nodes, pair_of_edge


def symmetrize(edge_index: Tensor, num_nodes: int) -> Tensor:
    """The undirected version of a graph as directed edges: both directions of every distinct
    pair ``{u, v}`` (self-loops once), without duplicates (PyG's ``to_undirected`` edge set).

    Args:
        edge_index: Shape: (2, E).
        num_nodes: N.

    Returns:
        Shape: (2, E') with E' = 2 * pairs - self-loops.
    """
    low, high, _ = undirected_pairs(edge_index, num_nodes)
    return _both_directions(low, high)


def pagerank(
    edge_index: Tensor,
    num_nodes: int,
    batch: Tensor | None = None,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> Tensor:
    """PageRank of every node, by power iteration on the sparse transition matrix, per graph.

    ``x <- d * (P^T x + dangling_g / n_g) + (1 - d) / n_g`` with ``P[u, v] = m_uv / out(u)``
    (``m_uv`` parallel edges ``u -> v``): a random surfer follows an out-edge with probability
    ``d`` and teleports uniformly within its graph otherwise; from a dangling node (no out-edge)
    it teleports. Each graph's scores sum to 1; for one graph this is networkx's ``pagerank``.
    Stops when every graph's L1 change ``sum_i |x_new - x|`` is below ``tol`` (the error is then
    at most ``tol * d / (1 - d)``).

    Args:
        edge_index: directed edges. Shape: (2, E).
        num_nodes: N.
        batch: graph of each node (None: one graph). Shape: (N,).
        damping: probability ``d`` of following an edge, in [0, 1).
        tol: convergence threshold on the L1 change per graph.
        max_iter: iterations at most (a RuntimeWarning says when they did not suffice).

    Returns:
        Shape: (N,), float64.

    Raises:
        ValueError: ``damping`` outside [0, 1), ``tol <= 0`` or ``max_iter < 1``.
    """
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be in [0, 1), got {damping}")
    _check_iteration(tol, max_iter)
    device = edge_index.device
    if num_nodes == 0:
        return torch.zeros(0, dtype=torch.float64, device=device)
    graph, num_graphs = _graphs(batch, num_nodes, device)
    src, dst = edge_index
    out = torch.bincount(src, minlength=num_nodes).to(torch.float64)
    dangling = (out == 0).to(torch.float64)
    # row v of the transition matrix: the edges entering v
    transition = _csr(dst, src, out.reciprocal().index_select(0, src), num_nodes)
    sizes = torch.bincount(graph, minlength=num_graphs).to(torch.float64)
    teleport = _per_item(sizes.reciprocal(), graph)  # (N,), or (1,) for one graph
    x = teleport.expand(num_nodes).clone()
    err = float("inf")
    for _ in range(max_iter):
        leaked = _per_item(_graph_sum(x * dangling, graph, num_graphs), graph)
        new = damping * (transition @ x + leaked * teleport) + (1.0 - damping) * teleport
        err = float(_graph_sum((new - x).abs(), graph, num_graphs).max())
        x = new
        if err < tol:
            return x
    _warn_unconverged("pagerank", max_iter, err, tol)
    return x


def eigenvector(
    edge_index: Tensor,
    num_nodes: int,
    batch: Tensor | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> Tensor:
    """Eigenvector centrality of the undirected version of the graph (:func:`symmetrize`).

    By power iteration on ``A + I`` (``A`` the 0/1 adjacency matrix of the undirected version;
    the shift keeps the eigenvectors and makes bipartite graphs converge), as networkx does.
    On a connected graph the result is networkx's ``eigenvector_centrality``: the Perron vector of
    ``A``, positive, of unit L2 norm.

    Disconnected graphs (and a batch of graphs) are handled per connected component: power
    iteration on a disconnected graph would converge to zero outside the component with the
    largest eigenvalue (networkx stops early with tiny values there; GCA then clamps them to
    ``1e-8``), so every node outside it would look equally unimportant, whatever its place in
    its own component. Here each component ``c`` gets its own Perron vector, scaled to L2 norm
    ``sqrt(n_c / n_g)`` (``n_g`` the nodes of its graph): the mean squared centrality is
    ``1 / n_g`` in every component, as in a connected graph of ``n_g`` nodes, and a connected
    graph keeps unit norm. An isolated node (a component of one) gets ``sqrt(1 / n_g)``.
    Direction is ignored: on a directed graph, in-edge eigenvector centrality vanishes outside
    the strongly connected components that reach the others (all of a DAG).

    Args:
        edge_index: Shape: (2, E).
        num_nodes: N.
        batch: graph of each node (None: one graph). Shape: (N,).
        tol: convergence threshold on the L1 change of each component's unit vector.
        max_iter: iterations at most (a RuntimeWarning says when they did not suffice).

    Returns:
        Shape: (N,), float64, positive.

    Raises:
        ValueError: ``tol <= 0`` or ``max_iter < 1``.
    """
    _check_iteration(tol, max_iter)
    low, high, _ = undirected_pairs(edge_index, num_nodes)
    return _eigenvector_undirected(low, high, num_nodes, batch, tol, max_iter)


def connected_components(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Connected component of each node (edges taken as undirected), labelled by the smallest
    node id of the component.

    Vectorised hooking and pointer jumping (Shiloach-Vishkin style): every edge hooks the larger
    of its two roots onto the smaller one (``scatter_reduce`` with ``amin``), then pointers are
    jumped to the roots; the number of roots in a component at least halves each round, so the
    rounds are O(log N), each O(E).

    Args:
        edge_index: Shape: (2, E).
        num_nodes: N.

    Returns:
        Shape: (N,), int64.
    """
    src, dst = edge_index
    parent = torch.arange(num_nodes, device=edge_index.device)
    while True:
        root_src, root_dst = parent.index_select(0, src), parent.index_select(0, dst)
        # edges inside an already merged part drop out of the later rounds
        active = (root_src != root_dst).nonzero().squeeze(1)
        if active.numel() == 0:
            return parent
        src, dst = src.index_select(0, active), dst.index_select(0, active)
        root_src, root_dst = root_src.index_select(0, active), root_dst.index_select(0, active)
        parent = parent.scatter_reduce(
            0, torch.maximum(root_src, root_dst), torch.minimum(root_src, root_dst), "amin"
        )
        while True:  # parent[i] <= i always: the chains end at roots
            jumped = parent.index_select(0, parent)
            if torch.equal(jumped, parent):
                break
            parent = jumped


def node_centrality(
    mode: Centrality,
    edge_index: Tensor,
    num_nodes: int,
    batch: Tensor | None = None,
    undirected: bool = True,
) -> Tensor:
    """The centrality ``phi_c`` that GCA weights by, for every node.

    ``undirected=True`` (graphs stored with both directions, or whose direction does not matter)
    computes everything on the undirected version (:func:`symmetrize`): ``degree`` is the number
    of distinct neighbours (a self-loop counts once, as PyG's ``degree(to_undirected(...)[1])``,
    which GCA uses), ``pagerank`` runs on both directions of every pair. ``undirected=False``
    uses the stored directions: ``degree`` is the in-degree, ``pagerank`` the directed PageRank.
    ``evc`` is always on the undirected version (see :func:`eigenvector`).

    Args:
        mode: ``"degree"``, ``"pagerank"`` or ``"evc"``.
        edge_index: Shape: (2, E).
        num_nodes: N.
        batch: graph of each node (None: one graph). Shape: (N,).
        undirected: read the graph as undirected.

    Returns:
        Shape: (N,), float64.

    Raises:
        ValueError: unknown ``mode``.
    """
    _check_centrality(mode)
    if undirected or mode == "evc":
        low, high, _ = undirected_pairs(edge_index, num_nodes)
        return undirected_centrality(mode, low, high, num_nodes, batch)
    if mode == "degree":
        return degree(edge_index, num_nodes, "in")
    return pagerank(edge_index, num_nodes, batch)


def undirected_centrality(
    mode: Centrality, low: Tensor, high: Tensor, num_nodes: int, batch: Tensor | None = None
) -> Tensor:
    """:func:`node_centrality` with ``undirected=True``, from the distinct pairs of the graph
    (:func:`undirected_pairs`), for callers that already have them.

    Args:
        mode: ``"degree"``, ``"pagerank"`` or ``"evc"``.
        low: smaller end of each pair. Shape: (P,).
        high: larger end of each pair. Shape: (P,).
        num_nodes: N.
        batch: graph of each node (None: one graph). Shape: (N,).

    Returns:
        Shape: (N,), float64.
    """
    _check_centrality(mode)
    if mode == "evc":
        return _eigenvector_undirected(low, high, num_nodes, batch, 1e-10, 1000)
    edges = _both_directions(low, high)
    if mode == "degree":
        return degree(edges, num_nodes, "in")
    return pagerank(edges, num_nodes, batch)


def adaptive_weights(score: Tensor, group: Tensor, num_groups: int) -> Tensor:
    """GCA's normalised drop weights from positive importance scores, per group.

    With ``s = log(score)``: ``weight = (s_max - s) / (s_max - mu_s)``, the maximum ``s_max`` and
    mean ``mu_s`` taken over the items of each group (each graph). The most important item gets 0,
    the weights average 1 over a group, and ``min(p * weight, p_tau)`` is then GCA's drop
    probability (Zhu et al. 2021, eq. for ``p^e_uv`` and ``p^f_i``) of mean ``p`` when the cap
    ``p_tau`` does not bind.

    Edge cases: a group whose finite scores are all equal (``s_max == mu_s``, e.g. a regular graph
    for degree) gets weight 1 (uniform dropping) instead of 0/0; a score of 0 (``log = -inf``:
    an importance-free item, e.g. a feature column that is zero in the whole graph) gets weight
    ``inf`` (always at the cap) and is left out of ``s_max`` and ``mu_s``.

    Args:
        score: importance of each item, >= 0. Shape: (M,).
        group: group of each item, in [0, num_groups). Shape: (M,).
        num_groups: G.

    Returns:
        Shape: (M,), float64, >= 0 (``inf`` where ``score == 0``).
    """
    score = score.to(torch.float64)
    finite = score > 0
    s = torch.where(finite, score, torch.ones_like(score)).log()
    lowest = torch.full((num_groups,), -torch.inf, dtype=torch.float64, device=score.device)
    s_max = lowest.scatter_reduce(0, group, torch.where(finite, s, -torch.inf), "amax")
    total = _graph_sum(torch.where(finite, s, torch.zeros_like(s)), group, num_groups)
    count = _graph_sum(finite.to(torch.float64), group, num_groups).clamp(min=1.0)
    spread = s_max - total / count
    flat = spread <= 1e-12 * s_max.abs().clamp(min=1.0)
    spread = torch.where(flat, torch.ones_like(spread), spread)
    weight = (_per_item(s_max, group) - s) / _per_item(spread, group)
    weight = torch.where(_per_item(flat, group), torch.ones_like(weight), weight)
    return torch.where(finite, weight, torch.full_like(weight, torch.inf))


# --- helpers -----------------------------------------------------------------------------------
def _eigenvector_undirected(
    low: Tensor,
    high: Tensor,
    num_nodes: int,
    batch: Tensor | None,
    tol: float,
    max_iter: int,
) -> Tensor:
    """:func:`eigenvector` from the distinct pairs of the undirected version."""
    device = low.device
    if num_nodes == 0:
        return torch.zeros(0, dtype=torch.float64, device=device)
    graph, num_graphs = _graphs(batch, num_nodes, device)
    edges = _both_directions(low, high)
    roots, component = torch.unique(
        connected_components(torch.stack([low, high]), num_nodes), return_inverse=True
    )
    count = roots.numel()
    ones = torch.ones(edges.shape[1], dtype=torch.float64, device=device)
    adjacency = _csr(edges[1], edges[0], ones, num_nodes)
    del edges, ones  # the matrix holds its own copy

    def normalised(v: Tensor) -> Tensor:
        return v / _per_item(_graph_sum(v * v, component, count).sqrt(), component)

    x = normalised(torch.ones(num_nodes, dtype=torch.float64, device=device))
    err = float("inf")
    for _ in range(max_iter):
        new = normalised(x + adjacency @ x)
        err = float(_graph_sum((new - x).abs(), component, count).max())
        x = new
        if err < tol:
            break
    else:
        _warn_unconverged("eigenvector centrality", max_iter, err, tol)
    component_size = torch.bincount(component, minlength=count).to(torch.float64)
    graph_size = torch.bincount(graph, minlength=num_graphs).to(torch.float64)
    return x * (_per_item(component_size, component) / _per_item(graph_size, graph)).sqrt()


def _both_directions(low: Tensor, high: Tensor) -> Tensor:
    """``(low, high)`` and ``(high, low)`` of every pair, self-loops once. Shape: (2, E')."""
    loop = low == high
    if bool(loop.any()):
        keep = (~loop).nonzero().squeeze(1)
        reverse = torch.stack([high.index_select(0, keep), low.index_select(0, keep)])
    else:
        reverse = torch.stack([high, low])
    return torch.cat([torch.stack([low, high]), reverse], 1)


def _csr(rows: Tensor, cols: Tensor, values: Tensor, size: int) -> Tensor:
    """The (size, size) sparse CSR matrix with ``values`` at ``(rows, cols)`` (duplicates add)."""
    order = torch.argsort(rows, stable=True)
    crow = counts_to_ptr(torch.bincount(rows, minlength=size))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Sparse CSR tensor support is in beta.*")
        return torch.sparse_csr_tensor(
            crow,
            cols.index_select(0, order),
            values.index_select(0, order),
            (size, size),
            check_invariants=False,
        )


def _graphs(batch: Tensor | None, num_nodes: int, device: torch.device) -> tuple[Tensor, int]:
    """The graph of each node and the number of graphs (one graph when ``batch`` is None)."""
    if batch is None:
        return torch.zeros(num_nodes, dtype=torch.long, device=device), 1
    return batch.to(device), int(batch.max()) + 1 if batch.numel() else 1


def _per_item(values: Tensor, group: Tensor) -> Tensor:
    """``values[group]``; for a single group, ``values`` itself (Shape: (1,), broadcasting)."""
    return values if values.numel() == 1 else values.index_select(0, group)


def _graph_sum(values: Tensor, group: Tensor, num_groups: int) -> Tensor:
    """Sum of ``values`` over each group. Shape: (M,) -> (num_groups,)."""
    if num_groups == 1:
        return values.sum().reshape(1)
    return values.new_zeros(num_groups).index_add_(0, group, values)


def _check_centrality(mode: str) -> None:
    if mode not in CENTRALITIES:
        raise ValueError(f"centrality must be one of {', '.join(CENTRALITIES)}; got {mode!r}")


def _check_iteration(tol: float, max_iter: int) -> None:
    if tol <= 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")


def _warn_unconverged(what: str, max_iter: int, err: float, tol: float) -> None:
    warnings.warn(
        f"{what} did not converge in {max_iter} iterations (L1 change {err:.2e} > tol {tol:.0e}); "
        "using the last iterate (raise max_iter)",
        RuntimeWarning,
        stacklevel=3,
    )
