"""Evaluation protocols by name (``finetune``, ``linear`` ...). Each registers itself where it is
defined (``@PROTOCOLS.register("finetune")``); modules of :mod:`graphcl.evaluation.protocols` are
discovered on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphcl.registry import Registry

if TYPE_CHECKING:
    from graphcl.evaluation.protocols.base import EvaluationProtocol

PROTOCOLS: Registry[type[EvaluationProtocol]] = Registry(
    "evaluation protocol", package="graphcl.evaluation.protocols"
)


def get_protocol(name: str) -> EvaluationProtocol:
    """An instance of the protocol ``name``.

    Raises:
        UnknownNameError: no protocol has that name (the message lists them).
    """
    return PROTOCOLS.get(name)()
