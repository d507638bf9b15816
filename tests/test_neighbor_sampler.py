"""Neighbour sampling on one large graph: CSR, sampler, node and link loaders, HeteroData.

The sampler is checked against a slow, obviously correct Python reference (per-node loops over
adjacency lists) on small random graphs with isolated nodes, duplicate edges and self-loops;
uniformity is checked with chi-square statistics on many disjoint stars.
"""

from __future__ import annotations

import importlib
import math
import pickle
from collections import Counter, defaultdict
from itertools import combinations

import pytest
import torch
from scipy import stats
from torch import Tensor
from torch_geometric.data import Data, HeteroData

from graphcl.data.sampling import (
    CSRGraph,
    GraphLayout,
    LinkNeighborLoader,
    NeighborLoader,
    SampledSubgraph,
    fanout_table,
    sample_neighbors,
)


# --- small graphs ------------------------------------------------------------------------------
def random_graph(seed: int, num_nodes: int = 60, num_edges: int = 300) -> Tensor:
    """Directed edges among the first 50 nodes (the rest isolated), with duplicates, self-loops
    and a hub (node 0, ~40 extra in-edges) so that fanouts hit every sampling path."""
    g = torch.Generator().manual_seed(seed)
    touched = min(50, num_nodes)
    edges = torch.randint(0, touched, (2, num_edges), generator=g)
    duplicates = edges[:, :20]
    loops = torch.arange(5).repeat(2, 1)
    hub = torch.stack([torch.randint(0, touched, (40,), generator=g), torch.zeros(40).long()])
    edge_index = torch.cat([edges, duplicates, loops, hub], dim=1)
    return edge_index[:, torch.randperm(edge_index.size(1), generator=g)]


def in_neighbours(edge_index: Tensor, num_nodes: int) -> dict[int, list[tuple[int, int]]]:
    """Reference adjacency: target -> [(source, edge id)] in edge id order."""
    table: dict[int, list[tuple[int, int]]] = {v: [] for v in range(num_nodes)}
    for e, (u, v) in enumerate(edge_index.T.tolist()):
        table[v].append((u, e))
    return table


def reference_full(
    edge_index: Tensor, num_nodes: int, seeds: list[int], hops: int
) -> tuple[list[int], list[int]]:
    """Slow BFS of the k-hop in-neighbourhood (fanouts all -1): nodes in discovery order and
    edge ids in sampling order (frontier order, then edge id)."""
    table = in_neighbours(edge_index, num_nodes)
    nodes, seen, edges = list(seeds), set(seeds), []
    frontier = list(seeds)
    for _ in range(hops):
        new = []
        for v in frontier:
            for u, e in table[v]:
                edges.append(e)
                if u not in seen:
                    seen.add(u)
                    new.append(u)
        nodes += new
        frontier = new
    return nodes, edges


