"""Checking recipe keys against the constructor they are passed to (beside the registry: every
layer uses it, so it depends on nothing but the errors)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphcl.errors import RecipeError


def accepted_keys(constructor: Callable[..., Any], exclude: Iterable[str] = ()) -> list[str]:
    """Keyword arguments ``constructor`` accepts, minus ``exclude`` (sorted)."""
    skip = set(exclude) | {"self"}
    return sorted(
        name
        for name, p in inspect.signature(constructor).parameters.items()
        if name not in skip and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    )


def check_kwargs(
    constructor: Callable[..., Any],
    kwargs: Mapping[str, Any],
    where: str,
    exclude: Iterable[str] = (),
) -> None:
    """Raise :class:`RecipeError` naming the first key ``constructor`` does not take.

    Example:
        >>> def build(hidden: int = 300): ...
        >>> check_kwargs(build, {"hiden": 3}, "encoder 'gin'")
        Traceback (most recent call last):
        ...
        graphcl.errors.RecipeError: unknown key 'hiden' in encoder 'gin'; valid keys: hidden
    """
    valid = accepted_keys(constructor, exclude)
    for key in kwargs:
        if key not in valid:
            raise RecipeError(f"unknown key {key!r} in {where}; valid keys: {', '.join(valid)}")
