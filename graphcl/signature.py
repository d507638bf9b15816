"""Checking recipe keys against the constructor they are passed to (beside the registry: every
layer uses it, so it depends on nothing but the errors)."""

from __future__ import annotations

import dataclasses
import inspect
import math
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    """Raise :class:`RecipeError` naming the first key ``constructor`` does not take, or the
    first value that does not fit its parameter's annotation (``hidden: "wide"``).

    Example:
        >>> def build(hidden: int = 300): ...
        >>> check_kwargs(build, {"hiden": 3}, "encoder 'gin'")
        Traceback (most recent call last):
        ...
        graphcl.errors.RecipeError: unknown key 'hiden' in encoder 'gin'; valid keys: hidden
    """
    valid = accepted_keys(constructor, exclude)
    for key in kwargs:
        if not isinstance(key, str) or key not in valid:
            raise RecipeError(f"unknown key {key!r} in {where}; valid keys: {', '.join(valid)}")
    hints = parameter_types(constructor)
    for key, value in kwargs.items():
        hint = hints.get(key)
        if hint is not None and not _matches(value, hint)[0]:
            name = f"{where}.{key}" if " " not in where else f"{key} in {where}"
            raise RecipeError(f"{name}: expected {_describe(hint)}, got {value!r}")


def parameter_types(constructor: Callable[..., Any]) -> dict[str, Any]:
    """The resolved annotation of each parameter of ``constructor`` (those that resolve)."""
    target = constructor.__init__ if isinstance(constructor, type) else constructor  # type: ignore[misc]
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # unresolvable forward references: fall back to one by one
        hints = {}
    module = sys.modules.get(getattr(constructor, "__module__", ""), None)
    namespace = dict(vars(module)) if module is not None else {}
    out: dict[str, Any] = {}
    for name, parameter in inspect.signature(constructor).parameters.items():
        hint = hints.get(name, parameter.annotation)
        if hint is inspect.Parameter.empty:
            continue
        if isinstance(hint, str):
            try:
                hint = eval(hint, namespace)  # annotations of graphcl's own code only
            except Exception:
                continue
        out[name] = hint
    return out


def _matches(value: Any, hint: Any) -> tuple[bool, Any]:
    """Whether ``value`` fits the annotation ``hint`` (and the value to keep: ints become floats
    where a float is expected, lists become tuples where a tuple is)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True, value
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            ok, converted = _matches(value, option)
            if ok:
                return True, converted
        return False, value
    if hint is type(None):
        return value is None, value
    if origin is typing.Literal:
        return value in typing.get_args(hint), value
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok and math.isfinite(float(value)) if ok else False, float(value) if ok else value
    if hint is str:
        return isinstance(value, str), value
    if origin in (dict, Mapping) or hint is dict:
        return isinstance(value, dict), value
    if origin in (tuple, list, Sequence) or hint in (tuple, list):
        if not isinstance(value, (list, tuple)):
            return False, value
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        if args:
            converted = []
            item_hint = args[0]  # tuple[float, float, float] and tuple[int, ...] alike
            for item in value:
                ok, item = _matches(item, item_hint)
                if not ok:
                    return False, value
                converted.append(item)
            value = converted
        return True, tuple(value) if origin is tuple or hint is tuple else list(value)
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            return True, value  # a settings section: checked when it is built from the mapping
        return isinstance(value, hint), value
    return True, value


def _describe(hint: Any) -> str:
    text = str(hint).replace("typing.", "").replace("NoneType", "null")
    return text.replace("<class '", "").replace("'>", "")


def check_types(instance: Any, where: str, error: type[Exception] = RecipeError) -> None:
    """Check (and normalise) every field of a settings dataclass against its annotation.

    Recipe values come from YAML, so ``epochs: ten`` or ``lr: fast`` arrive as strings; this
    turns them into a :class:`RecipeError` naming the key, the value and the expected type,
    instead of a ``TypeError`` deep inside. Integers are accepted where floats are expected
    (and converted); lists where tuples are.

    Raises:
        RecipeError: a field's value does not fit its type (or ``error``, e.g. for cards).
    """
    hints = typing.get_type_hints(type(instance))
    for item in dataclasses.fields(instance):
        value = getattr(instance, item.name)
        ok, converted = _matches(value, hints[item.name])
        if not ok:
            raise error(
                f"{where}.{item.name}: expected {_describe(hints[item.name])}, got {value!r}"
            )
        if converted is not value:
            object.__setattr__(instance, item.name, converted)
