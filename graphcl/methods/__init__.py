"""Training objectives: self-supervised methods (views + encoder + head + loss: GraphCL, KCL ...)
and the interface the trainer drives."""

from graphcl.methods.attr_masking import AttrMasking
from graphcl.methods.base import ContrastiveMethod, TrainingObjective, projection_head
from graphcl.methods.bgrl import BGRL
from graphcl.methods.gcool import GCooL
from graphcl.methods.grace import GCA, GRACE
from graphcl.methods.graphcl_masking import GraphCLMasking
from graphcl.methods.graphcl_method import DEFAULT_AUGMENTATIONS, GraphCL, with_feature_tokens
from graphcl.methods.graphmae import GraphMAE
from graphcl.methods.molecule_fingerprint import MoleculeFingerprint
from graphcl.methods.node_views import NodeViews
from graphcl.methods.registry import METHODS, available, build
from graphcl.runtime.step_context import StepContext

__all__ = [
    "BGRL",
    "DEFAULT_AUGMENTATIONS",
    "GCA",
    "GRACE",
    "METHODS",
    "AttrMasking",
    "ContrastiveMethod",
    "GCooL",
    "GraphCL",
    "GraphCLMasking",
    "GraphMAE",
    "MoleculeFingerprint",
    "NodeViews",
    "StepContext",
    "TrainingObjective",
    "available",
    "build",
    "projection_head",
    "with_feature_tokens",
]
