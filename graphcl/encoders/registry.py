"""Encoders by name, built for a featurizer's vocabularies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphcl.config.signature import check_kwargs
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.gat import GAT
from graphcl.encoders.gcn import GCN
from graphcl.encoders.gin import GIN
from graphcl.encoders.kmpnn import KMPNN
from graphcl.errors import RecipeError
from graphcl.featurization import MoleculeFeaturizer
from graphcl.featurization import build as build_featurizer
from graphcl.registry import Registry
from graphcl.typing import FeatureDims

ENCODERS: Registry[Callable[..., GraphEncoder]] = Registry("encoder")
ENCODERS.register("gin")(GIN)
ENCODERS.register("gcn")(GCN)
ENCODERS.register("gat")(GAT)
ENCODERS.register("kmpnn")(KMPNN)


def build(
    name: str,
    featurizer: str | MoleculeFeaturizer = "ogb",
    *,
    dims: FeatureDims | None = None,
    **kwargs: Any,
) -> GraphEncoder:
    """The encoder registered as ``name``, sized for the feature vocabularies of ``featurizer``
    (or for ``dims`` = (node column sizes, edge column sizes) of any categorical graph dataset).

    Raises:
        UnknownNameError: no encoder has that name.
        RecipeError: a keyword argument the encoder does not take; names it and the valid ones.
    """
    cls = ENCODERS.get(name)
    check_kwargs(
        cls, kwargs, f"encoder {name!r}", exclude=("atom_feature_dims", "bond_feature_dims")
    )
    if dims is None:
        feat = build_featurizer(featurizer)
        dims = (feat.atom_feature_dims, feat.bond_feature_dims)
    try:
        return cls(dims[0], dims[1], **kwargs)
    except (TypeError, ValueError) as exc:
        raise RecipeError(f"encoder {name!r}: {exc}") from exc


def available() -> list[str]:
    """Names of the registered encoders."""
    return ENCODERS.available()
