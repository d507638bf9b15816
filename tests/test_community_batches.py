"""Mini-batch plans of one large graph: whole communities with a halo (``batching:
communities``) and seed nodes with their sampled neighbourhood (``batching: neighbors``): every
node a centre once per epoch, halos and neighbourhoods against exact k-hop subgraphs, seeded
batches, cut communities, recipe keys, and short trainings through ``graphcl.pretrain``."""

from __future__ import annotations

import importlib
import math
import warnings

import pytest
import torch
from test_node_methods import planted
from torch_geometric.data import Data
from torch_geometric.utils import k_hop_subgraph, subgraph

import graphcl
from graphcl.data import load_dataset
from graphcl.data.community_plan import (
    CommunityBatchPlan,
    breadth_first_order,
    other_community_fraction,
    pack_next_fit,
    split_to_multiple,
)
from graphcl.data.neighbor_plan import NeighborBatchPlan
from graphcl.data.node_dataset import BATCHINGS, NodeDataset
from graphcl.data.sampling import CSRGraph
from graphcl.errors import DatasetError, RecipeError
from graphcl.training import TrainConfig

BLOCKS = torch.arange(60) // 20  # the planted blocks of `planted()`


def random_graph(n: int = 120, m: int = 300, seed: int = 0) -> Data:
    """A random undirected graph (both directions stored), float features."""
    generator = torch.Generator().manual_seed(seed)
    edges = torch.randint(0, n, (2, m), generator=generator)
    edges = edges[:, edges[0] != edges[1]]
    return Data(
        x=torch.randn(n, 4, generator=generator), edge_index=torch.cat([edges, edges.flip(0)], 1)
    )


