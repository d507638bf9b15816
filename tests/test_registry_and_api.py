"""Registry mechanics and the public API surface (every ``__all__`` name resolves)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from graphcl.errors import UnknownNameError
from graphcl.registry import Registry

PACKAGES = [
    "graphcl",
    "graphcl.augmentation",
    "graphcl.circuits",
    "graphcl.circuits.parasitics",
    "graphcl.featurization",
    "graphcl.data",
    "graphcl.data.nodes",
    "graphcl.data.sampling",
    "graphcl.data.splits",
    "graphcl.encoders",
    "graphcl.encoders.inputs",
    "graphcl.evaluation",
    "graphcl.evaluation.protocols",
    "graphcl.losses",
    "graphcl.methods",
    "graphcl.runtime",
    "graphcl.training",
    "graphcl.zoo",
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
def test_every_public_name_resolves_to_its_documented_definition(package: str) -> None:
    """Each ``__all__`` name is importable from the package, is the very object its defining
    module holds under that name (no stale copies), and classes and functions are documented."""
    module = importlib.import_module(package)
    assert module.__all__ and len(set(module.__all__)) == len(module.__all__), package
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            home = importlib.import_module(obj.__module__)
            assert getattr(home, obj.__name__) is obj, f"{package}.{name} -> {obj.__module__}"
            assert obj.__module__.startswith("graphcl."), f"{package}.{name}"
            assert inspect.getdoc(obj), f"{package}.{name} has no docstring"
        else:
            assert not inspect.ismodule(obj) or obj.__name__.startswith("graphcl"), name


def test_components_register_where_they_are_defined() -> None:
    """Registries discover their package: a loss, augmentation, encoder, method, split or
    protocol module registers itself, and every registered name resolves to an object defined
    in that package."""
    from graphcl.augmentation import AUGMENTATIONS
    from graphcl.data.splits import SPLITS
    from graphcl.encoders import ENCODERS, INPUTS, LAYERS
    from graphcl.evaluation import PROTOCOLS
    from graphcl.losses import LOSSES
    from graphcl.methods import METHODS

    for registry, package in (
        (LOSSES, "graphcl.losses"),
        (AUGMENTATIONS, "graphcl.augmentation"),
        (ENCODERS, "graphcl.encoders"),
        (LAYERS, "graphcl.encoders"),
        (INPUTS, "graphcl.encoders.inputs"),
        (METHODS, "graphcl.methods"),
        (SPLITS, "graphcl.data.splits"),
        (PROTOCOLS, "graphcl.evaluation.protocols"),
    ):
        assert registry.package == package and len(registry) > 0
        for name, entry in registry.items():
            assert entry.__module__.startswith(package), (registry.kind, name, entry.__module__)
    assert {"gin", "gcn", "gat", "kmpnn"} <= set(ENCODERS.available())
    assert {"finetune", "linear"} <= set(PROTOCOLS.available())
