"""The interface of feature input adapters: raw node or edge features in, vectors out.

An adapter embeds one feature matrix (node ``x`` or edge ``edge_attr``) of a given
:class:`~graphcl.features.FeatureSpec` kind into the encoder's width, so message passing is the
same for categorical molecular columns, float bag-of-words features or no features at all.
Edge adapters also supply what layers need around the plain embedding: the feature rows of the
self-loops a layer adds, and sums of edge embeddings grouped by target node, split into a
data-only part (:meth:`FeatureInput.prepare_sum`, computed once per batch and shared by all
layers) and a weight part (:meth:`FeatureInput.combine_sum`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from torch import Tensor, nn

from graphcl.features import FeatureSpec


class FeatureInput(nn.Module, ABC):
    """Embeds one feature matrix of kind :attr:`spec` into width :attr:`width`.

    Args:
        spec: what the features are.
        width: output width.
        special_tokens: reserved categories after each categorical column (nodes:
            :data:`~graphcl.features.NODE_SPECIAL_TOKENS`, edges:
            :data:`~graphcl.features.EDGE_SPECIAL_TOKENS`); ignored by other kinds.
    """

    def __init__(self, spec: FeatureSpec, width: int, special_tokens: int = 0) -> None:
        super().__init__()
        self.spec = spec
        self.width = width
        self.special_tokens = special_tokens

    @abstractmethod
    def forward(self, features: Tensor | None) -> Tensor | None:
        """Shape: (N, spec.width) -> (N, width); None for an adapter of kind ``none``."""

    @abstractmethod
    def loop_rows(self, count: int, like: Tensor) -> Tensor | None:
        """Raw feature rows of ``count`` self-loops (categorical: the self-loop token; float:
        zeros; none: None), on ``like``'s device. Shape: (count, spec.width)."""

    @abstractmethod
    def prepare_sum(self, features: Tensor | None, index: Tensor, size: int) -> Tensor | None:
        """The data-only part of summing embedded rows grouped by ``index`` (rows ``r`` in group
        ``index[r]``); weights are applied by :meth:`combine_sum`."""

    @abstractmethod
    def combine_sum(self, prepared: Tensor | None) -> Tensor | None:
        """``sum over rows r of group g of forward(features)[r]`` for every group, from
        :meth:`prepare_sum`'s output. Shape: (size, width); None for kind ``none``."""

    def self_loops(
        self, edge_index: Tensor, features: Tensor | None, num_nodes: int
    ) -> tuple[Tensor, Tensor | None]:
        """``edge_index`` and ``features`` with a self-loop appended for every node.

        Shape: (2, E), (E, F) -> (2, E + num_nodes), (E + num_nodes, F).
        """
        import torch

        loops = torch.arange(num_nodes, device=edge_index.device)
        edge_index = torch.cat([edge_index, loops.expand(2, -1)], dim=1)
        rows = self.loop_rows(num_nodes, edge_index)
        if rows is None or features is None:
            return edge_index, None
        return edge_index, torch.cat([features, rows.to(features.dtype)])