def community_plan(graph: Data, batch_size: int = 16, **kwargs: object) -> CommunityBatchPlan:
    assignment = kwargs.pop("assignment", torch.arange(graph.num_nodes) // 7)
    return CommunityBatchPlan(graph, batch_size, assignment=assignment, **kwargs)  # type: ignore[arg-type]


def centres(batches: list[Data]) -> list[int]:
    return torch.cat([b.n_id[b.center_mask] for b in batches]).tolist()


def edge_set(edge_index: torch.Tensor) -> set[tuple[int, int]]:
    return {(int(u), int(v)) for u, v in edge_index.T.tolist()}


# --- every node a centre once per epoch -----------------------------------------------------
@pytest.mark.parametrize("packing", ["whole", "spread"])
def test_community_batches_cover_every_node_once_on_one_and_two_processes(packing) -> None:
    graph = random_graph()
    plan = community_plan(graph, packing=packing)
    batches = list(plan.batches(1))
    assert len(batches) == plan.steps(1)
    assert sorted(centres(batches)) == list(range(graph.num_nodes))
    assert all(plan.size(b) <= 16 for b in batches)
    ranks = [
        list(community_plan(graph, packing=packing, rank=r, world_size=2).batches(1))
        for r in (0, 1)
    ]
    assert len(ranks[0]) == len(ranks[1])  # the same number of steps on both
    first, second = set(centres(ranks[0])), set(centres(ranks[1]))
    assert not first & second and sorted(first | second) == list(range(graph.num_nodes))


def test_whole_packing_keeps_communities_together_and_spread_deals_them_out() -> None:
    graph = planted()
    whole = CommunityBatchPlan(graph, 25, assignment=BLOCKS, packing="whole")
    spread = CommunityBatchPlan(graph, 25, assignment=BLOCKS, packing="spread")
    for batch in whole.batches(1):  # blocks of 20 fit: each batch holds one whole block
        assert torch.unique(BLOCKS[batch.n_id[batch.center_mask]]).numel() == 1
    whole_cores = [b.n_id[b.center_mask] for b in whole.batches(1)]
    spread_cores = [b.n_id[b.center_mask] for b in spread.batches(1)]
    assert other_community_fraction(whole_cores, BLOCKS) == 0.0
    assert other_community_fraction(spread_cores, BLOCKS) > 0.6


def test_neighbor_batches_cover_every_node_once_on_one_and_two_processes() -> None:
    graph = random_graph(n=128)
    plan = NeighborBatchPlan(graph, 20, fanouts=(3, 3))
    batches = list(plan.batches(1))
    assert plan.steps(1) == len(batches) == 7 and plan.size(batches[-1]) == 8
    assert sorted(centres(batches)) == list(range(128))
    for batch in batches:
        assert (
            batch.center_mask[: plan.size(batch)].all()
            and not batch.center_mask[plan.size(batch) :].any()
        )
    ranks = [list(NeighborBatchPlan(graph, 16, rank=r, world_size=2).batches(1)) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 4
    first, second = set(centres(ranks[0])), set(centres(ranks[1]))
    assert not first & second and sorted(first | second) == list(range(128))
    # the global batch order is the one NodeBatchPlan uses: rank r holds the r-th slices
    single = NeighborBatchPlan(graph, 32).seed_batches(1)
    for (_, both), zero, one in zip(single, ranks[0], ranks[1], strict=True):
        assert torch.cat([zero.n_id[:16], one.n_id[:16]]).tolist() == both.tolist()


# --- halos and neighbourhoods are real k-hop neighbours ------------------------------------
@pytest.mark.parametrize("hops", [0, 1, 2])
def test_full_halo_is_the_exact_k_hop_neighbourhood_with_all_its_edges(hops) -> None:
    graph = random_graph(n=80, m=120)
    plan = community_plan(graph, batch_size=10, halo_hops=hops)
    full = edge_set(graph.edge_index)
    for batch in plan.batches(1):
        core = batch.n_id[batch.center_mask]
        expected, _, _, _ = k_hop_subgraph(core, hops, graph.edge_index, num_nodes=80)
        assert sorted(batch.n_id.tolist()) == expected.tolist()
        assert batch.n_id[: core.numel()].tolist() == core.tolist()  # the core first
        members = set(batch.n_id.tolist())
        local = {(int(batch.n_id[u]), int(batch.n_id[v])) for u, v in batch.edge_index.T.tolist()}
        assert local == {(u, v) for u, v in full if u in members and v in members}
        torch.testing.assert_close(batch.x, graph.x[batch.n_id])
        assert torch.equal(graph.edge_index[:, batch.e_id], batch.n_id[batch.edge_index])


def test_capped_halo_and_sampled_neighbours_lie_in_the_k_hop_neighbourhood() -> None:
    graph = random_graph(n=100, m=400)
    capped = community_plan(graph, batch_size=12, halo_hops=2, halo_fanout=2)
    sampled = NeighborBatchPlan(graph, 12, fanouts=(2, 2))
    for batch in [*capped.batches(1), *sampled.batches(1)]:
        core = batch.n_id[batch.center_mask]
        within, _, _, _ = k_hop_subgraph(core, 2, graph.edge_index, num_nodes=100)
        assert set(batch.n_id.tolist()) <= set(within.tolist())
        assert torch.unique(batch.n_id).numel() == batch.num_nodes
        # every batch edge is an edge of the graph, and e_id names it
        assert torch.equal(graph.edge_index[:, batch.e_id], batch.n_id[batch.edge_index])
    whole = community_plan(graph, batch_size=12, halo_hops=2)
    assert sum(b.num_nodes for b in capped.batches(1)) < sum(b.num_nodes for b in whole.batches(1))


def test_neighbors_with_all_neighbours_reach_the_exact_k_hop_neighbourhood() -> None:
    graph = random_graph(n=80, m=120)
    plan = NeighborBatchPlan(graph, 10, fanouts=(-1, -1))
    for batch in plan.batches(1):
        seeds = batch.n_id[batch.center_mask]
        expected, _, _, _ = k_hop_subgraph(seeds, 2, graph.edge_index, num_nodes=80)
        assert sorted(batch.n_id.tolist()) == expected.tolist()
        assert batch.num_sampled_nodes[0] == seeds.numel() == batch.batch_size


# --- seeded and deterministic --------------------------------------------------------------
@pytest.mark.parametrize("kind", ["communities", "neighbors"])
def test_batches_are_seeded_and_differ_across_epochs_and_seeds(kind) -> None:
    graph = random_graph()

    def make(seed: int) -> CommunityBatchPlan | NeighborBatchPlan:
        if kind == "communities":
            return community_plan(graph, seed=seed, halo_fanout=2)
        return NeighborBatchPlan(graph, 16, seed=seed, fanouts=(2, 2))

    def walk(plan: CommunityBatchPlan | NeighborBatchPlan, epoch: int) -> list[list[int]]:
        return [b.n_id.tolist() for b in plan.batches(epoch)]

    plan = make(0)
    first = walk(plan, 1)
    assert walk(plan, 1) == first == walk(make(0), 1)  # the same (seed, epoch), the same batches
    assert walk(plan, 2) != first and walk(make(1), 1) != first
    assert walk(make(0), 2) == walk(plan, 2)  # an epoch does not depend on the ones before


# --- pieces of oversize communities --------------------------------------------------------
def test_oversize_communities_are_cut_into_balanced_breadth_first_pieces() -> None:
    ring = torch.stack([torch.arange(30), (torch.arange(30) + 1) % 30])
    edges = torch.cat([ring, ring.flip(0), torch.tensor([[30, 31], [31, 30]])], 1)
    graph = Data(x=torch.randn(32, 3), edge_index=edges)
    assignment = torch.tensor([0] * 30 + [1, 1])  # a ring of 30 and a pair
    plan = CommunityBatchPlan(graph, 10, assignment=assignment, halo_hops=0)
    assert plan.item_sizes.tolist() == [10, 10, 10, 2]
    assert plan.item_community.tolist() == [0, 0, 0, 1]
    first = plan.members[:10]  # the root's piece: one arc of the ring around node 0
    assert sorted(first.tolist()) == [0, 1, 2, 3, 4, 5, 26, 27, 28, 29]
    for item, arcs in enumerate([9, 19, 30]):  # pieces so far: one arc, then the whole ring
        prefix = plan.members[: int(plan.item_start[item]) + 10]
        local, _ = subgraph(prefix, graph.edge_index, num_nodes=32)
        assert local.shape[1] == 2 * arcs
    batches = list(plan.batches(1))
    assert sorted(centres(batches)) == list(range(32))
    assert all(plan.size(b) <= 10 for b in batches)


def test_breadth_first_order_restarts_in_unreached_parts_of_a_community() -> None:
    edges = torch.tensor([[0, 1, 1, 2, 4, 5], [1, 0, 2, 1, 5, 4]])  # 0-1-2, 3 alone, 4-5
    csr = CSRGraph.from_edge_index(edges, 6)
    order = breadth_first_order(
        csr, torch.zeros(6, dtype=torch.long), torch.tensor([5, 4, 3, 2, 1, 0])
    )
    assert order.tolist() == [0, 1, 2, 3, 4, 5]
    two = breadth_first_order(csr, torch.tensor([1, 1, 1, 0, 0, 0]), torch.arange(6))
    assert two.tolist() == [3, 4, 5, 0, 1, 2]  # by community, each from its lowest id


def test_packing_balances_the_last_two_batches_and_splits_for_processes() -> None:
    assert pack_next_fit(torch.tensor([5, 5, 5, 1]), 10) == [0, 2, 4]
    assert pack_next_fit(torch.tensor([4, 1, 1, 1, 1]), 5) == [0, 1, 5]
    assert pack_next_fit(torch.tensor([3]), 5) == [0, 1]
    parts = split_to_multiple([torch.arange(8), torch.arange(8, 11), torch.arange(11, 12)], 2)
    assert [p.tolist() for p in parts] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10], [11]]


