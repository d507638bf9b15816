"""Registry mechanics and the public API surface (every ``__all__`` name resolves)."""

from __future__ import annotations

import importlib

import pytest

from graphcl.errors import UnknownNameError
from graphcl.registry import Registry

PACKAGES = [
    "graphcl",
    "graphcl.featurization",
    "graphcl.data",
    "graphcl.data.splits",
    "graphcl.encoders",
    "graphcl.evaluation",
    "graphcl.training",
]


def test_duplicate_registration_raises() -> None:
    registry: Registry = Registry("widget")
    registry.register("a")(dict)
    with pytest.raises(ValueError, match="widget 'a' is already registered"):
        registry.register("a")(list)


def test_unknown_name_lists_choices() -> None:
    registry: Registry = Registry("widget")
    registry.register("beta")(dict)
    registry.register("alpha")(list)
    with pytest.raises(
        UnknownNameError, match="unknown widget 'gamma'; choose one of: alpha, beta"
    ):
        registry.get("gamma")
    assert registry.available() == ["alpha", "beta"]
    assert "alpha" in registry and len(registry) == 2


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__, package
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
