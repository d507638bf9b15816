"""Encoders by name, built for the node and edge features of the data they will read.

Each encoder registers itself where it is defined: a layer file registers its conv-stack family
(:func:`graphcl.encoders.layers.register_layer`), other encoders use ``@ENCODERS.register``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphcl.encoders.base import GraphEncoder
from graphcl.errors import RecipeError
from graphcl.features import FeatureSpec
from graphcl.registry import Registry
from graphcl.signature import check_kwargs
from graphcl.typing import FeatureDims

ENCODERS: Registry[Callable[..., GraphEncoder]] = Registry("encoder", package="graphcl.encoders")

#: Constructor arguments that are not recipe keys: the data decides them.
DATA_ARGUMENTS = ("node_features", "edge_features")


def feature_specs(
    featurizer: str | None = "ogb",
    dims: FeatureDims | None = None,
    features: tuple[FeatureSpec, FeatureSpec] | None = None,
) -> tuple[FeatureSpec, FeatureSpec]:
    """(node, edge) feature specs from explicit ``features``, else categorical ``dims`` (node
    column sizes, edge column sizes), else the molecular ``featurizer``'s vocabularies."""
    if features is not None:
        return features
    if dims is not None:
        edge = FeatureSpec.categorical(dims[1]) if dims[1] else FeatureSpec.none()
        return FeatureSpec.categorical(dims[0]), edge
    from graphcl.featurization import build as build_featurizer

    feat = build_featurizer(featurizer or "ogb")
    return feat.node_features, feat.edge_features


def build(
    name: str,
    featurizer: Any = "ogb",
    *,
    dims: FeatureDims | None = None,
    features: tuple[FeatureSpec, FeatureSpec] | None = None,
    **kwargs: Any,
) -> GraphEncoder:
    """The encoder registered as ``name``, sized for the data it will read.

    Args:
        name: registered encoder name (``gin``, ``gcn``, ``gat``, ``kmpnn`` ...).
        featurizer: a molecular featurizer name (or instance) whose vocabularies size the
            encoder, when neither ``features`` nor ``dims`` is given.
        dims: (node column sizes, edge column sizes) of categorical features.
        features: (node, edge) :class:`~graphcl.features.FeatureSpec` of any data (float node
            features of a citation graph, categorical circuit columns ...).
        **kwargs: the encoder's options.

    Raises:
        UnknownNameError: no encoder has that name.
        RecipeError: a keyword argument the encoder does not take (names it and the valid
            ones), or a bad value.

    Example:
        >>> from graphcl.features import FeatureSpec
        >>> cora = build("gcn", features=(FeatureSpec.float(1433), FeatureSpec.none()),
        ...              num_layers=2, hidden=64)
        >>> cora.node_features.describe()
        'float (1433)'
    """
    constructor = ENCODERS.get(name)
    check_kwargs(constructor, kwargs, f"encoder {name!r}", exclude=DATA_ARGUMENTS)
    node, edge = feature_specs(featurizer, dims, features)
    try:
        return constructor(node, edge, **kwargs)
    except (TypeError, ValueError) as exc:
        raise RecipeError(f"encoder {name!r}: {exc}") from exc


def available() -> list[str]:
    """Names of the registered encoders."""
    return ENCODERS.available()