def check_subgraph(
    sub: SampledSubgraph,
    edge_index: Tensor,
    edge_type: Tensor,
    seeds: Tensor,
    table: Tensor,
    replace: bool = False,
) -> None:
    """Every property a sampled subgraph must have, checked with Python loops.

    ``edge_index`` are all edges in global (homogeneous) ids, ``edge_type`` their relation and
    ``table`` the (hops, relations) fanouts.
    """
    nodes = sub.node_ids.tolist()
    assert len(set(nodes)) == len(nodes), "node ids repeat"
    assert nodes[: seeds.numel()] == seeds.tolist(), "seeds are not first, in order"
    assert sub.batch_size == seeds.numel()
    assert sum(sub.num_sampled_nodes) == len(nodes)
    assert sum(sub.num_sampled_edges) == sub.num_edges == sub.edge_index.size(1)
    assert len(sub.num_sampled_nodes) == table.size(0) + 1
    # local edges agree with node ids and map back to the original (src, dst) of each edge id
    glob = sub.node_ids[sub.edge_index]
    assert torch.equal(glob, edge_index[:, sub.edge_ids]), "edge ids do not match the edges"
    degree: Counter[tuple[int, int]] = Counter(
        zip(edge_index[1].tolist(), edge_type.tolist(), strict=True)
    )
    seen = set(nodes[: seeds.numel()])
    node_lo, edge_lo = 0, 0
    for hop in range(table.size(0)):
        frontier = nodes[node_lo : node_lo + sub.num_sampled_nodes[hop]]
        count = sub.num_sampled_edges[hop]
        hop_edges = sub.edge_ids[edge_lo : edge_lo + count].tolist()
        hop_local = sub.edge_index[:, edge_lo : edge_lo + count]
        targets = [nodes[i] for i in hop_local[1].tolist()]
        assert set(targets) <= set(frontier), "an edge ends outside the frontier"
        per_segment: dict[tuple[int, int], list[int]] = defaultdict(list)
        for e, v in zip(hop_edges, targets, strict=True):
            per_segment[v, int(edge_type[e])].append(e)
        for v in frontier:
            for r in range(table.size(1)):
                k, d = int(table[hop, r]), degree[v, r]
                want = d if k < 0 else (k if replace and d > 0 else min(k, d))
                got = per_segment.get((v, r), [])
                assert len(got) == want, (hop, v, r, k, d, got)
                if not replace:
                    assert len(set(got)) == len(got), "an edge drawn twice"
        # the nodes added at this hop: new sources, in order of first appearance
        new = []
        for u in [nodes[i] for i in hop_local[0].tolist()]:
            if u not in seen:
                seen.add(u)
                new.append(u)
        node_lo += sub.num_sampled_nodes[hop]
        assert nodes[node_lo : node_lo + sub.num_sampled_nodes[hop + 1]] == new
        edge_lo += count
    assert node_lo + sub.num_sampled_nodes[-1] == len(nodes)


# --- CSR ---------------------------------------------------------------------------------------
def test_csr_matches_adjacency_lists() -> None:
    edge_index = random_graph(0)
    csr = CSRGraph.from_edge_index(edge_index, 60)
    table = in_neighbours(edge_index, 60)
    assert csr.rowptr.numel() == 61 and csr.num_edges == edge_index.size(1)
    for v in range(60):
        lo, hi = int(csr.rowptr[v]), int(csr.rowptr[v + 1])
        assert (
            list(zip(csr.col[lo:hi].tolist(), csr.edge_ids[lo:hi].tolist(), strict=True))
            == (table[v])
        )
    assert torch.equal(csr.in_degree(), torch.bincount(edge_index[1], minlength=60))
    assert torch.equal(torch.sort(csr.edge_ids).values, torch.arange(edge_index.size(1)))
    again = pickle.loads(pickle.dumps(csr))
    assert torch.equal(again.col, csr.col)
    sample_neighbors(again, torch.tensor([0, 1]), [3])


