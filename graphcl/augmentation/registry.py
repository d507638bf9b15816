"""Augmentations by name, and building them from recipe specs. Each augmentation registers itself
where it is defined (``@AUGMENTATIONS.register("node_drop")``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphcl.augmentation.base import Augmentation
from graphcl.errors import RecipeError
from graphcl.registry import Registry
from graphcl.signature import check_kwargs

AUGMENTATIONS: Registry[Callable[..., Augmentation]] = Registry(
    "augmentation", package="graphcl.augmentation"
)

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
    if isinstance(kwargs.get("augmentations"), (list, tuple)):
        kwargs["augmentations"] = [resolve(spec) for spec in kwargs["augmentations"]]
    check_kwargs(constructor, kwargs, f"augmentation {name!r}")
    try:
        return constructor(**kwargs)
    except (TypeError, ValueError) as exc:
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
