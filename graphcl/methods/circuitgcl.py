"""CircuitGCL's self-supervised part: augmentation-free representation scattering with a
bootstrapped online encoder.

Shen et al., CircuitGCL (2025, arXiv 2507.06535), taking SGRL (He et al., "Exploitation of a
Latent Mechanism in Graph Contrastive Learning: Representation Scattering", NeurIPS 2024). No
views are drawn: on one circuit graph (or one neighbour-sampled batch of it)

* the **target** encoder embeds the nodes and is trained to scatter its L2-normalised
  embeddings away from their mean, ``L_s = -mean_i ||z_i - z_bar||^2``
  (:class:`~graphcl.losses.Scattering`);
* the **online** encoder (the one kept) and a predictor MLP regress the target's embeddings,
  ``L_b = mean_i (2 - 2 cos(p(h_i), sg(z_i)))`` (:class:`~graphcl.losses.BYOL`);
* after every optimizer step the target also follows the online encoder as an exponential
  moving average, ``xi <- tau xi + (1 - tau) theta`` with ``tau = 0.99``
  (:func:`~graphcl.losses.update_ema`).

The loss is ``scatter_weight * L_s + align_weight * L_b`` over the batch's seed nodes (the first
``batch.batch_size`` nodes of a neighbour-sampled batch; every node of a full graph). The encoder
is any registered homogeneous GNN (``gcn``, ``gin`` ...) on the
:class:`~graphcl.circuits.dataset.CircuitDataset` view, whose first three input columns are the
node-type one-hot followed by per-type feature blocks.
"""

from __future__ import annotations

import copy

from torch import Tensor, nn
from torch_geometric.data import Data

from graphcl.encoders.base import GraphEncoder
from graphcl.losses import BYOL, Scattering, update_ema
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext


def seed_rows(batch: Data, h: Tensor) -> Tensor:
    """The rows of the seed nodes: the first ``batch.batch_size`` of a sampled batch, all rows
    of a full graph. Shape: (N, D) -> (B, D)."""
    size = batch.get("batch_size")
    return h if size is None else h[: int(size)]


@METHODS.register("circuitgcl")
class CircuitGCL(ContrastiveMethod):
    """Representation scattering on a target encoder plus a BYOL-style online encoder.

    Args:
        encoder: the online encoder (kept after pre-training; a float-feature GNN).
        featurizer: None (circuits bring their own features).
        predictor_hidden: hidden width of the predictor MLP.
        decay: EMA rate of the target (0.99 in CircuitGCL/SGRL).
        scatter_weight: weight of the scattering loss on the target (0 disables it; then the
            target only follows the online encoder, which can collapse).
        align_weight: weight of the online-to-target regression.

    Shape:
        circuit view (or sampled batch) with N nodes, B seeds -> scalar loss.

    Example:
        >>> import torch
        >>> from torch_geometric.data import Data
        >>> from graphcl.encoders import build
        >>> from graphcl.features import FeatureSpec
        >>> from graphcl.runtime.step_context import StepContext
        >>> gcn = build("gcn", features=(FeatureSpec.float(8), FeatureSpec.none()),
        ...             num_layers=2, hidden=16, dropout=0.0)
        >>> method = CircuitGCL(gcn, predictor_hidden=16)
        >>> graph = Data(x=torch.rand(10, 8), edge_index=torch.randint(0, 10, (2, 30)))
        >>> loss = method(graph, StepContext.single())
        >>> bool(loss.isfinite())
        True
    """

    unit = "nodes"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = None,
        predictor_hidden: int = 256,
        decay: float = 0.99,
        scatter_weight: float = 1.0,
        align_weight: float = 1.0,
    ) -> None:
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be in [0, 1], got {decay}")
        if predictor_hidden < 1:
            raise ValueError(f"predictor_hidden must be >= 1, got {predictor_hidden}")
        if scatter_weight < 0 or align_weight < 0 or scatter_weight + align_weight == 0:
            raise ValueError(
                "scatter_weight and align_weight must be >= 0 and not both 0, got "
                f"{scatter_weight} and {align_weight}"
            )
        super().__init__(
            featurizer,
            predictor_hidden=predictor_hidden,
            decay=decay,
            scatter_weight=scatter_weight,
            align_weight=align_weight,
        )
        self.encoder = encoder
        self.target = copy.deepcopy(encoder)
        width = encoder.node_dim
        self.predictor = nn.Sequential(
            nn.Linear(width, predictor_hidden),
            nn.PReLU(predictor_hidden),
            nn.Linear(predictor_hidden, width),
        )
        self.scattering = Scattering()
        self.alignment = BYOL()
        self.decay = decay
        self.scatter_weight = scatter_weight
        self.align_weight = align_weight

    def forward(self, batch: Data, context: StepContext) -> Tensor:
        target = seed_rows(batch, self.target.node_embeddings(batch))
        online = self.predictor(seed_rows(batch, self.encoder.node_embeddings(batch)))
        scatter = self.scattering(target)
        align = self.alignment(online, target)  # stop-gradient on the target
        self.terms = {"scattering": scatter.detach(), "alignment": align.detach()}
        out: Tensor = self.scatter_weight * scatter + self.align_weight * align
        return out

    def after_step(self, context: StepContext) -> None:
        """The target follows the online encoder: ``xi <- tau xi + (1 - tau) theta``."""
        update_ema(self.target, self.encoder, self.decay)
