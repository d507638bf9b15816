"""Feature input adapters: how an encoder turns node and edge features into vectors.

``categorical`` (one table per column, summed), ``float`` (linear projection) and ``none``
(no features); :func:`build_input` picks the adapter of a :class:`~graphcl.features.FeatureSpec`.
"""

from graphcl.encoders.inputs.base import FeatureInput
from graphcl.encoders.inputs.categorical import CategoricalInput
from graphcl.encoders.inputs.linear import LinearInput
from graphcl.encoders.inputs.none import NoInput
from graphcl.encoders.inputs.registry import INPUTS, build_input

__all__ = ["INPUTS", "CategoricalInput", "FeatureInput", "LinearInput", "NoInput", "build_input"]
