"""GRACE/GCA node-level views: centralities, edge dropping and feature masking.

Centralities are checked against networkx, adaptive probabilities against slow references written
straight from the GCA formulas (Zhu et al., WWW 2021, Sec. 3.2), and both augmentations against
the augmentation contract on random graphs and batches of several graphs.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data

from graphcl.augmentation.base import Augmentation
from graphcl.augmentation.centrality import (
    adaptive_weights,
    connected_components,
    degree,
    eigenvector,
    node_centrality,
    pagerank,
    symmetrize,
)
from graphcl.augmentation.edge_drop import EdgeDrop, edge_drop_weights
from graphcl.augmentation.feature_mask import FeatureMask, feature_mask_weights

CENTRALITY_MODES = ["degree", "pagerank", "evc"]
FEATURES = 12


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """These graphs are tiny: intra-op threads only add synchronisation (twice slower on a busy
    2-core machine), as for every view."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# --- random graphs ------------------------------------------------------------------------------
def connected_edges(n: int, extra: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """A random spanning tree plus ``extra`` random pairs: distinct pairs, no self-loop."""
    pairs = {(int(rng.integers(i)), i) for i in range(1, n)}
    while len(pairs) < n - 1 + extra and n > 2:
        u, v = sorted(int(a) for a in rng.choice(n, 2, replace=False))
        pairs.add((u, v))
    return sorted(pairs)


def graph(
    n: int, extra: int, seed: int, *, directed: bool = False, features: int = FEATURES
) -> Data:
    """A connected random graph with float ``x`` (no zero entry), node labels ``y``, and edge-level
    ``edge_attr`` and ``edge_weight``; both directions of every pair unless ``directed`` (then
    each pair one way, a third of them both ways)."""
    rng = np.random.default_rng(seed)
    pairs = connected_edges(n, extra, rng)
    edges = []
    for u, v in pairs:
        if directed:
            first, second = (u, v) if rng.random() < 0.5 else (v, u)
            edges.append((first, second))
            if rng.random() < 1 / 3:
                edges.append((second, first))
        else:
            edges += [(u, v), (v, u)]
    edge_index = torch.tensor(edges, dtype=torch.long).T.reshape(2, -1)
    num_edges = edge_index.shape[1]
    return Data(
        x=torch.tensor(rng.random((n, features)) + 0.1, dtype=torch.float32),
        edge_index=edge_index,
        edge_attr=torch.tensor(rng.random((num_edges, 3)), dtype=torch.float32),
        edge_weight=torch.tensor(rng.random(num_edges), dtype=torch.float32),
        y=torch.tensor(rng.integers(0, 5, n)),
        num_nodes=n,
    )


def isolated(features: int = FEATURES) -> Data:
    """One node, no edge."""
    return Data(
        x=torch.full((1, features), 0.5),
        edge_index=torch.zeros(2, 0, dtype=torch.long),
        edge_attr=torch.zeros(0, 3),
        edge_weight=torch.zeros(0),
        y=torch.zeros(1, dtype=torch.long),
        num_nodes=1,
    )


def traced(graphs: list[Data]) -> Batch:
    """The graphs collated, with a global ``edge_id`` to trace the edges of a view back."""
    batch = Batch.from_data_list(graphs)
    batch.edge_id = torch.arange(batch.num_edges)
    batch._slice_dict["edge_id"] = batch._slice_dict["edge_index"]
    batch._inc_dict["edge_id"] = torch.zeros(batch.num_graphs, dtype=torch.long)
    return batch


def several(directed: bool = False) -> Batch:
    """Graphs of different sizes (one without edges), two copies of the same graph."""
    first = graph(30, 25, 0, directed=directed)
    return traced(
        [
            first,
            isolated(),
            graph(12, 4, 1, directed=directed),
            graph(45, 60, 2, directed=directed),
            graph(2, 0, 3, directed=directed),
            first,
        ]
    )


def augmentations() -> list[Augmentation]:
    views: list[Augmentation] = [EdgeDrop(0.3)]
    views += [EdgeDrop(0.3, mode) for mode in CENTRALITY_MODES]
    views += [EdgeDrop(0.3, undirected=False), EdgeDrop(0.3, "pagerank", undirected=False)]
    views += [FeatureMask(0.3)] + [FeatureMask(0.3, mode) for mode in CENTRALITY_MODES]
    views += [FeatureMask(0.3, "degree", binarize=True, undirected=False)]
    return views


AUGMENTATIONS = augmentations()
IDS = [repr(a) for a in AUGMENTATIONS]


def snapshot(batch: Batch) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in batch if torch.is_tensor(value)}


