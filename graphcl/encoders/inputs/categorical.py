"""Categorical features: one embedding table per column, summed (OGB's Atom/BondEncoder)."""

from __future__ import annotations

import torch
from torch import Tensor

from graphcl.encoders.embeddings import CategoricalEmbedding
from graphcl.encoders.inputs.base import FeatureInput
from graphcl.encoders.inputs.registry import INPUTS
from graphcl.features import FeatureSpec


@INPUTS.register("categorical")
class CategoricalInput(FeatureInput):
    """Embeds integer categories with :class:`~graphcl.encoders.embeddings.CategoricalEmbedding`
    (``dims[i] + special_tokens`` rows for column ``i``). Self-loops carry the self-loop token
    ``dims[j]`` in every column; sums of embeddings go through category counts, so a layer never
    materializes an (E, width) tensor for them.

    Shape:
        (N, len(dims)) integer categories -> (N, width).
    """

    def __init__(self, spec: FeatureSpec, width: int, special_tokens: int = 0) -> None:
        super().__init__(spec, width, special_tokens)
        self.embedding = CategoricalEmbedding(spec.dims, width, special_tokens)

    def forward(self, features: Tensor | None) -> Tensor:
        if features is None:
            raise ValueError(f"categorical features expected ({self.spec.describe()}), got none")
        out: Tensor = self.embedding(features)
        return out

    def loop_rows(self, count: int, like: Tensor) -> Tensor:
        token = torch.tensor(list(self.spec.dims), dtype=torch.long, device=like.device)
        return token.expand(count, -1)

    def prepare_sum(self, features: Tensor | None, index: Tensor, size: int) -> Tensor:
        if features is None:
            raise ValueError(f"categorical features expected ({self.spec.describe()}), got none")
        return self.embedding.counts(features, index, size)

    def combine_sum(self, prepared: Tensor | None) -> Tensor:
        assert prepared is not None
        weight = self.embedding.weight()
        return prepared.to(weight.dtype) @ weight
