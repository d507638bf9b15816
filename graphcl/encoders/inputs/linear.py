"""Float features: a linear projection (citation bag-of-words, circuit statistics, embeddings)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from graphcl.encoders.inputs.base import FeatureInput
from graphcl.encoders.inputs.registry import INPUTS
from graphcl.features import FeatureSpec


@INPUTS.register("float")
class LinearInput(FeatureInput):
    """``W x + b`` of real-valued features. Self-loops carry zero features (so their embedding
    is the bias); sums over edges are ``(sum of x) W^T + count * b``.

    Shape:
        (N, spec.width) floats -> (N, width).
    """

    def __init__(self, spec: FeatureSpec, width: int, special_tokens: int = 0) -> None:
        super().__init__(spec, width, special_tokens)
        self.linear = nn.Linear(spec.width, width)

    def _check(self, features: Tensor | None) -> Tensor:
        if features is None:
            raise ValueError(f"float features expected ({self.spec.describe()}), got none")
        if features.dim() != 2 or features.shape[1] != self.spec.width:
            raise ValueError(
                f"expected float features of shape (N, {self.spec.width}), "
                f"got {tuple(features.shape)}"
            )
        return features.to(self.linear.weight.dtype)

    def forward(self, features: Tensor | None) -> Tensor:
        out: Tensor = self.linear(self._check(features))
        return out

    def loop_rows(self, count: int, like: Tensor) -> Tensor:
        return torch.zeros(count, self.spec.width, device=like.device)

    def prepare_sum(self, features: Tensor | None, index: Tensor, size: int) -> Tensor:
        values = self._check(features)
        ones = torch.ones(values.shape[0], 1, dtype=values.dtype, device=values.device)
        rows = torch.cat([values, ones], dim=1)
        return rows.new_zeros(size, rows.shape[1]).index_add_(0, index, rows)

    def combine_sum(self, prepared: Tensor | None) -> Tensor:
        assert prepared is not None
        weight = torch.cat([self.linear.weight, self.linear.bias[:, None]], dim=1)
        return prepared.to(weight.dtype) @ weight.T