def same_view(first: Batch, second: Batch) -> bool:
    return all(
        torch.equal(value, second[key]) for key, value in first if torch.is_tensor(value)
    ) and set(first.keys()) == set(second.keys())


# --- centralities against networkx -------------------------------------------------------------
def as_tensor(values: dict[int, float], n: int) -> torch.Tensor:
    return torch.tensor([values[i] for i in range(n)], dtype=torch.float64)


def test_degree_matches_networkx() -> None:
    rng = np.random.default_rng(0)
    n = 40
    edges = rng.integers(0, n, (2, 150))  # duplicates and self-loops included
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges.T.tolist())
    edge_index = torch.tensor(edges)
    assert torch.equal(degree(edge_index, n, "in"), as_tensor(dict(g.in_degree()), n))
    assert torch.equal(degree(edge_index, n, "out"), as_tensor(dict(g.out_degree()), n))
    assert torch.equal(degree(edge_index, n, "total"), as_tensor(dict(g.degree()), n))
    with pytest.raises(ValueError, match="degree kind"):
        degree(edge_index, n, "both")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(4))
def test_pagerank_matches_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 50
    edges = rng.integers(0, n - 5, (2, 120))  # the last nodes are isolated: dangling
    edges[0, :10] = edges[1, :10]  # self-loops
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges.T.tolist())
    edge_index = torch.tensor(list(g.edges())).T  # networkx merges duplicates
    expected = as_tensor(nx.pagerank(g, alpha=0.85, tol=1e-14, max_iter=10_000), n)
    got = pagerank(edge_index, n)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-9)
    assert abs(float(got.sum()) - 1.0) < 1e-9
    # parallel edges weigh with their multiplicity (the sparse transition matrix sums them)
    multi = nx.MultiDiGraph(g)
    multi.add_edges_from(list(g.edges())[:20])
    doubled = torch.cat([edge_index, edge_index[:, :20]], 1)
    expected = as_tensor(nx.pagerank(nx.DiGraph(_summed(multi)), tol=1e-14, max_iter=10_000), n)
    torch.testing.assert_close(pagerank(doubled, n), expected, rtol=1e-5, atol=1e-9)


def _summed(multi: nx.MultiDiGraph) -> nx.DiGraph:
    """The multigraph as a weighted digraph (weight = multiplicity)."""
    out = nx.DiGraph()
    out.add_nodes_from(multi.nodes())
    for u, v in multi.edges():
        weight = out.edges[u, v]["weight"] + 1 if out.has_edge(u, v) else 1
        out.add_edge(u, v, weight=weight)
    return out


def test_pagerank_arguments_and_convergence_warning() -> None:
    edge_index = graph(20, 10, 0).edge_index
    with pytest.raises(ValueError, match="damping must be in"):
        pagerank(edge_index, 20, damping=1.0)
    with pytest.raises(ValueError, match="tol must be > 0"):
        pagerank(edge_index, 20, tol=0.0)
    with pytest.warns(RuntimeWarning, match="pagerank did not converge in 2 iterations"):
        pagerank(edge_index, 20, max_iter=2)


@pytest.mark.parametrize("seed", range(4))
def test_eigenvector_matches_networkx_on_connected_graphs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    extra = [0, 5, 40, 200][seed]  # a tree (bipartite) up to a dense graph
    g = nx.Graph(connected_edges(n, extra, rng))
    expected = as_tensor(nx.eigenvector_centrality_numpy(g), n)
    one_way = torch.tensor(list(g.edges())).T  # direction is ignored
    torch.testing.assert_close(eigenvector(one_way, n), expected, rtol=1e-5, atol=1e-7)
    both = torch.cat([one_way, one_way.flip(0)], 1)
    torch.testing.assert_close(eigenvector(both, n), expected, rtol=1e-5, atol=1e-7)


