"""No features (edges of citation and co-purchase graphs): nothing to embed."""

from __future__ import annotations

from torch import Tensor

from graphcl.encoders.inputs.base import FeatureInput
from graphcl.encoders.inputs.registry import INPUTS


@INPUTS.register("none")
class NoInput(FeatureInput):
    """The adapter of absent features: every method returns None, and layers then pass
    messages without an edge term."""

    def forward(self, features: Tensor | None) -> None:
        return None

    def loop_rows(self, count: int, like: Tensor) -> None:
        return None

    def prepare_sum(self, features: Tensor | None, index: Tensor, size: int) -> None:
        return None

    def combine_sum(self, prepared: Tensor | None) -> None:
        return None
