"""Feature input adapters by feature kind: ``categorical``, ``float``, ``none``.

Each adapter registers itself under the :class:`~graphcl.features.FeatureSpec` kind it reads
(``@INPUTS.register("float")``); :func:`build_input` picks the one a spec needs.
"""

from __future__ import annotations

from collections.abc import Callable

from graphcl.encoders.inputs.base import FeatureInput
from graphcl.features import FeatureSpec
from graphcl.registry import Registry

INPUTS: Registry[Callable[..., FeatureInput]] = Registry(
    "feature input", package="graphcl.encoders.inputs"
)


def build_input(spec: FeatureSpec, width: int, special_tokens: int = 0) -> FeatureInput:
    """The adapter registered for ``spec.kind``, embedding into ``width``.

    Example:
        >>> import torch
        >>> build_input(FeatureSpec.float(1433), 64)(torch.zeros(5, 1433)).shape
        torch.Size([5, 64])
    """
    return INPUTS.get(spec.kind)(spec, width, special_tokens)