def test_eigenvector_of_a_disconnected_graph_is_per_component() -> None:
    rng = np.random.default_rng(1)
    big = nx.Graph(connected_edges(20, 30, rng))
    triangle = nx.relabel_nodes(nx.cycle_graph(3), {0: 20, 1: 21, 2: 22})
    g = nx.union(big, triangle)
    g.add_node(23)  # isolated
    n = 24
    edge_index = torch.tensor(list(g.edges())).T
    got = eigenvector(edge_index, n)
    for nodes in nx.connected_components(g):
        part = sorted(nodes)
        if len(part) == 1:
            expected = torch.ones(1, dtype=torch.float64)
        else:
            values = nx.eigenvector_centrality_numpy(g.subgraph(part))
            expected = torch.tensor([values[i] for i in part], dtype=torch.float64)
        expected = expected * math.sqrt(len(part) / n)
        torch.testing.assert_close(got[part], expected, rtol=1e-5, atol=1e-7)
    assert (got > 0).all()


def test_connected_components_match_networkx() -> None:
    rng = np.random.default_rng(2)
    n = 300
    edges = rng.integers(0, n, (2, 200))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges.T.tolist())
    labels = connected_components(torch.tensor(edges), n)
    for nodes in nx.connected_components(g):
        part = torch.tensor(sorted(nodes))
        assert (labels[part] == part.min()).all()


def test_symmetrize_is_the_simple_undirected_edge_set() -> None:
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 2, 1]])  # (1,2) twice, self-loop
    pairs = set(map(tuple, symmetrize(edge_index, 4).T.tolist()))
    assert pairs == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)}
    assert symmetrize(edge_index, 4).shape[1] == len(pairs)


@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_centralities_of_a_batch_are_per_graph(mode: str) -> None:
    batch = several()
    got = node_centrality(mode, batch.edge_index, batch.num_nodes, batch.batch)  # type: ignore[arg-type]
    alone = [
        node_centrality(mode, g.edge_index, g.num_nodes)  # type: ignore[arg-type]
        for g in batch.to_data_list()
    ]
    torch.testing.assert_close(got, torch.cat(alone), rtol=1e-6, atol=1e-9)


# --- slow references from the GCA formulas ------------------------------------------------------
def nx_centrality(g: nx.Graph, mode: str) -> dict[int, float]:
    if mode == "degree":
        return dict(g.in_degree()) if g.is_directed() else dict(g.degree())
    if mode == "pagerank":
        return nx.pagerank(g, alpha=0.85, tol=1e-14, max_iter=10_000)
    return nx.eigenvector_centrality_numpy(g.to_undirected() if g.is_directed() else g)


def reference_edge_probabilities(
    data: Data, mode: str, ratio: float, cap: float, undirected: bool
) -> list[float]:
    """GCA, Sec. 3.2.1: ``p_uv = min((s_max - s_uv) / (s_max - mu_s) * p_e, p_tau)``,
    ``s_uv = log w_uv``; ``w_uv = (phi(u) + phi(v)) / 2`` per pair (undirected) or ``phi(v)``."""
    edges = [tuple(e) for e in data.edge_index.T.tolist()]
    g = nx.Graph() if undirected else nx.DiGraph()
    g.add_nodes_from(range(data.num_nodes))
    g.add_edges_from(edges)
    phi = nx_centrality(g, mode)
    if undirected:
        items = sorted({(min(u, v), max(u, v)) for u, v in edges})
        score = {(u, v): math.log((phi[u] + phi[v]) / 2) for u, v in items}
    else:
        items = edges
        score = {(u, v): math.log(phi[v]) for u, v in items}
    values = [score[item] for item in items]
    s_max, mu = max(values), sum(values) / len(values)
    probability = {}
    for item in items:
        weight = (s_max - score[item]) / (s_max - mu) if s_max - mu > 1e-12 else 1.0
        probability[item] = min(weight * ratio, cap)
    if undirected:
        return [probability[(min(u, v), max(u, v))] for u, v in edges]
    return [probability[e] for e in edges]


