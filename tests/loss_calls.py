"""How each registered loss is built and called on two views z1, z2 (N, 6) and labels y (N,)
with values 0..3: the contract and distributed tests drive every loss through this table."""

from __future__ import annotations

import torch

#: name -> (constructor keyword arguments, call(loss, z1, z2, y)). Every loss needs an entry.
CALLS = {
    "nt_xent": ({}, lambda loss, z1, z2, y: loss(z1, z2)),
    "supcon": ({}, lambda loss, z1, z2, y: loss(z1, z2, labels=y)),
    "soft_contrastive": ({}, lambda loss, z1, z2, y: loss(z1, z2, labels=y)),
    "momentum_distillation": (
        {},
        lambda loss, z1, z2, y: loss(z1, z2, momentum=(0.9 * z1 + 0.1 * z2, z2.flip(1))),
    ),
    "cacr": ({}, lambda loss, z1, z2, y: loss(z1, z2, z1 - z2)),
    "reweighted_infonce": ({}, lambda loss, z1, z2, y: loss(z1, z2, groups=y)),
    "hierarchical": (
        {"weights": [1.0, 0.5, 0.25]},
        lambda loss, z1, z2, y: loss(z1, z2, labels=torch.stack([y, y // 2], 1)),
    ),
    "prototypical": ({}, lambda loss, z1, z2, y: loss(z1, z2, labels=torch.where(y < 2, y, -1))),
    "mlcd": ({}, lambda loss, z1, z2, y: loss(z1, centres=z2)),
    "reliability_infonce": (
        {},
        lambda loss, z1, z2, y: loss(z1, z2, reliability=y.to(z1.dtype) / 3),
    ),
    "clip": ({}, lambda loss, z1, z2, y: loss(z1, z2)),
    "symile": ({"negative_sampling": "n_squared"}, lambda loss, z1, z2, y: loss(z1, z2, z1 * z2)),
    "gram": ({}, lambda loss, z1, z2, y: loss(z1, z2, z1 + z2)),
    "tcl": (
        {},
        lambda loss, z1, z2, y: loss(
            z1, z2, z1 + 0.1, z2 - 0.1, local_a=torch.stack([z1, z1 * z2], 1), local_b=z2[:, None]
        ),
    ),
    "modx": ({}, lambda loss, z1, z2, y: loss(z1, z2, old=(z2, z1))),
    "hydra": ({"num_classes": 4, "dim": 6}, lambda loss, z1, z2, y: loss(z1, z2, labels=y)),
    "hallucinator": ({"dim": 6}, lambda loss, z1, z2, y: loss(z1, z2)),
    "sepclr": (
        {},
        lambda loss, z1, z2, y: loss(z1, z2, z2.flip(1), z1.flip(1), labels=y % 2),
    ),
    "pixpro": ({"dim": 6}, lambda loss, z1, z2, y: loss(z1, z2, batch=y)),
    "scattering": ({}, lambda loss, z1, z2, y: loss(z1 - z2)),
    "byol": ({}, lambda loss, z1, z2, y: loss(z1, z2)),
    "balanced_mse": ({}, lambda loss, z1, z2, y: loss(z1, z2)),
    "balanced_softmax": (
        {"class_counts": [1, 2, 3, 4, 5, 6]},
        lambda loss, z1, z2, y: loss(z1, labels=y),
    ),
    "deca": ({}, lambda loss, z1, z2, y: loss(torch.softmax(z1, 1), torch.stack([y, y.flip(0)]))),
    "resc": ({}, lambda loss, z1, z2, y: loss(z1, z2, y)),
}

#: Losses whose negatives (or batch statistics) are gathered across processes: under
#: torch.distributed their loss and gradients equal one process on the concatenated batch.
GATHERING = [
    "nt_xent",
    "supcon",
    "soft_contrastive",
    "momentum_distillation",
    "cacr",
    "reweighted_infonce",
    "hierarchical",
    "reliability_infonce",
    "clip",
    "symile",
    "gram",
    "tcl",
    "modx",
    "hydra",
    "hallucinator",
    "scattering",
    "balanced_mse",
    "resc",
]
