"""Community mini-batches of one large graph (``batching: communities``).

Cluster-GCN's idea (Chiang et al., KDD 2019) with gCooL's communities (Li et al., WWW 2022): the
graph is partitioned once, before training, and every mini-batch is a set of whole communities
(its *core* nodes, at most ``batch_size``) with the subgraph they induce, plus a halo of
neighbours that gives the core nodes their message-passing context. Methods count the loss over
the core nodes only (``center_mask``), so every node is an anchor exactly once per epoch.

How the batches are made:

- **Communities** come from :func:`graphcl.communities` (Louvain through networkx by default,
  or gCooL's DeCA on the node features), or are given as an assignment tensor. Louvain through
  networkx is the slow part on large graphs (pure Python; ``benchmarks/node_scale.py`` reports
  its time); pass ``assignment`` to reuse a partition.
- **Pieces**: a community larger than ``batch_size`` is cut into ``ceil(size / batch_size)``
  pieces of nearly equal size along a breadth-first order of the subgraph it induces (from its
  lowest-id node; a new root is taken in a part the search did not reach, up to 32 times, then
  the rest follows by id). Each piece is a run of consecutive BFS layers: the first is
  connected, and every later one hangs on the pieces before it (a ring of 30 nodes cut in three
  gives an arc of 10 around the root, then two pieces of two arcs of 5 on either side), so a
  piece keeps the short distances of its community without needing to be connected.
- **Packing** (``packing: whole``): every epoch the communities and pieces are shuffled with a
  generator seeded from ``(seed, epoch)`` and packed greedily in that order (next fit: a batch is
  closed when the next community would exceed ``batch_size``); the cut between the last two
  batches is then moved to balance them, so that the last is not a sliver. A batch therefore
  holds several communities drawn at random, not neighbouring ones: its in-batch negatives come
  from several other communities, and its positives' community-mates are all present.
- **Processes**: with ``world_size`` W > 1, the largest batches are halved until the number of
  batches is a multiple of W, and rank ``r`` takes batches ``r, r + W, ...``: every rank runs the
  same number of steps and every node is still a centre exactly once per epoch (on one rank).
- **Halo**: the ``halo_hops``-hop (incoming) neighbourhood of the core nodes, minus the core;
  ``halo_fanout`` caps the neighbours each frontier node adds per hop, drawn uniformly without
  replacement (:func:`~graphcl.data.sampling.sample_neighbors`) from a generator seeded from
  ``(seed, epoch, batch)``. The batch's edges are all edges among core and halo nodes. With all
  neighbours (``halo_fanout: null``) and ``halo_hops`` = the encoder's layers, the core nodes see
  their whole receptive field (exact outputs for sum, mean or max aggregation; GCN's symmetric
  normalisation still sees the halo's outer nodes with their in-batch degree).

Negatives: whole communities and "negatives from other communities" pull in opposite directions.
Every node is a centre once per epoch, so a community of size ``c`` spread over the ``K`` batches
of an epoch leaves on average ``c / K`` of its members per batch, whatever the plan; how evenly it
is spread decides how many of a node's in-batch negatives share its community.
:func:`other_community_fraction` measures it: random node batches give about ``1 - c / N``,
whole-community batches ``1 - c / batch_size`` (every community-mate is in the batch: more
same-community, i.e. likely false, negatives, but the whole community for gCooL's ReSC centroids
and DeCA's intra-community edges), and ``packing: spread`` (each community dealt evenly over all
batches: at most ``ceil(c / K)`` members per batch; the induced subgraph and halo then carry the
structure) the highest of the three.

Vectorised: communities, pieces and halos are computed with tensor operations over nodes and
edges (the breadth-first order one layer at a time); Python loops run over batches only.

Example:
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> ring = torch.stack([torch.arange(12), (torch.arange(12) + 1) % 12])
    >>> graph = Data(x=torch.randn(12, 4), edge_index=torch.cat([ring, ring.flip(0)], 1))
    >>> plan = CommunityBatchPlan(graph, 6, assignment=torch.arange(12) // 3, halo_hops=1)
    >>> batches = list(plan.batches(1))
    >>> sorted(torch.cat([b.n_id[b.center_mask] for b in batches]).tolist()) == list(range(12))
    True
    >>> [int(b.center_mask.sum()) for b in batches], [b.num_nodes for b in batches]
    ([6, 6], [8, 8])
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from graphcl.data.plans import mix_seed
from graphcl.data.sampling import CSRGraph, sample_neighbors
from graphcl.data.sampling.csr import exclusive_cumsum, repeat_segments
from graphcl.errors import RecipeError
from graphcl.threads import single_threaded

#: Ways to pack communities into batches.
PACKINGS = ("whole", "spread")
#: Community detection methods (see :func:`graphcl.communities`).
COMMUNITY_METHODS = ("louvain", "deca")
#: New breadth-first roots tried per cut community before the rest follows by id.
_MAX_RESTARTS = 32


def segment_positions(start: Tensor, counts: Tensor) -> tuple[Tensor, Tensor]:
    """Positions ``start[s] + range(counts[s])`` of every segment, segment after segment, and
    the segment of each position.

    Shape:
        start, counts (s,) -> two (counts.sum(),) int64 tensors.
    """
    owner = repeat_segments(counts)
    position = torch.arange(owner.numel()) + (start - exclusive_cumsum(counts)).index_select(
        0, owner
    )
    return position, owner


def csr_ranges(rowptr: Tensor, nodes: Tensor) -> tuple[Tensor, Tensor]:
    """CSR entries of ``nodes``: the position of each entry and the index (into ``nodes``) of its
    node, node after node.

    Shape:
        rowptr (N + 1,), nodes (b,) -> two (sum of the nodes' degrees,) int64 tensors.
    """
    start = rowptr.index_select(0, nodes)
    return segment_positions(start, rowptr.index_select(0, nodes + 1) - start)


def induced_edges(csr: CSRGraph, nodes: Tensor) -> tuple[Tensor, Tensor]:
    """Every edge of the graph between two of ``nodes``, in local ids (rows of ``nodes``), and
    the original ids of those edges, in their original order. Time O(sum of in-degrees).

    Shape:
        nodes (n,) distinct global ids -> edge_index (2, m), edge_ids (m,).
    """
    position, owner = csr_ranges(csr.rowptr, nodes)
    with csr.borrow_node_map() as node_map:
        node_map.index_copy_(0, nodes, torch.arange(nodes.numel(), dtype=node_map.dtype))
        source = node_map.index_select(0, csr.col.index_select(0, position)).long()
        node_map.index_fill_(0, nodes, -1)
    keep = (source >= 0).nonzero().view(-1)
    edge_ids, order = csr.edge_ids.index_select(0, position.index_select(0, keep)).sort()
    kept = keep.index_select(0, order)
    edge_index = torch.stack([source.index_select(0, kept), owner.index_select(0, kept)])
    return edge_index, edge_ids


def _first_occurrences(values: Tensor) -> Tensor:
    """The distinct entries of ``values`` in the order they first occur. Shape: (m,) -> (d,)."""
    distinct, inverse = torch.unique(values, return_inverse=True)
    first = torch.full((distinct.numel(),), values.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inverse, torch.arange(values.numel()), reduce="amin")
    return values.index_select(0, first.sort().values)


def breadth_first_order(csr: CSRGraph, assignment: Tensor, nodes: Tensor) -> Tensor:
    """``nodes`` grouped by community (ascending), each community in breadth-first order of the
    subgraph it induces among ``nodes``, from its lowest-id node (see the module docstring for
    disconnected communities).

    All communities are searched at once, one BFS layer per iteration: the new nodes of a layer
    are ordered by the discovery rank of the node that reached them first, then by id.

    Shape:
        assignment (N,) community of every node, nodes (b,) distinct -> (b,) a permutation of
        ``nodes``.
    """
    num_nodes = assignment.numel()
    if nodes.numel() == 0:
        return nodes
    rank = torch.full((num_nodes,), -1, dtype=torch.long)  # discovery rank, -1: unreached
    inside = torch.zeros(num_nodes, dtype=torch.bool)
    inside[nodes] = True
    found = 0
    remaining = nodes
    for _ in range(_MAX_RESTARTS + 1):
        # a root in every community that still has unreached nodes: its lowest unreached id
        _, group = torch.unique(assignment.index_select(0, remaining), return_inverse=True)
        roots = torch.full((int(group.max()) + 1,), num_nodes, dtype=torch.long)
        frontier = roots.scatter_reduce_(0, group, remaining, reduce="amin").sort().values
        while frontier.numel():
            rank[frontier] = torch.arange(found, found + frontier.numel())
            found += frontier.numel()
            position, owner = csr_ranges(csr.rowptr, frontier)
            neighbour = csr.col.index_select(0, position)
            parent = frontier.index_select(0, owner)
            keep = (
                (assignment.index_select(0, neighbour) == assignment.index_select(0, parent))
                & inside.index_select(0, neighbour)
                & (rank.index_select(0, neighbour) < 0)
            )
            key = rank.index_select(0, parent[keep]) * num_nodes + neighbour[keep]
            frontier = _first_occurrences(key.sort().values % num_nodes)
        remaining = nodes[rank.index_select(0, nodes) < 0]
        if remaining.numel() == 0:
            break
    if remaining.numel():  # the rest, by id, after the searched parts
        remaining = remaining.sort().values
        rank[remaining] = torch.arange(found, found + remaining.numel())
    key = assignment.index_select(0, nodes) * num_nodes + rank.index_select(0, nodes)
    return nodes.index_select(0, key.argsort())


def pack_next_fit(sizes: Tensor, capacity: int) -> list[int]:
    """Cut a sequence of items (each at most ``capacity``) into consecutive batches of at most
    ``capacity`` by next fit, then move the cut between the last two batches to balance them.

    Returns the batch boundaries ``[0, b_1, ..., len(sizes)]`` (batch ``i`` holds items
    ``b_i .. b_{i+1} - 1``).

    Shape:
        sizes (I,) positive int64.

    Example:
        >>> pack_next_fit(torch.tensor([3, 3, 3, 1]), 6)
        [0, 2, 4]
        >>> pack_next_fit(torch.tensor([4, 1, 1, 1, 1]), 5)  # next fit: [0, 2, 5]
        [0, 1, 5]
    """
    cum = sizes.cumsum(0)
    ends = cum.tolist()
    bounds = [0]
    while bounds[-1] < len(ends):
        base = ends[bounds[-1] - 1] if bounds[-1] else 0
        bounds.append(int(torch.searchsorted(cum, base + capacity, right=True)))
    if len(bounds) > 2:
        lo, total = bounds[-3], ends[-1]
        base = ends[lo - 1] if lo else 0
        first = cum[lo:-1] - base  # size of the first of the two for a cut after item lo + i
        larger = torch.maximum(first, total - base - first)
        larger[(first > capacity) | (total - base - first > capacity)] = total  # infeasible
        bounds[-2] = lo + 1 + int(larger.argmin())
    return bounds


def split_to_multiple(batches: list[Tensor], multiple: int) -> list[Tensor]:
    """Halve the largest batches until their number is a multiple of ``multiple``.

    Raises:
        ValueError: fewer nodes than ``multiple``.
    """
    batches = list(batches)
    while len(batches) % multiple:
        largest = max(range(len(batches)), key=lambda i: batches[i].numel())
        nodes = batches[largest]
        if nodes.numel() < 2:
            raise ValueError(f"too few nodes for a batch on each of {multiple} processes")
        half = nodes.numel() // 2
        batches[largest : largest + 1] = [nodes[:half], nodes[half:]]
    return batches


def other_community_fraction(batches: Sequence[Tensor], assignment: Tensor) -> float:
    """Mean, over the centre nodes of the batches, of the fraction of their in-batch negatives
    (the batch's other centre nodes; in both views for GRACE-style losses, which leaves the
    fraction unchanged) that lie in another community.

    Args:
        batches: the centre nodes (global ids) of each batch.
        assignment: community of every node.

    Shape:
        batches: (b_i,) each; assignment (N,) -> a fraction in [0, 1].

    Example:
        >>> batch, assignment = torch.tensor([0, 1, 2, 3]), torch.tensor([0, 0, 1, 1])
        >>> fraction = other_community_fraction([batch], assignment)
        >>> round(fraction, 4)
        0.6667
    """
    total, count = 0.0, 0
    for nodes in batches:
        size = nodes.numel()
        if size < 2:
            continue
        community = assignment.index_select(0, nodes)
        _, inverse, counts = torch.unique(community, return_inverse=True, return_counts=True)
        same = counts.index_select(0, inverse) - 1
        total += float((1 - same.double() / (size - 1)).sum())
        count += size
    return total / count if count else 0.0


def detect_communities(
    graph: Data,
    method: str = "louvain",
    *,
    resolution: float = 1.0,
    num_communities: int = 10,
    seed: int = 0,
) -> Tensor:
    """The community of every node by :func:`graphcl.communities` (``louvain`` or ``deca`` on
    the node features). Shape: (N,) int64, communities numbered 0..K-1."""
    from graphcl.community_detection import communities

    found = communities(
        graph, method, resolution=resolution, num_communities=num_communities, seed=seed
    )
    return found.assignment


class CommunityBatchPlan:
    """One large graph in mini-batches of whole communities, each with a halo of neighbours.

    See the module docstring for how communities are found, cut, packed and given a halo.
    Every batch is a ``Data`` with the graph's node- and edge-level attributes gathered, ``n_id``
    (global ids: the core nodes first, then the halo by hop), ``center_mask`` (True for the core
    nodes, whose loss counts), ``batch_size`` (number of core nodes) and ``e_id`` (global edge
    ids). Every node is a core node in exactly one batch per epoch, over all processes; the same
    ``(seed, epoch)`` gives the same batches.

    The number of batches of an epoch depends on its packing and may differ by a few between
    epochs (:meth:`steps` gives it for each epoch).

    Args:
        graph: the graph (PyG ``Data``, ``edge_index`` (2, E) holding both directions of
            undirected edges).
        batch_size: at most this many core nodes per batch per process.
        seed: seed of community detection, packing and halo sampling.
        rank, world_size: this process's share of the epoch's batches.
        method: ``louvain`` or ``deca`` (ignored with ``assignment``).
        assignment: a given community of every node (N,), instead of detecting them.
        resolution: Louvain's resolution (larger: more, smaller communities).
        num_communities: K for ``deca``.
        halo_hops: hops of neighbours added around the core nodes (0: the induced subgraph
            only); the encoder's number of layers gives the core nodes their receptive field.
        halo_fanout: at most this many neighbours drawn per frontier node per hop (None: all).
        packing: ``whole`` (whole communities per batch) or ``spread`` (each community dealt
            evenly over all batches, for negatives from other communities; not connected).

    Raises:
        RecipeError: a bad option (the message starts with its name).
        ValueError: a bad batch size, rank, an assignment of the wrong length, or fewer nodes
            than processes.

    Example:
        >>> import torch
        >>> from torch_geometric.data import Data
        >>> edges = torch.randint(0, 200, (2, 800))
        >>> graph = Data(x=torch.randn(200, 8), edge_index=torch.cat([edges, edges.flip(0)], 1))
        >>> plan = CommunityBatchPlan(graph, 64, seed=0, halo_fanout=5)
        >>> sum(int(b.center_mask.sum()) for b in plan.batches(1))
        200
    """

    unit = "nodes"

    def __init__(
        self,
        graph: Data,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        method: str = "louvain",
        assignment: Tensor | Sequence[int] | None = None,
        resolution: float = 1.0,
        num_communities: int = 10,
        halo_hops: int = 1,
        halo_fanout: int | None = None,
        packing: str = "whole",
    ) -> None:
        self.check_args(
            method=method,
            resolution=resolution,
            num_communities=num_communities,
            halo_hops=halo_hops,
            halo_fanout=halo_fanout,
            packing=packing,
        )
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        self.graph = graph
        self.num_nodes = int(graph.num_nodes)
        if self.num_nodes < world_size:
            raise ValueError(f"{self.num_nodes} nodes are fewer than the {world_size} processes")
        self.batch_size = batch_size
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.halo_hops, self.halo_fanout, self.packing = halo_hops, halo_fanout, packing
        self.csr = CSRGraph.from_edge_index(graph.edge_index, self.num_nodes)
        started = time.perf_counter()
        if assignment is None:
            self.method = method
            found = detect_communities(
                graph, method, resolution=resolution, num_communities=num_communities, seed=seed
            )
        else:
            self.method = "given"
            found = torch.as_tensor(assignment, dtype=torch.long).view(-1)
            if found.numel() != self.num_nodes or (found.numel() and int(found.min()) < 0):
                raise ValueError(
                    f"assignment must give a community >= 0 to each of the {self.num_nodes} "
                    f"nodes, got {found.numel()} entries"
                )
            found = torch.unique(found, return_inverse=True)[1]
        #: community of every node, 0..K-1. Shape: (N,).
        self.assignment: Tensor = found
        #: seconds spent finding the communities (0 for a given assignment).
        self.detect_seconds = time.perf_counter() - started if assignment is None else 0.0
        self._cut_pieces()
        self._cache: tuple[int, list[Tensor]] | None = None

    @staticmethod
    def check_args(
        method: str = "louvain",
        resolution: float = 1.0,
        num_communities: int = 10,
        halo_hops: int = 1,
        halo_fanout: int | None = None,
        packing: str = "whole",
    ) -> None:
        """Check option values without a graph (recipes are checked before data is loaded).

        Raises:
            RecipeError: the first bad option, its message starting with the option's name.
        """
        if method not in COMMUNITY_METHODS:
            raise RecipeError(
                f"method must be one of {', '.join(COMMUNITY_METHODS)}, got {method!r}"
            )
        if packing not in PACKINGS:
            raise RecipeError(f"packing must be one of {', '.join(PACKINGS)}, got {packing!r}")
        if not resolution > 0:
            raise RecipeError(f"resolution must be > 0, got {resolution}")
        if num_communities < 2:
            raise RecipeError(f"num_communities must be >= 2, got {num_communities}")
        if halo_hops < 0:
            raise RecipeError(f"halo_hops must be >= 0, got {halo_hops}")
        if halo_fanout is not None and halo_fanout < 1:
            raise RecipeError(
                f"halo_fanout must be >= 1 or null (all neighbours), got {halo_fanout}"
            )

    # --- pieces and packing ------------------------------------------------------------------
    @property
    def num_communities(self) -> int:
        """Number of communities (before cutting)."""
        return int(self.assignment.max()) + 1 if self.assignment.numel() else 0

    def _cut_pieces(self) -> None:
        """Cut communities larger than a batch; the packing units ("items") are the communities
        that fit and the pieces of the others, stored as :attr:`members` grouped by item."""
        sizes = torch.bincount(self.assignment, minlength=self.num_communities)
        order = self.assignment.argsort(stable=True)  # nodes grouped by community, by id
        cuts = (sizes + self.batch_size - 1) // self.batch_size  # 1 for those that fit
        big = cuts > 1
        if bool(big.any()):
            cut_nodes = big.index_select(0, self.assignment).nonzero().view(-1)
            # the cut communities' slots in `order` take their nodes in breadth-first order
            slots = big.index_select(0, self.assignment.index_select(0, order))
            order[slots] = breadth_first_order(self.csr, self.assignment, cut_nodes)
        community = self.assignment.index_select(0, order)
        within = torch.arange(order.numel()) - exclusive_cumsum(sizes).index_select(0, community)
        # piece of each node within its community: balanced, floor(position * cuts / size)
        piece = within * cuts.index_select(0, community) // sizes.index_select(0, community)
        item = exclusive_cumsum(cuts).index_select(0, community) + piece
        #: node ids grouped by packing item (community or piece). Shape: (N,).
        self.members = order
        #: nodes of each item (at most ``batch_size``). Shape: (I,).
        self.item_sizes = torch.bincount(item, minlength=int(cuts.sum()))
        #: the community of each item. Shape: (I,).
        self.item_community = torch.repeat_interleave(torch.arange(cuts.numel()), cuts)
        #: first position of each item in :attr:`members`. Shape: (I,).
        self.item_start = exclusive_cumsum(self.item_sizes)

    def _whole(self, generator: torch.Generator) -> list[Tensor]:
        """Shuffled items packed by next fit; the core nodes of each batch."""
        perm = torch.randperm(self.item_sizes.numel(), generator=generator)
        sizes = self.item_sizes.index_select(0, perm)
        position, _ = segment_positions(self.item_start.index_select(0, perm), sizes)
        nodes = self.members.index_select(0, position)
        ends = [*exclusive_cumsum(sizes).tolist(), self.num_nodes]
        bounds = pack_next_fit(sizes, self.batch_size)
        return [nodes[ends[a] : ends[b]] for a, b in itertools.pairwise(bounds)]

    def _spread(self, generator: torch.Generator) -> list[Tensor]:
        """Nodes ordered by (shuffled community, random), dealt round-robin to the batches."""
        count = -(-self.num_nodes // self.batch_size)
        community_rank = torch.randperm(self.num_communities, generator=generator)
        tiebreak = torch.randperm(self.num_nodes, generator=generator)
        key = community_rank.index_select(0, self.assignment) * self.num_nodes + tiebreak
        order = key.argsort()
        return [order[b::count] for b in range(count)]

    def global_batches(self, epoch: int) -> list[Tensor]:
        """The core nodes of every batch of ``epoch``, for all processes together (a multiple
        of ``world_size`` batches)."""
        if self._cache is not None and self._cache[0] == epoch:
            return self._cache[1]
        generator = torch.Generator().manual_seed(mix_seed(self.seed, epoch, 5))
        batches = self._spread(generator) if self.packing == "spread" else self._whole(generator)
        batches = split_to_multiple(batches, self.world_size)
        self._cache = (epoch, batches)  # one epoch at a time: steps() then batches()
        return batches

    def my_batches(self, epoch: int) -> list[tuple[int, Tensor]]:
        """This process's batches of ``epoch``: (index among the epoch's batches, core nodes)."""
        batches = self.global_batches(epoch)
        return [(i, batches[i]) for i in range(self.rank, len(batches), self.world_size)]

    # --- the protocol -------------------------------------------------------------------------
    def steps(self, epoch: int) -> int:
        return len(self.global_batches(epoch)) // self.world_size

    def batch(self, core: Tensor, generator: torch.Generator | None = None) -> Data:
        """The mini-batch of the core nodes ``core``: their halo and induced subgraph.

        Shape:
            core (b,) distinct global ids -> a ``Data`` of n >= b nodes, the core first.
        """
        if self.halo_hops:
            fanout = -1 if self.halo_fanout is None else self.halo_fanout
            nodes = sample_neighbors(self.csr, core, [fanout] * self.halo_hops, generator).node_ids
        else:
            nodes = core
        edge_index, edge_ids = induced_edges(self.csr, nodes)
        out = Data(edge_index=edge_index, num_nodes=nodes.numel())
        graph = self.graph
        for key, value in graph.items():
            if key in ("edge_index", "num_nodes"):
                continue
            if graph.is_node_attr(key):
                out[key] = value[nodes]
            elif graph.is_edge_attr(key):
                out[key] = value[edge_ids]
            else:
                out[key] = value
        center = torch.zeros(nodes.numel(), dtype=torch.bool)
        center[: core.numel()] = True
        out.n_id, out.e_id, out.center_mask = nodes, edge_ids, center
        out.batch_size = core.numel()
        return out

    def batches(self, epoch: int) -> Iterator[Data]:
        for index, core in self.my_batches(epoch):
            generator = torch.Generator().manual_seed(mix_seed(self.seed, epoch, index, 7))
            with single_threaded():
                batch = self.batch(core, generator)
            yield batch

    def size(self, batch: Any) -> int:
        """Core nodes of a batch (halo nodes are context, not examples)."""
        return int(batch.center_mask.sum())

    def __repr__(self) -> str:
        return (
            f"CommunityBatchPlan(nodes={self.num_nodes}, communities={self.num_communities} "
            f"({self.method}), items={self.item_sizes.numel()}, batch_size={self.batch_size}, "
            f"halo_hops={self.halo_hops}, halo_fanout={self.halo_fanout}, "
            f"packing={self.packing!r})"
        )