@pytest.mark.parametrize("undirected", [True, False])
@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_adaptive_edge_probabilities_match_the_reference(mode: str, undirected: bool) -> None:
    graphs = [graph(25, 30, 4, directed=not undirected), graph(16, 6, 5, directed=not undirected)]
    batch = traced([*graphs, graph(3, 0, 6, directed=not undirected)])
    aug = EdgeDrop(0.4, mode, cap=0.7, undirected=undirected)
    got = aug.drop_probability(batch).double()
    expected = []
    for data in batch.to_data_list():
        expected += reference_edge_probabilities(data, mode, 0.4, 0.7, undirected)
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64), atol=2e-6, rtol=0)


def reference_feature_weights(x: np.ndarray, phi: np.ndarray, binarize: bool) -> np.ndarray:
    """GCA, Sec. 3.2.2: ``w_f = sum_i |x_if| phi(i)`` (or ``1[x_if != 0]``), ``s_f = log w_f``,
    weight ``(s_max - s_f) / (s_max - mu_s)``; features with ``w_f = 0``: inf."""
    n, f = x.shape
    total = np.zeros(f)
    for i in range(n):
        for j in range(f):
            value = float(x[i, j] != 0) if binarize else abs(float(x[i, j]))
            total[j] += value * phi[i]
    present = [j for j in range(f) if total[j] > 0]
    scores = {j: math.log(total[j]) for j in present}
    s_max = max(scores.values())
    mu = sum(scores.values()) / len(scores)
    out = np.full(f, np.inf)
    for j in present:
        out[j] = (s_max - scores[j]) / (s_max - mu)
    return out


@pytest.mark.parametrize("binarize", [False, True])
@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_feature_weights_match_a_loop_over_nodes_and_features(mode: str, binarize: bool) -> None:
    data = graph(20, 15, 7)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20, 9)) * (rng.random((20, 9)) < 0.4)  # sparse, signed
    x[:, 4] = 0.0  # a feature absent from the graph: inf
    x[:, 5] = rng.integers(0, 4, 20)  # counts
    g = nx.Graph(data.edge_index.T.tolist())
    phi = np.array([nx_centrality(g, mode)[i] for i in range(20)])
    expected = reference_feature_weights(x, phi, binarize)
    got = feature_mask_weights(
        torch.tensor(x, dtype=torch.float64),
        data.edge_index,
        mode=mode,  # type: ignore[arg-type]
        binarize=binarize,
    )
    torch.testing.assert_close(got[0].double(), torch.tensor(expected), rtol=1e-5, atol=1e-6)
    assert math.isinf(float(got[0, 4]))
    probability = FeatureMask(0.3, mode, binarize=binarize).mask_probability(
        Batch.from_data_list([Data(x=torch.tensor(x).float(), edge_index=data.edge_index)])
    )
    expected_p = np.minimum(0.3 * expected, 0.7)
    torch.testing.assert_close(probability[0].double(), torch.tensor(expected_p), atol=1e-6, rtol=0)


def test_adaptive_weights_edge_cases() -> None:
    group = torch.tensor([0, 0, 0, 1, 1, 2])
    score = torch.tensor([1.0, 4.0, 0.0, 2.0, 2.0, 3.0])  # a zero; a flat group; a singleton
    weights = adaptive_weights(score, group, 3)
    assert weights[1] == 0 and weights[0] == 2 and math.isinf(weights[2])  # mean 1 over finite
    assert weights[3:].tolist() == [1.0, 1.0, 1.0]  # flat groups: uniform


