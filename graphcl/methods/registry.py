"""Methods by name, built with their encoder from recipe sections."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphcl.config.signature import check_kwargs
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import RecipeError
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.graphcl_method import GraphCL
from graphcl.methods.kcl import KCL
from graphcl.registry import Registry
from graphcl.typing import FeatureDims

METHODS: Registry[Callable[..., ContrastiveMethod]] = Registry("method")
METHODS.register("graphcl")(GraphCL)
METHODS.register("kcl")(KCL)


def build(
    name: str,
    encoder: Mapping[str, Any] | None = None,
    featurizer: str = "ogb",
    dims: FeatureDims | None = None,
    **kwargs: Any,
) -> ContrastiveMethod:
    """The method registered as ``name`` with a fresh encoder.

    Args:
        name: method name (``graphcl``).
        encoder: ``{"name": ..., **arguments}`` of the encoder (default: GIN 5x300, no dropout).
        featurizer: featurizer of the graphs the method will read.
        dims: feature vocabularies of those graphs (default: the featurizer's).
        **kwargs: the method's own arguments (augmentations, loss ...).

    Raises:
        UnknownNameError: unknown method or encoder name.
        RecipeError: an argument the method or encoder does not take, or a bad value.
    """
    constructor = METHODS.get(name)
    check_kwargs(constructor, kwargs, f"method {name!r}", exclude=("encoder", "featurizer", "dims"))
    spec = {"name": "gin", "dropout": 0.0, **(encoder or {})}
    encoder_module = build_encoder(spec.pop("name"), featurizer, dims=dims, **spec)
    try:
        return constructor(encoder=encoder_module, featurizer=featurizer, **kwargs)
    except ValueError as exc:
        raise RecipeError(f"method {name!r}: {exc}") from exc


def available() -> list[str]:
    """Names of the registered methods."""
    return METHODS.available()
