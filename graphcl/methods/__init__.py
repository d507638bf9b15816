"""Training objectives: self-supervised methods (views + encoder + head + loss: GraphCL, KCL ...)
and the interface the trainer drives."""

from graphcl.methods.attr_masking import AttrMasking
from graphcl.methods.base import ContrastiveMethod, TrainingObjective, projection_head
from graphcl.methods.graphcl_masking import GraphCLMasking
from graphcl.methods.graphcl_method import DEFAULT_AUGMENTATIONS, GraphCL, with_feature_tokens
from graphcl.methods.graphmae import GraphMAE
from graphcl.methods.registry import METHODS, available, build
from graphcl.runtime.step_context import StepContext

__all__ = [
    "DEFAULT_AUGMENTATIONS",
    "METHODS",
    "AttrMasking",
    "ContrastiveMethod",
    "GraphCL",
    "GraphCLMasking",
    "GraphMAE",
    "StepContext",
    "TrainingObjective",
    "available",
    "build",
    "projection_head",
    "with_feature_tokens",
]