# --- the augmentation contract ------------------------------------------------------------------
@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("aug", AUGMENTATIONS, ids=IDS)
def test_contract(aug: Augmentation, directed: bool) -> None:
    batch = several(directed)
    before = snapshot(batch)
    slices = {key: value.clone() for key, value in batch._slice_dict.items()}
    view = aug(batch, torch.Generator().manual_seed(3))
    # the input is untouched
    assert set(before) == {key for key, value in batch if torch.is_tensor(value)}
    assert all(torch.equal(batch[key], value) for key, value in before.items())
    assert all(torch.equal(batch._slice_dict[key], value) for key, value in slices.items())
    # nodes are never removed; no edge between graphs
    assert torch.equal(view.batch, batch.batch) and torch.equal(view.ptr, batch.ptr)
    assert view.num_graphs == batch.num_graphs
    src, dst = view.edge_index
    assert torch.equal(view.batch[src], view.batch[dst])
    # node attributes kept, edge attributes aligned with the kept edges, in their order
    assert torch.equal(view.y, batch.y)
    ids = view.edge_id
    assert (ids.diff() > 0).all()
    assert torch.equal(view.edge_index, batch.edge_index[:, ids])
    assert torch.equal(view.edge_attr, batch.edge_attr[ids])
    assert torch.equal(view.edge_weight, batch.edge_weight[ids])
    if isinstance(aug, EdgeDrop):
        assert torch.equal(view.x, batch.x)
    else:
        assert view.num_edges == batch.num_edges
        assert ((view.x == batch.x) | (view.x == 0)).all()
    # per-graph slices: the view splits back into its graphs
    graphs = view.to_data_list()
    assert [g.num_nodes for g in graphs] == batch.ptr.diff().tolist()
    assert sum(g.num_edges for g in graphs) == view.num_edges
    for g in graphs:
        assert g.edge_attr.shape[0] == g.num_edges and g.x.shape[0] == g.num_nodes


@pytest.mark.parametrize("aug", AUGMENTATIONS, ids=IDS)
def test_reproducible_from_the_generator(aug: Augmentation) -> None:
    batch = several()
    first = aug(batch, torch.Generator().manual_seed(11))
    again = aug(batch, torch.Generator().manual_seed(11))
    other = aug(batch, torch.Generator().manual_seed(12))
    assert same_view(first, again)
    assert not same_view(first, other)


@pytest.mark.parametrize("aug", AUGMENTATIONS, ids=IDS)
def test_ratio_zero_changes_nothing(aug: Augmentation) -> None:
    batch = several()
    zero = copy.copy(aug)
    zero.ratio = 0.0  # type: ignore[attr-defined]
    view = zero(batch, torch.Generator().manual_seed(0))
    assert same_view(view, batch)
    assert view is not batch and view.x is batch.x  # a new batch, sharing the tensors


@pytest.mark.parametrize("aug", AUGMENTATIONS, ids=IDS)
def test_copies_of_a_graph_get_independent_views(aug: Augmentation) -> None:
    batch = several()  # graphs 0 and 5 are the same graph
    view = aug(batch, torch.Generator().manual_seed(5)).to_data_list()
    if isinstance(aug, EdgeDrop):
        assert not torch.equal(view[0].edge_index, view[5].edge_index)  # local indices
    else:
        assert not torch.equal(view[0].x, view[5].x)


# --- edge dropping --------------------------------------------------------------------------------
def big_graph(n: int = 20_000, pairs: int = 100_000, seed: int = 0) -> Batch:
    generator = torch.Generator().manual_seed(seed)
    src = torch.randint(0, n, (pairs,), generator=generator)
    dst = (src + torch.randint(1, n, (pairs,), generator=generator)) % n  # no self-loop
    key = torch.unique(torch.minimum(src, dst) * n + torch.maximum(src, dst))  # distinct pairs
    src, dst = key // n, key % n
    edge_index = torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])
    return Batch.from_data_list([Data(edge_index=edge_index, num_nodes=n)])


def kept_pairs(view: Batch, num_nodes: int) -> torch.Tensor:
    src, dst = view.edge_index
    return torch.unique(torch.minimum(src, dst) * num_nodes + torch.maximum(src, dst))


@pytest.mark.parametrize("undirected", [True, False])
def test_uniform_drop_rate_is_the_ratio(undirected: bool) -> None:
    batch = big_graph()
    ratio = 0.3
    view = EdgeDrop(ratio, undirected=undirected)(batch, torch.Generator().manual_seed(0))
    if undirected:
        total = kept_pairs(batch, batch.num_nodes).numel()
        kept = kept_pairs(view, batch.num_nodes).numel()
        assert view.num_edges == 2 * kept  # both directions kept or dropped together
    else:
        total, kept = batch.num_edges, view.num_edges
    sigma = math.sqrt(ratio * (1 - ratio) / total)
    assert abs((total - kept) / total - ratio) < 4 * sigma