# --- recipes -------------------------------------------------------------------------------
def test_recipe_keys_choose_and_check_the_plan() -> None:
    assert set(BATCHINGS) == {"auto", "full", "nodes", "communities", "neighbors"}
    with pytest.raises(RecipeError, match=r"pretrain\.train\.batching must be one of .*neighbors"):
        TrainConfig(batching="clusters")
    with pytest.raises(
        RecipeError, match=r"unknown key 'halo_hop' in pretrain\.train\.batching_args"
    ):
        TrainConfig(batching="communities", batching_args={"halo_hop": 1})
    with pytest.raises(
        RecipeError, match=r"halo_hops in pretrain\.train\.batching_args.*expected int"
    ):
        TrainConfig(batching="communities", batching_args={"halo_hops": "two"})
    with pytest.raises(
        RecipeError, match=r"pretrain\.train\.batching_args\.packing must be one of"
    ):
        TrainConfig(batching="communities", batching_args={"packing": "tight"})
    with pytest.raises(RecipeError, match=r"pretrain\.train\.batching_args\.fanouts must be >= 1"):
        TrainConfig(batching="neighbors", batching_args={"fanouts": [10, 0]})
    with pytest.raises(
        RecipeError, match=r"unknown key 'halo_hops' in pretrain\.train\.batching_args"
    ):
        TrainConfig(batching="neighbors", batching_args={"halo_hops": 1})
    with pytest.raises(RecipeError, match=r"pretrain\.train\.batching_args needs a batching"):
        TrainConfig(batching_args={"fanouts": [5]})
    config = TrainConfig(batching="neighbors", batching_args={"fanouts": [5, 5]})
    options = config.plan_options(cuda=False)
    assert options == {"batching": "neighbors", "fanouts": [5, 5]}
    plan = NodeDataset.from_graph(planted(), "planted").batch_plan(20, **options)
    assert isinstance(plan, NeighborBatchPlan) and plan.fanouts == (5, 5)


