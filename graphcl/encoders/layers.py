"""Message-passing layers by name, and the layer interface of :class:`ConvStackEncoder`.

A layer maps node states of width ``width`` to the same width, reading edge features through its
own :mod:`edge input adapter <graphcl.encoders.inputs>` (``self.edge_embedding``), whatever their
kind. Each layer registers itself where it is defined (``@register_layer("gin")``), and that also
registers the encoder family of that name (:func:`graphcl.encoders.conv_stack.family`): a new
layer file gives a new ``encoder: {name: ...}``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from torch import Tensor, nn

from graphcl.features import FeatureSpec
from graphcl.registry import Registry


class MessagePassingLayer(nn.Module):
    """One layer of a conv stack.

    Subclasses take ``(width, edge_features, **their own options)`` in ``__init__`` and are
    called as ``layer(h, *inputs)`` with ``inputs`` from :meth:`prepare` of the first layer,
    built once per batch and shared by every layer.
    """

    def prepare(
        self, edge_index: Tensor, edge_attr: Tensor | None, num_nodes: int
    ) -> tuple[Any, ...]:
        """The arguments after ``h`` of every layer call (default ``edge_index, edge_attr``)."""
        return edge_index, edge_attr


LAYERS: Registry[Callable[..., MessagePassingLayer]] = Registry(
    "message-passing layer", package="graphcl.encoders"
)


def layer_options(layer: Callable[..., MessagePassingLayer]) -> list[inspect.Parameter]:
    """The layer's own keyword options (its ``__init__`` parameters after width and edges)."""
    parameters = list(inspect.signature(layer).parameters.values())
    return [
        p
        for p in parameters[2:]
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    ]


def register_layer(name: str) -> Callable[[type[MessagePassingLayer]], type[MessagePassingLayer]]:
    """Register a layer class under ``name``, and the encoder family ``name`` built on it."""

    def decorator(cls: type[MessagePassingLayer]) -> type[MessagePassingLayer]:
        from graphcl.encoders.conv_stack import family
        from graphcl.encoders.registry import ENCODERS

        LAYERS.register(name)(cls)
        ENCODERS.register(name)(family(name, cls))
        return cls

    return decorator


def edge_spec_of(edge_features: FeatureSpec | None) -> FeatureSpec:
    """``edge_features``, or ``none`` when not given."""
    return edge_features if edge_features is not None else FeatureSpec.none()
