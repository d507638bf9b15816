"""The shared contrastive loss core: tensors in, scalar out.

Imports only torch (no PyG, no RDKit, no modality backend), so graph, molecule, circuit, image,
video, text and multimodal models all use the same objectives.

Example:
    >>> from graphcl import losses
    >>> loss = losses.build("nt_xent", temperature=0.2)
    >>> losses.available()
    ['nt_xent', 'supcon']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from graphcl.losses.distributed import gather_with_grad, world
from graphcl.losses.nt_xent import NTXent
from graphcl.losses.supcon import SupCon
from graphcl.registry import Registry

LOSSES: Registry[Callable[..., nn.Module]] = Registry("loss")
LOSSES.register("nt_xent")(NTXent)
LOSSES.register("supcon")(SupCon)


def build(name: str, **kwargs: Any) -> nn.Module:
    """The loss registered as ``name``, constructed with ``kwargs``.

    Raises:
        UnknownNameError: no loss has that name; the message lists them.
        ValueError: a bad hyper-parameter (the message names it).
    """
    return LOSSES.get(name)(**kwargs)


def available() -> list[str]:
    """Names of the registered losses."""
    return LOSSES.available()


__all__ = ["LOSSES", "NTXent", "SupCon", "available", "build", "gather_with_grad", "world"]
