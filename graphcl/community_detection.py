"""Community detection as a reusable result: ``graphcl.communities(graph, method=...)``.

- ``louvain``: Louvain modularity maximisation (Blondel et al. 2008) through networkx;
- ``deca``: gCooL's dense community aggregation (Li et al., WWW 2022): K learnable centres, the
  soft assignment of (normalised) node embeddings ``R = softmax(h C^T / T)`` and the DeCA
  objective over the graph's edges (:class:`graphcl.losses.DeCA`, sparse: never an n x n matrix),
  minimised by Adam; each node goes to its most likely community. Embeddings default to the
  graph's node features; pass a trained encoder's embeddings for gCooL's communities.

Both report the modularity of their assignment, computed over the edges in
:func:`modularity`.

Example:
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> two_triangles = torch.tensor([[0, 1, 2, 3, 4, 5, 0], [1, 2, 0, 4, 5, 3, 3]])
    >>> graph = Data(edge_index=torch.cat([two_triangles, two_triangles.flip(0)], 1), num_nodes=6)
    >>> found = communities(graph, method="louvain")
    >>> found.assignment.tolist(), round(found.modularity, 3)
    ([0, 0, 0, 1, 1, 1], 0.357)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn import functional as F
from torch_geometric.data import Data

from graphcl.errors import RecipeError

METHODS = ("louvain", "deca")


@dataclass(frozen=True)
class Communities:
    """A community assignment of a graph's nodes.

    Attributes:
        assignment: community of each node, 0..K-1. Shape: (N,), int64.
        modularity: Newman's modularity Q of the assignment on the (undirected) graph.
        method: how it was found.
    """

    assignment: Tensor
    modularity: float
    method: str

    @property
    def num_communities(self) -> int:
        return int(self.assignment.max()) + 1 if self.assignment.numel() else 0

    def sizes(self) -> Tensor:
        """Nodes per community. Shape: (K,)."""
        return torch.bincount(self.assignment, minlength=self.num_communities)


def _undirected_pairs(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Each undirected edge once (u < v), self-loops and duplicates removed. Shape: (2, M)."""
    low = torch.minimum(edge_index[0], edge_index[1])
    high = torch.maximum(edge_index[0], edge_index[1])
    keep = low != high
    keys = torch.unique(low[keep] * num_nodes + high[keep])
    return torch.stack([keys // num_nodes, keys % num_nodes])


def modularity(edge_index: Tensor, assignment: Tensor, num_nodes: int | None = None) -> float:
    """Newman's modularity ``Q = Σ_c [m_c / m - (d_c / 2m)^2]`` of an assignment on the simple
    undirected graph of ``edge_index`` (m edges, m_c inside community c, d_c its total degree).

    Shape: edge_index (2, E), assignment (N,).
    """
    n = int(num_nodes if num_nodes is not None else assignment.numel())
    pairs = _undirected_pairs(edge_index, n)
    m = pairs.shape[1]
    if m == 0:
        return 0.0
    k = int(assignment.max()) + 1
    inside = assignment[pairs[0]] == assignment[pairs[1]]
    m_c = torch.bincount(assignment[pairs[0]][inside], minlength=k).double()
    degree = torch.bincount(pairs.flatten(), minlength=n).double()
    d_c = torch.zeros(k, dtype=torch.float64).index_add_(0, assignment, degree)
    return float((m_c / m - (d_c / (2 * m)) ** 2).sum())


def _louvain(graph: Data, resolution: float, seed: int) -> Tensor:
    import networkx as nx

    n = int(graph.num_nodes)
    pairs = _undirected_pairs(graph.edge_index, n)
    network = nx.Graph()
    network.add_nodes_from(range(n))
    network.add_edges_from(pairs.T.tolist())
    found = nx.community.louvain_communities(network, resolution=resolution, seed=seed)
    assignment = torch.empty(n, dtype=torch.long)
    for index, members in enumerate(sorted(found, key=min)):
        assignment[list(members)] = index
    return assignment


def _deca(
    graph: Data,
    embeddings: Tensor | None,
    num_communities: int,
    epochs: int,
    lam: float,
    temperature: float,
    seed: int,
) -> Tensor:
    from graphcl.losses import DeCA, soft_assignment

    features = embeddings if embeddings is not None else graph.x
    if features is None or not features.is_floating_point():
        raise RecipeError(
            "communities(method='deca') needs float node embeddings: pass embeddings=... "
            "(e.g. an encoder's node embeddings) or a graph with float features x"
        )
    h = F.normalize(features.detach().float(), dim=1)
    generator = torch.Generator().manual_seed(seed)
    start = h[torch.randperm(h.shape[0], generator=generator)[:num_communities]].clone()
    centres = torch.nn.Parameter(start)
    optimizer = torch.optim.Adam([centres], lr=0.01)
    objective = DeCA(lam=lam)
    for _ in range(epochs):
        optimizer.zero_grad(set_to_none=True)
        loss = objective(soft_assignment(h, centres, temperature), graph.edge_index)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        raw = soft_assignment(h, centres, temperature).argmax(1)
    _, assignment = torch.unique(raw, return_inverse=True)  # communities numbered 0..K'-1
    return assignment


def communities(
    graph: Data,
    method: str = "louvain",
    *,
    num_communities: int = 10,
    embeddings: Tensor | None = None,
    resolution: float = 1.0,
    epochs: int = 200,
    lam: float = 0.9,
    temperature: float = 0.5,
    seed: int = 0,
) -> Communities:
    """Communities of ``graph`` (a PyG ``Data`` with ``edge_index``).

    Args:
        graph: the graph (undirected edges may be stored in one or both directions).
        method: ``louvain`` or ``deca``.
        num_communities: K for ``deca`` (Louvain chooses its own number).
        embeddings: node embeddings for ``deca`` (default: ``graph.x``). Shape: (N, D).
        resolution: Louvain's resolution (larger: more, smaller communities).
        epochs, lam, temperature: DeCA's optimisation steps, λ and assignment temperature.
        seed: seed of Louvain's node order and of DeCA's initial centres.

    Raises:
        RecipeError: an unknown method, or ``deca`` without float embeddings.
    """
    if method == "louvain":
        assignment = _louvain(graph, resolution, seed)
    elif method == "deca":
        assignment = _deca(graph, embeddings, num_communities, epochs, lam, temperature, seed)
    else:
        raise RecipeError(f"community method must be one of {', '.join(METHODS)}, got {method!r}")
    score = modularity(graph.edge_index, assignment, int(graph.num_nodes))
    return Communities(assignment, score, method)
