"""Featurizers by name."""

from __future__ import annotations

from graphcl.featurization.base import MoleculeFeaturizer
from graphcl.featurization.ogb import OGBFeaturizer
from graphcl.featurization.pretrain_gnns import PretrainGNNsFeaturizer
from graphcl.featurization.rich import RichFeaturizer
from graphcl.registry import Registry

FEATURIZERS: Registry[type[MoleculeFeaturizer]] = Registry("featurizer")
FEATURIZERS.register(OGBFeaturizer.name)(OGBFeaturizer)
FEATURIZERS.register(RichFeaturizer.name)(RichFeaturizer)
FEATURIZERS.register(PretrainGNNsFeaturizer.name)(PretrainGNNsFeaturizer)


def build(name: str | MoleculeFeaturizer = "ogb") -> MoleculeFeaturizer:
    """The featurizer registered as ``name`` (an instance passes through unchanged).

    Raises:
        UnknownNameError: no featurizer has that name; the message lists them.
    """
    if isinstance(name, MoleculeFeaturizer):
        return name
    return FEATURIZERS.get(name)()


def available() -> list[str]:
    """Names of the registered featurizers."""
    return FEATURIZERS.available()
