"""The shared contrastive loss core: tensors in, scalar out.

Imports only torch (no PyG, no RDKit, no modality backend), so graph, molecule, circuit, image,
video, text and multimodal models all use the same objectives.

Example:
    >>> from graphcl import losses
    >>> loss = losses.build("nt_xent", temperature=0.2)
    >>> losses.available()[:3]
    ['balanced_mse', 'balanced_softmax', 'byol']
"""

from __future__ import annotations

from typing import Any

from torch import nn

from graphcl.losses.balanced_mse import BalancedMSE
from graphcl.losses.balanced_softmax import BalancedSoftmax
from graphcl.losses.byol import BYOL, update_ema
from graphcl.losses.cacr import CACR
from graphcl.losses.clip import CLIP
from graphcl.losses.deca import DeCA, soft_assignment
from graphcl.losses.distributed import gather_with_grad, world
from graphcl.losses.gcool_schedule import gcool_objective, gcool_weights
from graphcl.losses.gram import GRAM
from graphcl.losses.hallucinator import Hallucinator
from graphcl.losses.hierarchical import Hierarchical
from graphcl.losses.hydra import Hydra
from graphcl.losses.mlcd import MLCD
from graphcl.losses.modx import ModX
from graphcl.losses.momentum_distillation import MomentumDistillation
from graphcl.losses.nt_xent import NTXent
from graphcl.losses.pixpro import PixPro
from graphcl.losses.prototypical import Prototypical
from graphcl.losses.registry import LOSSES
from graphcl.losses.reliability_infonce import ReliabilityInfoNCE
from graphcl.losses.resc import ReSC
from graphcl.losses.reweighted_infonce import ReweightedInfoNCE
from graphcl.losses.scattering import Scattering
from graphcl.losses.sepclr import SepCLR
from graphcl.losses.soft_contrastive import SoftContrastive
from graphcl.losses.supcon import SupCon
from graphcl.losses.symile import Symile
from graphcl.losses.tcl import TCL


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


__all__ = [
    "BYOL",
    "CACR",
    "CLIP",
    "GRAM",
    "LOSSES",
    "MLCD",
    "TCL",
    "BalancedMSE",
    "BalancedSoftmax",
    "DeCA",
    "Hallucinator",
    "Hierarchical",
    "Hydra",
    "ModX",
    "MomentumDistillation",
    "NTXent",
    "PixPro",
    "Prototypical",
    "ReSC",
    "ReliabilityInfoNCE",
    "ReweightedInfoNCE",
    "Scattering",
    "SepCLR",
    "SoftContrastive",
    "SupCon",
    "Symile",
    "available",
    "build",
    "gather_with_grad",
    "gcool_objective",
    "gcool_weights",
    "soft_assignment",
    "update_ema",
    "world",
]
