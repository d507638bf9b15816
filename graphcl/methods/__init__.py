"""Self-supervised methods: views + encoder + head + loss (GraphCL; KCL, gCooL ... later)."""

from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.graphcl_method import DEFAULT_AUGMENTATIONS, GraphCL, with_feature_tokens
from graphcl.methods.registry import METHODS, available, build

__all__ = [
    "DEFAULT_AUGMENTATIONS",
    "METHODS",
    "ContrastiveMethod",
    "GraphCL",
    "available",
    "build",
    "with_feature_tokens",
]
