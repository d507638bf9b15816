"""Choosing and masking atoms for the masked-attribute objectives (AttrMasking, GraphMAE).

Both reference implementations mask every molecule on its own with pretrain-gnns' ``MaskAtom``
(Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020; reused unchanged by
Hou et al., "GraphMAE", KDD 2022): ``int(n * mask_rate + 1)`` distinct atoms of a molecule of
``n`` atoms, i.e. ``floor(mask_rate * n) + 1``: at least one atom (a one-atom molecule is
masked whole), and fewer than ``n`` while ``mask_rate < 1 - 1/n``. Here the choice is vectorized
over the whole batch (one uniform key per node, ranked within its graph, as
:class:`~graphcl.augmentation.attr_mask.AttrMask` does) and drawn from the step's generator, so
the same generator state gives the same masks and no mask crosses a graph boundary.

Masking writes a new ``Batch`` (the input is never modified): categorical node columns get the
reserved mask token ``dims[i]`` of every column (:data:`graphcl.features.NODE_SPECIAL_TOKENS`),
so the encoder's input adapter turns a masked atom into the learnable sum of the mask-token rows
of its tables -- the ``[MASK]`` embedding. Masked bonds (AttrMasking's edge variant) get the
``dims[j] + 1`` token of every edge column, graphcl's "edge of unknown kind" token (also given to
edges an augmentation adds; see :mod:`graphcl.features`).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.augmentation.base import rank_within_graph, uniform
from graphcl.augmentation.batch_ops import edge_ptr, rebuild
from graphcl.features import FeatureSpec
from graphcl.threads import single_threaded


def check_mask_rate(mask_rate: float) -> float:
    """``mask_rate`` as a float in [0, 1), else ValueError naming it."""
    if isinstance(mask_rate, bool) or not isinstance(mask_rate, (int, float)):
        raise ValueError(f"mask_rate must be a number in [0, 1), got {mask_rate!r}")
    if not 0.0 <= mask_rate < 1.0:
        raise ValueError(f"mask_rate must be in [0, 1), got {mask_rate}")
    return float(mask_rate)


def mask_counts(ptr: Tensor, mask_rate: float) -> Tensor:
    """Atoms to mask in each graph: ``floor(mask_rate * n_i) + 1`` (pretrain-gnns' ``MaskAtom``).

    Computed in float64, as the reference's Python float arithmetic (``int(20 * 0.15 + 1)``
    is 4; in float32 ``20 * 0.15`` can round below 3).

    Shape:
        ptr (G + 1,) -> (G,), int64.
    """
    sizes = ptr.diff()
    return torch.floor(sizes.double() * mask_rate).long() + 1


def choose_masked_nodes(
    batch: Batch, mask_rate: float, generator: torch.Generator | None
) -> Tensor:
    """Which nodes to mask: :func:`mask_counts` random nodes of every graph of ``batch``.

    Args:
        batch: collated graphs (``ptr`` and ``batch`` vectors).
        mask_rate: fraction of each graph's nodes, in [0, 1).
        generator: source of the keys (None: torch's global generator).

    Shape:
        batch with N nodes -> (N,), bool.
    """
    with single_threaded():
        keys = uniform(batch.num_nodes, batch.batch, generator)
        rank = rank_within_graph(keys, batch.batch, batch.ptr)
        count = mask_counts(batch.ptr, mask_rate).to(rank.device)
        return rank < count[batch.batch]


def masked_edges(batch: Batch, masked: Tensor) -> Tensor:
    """Edges with at least one masked endpoint (both directions of a bond alike).

    Shape:
        masked (N,) bool -> (E,) bool.
    """
    with single_threaded():
        source, target = batch.edge_index
        out: Tensor = masked[source] | masked[target]
        return out


def with_masked_features(
    batch: Batch,
    node_mask: Tensor,
    node_features: FeatureSpec,
    *,
    node_token: Tensor | None = None,
    edge_mask: Tensor | None = None,
    edge_features: FeatureSpec | None = None,
) -> Batch:
    """A new batch whose masked nodes (and edges) carry the mask tokens; ``batch`` is unchanged.

    Args:
        batch: the graphs.
        node_mask: nodes to mask. Shape: (N,), bool.
        node_features: what ``batch.x`` holds: categorical columns get their mask token
            ``dims[i]``; float features get ``node_token``.
        node_token: the ``x`` row of a masked node for float features (GraphMAE's learnable
            ``[MASK]``, kept differentiable). Shape: (F,).
        edge_mask: edges to mask (categorical edge features only). Shape: (E,), bool.
        edge_features: what ``batch.edge_attr`` holds (required with ``edge_mask``).

    Raises:
        ValueError: float node features without ``node_token``, or an edge mask on edges that
            are not categorical.
    """
    with single_threaded():  # a few small tensor operations, like any view
        x = batch.x
        if node_features.kind == "categorical":
            token = torch.tensor(node_features.dims, dtype=x.dtype, device=x.device)
        elif node_token is not None:
            token = node_token.to(device=x.device)
            x = x.to(token.dtype)
        else:
            raise ValueError(f"masking {node_features.describe()} node features needs a node_token")
        node_values = {"x": torch.where(node_mask.unsqueeze(1), token, x)}
        edge_values: dict[str, Tensor] = {}
        if edge_mask is not None:
            if edge_features is None or edge_features.kind != "categorical":
                kind = "none" if edge_features is None else edge_features.describe()
                raise ValueError(f"masking bonds needs categorical edge features, got {kind}")
            attr = batch.edge_attr
            unknown = torch.tensor([d + 1 for d in edge_features.dims], dtype=attr.dtype)
            edge_values["edge_attr"] = torch.where(
                edge_mask.unsqueeze(1), unknown.to(attr.device), attr
            )
        return rebuild(
            batch,
            ptr=batch.ptr,
            graph=batch.batch,
            edge_index=batch.edge_index,
            eptr=edge_ptr(batch),
            node_values=node_values,
            edge_values=edge_values,
        )
