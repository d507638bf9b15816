"""One registry mechanism for everything a recipe can name.

A :class:`Registry` maps recipe names to constructors (classes or factory functions). Names are
registered with a decorator; registering a name twice raises; looking up an unknown name raises
:class:`~graphcl.errors.UnknownNameError` listing the valid choices.

Example:
    >>> from graphcl.registry import Registry
    >>> POOLS = Registry("pooling")
    >>> @POOLS.register("mean")
    ... class MeanPool: ...
    >>> POOLS.get("mean") is MeanPool
    True
    >>> POOLS.available()
    ['mean']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from graphcl.errors import UnknownNameError

T = TypeVar("T", bound=Callable[..., Any])


class Registry(Generic[T]):
    """A name -> constructor table for one kind of component.

    Args:
        kind: what the registry holds, used in error messages ("encoder", "dataset split").
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers ``obj`` under ``name``.

        Raises:
            ValueError: ``name`` is already registered.
        """

        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(
                    f"{self.kind} {name!r} is already registered to {self._entries[name]!r}"
                )
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name: str) -> T:
        """The constructor registered under ``name``.

        Raises:
            UnknownNameError: ``name`` is not registered; the message lists the valid names.
        """
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._entries) from None

    def available(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.available())

    def __len__(self) -> int:
        return len(self._entries)