@pytest.mark.parametrize("mode", ["uniform", *CENTRALITY_MODES])
def test_symmetric_pairs_are_dropped_together(mode: str) -> None:
    batch = several()
    view = EdgeDrop(0.5, mode)(batch, torch.Generator().manual_seed(1))
    kept = set(map(tuple, view.edge_index.T.tolist()))
    assert all((v, u) in kept for u, v in kept)
    assert view.num_edges < batch.num_edges


def test_asymmetric_edge_index_still_works() -> None:
    # pairs stored once, twice, a duplicate edge, a self-loop
    edge_index = torch.tensor(
        [[0, 1, 1, 2, 3, 3, 4, 0, 5, 2], [1, 0, 2, 3, 4, 4, 4, 5, 0, 4]], dtype=torch.long
    )
    data = Data(edge_index=edge_index, num_nodes=6, edge_attr=torch.arange(10.0).unsqueeze(1))
    batch = Batch.from_data_list([data, data])
    n = batch.num_nodes
    for mode in ["uniform", *CENTRALITY_MODES]:
        aug = EdgeDrop(0.5, mode)
        probability = aug.drop_probability(batch)
        key = torch.minimum(*batch.edge_index) * n + torch.maximum(*batch.edge_index)
        for k in key.unique():
            assert probability[key == k].unique().numel() == 1  # one probability per pair
        for seed in range(5):
            view = aug(batch, torch.Generator().manual_seed(seed))
            view_key = torch.minimum(*view.edge_index) * n + torch.maximum(*view.edge_index)
            # a pair is kept with all its stored edges, or dropped with all of them
            assert torch.equal(torch.isin(key, view_key).sum(), torch.tensor(view_key.numel()))
            assert torch.equal(view.edge_attr, batch.edge_attr[torch.isin(key, view_key)])


def scale_free(n: int = 3000, seed: int = 0) -> Batch:
    g = nx.barabasi_albert_graph(n, 3, seed=seed)
    edge_index = torch.tensor(list(g.edges())).T
    edge_index = torch.cat([edge_index, edge_index.flip(0)], 1)
    return Batch.from_data_list([Data(edge_index=edge_index, num_nodes=n)])


@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_cap_holds(mode: str) -> None:
    batch = scale_free()
    probability = EdgeDrop(0.6, mode, cap=0.7).drop_probability(batch)
    assert float(probability.max()) == pytest.approx(0.7)
    assert (probability <= 0.7 + 1e-7).all()
    assert (probability == 0.0).any()  # the most central pair is never dropped


@pytest.mark.parametrize("undirected", [True, False])
@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_mean_drop_probability_is_the_ratio(mode: str, undirected: bool) -> None:
    batch = several(directed=not undirected)
    ratio = 0.04  # weights stay below 0.7 / 0.04: the cap does not bind
    aug = EdgeDrop(ratio, mode, undirected=undirected)
    probability = aug.drop_probability(batch)
    assert float(probability.max()) < 0.7
    src, dst = batch.edge_index
    graph_of_edge = batch.batch[src]
    for g in graph_of_edge.unique().tolist():
        mine = graph_of_edge == g
        if undirected:  # the mean over pairs: each stored twice
            mine = mine & (src < dst)
        assert float(probability[mine].double().mean()) == pytest.approx(ratio, abs=1e-6)


@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_adaptive_drop_rate_follows_the_probabilities(mode: str) -> None:
    batch = scale_free(4000, seed=1)
    aug = EdgeDrop(0.3, mode)
    n = batch.num_nodes
    src, dst = batch.edge_index
    forward = src < dst
    probability = aug.drop_probability(batch)[forward].double()
    view = aug(batch, torch.Generator().manual_seed(2))
    dropped = forward.sum() - kept_pairs(view, n).numel()
    expected = float(probability.sum())
    sigma = math.sqrt(float((probability * (1 - probability)).sum()))
    assert abs(float(dropped) - expected) < 4 * sigma
    # central pairs are dropped less often than peripheral ones
    key = torch.minimum(src, dst) * n + torch.maximum(src, dst)
    survived = torch.isin(key[forward], kept_pairs(view, n)).double()
    low = probability < probability.median()
    assert survived[low].mean() > survived[~low].mean()


