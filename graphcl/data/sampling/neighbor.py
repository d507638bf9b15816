"""Multi-hop uniform neighbour sampling, vectorised per hop (a pure-torch PyG sampler).

Hamilton et al., "Inductive Representation Learning on Large Graphs" (GraphSAGE, NeurIPS 2017):
each node of the frontier draws up to ``fanout`` of its incoming edges uniformly without
replacement; the newly reached nodes form the next frontier. The semantics follow PyG's
``NeighborLoader`` (``disjoint=False``): an edge to an already reached node is kept, but that node
is not expanded again; a heterogeneous graph draws ``fanout`` edges per edge type.

The algorithm, per hop, on all segments (a frontier node, or a (node, edge type) pair) at once:

- a segment with in-degree ``d <= k`` (or ``k = -1``) takes all its edges;
- one with ``d > k`` draws a uniform random subset of size ``q = min(k, d - k) <= d / 2`` of its
  offsets: every segment draws its missing count of offsets with replacement, duplicates are
  removed with one sort of ``(segment, offset)`` keys, and the rounds repeat for the segments still
  short. Each draw is new with probability >= 1/2, so a handful of rounds suffice, and the kept set
  is the first ``q`` distinct values of an i.i.d. uniform sequence, hence a uniform ``q``-subset;
- when ``k > d / 2`` the subset drawn is the ``d - k`` edges to *leave out*, so the work stays
  O(min(k, d)) per segment and never O(d) for a hub with few draws;
- sampled edges are placed in the output by (frontier position, CSR position); new nodes are found
  with a scatter-min of first occurrences in a reused N-long map (no sort, no hash table).

Time and memory per hop are O(sampled edges) (plus O(frontier) for segment bookkeeping).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import torch
from torch import Tensor
from torch_geometric.typing import EdgeType

from graphcl.data.sampling.csr import CSRGraph, GraphLayout, exclusive_cumsum, repeat_segments
from graphcl.data.sampling.subgraph import SampledSubgraph

#: Fanouts: one count per hop for every edge type, one sequence per edge type, or a ready
#: (hops, edge types) table from :func:`fanout_table`.
Fanouts: TypeAlias = Sequence[int] | Mapping[EdgeType, Sequence[int]] | Tensor

_MAX_ROUNDS = 10_000


def fanout_table(layout: GraphLayout, fanouts: Fanouts) -> Tensor:
    """Fanouts as a (hops, edge types) table; ``-1`` means all neighbours.

    Args:
        layout: the graph's node and edge types.
        fanouts: per hop, the number of incoming edges each frontier node draws (the same for
            every edge type), a mapping from every edge type to such a sequence, or a tensor of
            shape (H,) or (H, R).

    Shape:
        returns (H, R) int64.

    Raises:
        ValueError: a fanout below -1, sequences of different lengths, or a mapping that misses
            or adds edge types.
    """
    if isinstance(fanouts, Tensor):
        table = fanouts.long()
        if table.dim() == 1:
            table = table.view(-1, 1).repeat(1, layout.num_relations)
        if table.dim() != 2 or table.size(1) != layout.num_relations:
            raise ValueError(
                f"a fanout table must have shape (hops, {layout.num_relations}), "
                f"got {tuple(fanouts.shape)}"
            )
    elif isinstance(fanouts, Mapping):
        given = {tuple(key): list(value) for key, value in fanouts.items()}
        missing = [e for e in layout.edge_types if e not in given]
        unknown = [e for e in given if e not in layout.edge_types]
        if missing or unknown:
            raise ValueError(
                f"fanouts must name every edge type of the graph; missing {missing}, "
                f"unknown {unknown}"
            )
        lengths = {len(v) for v in given.values()}
        if len(lengths) > 1:
            raise ValueError(f"fanouts of all edge types need the same number of hops: {given}")
        columns = [given[e] for e in layout.edge_types]
        hops = lengths.pop() if lengths else 0
        table = torch.tensor(columns, dtype=torch.long).view(len(columns), hops).T
    else:
        values = [int(k) for k in fanouts]
        table = torch.tensor(values, dtype=torch.long).view(-1, 1).repeat(1, layout.num_relations)
    if table.numel() and int(table.min()) < -1:
        raise ValueError(f"fanouts must be >= 0, or -1 for all neighbours; got {fanouts}")
    return table.contiguous()


def _take(values: Tensor, index: Tensor) -> Tensor:
    """``values[index]`` for 1-D tensors (``index_select`` is several times faster)."""
    return values.index_select(0, index)


def _ranges(start: Tensor, counts: Tensor) -> tuple[Tensor, Tensor]:
    """``(segment, position)`` of ``start[s] + range(counts[s])`` for every segment, in order."""
    segment = repeat_segments(counts)
    position = torch.arange(segment.numel())
    position += _take(start - exclusive_cumsum(counts), segment)
    return segment, position


def _uniform_offsets(degree: Tensor, generator: torch.Generator | None) -> Tensor:
    """One uniform integer in ``[0, degree[i])`` per entry (``degree > 0``)."""
    draw = torch.rand(degree.numel(), dtype=torch.float64, generator=generator)
    return draw.mul_(degree).long().clamp_max_(degree - 1)


def _where(mask: Tensor) -> Tensor:
    """Indices of the true entries of a 1-D mask."""
    return mask.nonzero().view(-1)


def _distinct_offsets(
    degree: Tensor, wanted: Tensor, generator: torch.Generator | None
) -> tuple[Tensor, Tensor]:
    """A uniform random subset of ``wanted[s]`` offsets in ``[0, degree[s])`` per segment.

    Rounds of draws with replacement: each segment still short draws as many offsets as it
    misses, and duplicates are dropped with a sort of ``(segment, offset)`` keys; segments that
    are complete leave the rounds. Needs ``wanted <= degree / 2`` for the O(wanted) expected cost.
    Returns ``(segment, offset)`` ordered by segment, then offset.
    """
    num_segments = degree.numel()
    base = exclusive_cumsum(degree)
    done_keys: list[Tensor] = []
    done_owners: list[Tensor] = []
    keys = torch.empty(0, dtype=torch.long)
    owners = torch.empty(0, dtype=torch.long)
    active = _where(wanted > 0)
    missing = _take(wanted, active)
    for _ in range(_MAX_ROUNDS):
        if active.numel() == 0:
            break
        new_owner = _take(active, repeat_segments(missing))
        new_key = _take(base, new_owner) + _uniform_offsets(_take(degree, new_owner), generator)
        keys, order = torch.sort(torch.cat([keys, new_key]))
        owners = _take(torch.cat([owners, new_owner]), order)
        repeated = _where(keys[1:] == keys[:-1]) + 1
        if repeated.numel():
            unique = torch.ones_like(keys, dtype=torch.bool)
            unique[repeated] = False
            kept = _where(unique)
            keys, owners = _take(keys, kept), _take(owners, kept)
        short = wanted - torch.bincount(owners, minlength=num_segments)
        complete = _take(short, owners) == 0
        finished, pending = _where(complete), _where(~complete)
        done_keys.append(_take(keys, finished))
        done_owners.append(_take(owners, finished))
        keys, owners = _take(keys, pending), _take(owners, pending)
        active = _take(active, _where(_take(short, active) > 0))
        missing = _take(short, active)
    else:  # pragma: no cover - probability ~ 2**-10000
        raise RuntimeError("neighbour sampling did not converge")
    if not done_keys:
        return keys, keys
    keys, order = torch.sort(torch.cat(done_keys))
    owners = _take(torch.cat(done_owners), order)
    return owners, keys - _take(base, owners)


def _merge(
    count: Tensor, first: tuple[Tensor, Tensor], second: tuple[Tensor, Tensor]
) -> tuple[Tensor, Tensor]:
    """Two lists of ``(segment, position)``, each ordered by segment, merged in segment order
    (``count`` is the total per segment) without sorting: each entry goes to its output slot."""
    if second[0].numel() == 0:
        return first
    if first[0].numel() == 0:
        return second
    slot_start = exclusive_cumsum(count)
    out_segment = torch.empty(int(count.sum()), dtype=torch.long)
    out_position = torch.empty_like(out_segment)
    for segment, position in (first, second):
        mine = torch.bincount(segment, minlength=count.numel())
        slot = torch.arange(segment.numel())
        slot += _take(slot_start - exclusive_cumsum(mine), segment)
        out_segment.index_copy_(0, slot, segment)
        out_position.index_copy_(0, slot, position)
    return out_segment, out_position


def _sample_hop(
    csr: CSRGraph,
    frontier: Tensor,
    fanout: Tensor,
    generator: torch.Generator | None,
    replace: bool,
) -> tuple[Tensor, Tensor]:
    """CSR positions of the edges drawn by ``frontier`` and the frontier index of each target."""
    owner, segment, relation = csr.segments(frontier)
    k = _take(fanout, relation)
    start = _take(csr.rowptr, segment)
    degree = _take(csr.rowptr, segment + 1) - start
    if replace:
        take_all = (k < 0) | (degree == 0)
        count = torch.where(take_all, degree, k)
        drawn_segment = repeat_segments(torch.where(take_all, 0, k))
        drawn = _take(start, drawn_segment)
        drawn += _uniform_offsets(_take(degree, drawn_segment), generator)
        out = _merge(
            count, _ranges(start, torch.where(take_all, degree, 0)), (drawn_segment, drawn)
        )
    else:
        take_all = (k < 0) | (degree <= k)
        count = torch.where(take_all, degree, k)
        if bool(take_all.all()):
            out = _ranges(start, degree)
        else:
            complement = ~take_all & (2 * k > degree)
            direct = ~take_all & ~complement
            wanted = torch.where(direct, k, torch.where(complement, degree - k, 0))
            picked_segment, picked_offset = _distinct_offsets(degree, wanted, generator)
            full_counts = torch.where(take_all | complement, degree, 0)
            full_segment, full_position = _ranges(start, full_counts)
            if bool(complement.any()):
                left_out = _take(complement, picked_segment)
                keep = torch.ones(full_segment.numel(), dtype=torch.bool)
                out_segment = picked_segment[left_out]
                keep[
                    _take(exclusive_cumsum(full_counts), out_segment) + picked_offset[left_out]
                ] = False
                full_segment, full_position = full_segment[keep], full_position[keep]
                picked_segment, picked_offset = picked_segment[~left_out], picked_offset[~left_out]
            picked = _take(start, picked_segment) + picked_offset
            out = _merge(count, (full_segment, full_position), (picked_segment, picked))
    out_segment, position = out
    target = out_segment if not csr.layout.hetero else _take(owner, out_segment)
    return position, target


def _as_seeds(layout: GraphLayout, seeds: Tensor | tuple[str, Tensor]) -> Tensor:
    if isinstance(seeds, tuple):
        node_type, local = seeds
        t = layout.node_type_index(node_type)
        local = torch.as_tensor(local).long().view(-1)
        if local.numel() and (int(local.min()) < 0 or int(local.max()) >= layout.num_nodes_of(t)):
            raise ValueError(
                f"seed ids of node type {node_type!r} must lie in [0, {layout.num_nodes_of(t)})"
            )
        return local + layout.node_offset[t]
    if not isinstance(seeds, Tensor):
        raise TypeError(f"seeds must be a tensor of node ids, got {type(seeds).__name__}")
    if seeds.dtype.is_floating_point or seeds.dtype == torch.bool:
        raise ValueError(f"seeds must be integer node ids, got dtype {seeds.dtype}")
    seeds = seeds.long().view(-1)
    if seeds.numel() and (int(seeds.min()) < 0 or int(seeds.max()) >= layout.num_nodes):
        raise ValueError(
            f"seeds must lie in [0, {layout.num_nodes}), got ids in "
            f"[{int(seeds.min())}, {int(seeds.max())}]"
        )
    return seeds


def sample_neighbors(
    csr: CSRGraph,
    seeds: Tensor | tuple[str, Tensor],
    fanouts: Fanouts,
    generator: torch.Generator | None = None,
    replace: bool = False,
) -> SampledSubgraph:
    """Sample a multi-hop neighbourhood of ``seeds``, as PyG's ``NeighborLoader`` does.

    At hop ``h`` every node of the frontier (the seeds, then the nodes first reached at hop
    ``h - 1``) draws ``min(fanouts[h], in-degree)`` of its incoming edges uniformly without
    replacement (``-1``: all of them), per edge type for a heterogeneous graph. Each drawn edge
    ``u -> v`` is kept (even when ``u`` was reached before); ``u`` joins the next frontier if new.

    Args:
        csr: incoming-neighbour CSR of the graph (``CSRGraph.from_data``).
        seeds: distinct global node ids, or ``(node_type, ids of that type)``.
        fanouts: per hop, edges drawn per frontier node (per edge type), or a mapping from each
            edge type to its per-hop fanouts.
        generator: source of randomness; the same generator state gives the same subgraph.
        replace: draw with replacement (exactly ``fanout`` edges from any node with one).

    Shape:
        seeds: (B,); the result has ``node_ids`` (n,) with ``node_ids[:B] == seeds``,
        ``edge_index`` (2, m) and ``edge_ids`` (m,).

    Raises:
        ValueError: seeds out of range, repeated, or fanouts that do not fit the graph.

    Example:
        >>> import torch
        >>> from graphcl.data.sampling import CSRGraph, sample_neighbors
        >>> edge_index = torch.tensor([[1, 2, 3, 4], [0, 0, 0, 1]])
        >>> csr = CSRGraph.from_edge_index(edge_index, num_nodes=5)
        >>> g = torch.Generator().manual_seed(0)
        >>> sub = sample_neighbors(csr, torch.tensor([0]), [2, -1], generator=g)
        >>> sub.num_sampled_edges[0], sub.batch_size, int(sub.node_ids[0])
        (2, 1, 0)
    """
    layout = csr.layout
    seeds = _as_seeds(layout, seeds)
    table = fanout_table(layout, fanouts)
    hops = table.size(0)
    batch_size = seeds.numel()
    with csr.borrow_node_map() as node_map:
        nodes = [seeds]
        try:
            local_ids = torch.arange(batch_size, dtype=node_map.dtype)
            node_map.index_copy_(0, seeds, local_ids)
            if not bool((_take(node_map, seeds) == local_ids).all()):
                raise ValueError("seeds must be distinct node ids")
            sources: list[Tensor] = []
            targets: list[Tensor] = []
            edge_ids: list[Tensor] = []
            num_nodes, num_edges = [batch_size], []
            frontier, first_local, total = seeds, 0, batch_size
            for hop in range(hops):
                if frontier.numel() == 0:
                    num_nodes.append(0)
                    num_edges.append(0)
                    continue
                position, owner = _sample_hop(csr, frontier, table[hop], generator, replace)
                source = _take(csr.col, position)
                local = _take(node_map, source)
                where_new = (local < 0).nonzero().view(-1)
                new = _take(source, where_new)
                if new.numel():
                    # first occurrence of each new node, by a scatter-min of candidate positions
                    index = torch.arange(new.numel(), dtype=node_map.dtype)
                    node_map.scatter_reduce_(0, new, index, reduce="amin", include_self=False)
                    new = _take(new, _where(_take(node_map, new) == index))
                    node_map.index_copy_(
                        0, new, torch.arange(total, total + new.numel(), dtype=node_map.dtype)
                    )
                    local.index_copy_(0, where_new, _take(node_map, _take(source, where_new)))
                sources.append(local)
                targets.append(owner + first_local)
                edge_ids.append(_take(csr.edge_ids, position))
                nodes.append(new)
                num_nodes.append(new.numel())
                num_edges.append(position.numel())
                frontier, first_local, total = new, total, total + new.numel()
            node_ids = torch.cat(nodes)
        except BaseException:
            node_map.fill_(-1)
            raise
        node_map.index_fill_(0, node_ids, -1)
    edge_index = torch.empty(2, sum(num_edges), dtype=torch.long)
    lo = 0
    for source_local, target_local in zip(sources, targets, strict=True):
        edge_index[0, lo : lo + source_local.numel()] = source_local
        edge_index[1, lo : lo + source_local.numel()] = target_local
        lo += source_local.numel()
    return SampledSubgraph(
        node_ids=node_ids,
        edge_index=edge_index,
        edge_ids=torch.cat(edge_ids) if edge_ids else torch.empty(0, dtype=torch.long),
        num_sampled_nodes=num_nodes,
        num_sampled_edges=num_edges,
        batch_size=batch_size,
        layout=layout,
    )
