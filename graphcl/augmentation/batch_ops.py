"""Structural operations on PyG batches, vectorized over all graphs at once."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Batch


def counts_to_ptr(counts: Tensor) -> Tensor:
    """``[0, c0, c0 + c1, ...]``. Shape: (G,) -> (G + 1,)."""
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])


def edge_ptr(batch: Batch) -> Tensor:
    """Start of each graph's edges in ``batch.edge_index`` (edges are grouped by graph)."""
    slices = getattr(batch, "_slice_dict", None)
    if slices and "edge_index" in slices:
        return slices["edge_index"].to(batch.edge_index.device)
    graph = batch.batch[batch.edge_index[0]]
    return counts_to_ptr(torch.bincount(graph, minlength=batch.num_graphs))


def attribute_levels(batch: Batch) -> tuple[list[str], list[str], list[str]]:
    """Names of the node-level, edge-level and other attributes of ``batch``.

    ``edge_index``, ``batch`` and ``ptr`` are structural and listed nowhere. The level comes from
    the batch's slice metadata (how ``Batch.from_data_list`` and graphcl's collate record it), or
    from PyG's shape-based guess for batches built by hand.
    """
    slices: dict[str, Tensor] | None = getattr(batch, "_slice_dict", None)
    node_slice = batch.ptr.cpu()
    edges = edge_ptr(batch).cpu()
    # with one node per graph, per-graph labels slice like nodes: keep y per graph then
    one_node_each = batch.num_nodes == batch.num_graphs
    node, edge, other = [], [], []
    for key, value in batch:
        if key in ("edge_index", "batch", "ptr"):
            continue
        if not isinstance(value, Tensor) or (key == "y" and one_node_each):
            other.append(key)
        elif slices is not None and key in slices:
            s = slices[key].cpu()
            if s.shape == node_slice.shape and torch.equal(s, node_slice):
                node.append(key)
            elif s.shape == edges.shape and torch.equal(s, edges):
                edge.append(key)
            else:
                other.append(key)
        elif batch.is_node_attr(key):
            node.append(key)
        elif batch.is_edge_attr(key):
            edge.append(key)
        else:
            other.append(key)
    return node, edge, other


def rebuild(
    batch: Batch,
    *,
    ptr: Tensor,
    graph: Tensor,
    edge_index: Tensor,
    eptr: Tensor,
    node_values: dict[str, Tensor],
    edge_values: dict[str, Tensor],
) -> Batch:
    """A new ``Batch`` with the given structure and node/edge attributes, every other attribute
    of ``batch`` carried over unchanged, and slice metadata that ``to_data_list`` understands."""
    values: dict[str, Any] = dict(batch)
    values.update(node_values)
    values.update(edge_values)
    values.update(edge_index=edge_index, batch=graph, ptr=ptr)
    out = Batch(**values)
    out._num_graphs = batch.num_graphs
    slices = dict(getattr(batch, "_slice_dict", {}) or {})
    increments = dict(getattr(batch, "_inc_dict", {}) or {})
    zeros = torch.zeros(batch.num_graphs, dtype=torch.long)
    for key in node_values:
        slices[key], increments[key] = ptr.cpu(), zeros
    for key in edge_values:
        slices[key], increments[key] = eptr.cpu(), zeros
    slices["edge_index"], increments["edge_index"] = eptr.cpu(), ptr[:-1].cpu()
    out._slice_dict = slices
    out._inc_dict = increments
    return out


def with_node_values(batch: Batch, **values: Tensor) -> Batch:
    """The same graphs with some node-level attributes replaced (e.g. ``x=new_x``)."""
    return rebuild(
        batch,
        ptr=batch.ptr,
        graph=batch.batch,
        edge_index=batch.edge_index,
        eptr=edge_ptr(batch),
        node_values=values,
        edge_values={},
    )


def keep_nodes(batch: Batch, keep: Tensor) -> Batch:
    """The batch restricted to the nodes where ``keep`` is true (and the edges between them).

    Node order, edge order and per-graph grouping are preserved; node-level attributes are
    filtered with the nodes and edge-level attributes with the edges.

    Args:
        batch: the batch.
        keep: Shape: (N,), bool.
    """
    node_keys, edge_keys, _ = attribute_levels(batch)
    new_index = torch.cumsum(keep, 0) - 1
    src, dst = batch.edge_index
    nodes = keep.nonzero().squeeze(1)
    edges = (keep[src] & keep[dst]).nonzero().squeeze(1)
    graph = batch.batch.index_select(0, nodes)
    edge_index = new_index[batch.edge_index.index_select(1, edges)]
    edge_graph = graph.index_select(0, edge_index[0])
    return rebuild(
        batch,
        ptr=counts_to_ptr(torch.bincount(graph, minlength=batch.num_graphs)),
        graph=graph,
        edge_index=edge_index,
        eptr=counts_to_ptr(torch.bincount(edge_graph, minlength=batch.num_graphs)),
        node_values={key: batch[key].index_select(0, nodes) for key in node_keys},
        edge_values={key: batch[key].index_select(0, edges) for key in edge_keys},
    )
