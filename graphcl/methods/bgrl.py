"""BGRL: bootstrapped graph latents, node-level self-supervision without negatives.

Thakoor et al., "Large-Scale Representation Learning on Graphs via Bootstrapping", ICLR 2022. An
online encoder and a predictor regress the embeddings that a target encoder gives the other view:

    L = 2 - 2 cos(p(h̃₁), sg(ĥ₂)) averaged over nodes, plus the same with the views swapped,

and after every optimizer step the target follows the online encoder as an exponential moving
average, ``φ <- τ φ + (1 - τ) θ``, with τ increased from ``decay`` to 1 over training by a
cosine schedule (the paper's). No negatives, so memory is linear in the nodes. The loss is the
loss core's ``byol``; the update is :func:`graphcl.losses.update_ema`, run in ``after_step``.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import Tensor, nn
from torch_geometric.data import Data

from graphcl.encoders.base import GraphEncoder
from graphcl.losses import BYOL, update_ema
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.grace import apply_init
from graphcl.methods.node_views import NodeViews, ViewSpec, centre_rows, describe
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext

#: BGRL's Amazon-Photo views (edge drop 0.4 / 0.1, feature mask 0.1 / 0.2).
BGRL_VIEWS: tuple[ViewSpec, ViewSpec] = (
    [{"name": "edge_drop", "ratio": 0.4}, {"name": "feature_mask", "ratio": 0.1}],
    [{"name": "edge_drop", "ratio": 0.1}, {"name": "feature_mask", "ratio": 0.2}],
)


def target_decay(progress: float, base: float) -> float:
    """BGRL's schedule of the EMA rate: ``1 - (1 - base) (cos(π t) + 1) / 2`` at the fraction
    ``t`` of training done (``base`` at the start, 1 at the end)."""
    return 1.0 - (1.0 - base) * (math.cos(math.pi * progress) + 1.0) / 2.0


@METHODS.register("bgrl")
class BGRL(ContrastiveMethod):
    """Online encoder + predictor against an EMA target encoder, no negatives.

    Args:
        encoder: the online encoder (kept after pre-training; BGRL: GCN with batch norm, PReLU).
        featurizer: None for graphs with their own features.
        views: the two view specs.
        predictor_hidden: hidden width of the predictor MLP (BGRL: 512).
        decay: initial EMA rate τ of the target (0.99), raised to 1 by a cosine schedule.
        init: encoder initialisation, ``glorot`` (the reference's PyG ``GCNConv``) or
            ``default`` (as built); see :mod:`graphcl.methods.grace`.

    Shape:
        graph (or node batch) with N nodes -> scalar loss.
    """

    unit = "nodes"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = None,
        views: tuple[ViewSpec, ViewSpec] | list[ViewSpec] = BGRL_VIEWS,
        predictor_hidden: int = 512,
        decay: float = 0.99,
        init: str = "glorot",
    ) -> None:
        if len(views) != 2:
            raise ValueError(f"a node-level method needs two views, got {len(views)}")
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be in [0, 1], got {decay}")
        super().__init__(
            featurizer,
            views=[describe(v) for v in views],
            predictor_hidden=predictor_hidden,
            decay=decay,
            init=init,
        )
        apply_init(encoder, init)
        self.encoder = encoder
        self.target = copy.deepcopy(encoder).requires_grad_(False)
        width = encoder.node_dim
        self.predictor = nn.Sequential(
            nn.Linear(width, predictor_hidden),
            nn.PReLU(predictor_hidden),
            nn.Linear(predictor_hidden, width),
        )
        self.views = NodeViews(views[0], views[1])
        self.loss = BYOL()
        self.decay = decay

    def train(self, mode: bool = True) -> BGRL:
        super().train(mode)
        self.target.eval()  # batch statistics of the target are not updated by its forward
        return self

    def forward(self, batch: Data, context: StepContext) -> Tensor:
        first, second = self.views(batch, context.generator)
        online_1 = self.predictor(self.encoder.node_embeddings(first))
        online_2 = self.predictor(self.encoder.node_embeddings(second))
        with torch.no_grad():
            target_1 = self.target.node_embeddings(first)
            target_2 = self.target.node_embeddings(second)
        online_1, online_2, target_1, target_2 = centre_rows(
            batch, online_1, online_2, target_1, target_2
        )
        out: Tensor = self.loss(online_1, target_2) + self.loss(online_2, target_1)
        return out

    def after_step(self, context: StepContext) -> None:
        """The target follows the online encoder: ``φ <- τ(t) φ + (1 - τ(t)) θ``."""
        update_ema(self.target, self.encoder, target_decay(context.progress, self.decay))