@pytest.mark.parametrize("undirected", [True, False])
@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_edge_weights_are_normalised_per_graph(mode: str, undirected: bool) -> None:
    batch = several(directed=not undirected)
    got = edge_drop_weights(batch.edge_index, batch.num_nodes, batch.batch, mode, undirected)  # type: ignore[arg-type]
    alone = [
        edge_drop_weights(g.edge_index, g.num_nodes, None, mode, undirected)  # type: ignore[arg-type]
        for g in batch.to_data_list()
    ]
    torch.testing.assert_close(got, torch.cat(alone), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("aug", [EdgeDrop(0.3, "pagerank"), FeatureMask(0.3, "evc")], ids=repr)
def test_precomputed_weights_give_the_same_views(aug: EdgeDrop | FeatureMask) -> None:
    batch = several()
    graphs = batch.to_data_list()
    precomputed = Batch.from_data_list([aug.precompute(g) for g in graphs])
    on_batch = aug.precompute(batch)
    assert aug.weight_key not in batch  # the input is left alone
    torch.testing.assert_close(precomputed[aug.weight_key], on_batch[aug.weight_key])
    generator = torch.Generator()
    fresh = aug(batch, generator.manual_seed(4))
    for cached in (precomputed, on_batch):
        view = aug(cached, generator.manual_seed(4))
        assert torch.equal(view.edge_index, fresh.edge_index) and torch.equal(view.x, fresh.x)
        assert aug.weight_key in view
        assert len(view.to_data_list()) == batch.num_graphs  # the slices know the attribute
    # the cached weights are what the view uses: nothing is recomputed
    if isinstance(aug, EdgeDrop):
        on_batch[aug.weight_key] = torch.full((batch.num_edges,), 2.0)
        assert torch.allclose(aug.drop_probability(on_batch), torch.tensor(0.6))
        on_batch[aug.weight_key] = torch.full((batch.num_edges,), 5.0)
        assert torch.allclose(aug.drop_probability(on_batch), torch.tensor(0.7))  # the cap
    else:
        on_batch[aug.weight_key] = torch.full((batch.num_graphs, FEATURES), 2.0)
        assert torch.allclose(aug.mask_probability(on_batch), torch.tensor(0.6))


def test_uniform_precompute_stores_nothing() -> None:
    data = graph(10, 5, 0)
    assert set(EdgeDrop(0.2).precompute(data).keys()) == set(data.keys())
    assert set(FeatureMask(0.2).precompute(data).keys()) == set(data.keys())


# --- feature masking ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["uniform", *CENTRALITY_MODES])
def test_feature_mask_zeros_whole_columns_per_graph(mode: str) -> None:
    batch = several()
    view = FeatureMask(0.4, mode)(batch, torch.Generator().manual_seed(8))
    masks = []
    for before, after in zip(batch.to_data_list(), view.to_data_list(), strict=True):
        zero = after.x == 0
        column = zero.all(0)
        assert torch.equal(zero, column.expand_as(zero))  # whole columns, nothing else
        assert torch.equal(after.x[:, ~column], before.x[:, ~column])
        masks.append(column)
    assert not torch.equal(masks[0], masks[5])  # two copies of a graph: two masks


def test_uniform_feature_mask_rate() -> None:
    batch = Batch.from_data_list([graph(5, 2, s, features=64) for s in range(100)])
    ratio = 0.25
    view = FeatureMask(ratio)(batch, torch.Generator().manual_seed(0))
    masked = torch.stack([(g.x == 0).all(0) for g in view.to_data_list()])
    sigma = math.sqrt(ratio * (1 - ratio) / masked.numel())
    assert abs(float(masked.double().mean()) - ratio) < 4 * sigma
    # one large graph: one mask for all its nodes (GRACE)
    single = Batch.from_data_list([graph(300, 300, 0, features=64)])
    view = FeatureMask(ratio)(single, torch.Generator().manual_seed(1))
    zero = view.x == 0
    assert torch.equal(zero, zero.all(0).expand_as(zero)) and zero.any()


@pytest.mark.parametrize("mode", CENTRALITY_MODES)
def test_feature_weights_are_per_graph(mode: str) -> None:
    batch = several()
    got = feature_mask_weights(batch.x, batch.edge_index, batch.batch, mode)  # type: ignore[arg-type]
    alone = [
        feature_mask_weights(g.x, g.edge_index, None, mode)  # type: ignore[arg-type]
        for g in batch.to_data_list()
    ]
    torch.testing.assert_close(got, torch.cat(alone), rtol=1e-5, atol=1e-6)
    assert got.shape == (batch.num_graphs, FEATURES)
    probability = FeatureMask(0.05, mode).mask_probability(batch)
    finite = torch.isfinite(got)
    assert float(probability.max()) < 0.7
    means = (probability * finite).sum(1) / finite.sum(1)
    assert torch.allclose(means[finite.all(1)], torch.tensor(0.05), atol=1e-6)


def test_feature_mask_needs_float_features() -> None:
    batch = several()
    batch.x = batch.x.long()
    with pytest.raises(ValueError, match=r"floating-point node features, x is torch.int64"):
        FeatureMask(0.3)(batch)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="mode must be one of uniform, degree, pagerank, evc"):
        EdgeDrop(0.3, "pr")
    with pytest.raises(ValueError, match="mode must be one of"):
        FeatureMask(0.3, "betweenness")
    with pytest.raises(ValueError, match=r"cap must be in \(0, 1\]"):
        EdgeDrop(0.3, "degree", cap=0.0)
    with pytest.raises(ValueError, match="ratio must be in"):
        FeatureMask(1.0)


