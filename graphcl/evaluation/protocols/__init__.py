"""Evaluation protocols: ``finetune`` and ``linear`` for graph-level property prediction."""

from graphcl.evaluation.protocols.base import EvaluationProtocol, GraphProtocol, standardizer
from graphcl.evaluation.protocols.finetune import Finetune, SupervisedObjective
from graphcl.evaluation.protocols.linear import Linear, ProbeObjective, encode_all
from graphcl.evaluation.protocols.registry import PROTOCOLS, get_protocol

__all__ = [
    "PROTOCOLS",
    "EvaluationProtocol",
    "Finetune",
    "GraphProtocol",
    "Linear",
    "ProbeObjective",
    "SupervisedObjective",
    "encode_all",
    "get_protocol",
    "standardizer",
]
