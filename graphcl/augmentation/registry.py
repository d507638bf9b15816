"""Augmentations by name, and building them from recipe specs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphcl.augmentation.attr_mask import AttrMask
from graphcl.augmentation.base import Augmentation
from graphcl.augmentation.combinators import Compose, Identity, RandomChoice
from graphcl.augmentation.edge_perturb import EdgePerturb
from graphcl.augmentation.element_kg import ElementKGAugmentation
from graphcl.augmentation.feature_noise import FeatureNoise
from graphcl.augmentation.node_drop import NodeDrop
from graphcl.augmentation.subgraph import Subgraph
from graphcl.config.signature import check_kwargs
from graphcl.errors import RecipeError
from graphcl.registry import Registry

AUGMENTATIONS: Registry[Callable[..., Augmentation]] = Registry("augmentation")
for _name, _cls in {
    "node_drop": NodeDrop,
    "edge_perturb": EdgePerturb,
    "subgraph": Subgraph,
    "attr_mask": AttrMask,
    "feature_noise": FeatureNoise,
    "identity": Identity,
    "compose": Compose,
    "random_choice": RandomChoice,
    "element_kg": ElementKGAugmentation,
}.items():
    AUGMENTATIONS.register(_name)(_cls)

#: An augmentation, its name, or a mapping ``{"name": ..., **arguments}``.
Spec = Augmentation | str | Mapping[str, Any]


def build(name: str, **kwargs: Any) -> Augmentation:
    """The augmentation registered as ``name``.

    ``compose`` and ``random_choice`` take ``augmentations``: a list of specs (instances, names,
    or ``{"name": ..., **arguments}`` mappings).

    Raises:
        UnknownNameError: no augmentation has that name; the message lists them.
        RecipeError: an argument the augmentation does not take.

    Example:
        >>> aug = build("random_choice", augmentations=["node_drop", {"name": "subgraph"}])
        >>> type(aug).__name__
        'RandomChoice'
    """
    constructor = AUGMENTATIONS.get(name)
    check_kwargs(constructor, kwargs, f"augmentation {name!r}")
    if "augmentations" in kwargs:
        kwargs["augmentations"] = [resolve(spec) for spec in kwargs["augmentations"]]
    try:
        return constructor(**kwargs)
    except ValueError as exc:
        raise RecipeError(f"augmentation {name!r}: {exc}") from exc


def resolve(spec: Spec) -> Augmentation:
    """An augmentation from a spec (see :data:`Spec`)."""
    if isinstance(spec, Augmentation):
        return spec
    if isinstance(spec, str):
        return build(spec)
    arguments = dict(spec)
    if "name" not in arguments:
        raise RecipeError(f"augmentation spec {arguments} needs a 'name'")
    return build(arguments.pop("name"), **arguments)


def resolve_all(specs: Sequence[Spec]) -> list[Augmentation]:
    """Each spec resolved."""
    return [resolve(spec) for spec in specs]


def available() -> list[str]:
    """Names of the registered augmentations."""
    return AUGMENTATIONS.available()