@pytest.mark.gpu
@pytest.mark.parametrize("aug", AUGMENTATIONS, ids=IDS)
def test_on_cuda(aug: Augmentation) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    batch = several()
    on_gpu = aug(batch.to("cuda"), torch.Generator(device="cuda").manual_seed(0))
    assert on_gpu.x.is_cuda and on_gpu.edge_index.is_cuda
    src, dst = on_gpu.edge_index
    assert torch.equal(on_gpu.batch[src], on_gpu.batch[dst])
    assert torch.equal(on_gpu.edge_attr.cpu(), batch.edge_attr[on_gpu.edge_id.cpu()])
    if isinstance(aug, EdgeDrop):
        torch.testing.assert_close(
            aug.drop_probability(batch.to("cuda")).cpu(), aug.drop_probability(batch)
        )
    elif aug.mode != "uniform":  # type: ignore[attr-defined]
        torch.testing.assert_close(
            aug.mask_probability(batch.to("cuda")).cpu(),  # type: ignore[attr-defined]
            aug.mask_probability(batch),  # type: ignore[attr-defined]
        )


def test_pair_grouping_is_remembered_for_the_same_edge_index_only() -> None:
    from graphcl.augmentation import edge_drop

    batch = big_graph(2000, 5000)
    first = edge_drop._cached_pairs(batch.edge_index, batch.num_nodes)
    assert edge_drop._cached_pairs(batch.edge_index, batch.num_nodes) is first
    assert edge_drop._cached_pairs(batch.edge_index.clone(), batch.num_nodes) is not first
    edge_index = batch.edge_index.clone()
    cached = edge_drop._cached_pairs(edge_index, batch.num_nodes)
    edge_index[1, 0] = edge_index[0, 0]  # modified in place: regrouped
    again = edge_drop._cached_pairs(edge_index, batch.num_nodes)
    assert again is not cached and again[0].numel() == cached[0].numel() + 1
    del edge_index, cached, again
    assert edge_drop._last_pairs is None  # forgotten with its tensor
    view = EdgeDrop(0.3)(batch, torch.Generator().manual_seed(0))
    assert same_view(view, EdgeDrop(0.3)(batch, torch.Generator().manual_seed(0)))