@pytest.mark.parametrize(
    ("edge_index", "message"),
    [
        (torch.zeros(3, 4, dtype=torch.long), "shape"),
        (torch.zeros(2, 4), "integer"),
        (torch.tensor([[0, 1], [1, 9]]), "only 5 nodes"),
        (torch.tensor([[0, -1], [1, 2]]), "only 5 nodes"),
    ],
)
def test_csr_rejects_bad_edges(edge_index: Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CSRGraph.from_edge_index(edge_index, 5)


def test_empty_graph_and_empty_seeds() -> None:
    csr = CSRGraph.from_edge_index(torch.empty(2, 0, dtype=torch.long), 4)
    sub = sample_neighbors(csr, torch.tensor([2, 0]), [5, 5])
    assert sub.node_ids.tolist() == [2, 0] and sub.num_edges == 0
    assert sub.num_sampled_nodes == [2, 0, 0] and sub.num_sampled_edges == [0, 0]
    none = sample_neighbors(csr, torch.empty(0, dtype=torch.long), [5])
    assert none.num_nodes == 0 and none.edge_index.shape == (2, 0)


# --- the sampler against the reference ---------------------------------------------------------
@pytest.mark.parametrize("graph_seed", range(4))
@pytest.mark.parametrize("fanouts", [[3, 2], [1, 4, 2], [25, 5], [0, 3], [50, 50, 50]])
def test_sampled_subgraph_properties(graph_seed: int, fanouts: list[int]) -> None:
    edge_index = random_graph(graph_seed)
    csr = CSRGraph.from_edge_index(edge_index, 60)
    layout = csr.layout
    g = torch.Generator().manual_seed(graph_seed)
    seeds = torch.tensor([0, 55, 7, 3, 41])  # hub, isolated node, ordinary nodes
    for replace in (False, True):
        sub = sample_neighbors(csr, seeds, fanouts, generator=g, replace=replace)
        check_subgraph(
            sub,
            edge_index,
            torch.zeros(edge_index.size(1), dtype=torch.long),
            seeds,
            fanout_table(layout, fanouts),
            replace=replace,
        )


@pytest.mark.parametrize("graph_seed", range(3))
@pytest.mark.parametrize("hops", [1, 2, 3])
def test_all_neighbours_is_the_reference_bfs(graph_seed: int, hops: int) -> None:
    edge_index = random_graph(graph_seed)
    csr = CSRGraph.from_edge_index(edge_index, 60)
    seeds = [9, 0, 58, 12]
    nodes, edges = reference_full(edge_index, 60, seeds, hops)
    sub = sample_neighbors(csr, torch.tensor(seeds), [-1] * hops, torch.Generator())
    assert sub.node_ids.tolist() == nodes
    assert sub.edge_ids.tolist() == edges
    # -1 mixed with a fanout larger than any degree gives the same
    big = sample_neighbors(csr, torch.tensor(seeds), [1000] * hops)
    assert big.node_ids.tolist() == nodes and big.edge_ids.tolist() == edges


def test_seed_errors() -> None:
    csr = CSRGraph.from_edge_index(random_graph(0), 60)
    with pytest.raises(ValueError, match="distinct"):
        sample_neighbors(csr, torch.tensor([1, 2, 1]), [2])
    with pytest.raises(ValueError, match=r"\[0, 60\)"):
        sample_neighbors(csr, torch.tensor([60]), [2])
    with pytest.raises(ValueError, match="integer"):
        sample_neighbors(csr, torch.tensor([1.0]), [2])
    with pytest.raises(ValueError, match=">= 0, or -1"):
        sample_neighbors(csr, torch.tensor([1]), [-2])
    # the scratch map is left clean after a failure
    sub = sample_neighbors(csr, torch.tensor([1, 2]), [-1])
    check_subgraph(
        sub,
        csr.layout.global_edge_index(Data(edge_index=random_graph(0), num_nodes=60)),
        torch.zeros(random_graph(0).size(1), dtype=torch.long),
        torch.tensor([1, 2]),
        fanout_table(csr.layout, [-1]),
    )


def test_reproducible_from_generator() -> None:
    csr = CSRGraph.from_edge_index(random_graph(1), 60)
    seeds = torch.tensor([0, 4, 8])

    def draw(seed: int) -> SampledSubgraph:
        return sample_neighbors(csr, seeds, [4, 3], torch.Generator().manual_seed(seed))

    a, b, c = draw(5), draw(5), draw(6)
    assert torch.equal(a.node_ids, b.node_ids) and torch.equal(a.edge_ids, b.edge_ids)
    assert not torch.equal(a.edge_ids, c.edge_ids)


# --- uniformity ----------------------------------------------------------------------------------
def stars(num_stars: int, degree: int) -> tuple[CSRGraph, Tensor]:
    """Disjoint stars: centre s * (degree + 1) gets one in-edge from each of its leaves; edge
    ``s * degree + j`` comes from leaf ``j``."""
    centre = torch.arange(num_stars) * (degree + 1)
    leaves = centre.view(-1, 1) + 1 + torch.arange(degree)
    edge_index = torch.stack([leaves.reshape(-1), centre.repeat_interleave(degree)])
    return CSRGraph.from_edge_index(edge_index, num_stars * (degree + 1)), centre


@pytest.mark.parametrize(("degree", "fanout"), [(20, 5), (20, 15), (200, 10), (9, 8)])
def test_each_neighbour_equally_likely(degree: int, fanout: int) -> None:
    num_stars = 3000 if degree < 100 else 400
    csr, centres = stars(num_stars, degree)
    sub = sample_neighbors(csr, centres, [fanout], torch.Generator().manual_seed(degree + fanout))
    assert sub.num_edges == num_stars * fanout
    counts = torch.bincount(sub.edge_ids % degree, minlength=degree).double()
    p = fanout / degree
    expected = num_stars * p
    statistic = float((((counts - expected) ** 2) / (num_stars * p * (1 - p))).sum())
    assert statistic < stats.chi2.ppf(0.9999, degree - 1), (statistic, counts.tolist())


@pytest.mark.parametrize(("degree", "fanout"), [(4, 2), (5, 3), (6, 1), (7, 4)])
def test_every_subset_equally_likely(degree: int, fanout: int) -> None:
    num_stars = 6000
    csr, centres = stars(num_stars, degree)
    sub = sample_neighbors(csr, centres, [fanout], torch.Generator().manual_seed(degree))
    star = sub.edge_ids // degree
    order = torch.argsort(star * degree + sub.edge_ids % degree)
    picks = (sub.edge_ids[order] % degree).view(num_stars, fanout).tolist()
    subsets = Counter(tuple(p) for p in picks)
    possible = list(combinations(range(degree), fanout))
    assert set(subsets) <= set(possible)
    observed = [subsets[s] for s in possible]
    assert stats.chisquare(observed).pvalue > 1e-4, observed


# --- loaders, homogeneous ------------------------------------------------------------------------
def attributed_graph() -> Data:
    edge_index = random_graph(3, num_nodes=60)
    g = torch.Generator().manual_seed(0)
    return Data(
        x=torch.randn(60, 5, generator=g),
        y=torch.arange(60),
        train_mask=torch.arange(60) % 3 == 0,
        edge_index=edge_index,
        edge_attr=torch.randn(edge_index.size(1), 3, generator=g),
        edge_weight=torch.rand(edge_index.size(1), generator=g),
        graph_feature=torch.ones(1, 7),
        name="toy",
    )


def check_attributes(batch: Data, data: Data) -> None:
    assert torch.equal(batch.x, data.x[batch.n_id])
    assert torch.equal(batch.y, data.y[batch.n_id])
    assert torch.equal(batch.train_mask, data.train_mask[batch.n_id])
    assert torch.equal(batch.edge_attr, data.edge_attr[batch.e_id])
    assert torch.equal(batch.edge_weight, data.edge_weight[batch.e_id])
    assert torch.equal(batch.graph_feature, data.graph_feature) and batch.name == "toy"
    assert torch.equal(batch.n_id[batch.edge_index], data.edge_index[:, batch.e_id])
    assert batch.num_nodes == batch.n_id.numel()


def test_neighbor_loader_covers_inputs_once_and_gathers_attributes() -> None:
    data = attributed_graph()
    mask = torch.arange(60) % 4 != 1
    loader = NeighborLoader(data, fanouts=(4, 3), batch_size=8, input_nodes=mask, seed=1)
    assert len(loader) == math.ceil(int(mask.sum()) / 8)
    for _ in range(2):
        seen = []
        for batch in loader:
            check_attributes(batch, data)
            seeds = batch.n_id[: batch.batch_size]
            assert torch.equal(seeds, loader.input_nodes[batch.input_id])
            assert batch.num_sampled_nodes[0] == batch.batch_size
            seen += seeds.tolist()
        assert sorted(seen) == mask.nonzero().view(-1).tolist()


def test_loader_epochs_are_seeded() -> None:
    data = attributed_graph()

    def epoch_batches(loader: NeighborLoader) -> list[list[int]]:
        return [batch.n_id.tolist() for batch in loader]

    loader = NeighborLoader(data, fanouts=(3, 3), batch_size=16, seed=7)
    first, second = epoch_batches(loader), epoch_batches(loader)
    assert first != second
    loader.set_epoch(0)
    assert epoch_batches(loader) == first
    other = NeighborLoader(data, fanouts=(3, 3), batch_size=16, seed=7)
    assert epoch_batches(other) == first
    assert epoch_batches(NeighborLoader(data, fanouts=(3, 3), batch_size=16, seed=8)) != first
    ordered = NeighborLoader(data, fanouts=(3,), batch_size=16, shuffle=False, drop_last=True)
    batches = list(ordered)
    assert len(batches) == len(ordered) == 3
    assert batches[0].n_id[:16].tolist() == list(range(16))
    g = torch.Generator().manual_seed(3)
    given = NeighborLoader(data, fanouts=(3,), batch_size=16, generator=g)
    assert epoch_batches(given) != epoch_batches(given)


def test_full_batch_fallback() -> None:
    data = attributed_graph()
    whole = list(NeighborLoader(data, fanouts=(-1, -1), batch_size=100, seed=0))
    assert len(whole) == 1
    batch = whole[0]
    check_attributes(batch, data)
    assert batch.num_nodes == 60 and batch.e_id.tolist() == list(range(data.num_edges))
    assert sorted(batch.n_id[: batch.batch_size].tolist()) == list(range(60))
    sampled = next(iter(NeighborLoader(data, (-1, -1), batch_size=100, seed=0, full_batch=False)))
    assert torch.equal(sampled.n_id[:60], batch.n_id[:60])  # same shuffle of the seeds
    assert sorted(sampled.e_id.tolist()) == list(range(data.num_edges))
    # a subset of seeds: the whole graph, seeds first
    subset = NeighborLoader(data, (-1,), batch_size=100, input_nodes=torch.tensor([5, 2]))
    batch = next(iter(subset))
    assert batch.num_nodes == 60 and sorted(batch.n_id[:2].tolist()) == [2, 5]
    check_attributes(batch, data)


def test_link_loader_covers_labelled_edges_once() -> None:
    data = attributed_graph()
    g = torch.Generator().manual_seed(2)
    label_index = torch.randint(0, 60, (2, 45), generator=g)
    label = torch.randint(0, 3, (45,), generator=g)
    loader = LinkNeighborLoader(
        data, label_index, label, fanouts=(3, 2), batch_size=10, seed=0, shuffle=True
    )
    assert len(loader) == 5
    seen = []
    for batch in loader:
        check_attributes(batch, data)
        b = batch.input_id.numel()
        assert torch.equal(batch.n_id[batch.edge_label_index], label_index[:, batch.input_id])
        assert torch.equal(batch.edge_label, label[batch.input_id])
        endpoints = torch.unique(label_index[:, batch.input_id])
        assert batch.batch_size == endpoints.numel() <= 2 * b
        assert torch.equal(batch.n_id[: batch.batch_size], endpoints)
        seen += batch.input_id.tolist()
    assert sorted(seen) == list(range(45))


def test_link_loader_negatives_and_defaults() -> None:
    data = attributed_graph()
    loader = LinkNeighborLoader(data, fanouts=(2,), batch_size=20, neg_sampling_ratio=1.5, seed=0)
    batch = next(iter(loader))
    assert batch.edge_label_index.shape == (2, 20 + 30)
    assert batch.edge_label.tolist() == [1.0] * 20 + [0.0] * 30
    assert torch.equal(
        batch.n_id[batch.edge_label_index[:, :20]], data.edge_index[:, batch.input_id]
    )
    assert int(batch.edge_label_index.max()) < batch.batch_size  # every endpoint is a seed
    classes = torch.randint(0, 4, (data.num_edges,))
    labelled = LinkNeighborLoader(data, None, classes, (2,), batch_size=8, neg_sampling_ratio=1)
    batch = next(iter(labelled))
    assert batch.edge_label.tolist() == (classes[batch.input_id] + 1).tolist() + [0] * 8
    with pytest.raises(ValueError, match="integer class labels"):
        LinkNeighborLoader(data, None, classes.float(), (2,), neg_sampling_ratio=1)
    with pytest.raises(ValueError, match="neg_sampling_ratio"):
        LinkNeighborLoader(data, fanouts=(2,), neg_sampling_ratio=-1)
    with pytest.raises(ValueError, match="outside"):
        LinkNeighborLoader(data, torch.tensor([[0], [60]]), fanouts=(2,))
    with pytest.raises(ValueError, match="rows for"):
        LinkNeighborLoader(data, torch.tensor([[0], [1]]), torch.ones(2), fanouts=(2,))
    whole = list(LinkNeighborLoader(data, fanouts=(-1,), batch_size=10_000, seed=0))
    assert len(whole) == 1 and whole[0].num_nodes == 60
    assert torch.equal(
        whole[0].n_id[whole[0].edge_label_index], data.edge_index[:, whole[0].input_id]
    )


def test_loader_argument_errors() -> None:
    data = attributed_graph()
    with pytest.raises(ValueError, match="batch_size"):
        NeighborLoader(data, batch_size=0)
    with pytest.raises(ValueError, match="repeated"):
        NeighborLoader(data, input_nodes=torch.tensor([1, 1]))
    with pytest.raises(ValueError, match="mask has 3 entries"):
        NeighborLoader(data, input_nodes=torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="not a HeteroData"):
        NeighborLoader(data, input_nodes="pin")


# --- HeteroData: a small circuit ------------------------------------------------------------------
HAS = ("device", "has", "pin")
PIN_OF = ("pin", "of", "device")
CONNECTS = ("pin", "connects", "net")
JOINS = ("net", "joins", "pin")


def circuit() -> HeteroData:
    """6 devices with 20 pins among them, pins wired to 8 nets (one net per pin), 2 spare nets."""
    g = torch.Generator().manual_seed(0)
    pin_device = torch.randint(0, 6, (20,), generator=g)
    pin_net = torch.randint(0, 8, (20,), generator=g)
    pins = torch.arange(20)
    data = HeteroData()
    data["device"].x = torch.randn(6, 3, generator=g)
    data["pin"].x = torch.randn(20, 2, generator=g)
    data["pin"].role = torch.randint(0, 3, (20,), generator=g)
    data["net"].x = torch.randn(10, 4, generator=g)
    data[HAS].edge_index = torch.stack([pin_device, pins])
    data[PIN_OF].edge_index = torch.stack([pins, pin_device])
    data[CONNECTS].edge_index = torch.stack([pins, pin_net])
    data[CONNECTS].edge_attr = torch.randn(20, 2, generator=g)  # e.g. wire capacitance, farads
    data[JOINS].edge_index = torch.stack([pin_net, pins])
    data.design = "toy_opamp"
    return data


def homogeneous_view(data: HeteroData) -> tuple[Tensor, Tensor]:
    """All edges in global ids (types in data order, ids offset by the preceding types' sizes)
    and their edge type index, written independently of GraphLayout."""
    offset, start = {}, 0
    for name in data.node_types:
        offset[name] = start
        start += data[name].num_nodes
    parts, types = [], []
    for r, (src, rel, dst) in enumerate(data.edge_types):
        ei = data[src, rel, dst].edge_index
        parts.append(torch.stack([ei[0] + offset[src], ei[1] + offset[dst]]))
        types.append(torch.full((ei.size(1),), r))
    return torch.cat(parts, 1), torch.cat(types)


def test_hetero_sampling_per_edge_type() -> None:
    data = circuit()
    csr = CSRGraph.from_data(data)
    layout = csr.layout
    assert layout.hetero and layout.node_types == ("device", "pin", "net")
    assert layout.num_nodes == 36 and csr.num_edges == 80
    edge_index, edge_type = homogeneous_view(data)
    assert torch.equal(layout.global_edge_index(data), edge_index)
    fanouts = {HAS: [2, 1], PIN_OF: [1, 1], CONNECTS: [1, 0], JOINS: [3, -1]}
    table = fanout_table(layout, fanouts)
    g = torch.Generator().manual_seed(0)
    for node_type, ids in (("device", [0, 3]), ("net", [1, 9, 4]), ("pin", [5])):
        seeds = torch.tensor(ids) + layout.node_offset[layout.node_type_index(node_type)]
        sub = sample_neighbors(csr, (node_type, torch.tensor(ids)), fanouts, g)
        check_subgraph(sub, edge_index, edge_type, seeds, table)
        full = sample_neighbors(csr, seeds, [-1, -1, -1], g)
        nodes, edges = reference_full(edge_index, 36, seeds.tolist(), 3)
        assert full.node_ids.tolist() == nodes and sorted(full.edge_ids.tolist()) == sorted(edges)
    with pytest.raises(ValueError, match="missing"):
        fanout_table(layout, {HAS: [1]})
    with pytest.raises(ValueError, match="unknown node type 'gate'"):
        sample_neighbors(csr, ("gate", torch.tensor([0])), [1])


def check_hetero_batch(batch: HeteroData, data: HeteroData) -> None:
    assert batch.design == "toy_opamp"
    for name in data.node_types:
        n_id = batch[name].n_id
        assert torch.unique(n_id).numel() == n_id.numel()
        assert torch.equal(batch[name].x, data[name].x[n_id])
        assert batch[name].num_nodes == n_id.numel()
    assert torch.equal(batch["pin"].role, data["pin"].role[batch["pin"].n_id])
    for edge_type in data.edge_types:
        src, _, dst = edge_type
        e_id, local = batch[edge_type].e_id, batch[edge_type].edge_index
        glob = torch.stack([batch[src].n_id[local[0]], batch[dst].n_id[local[1]]])
        assert torch.equal(glob, data[edge_type].edge_index[:, e_id])
    assert torch.equal(batch[CONNECTS].edge_attr, data[CONNECTS].edge_attr[batch[CONNECTS].e_id])


def test_hetero_neighbor_loader() -> None:
    data = circuit()
    loader = NeighborLoader(data, fanouts=(2, 2, 2), batch_size=4, input_nodes="device", seed=0)
    seen = []
    for batch in loader:
        assert isinstance(batch, HeteroData)
        check_hetero_batch(batch, data)
        size = batch["device"].batch_size
        assert batch["pin"].batch_size == 0 and batch["net"].batch_size == 0
        assert torch.equal(batch["device"].n_id[:size], batch["device"].input_id)
        seen += batch["device"].n_id[:size].tolist()
    assert sorted(seen) == list(range(6))
    masked = NeighborLoader(data, (-1, -1), batch_size=3, input_nodes=("net", torch.tensor([7, 2])))
    batch = next(iter(masked))  # one batch, all -1: the whole circuit
    check_hetero_batch(batch, data)
    assert sorted(batch["net"].n_id[:2].tolist()) == [2, 7]
    assert batch["pin"].num_nodes == 20 and batch[JOINS].e_id.numel() == 20
    with pytest.raises(ValueError, match="seed node type"):
        NeighborLoader(data, (2,))


def test_hetero_link_loader_pin_to_net() -> None:
    data = circuit()
    loader = LinkNeighborLoader(
        data, CONNECTS, fanouts=(2, 2), batch_size=6, neg_sampling_ratio=0.5, seed=0
    )
    seen = []
    for batch in loader:
        check_hetero_batch(batch, data)
        store = batch[CONNECTS]
        b = store.input_id.numel()
        pins = batch["pin"].n_id[store.edge_label_index[0]]
        nets = batch["net"].n_id[store.edge_label_index[1]]
        positives = data[CONNECTS].edge_index[:, store.input_id]
        assert torch.equal(pins[:b], positives[0]) and torch.equal(nets[:b], positives[1])
        assert store.edge_label.tolist() == [1.0] * b + [0.0] * math.ceil(b / 2)
        assert int(store.edge_label_index[0].max()) < batch["pin"].batch_size
        assert int(store.edge_label_index[1].max()) < batch["net"].batch_size
        seen += store.input_id.tolist()
    assert sorted(seen) == list(range(20))
    with pytest.raises(ValueError, match="labelled edge type"):
        LinkNeighborLoader(data, None, fanouts=(2,))


def test_public_names_resolve() -> None:
    module = importlib.import_module("graphcl.data.sampling")
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert GraphLayout.homogeneous(3, 2).num_relations == 1


@pytest.mark.slow
def test_million_node_graph() -> None:
    """1M nodes, 10M edges, 4 hops x 64 from 1024 seeds: vectorised checks of the contract."""
    num_nodes = 1_000_000
    g = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, num_nodes, (2, 10 * num_nodes), generator=g)
    csr = CSRGraph.from_edge_index(edge_index, num_nodes)
    seeds = torch.randperm(num_nodes, generator=g)[:1024]
    fanouts = [64, 64, 10, 5]
    sub = sample_neighbors(csr, seeds, fanouts, g)
    assert torch.equal(sub.node_ids[:1024], seeds)
    assert torch.unique(sub.node_ids).numel() == sub.num_nodes
    assert torch.equal(sub.node_ids[sub.edge_index], edge_index[:, sub.edge_ids])
    degree = csr.in_degree()
    node_lo, edge_lo = 0, 0
    for hop, k in enumerate(fanouts):
        width = sub.num_sampled_nodes[hop]
        targets = sub.edge_index[1, edge_lo : edge_lo + sub.num_sampled_edges[hop]] - node_lo
        got = torch.bincount(targets, minlength=width)
        frontier = sub.node_ids[node_lo : node_lo + width]
        assert torch.equal(got, degree[frontier].clamp_max(k))
        node_lo += width
        edge_lo += sub.num_sampled_edges[hop]