def test_datasets_refuse_batchings_and_options_that_are_not_theirs() -> None:
    data = NodeDataset.from_graph(planted(), "planted")
    with pytest.raises(DatasetError, match="batching must be one of"):
        data.batch_plan(8, batching="clusters")
    with pytest.raises(DatasetError, match=r"planted is one graph; the option\(s\) fanouts"):
        data.batch_plan(8, batching="communities", fanouts=[3])
    plan = data.batch_plan(20, batching="communities", assignment=BLOCKS, pin_memory=True)
    assert isinstance(plan, CommunityBatchPlan) and plan.steps(1) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(16))
    for batching in ("communities", "neighbors"):
        with pytest.raises(DatasetError, match=f"a set of graphs; batching '{batching}'"):
            molecules.batch_plan(8, batching=batching, halo_hops=1)


# --- end to end ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gcool", "grace"])
@pytest.mark.parametrize(
    ("batching", "args"),
    [("communities", {"halo_fanout": 5}), ("neighbors", {"fanouts": [5, 5]})],
)
def test_pretrain_with_mini_batches(monkeypatch, tmp_path, name, batching, args) -> None:
    dataset = NodeDataset.from_graph(planted(), "planted")
    module = importlib.import_module("graphcl.training.pretrain")  # the module, not the function
    monkeypatch.setattr(module, "load_dataset", lambda *args, **kwargs: dataset)
    result = graphcl.pretrain(
        "planted",
        method={"name": name},
        encoder={"name": "gcn", "num_layers": 2, "hidden": 16},
        run_dir=tmp_path,
        progress=False,
        train={
            "epochs": 2,
            "batch_size": 24,
            "lr": 0.01,
            "checkpoint_every": 0,
            "batching": batching,
            "batching_args": args,
        },
    )
    losses = [row["loss"] for row in result.history]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    assert result.history[0]["steps"] >= 3
    model = graphcl.load(result.encoder_checkpoint)
    assert model.meta["dataset"] == "planted"
