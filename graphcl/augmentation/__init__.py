"""Graph augmentations that build contrastive views of a whole ``Batch`` at once.

Example:
    >>> import torch
    >>> from graphcl import augmentation
    >>> from graphcl.data import load_dataset
    >>> batch = load_dataset("chembl2321810", progress=False).collate(range(8))
    >>> aug = augmentation.build("node_drop", ratio=0.2)
    >>> view = aug(batch, generator=torch.Generator().manual_seed(0))
    >>> view.num_graphs, view.num_nodes < batch.num_nodes
    (8, True)
"""

from graphcl.augmentation.attr_mask import AttrMask
from graphcl.augmentation.base import Augmentation
from graphcl.augmentation.combinators import Compose, Identity, RandomChoice
from graphcl.augmentation.edge_perturb import EdgePerturb
from graphcl.augmentation.feature_noise import FeatureNoise
from graphcl.augmentation.node_drop import NodeDrop
from graphcl.augmentation.registry import AUGMENTATIONS, Spec, available, build, resolve
from graphcl.augmentation.subgraph import Subgraph

__all__ = [
    "AUGMENTATIONS",
    "AttrMask",
    "Augmentation",
    "Compose",
    "EdgePerturb",
    "FeatureNoise",
    "Identity",
    "NodeDrop",
    "RandomChoice",
    "Spec",
    "Subgraph",
    "available",
    "build",
    "resolve",
]
