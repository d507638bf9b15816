"""The two views of node-level contrastive methods (GRACE, GCA, BGRL, gCooL), built from
augmentation specs, with adaptive drop weights computed once per graph.

A view is a sequence of augmentations applied in order (``[{"name": "edge_drop", "ratio": 0.2},
{"name": "feature_mask", "ratio": 0.3}]``). Adaptive views (GCA: drop probabilities from degree,
PageRank or eigenvector centrality) need centralities of the whole graph; for full-batch training
the graph is the same every step, so :class:`NodeViews` computes those weights once per graph
(keyed by the graph object) instead of at every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from graphcl.augmentation import Augmentation, Spec, resolve

#: A view: one augmentation spec or a list of them, applied in order.
ViewSpec = Spec | Sequence[Spec]


def as_augmentations(view: ViewSpec) -> list[Augmentation]:
    """The augmentations of a view spec (one spec or a list of specs)."""
    if isinstance(view, (str, Mapping, Augmentation)):
        return [resolve(view)]
    return [resolve(spec) for spec in view]


def describe(view: ViewSpec) -> Any:
    """The view as plain data, for the run record."""
    if isinstance(view, Augmentation):
        return repr(view)
    if isinstance(view, (str, Mapping)):
        return view
    return [describe(spec) for spec in view]


class NodeViews:
    """Two stochastic views of a graph (or a batch of node subgraphs).

    Args:
        first, second: the view specs.
    """

    def __init__(self, first: ViewSpec, second: ViewSpec) -> None:
        self.views = [as_augmentations(first), as_augmentations(second)]
        self._source: Data | None = None
        self._batch: Batch | None = None

    def _prepared(self, graph: Data) -> Batch:
        """``graph`` as a one-graph ``Batch`` (what augmentations take) carrying the adaptive
        weights its augmentations need; both are computed once per distinct graph (full-batch
        training sees the same graph every step)."""
        if graph is self._source and self._batch is not None:
            return self._batch
        batch = graph if isinstance(graph, Batch) else Batch.from_data_list([graph])
        needs = [a for view in self.views for a in view if hasattr(a, "precompute")]
        for augmentation in needs:
            if getattr(augmentation, "mode", "uniform") == "uniform":
                continue
            name = augmentation.weight_key  # type: ignore[attr-defined]
            if name not in batch:
                batch = augmentation.precompute(batch)
        self._source, self._batch = graph, batch  # the reference keeps `graph` from reuse
        return batch

    def __call__(self, graph: Data, generator: torch.Generator | None) -> tuple[Data, Data]:
        weighted = self._prepared(graph)
        out = []
        for view in self.views:
            current = weighted
            for augmentation in view:
                current = augmentation(current, generator)
            out.append(current)
        return out[0], out[1]


def centre_rows(batch: Data, *embeddings: Tensor) -> list[Tensor]:
    """The rows of the nodes whose loss counts: those with ``center_mask`` True in a mini-batch
    with context nodes (community halo, sampled neighbours); every row otherwise."""
    mask = batch.get("center_mask")
    if mask is None:
        return list(embeddings)
    return [z[mask] for z in embeddings]
