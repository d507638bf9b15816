"""One registry mechanism for everything a recipe can name.

A :class:`Registry` maps recipe names to constructors (classes or factory functions). Components
register where they are defined, with a decorator (as timm's ``register_model`` does); a registry
that knows its ``package`` imports every module of that package the first time it is looked up,
so a new loss, augmentation or encoder is one new file (plus its test) and nothing else.
Registering a name twice raises; looking up an unknown name raises
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

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from graphcl.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> constructor table for one kind of component.

    Args:
        kind: what the registry holds, used in error messages ("encoder", "dataset split").
        package: dotted name of the package whose modules register into this registry; they are
            imported on the first lookup (None: entries are registered explicitly).
    """

    def __init__(self, kind: str, package: str | None = None) -> None:
        self.kind = kind
        self.package = package
        self._entries: dict[str, T] = {}
        self._discovered = package is None

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers ``obj`` under ``name``.

        Raises:
            ValueError: ``name`` is already registered to another object.
        """

        def decorator(obj: T) -> T:
            current = self._entries.get(name)
            if current is not None and current is not obj:
                raise ValueError(f"{self.kind} {name!r} is already registered to {current!r}")
            self._entries[name] = obj
            return obj

        return decorator

    def _discover(self) -> None:
        """Import every module of :attr:`package` once, so that their decorators run."""
        if self._discovered:
            return
        self._discovered = True
        assert self.package is not None
        package = importlib.import_module(self.package)
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)

    def get(self, name: str) -> T:
        """The constructor registered under ``name``.

        Raises:
            UnknownNameError: ``name`` is not registered; the message lists the valid names.
        """
        self._discover()
        if not isinstance(name, str):
            raise UnknownNameError(self.kind, repr(name), self._entries)
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._entries) from None

    def name_of(self, obj: object) -> str:
        """The name ``obj`` (or its type) is registered under.

        Raises:
            UnknownNameError: it is not registered here.
        """
        self._discover()
        for name, entry in self._entries.items():
            if entry is obj or entry is type(obj):
                return name
        raise UnknownNameError(self.kind, type(obj).__name__, self._entries)

    def available(self) -> list[str]:
        """Registered names, sorted."""
        self._discover()
        return sorted(self._entries)

    def items(self) -> list[tuple[str, T]]:
        """(name, constructor) pairs, sorted by name."""
        self._discover()
        return sorted(self._entries.items())

    def __contains__(self, name: object) -> bool:
        self._discover()
        return isinstance(name, str) and name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.available())

    def __len__(self) -> int:
        self._discover()
        return len(self._entries)
