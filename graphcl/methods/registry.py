"""Methods by name, built with their encoder from recipe sections. Each method registers itself
where it is defined (``@METHODS.register("graphcl")``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import RecipeError
from graphcl.features import FeatureSpec
from graphcl.methods.base import ContrastiveMethod
from graphcl.registry import Registry
from graphcl.signature import check_kwargs
from graphcl.typing import FeatureDims

METHODS: Registry[Callable[..., ContrastiveMethod]] = Registry("method", package="graphcl.methods")

#: Constructor arguments the data and the encoder decide, not the recipe.
_BUILT_HERE = ("encoder", "featurizer", "dims", "features")


def build(
    name: str,
    encoder: Mapping[str, Any] | None = None,
    featurizer: str | None = "ogb",
    dims: FeatureDims | None = None,
    features: tuple[FeatureSpec, FeatureSpec] | None = None,
    **kwargs: Any,
) -> ContrastiveMethod:
    """The method registered as ``name`` with a fresh encoder.

    Args:
        name: method name (``graphcl``, ``kcl`` ...).
        encoder: ``{"name": ..., **arguments}`` of the encoder (default: GIN 5x300, no dropout).
        featurizer: molecular featurizer of the graphs the method will read (None: the data
            brings its own features, given by ``features``).
        dims: categorical feature vocabularies of those graphs (default: the featurizer's).
        features: (node, edge) feature specs of those graphs (float node features ...).
        **kwargs: the method's own arguments (augmentations, loss ...).

    Raises:
        UnknownNameError: unknown method or encoder name.
        RecipeError: an argument the method or encoder does not take, or a bad value.
    """
    constructor = METHODS.get(name)
    check_kwargs(constructor, kwargs, f"method {name!r}", exclude=_BUILT_HERE)
    spec = {"name": "gin", "dropout": 0.0, **(encoder or {})}
    encoder_module = build_encoder(
        spec.pop("name"), featurizer, dims=dims, features=features, **spec
    )
    try:
        return constructor(encoder=encoder_module, featurizer=featurizer, **kwargs)
    except (TypeError, ValueError) as exc:
        raise RecipeError(f"method {name!r}: {exc}") from exc


def available() -> list[str]:
    """Names of the registered methods."""
    return METHODS.available()
