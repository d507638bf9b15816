"""KCL: contrast a molecule's graph with its element-knowledge-augmented graph.

Fang et al., "Molecular Contrastive Learning with Chemical Element Knowledge Graph", AAAI 2022.
Two views of each molecule, no random augmentation: the molecular graph through a common GNN and
the KG-augmented graph (:class:`~graphcl.augmentation.element_kg.ElementKGAugmentation`) through
KMPNN, each with its own projection head ``Linear-ReLU-Linear`` to a shared width, and NT-Xent
between the two projections (``loss: kcl_reference`` is the reference code's fixed scale 20, i.e.
``T = 0.05``). KCL batches molecules by Butina clusters so that a batch holds hard negatives: set
``pretrain.train.sampler: butina`` in the recipe.

The recipe's ``encoder`` is the encoder kept after pre-training; ``partner`` is the other one.
Exactly one of the two is KMPNN: ``encoder: {name: kmpnn}`` with a GNN partner is KCL(KMPNN),
``encoder: {name: gcn}`` with the (default) KMPNN partner is KCL(GCN).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.checkpoint import encoder_name
from graphcl.encoders.kmpnn import KMPNN
from graphcl.encoders.registry import build as build_encoder
from graphcl.methods.base import ContrastiveMethod, projection_head
from graphcl.methods.loss_spec import two_view_loss
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext

#: The molecular-graph encoder paired with a KMPNN by default.
DEFAULT_GNN: dict[str, Any] = {"name": "gcn", "num_layers": 3, "hidden": 128, "dropout": 0.0}


@METHODS.register("kcl")
class KCL(ContrastiveMethod):
    """Molecular graph (GNN) against element-KG-augmented graph (KMPNN).

    Args:
        encoder: the encoder kept after pre-training (KMPNN or a GNN).
        featurizer: featurizer of the molecular graphs.
        partner: ``{"name": ..., **arguments}`` of the other encoder (default: a 3-layer GCN of
            width 128 when ``encoder`` is KMPNN, else ``{"name": "kmpnn"}``).
        projection_dim: width of both projections.
        loss: a two-view loss spec (default NT-Xent at ``T = 0.1``) or ``kcl_reference``.

    Raises:
        ValueError: neither or both encoders are KMPNN.

    Shape:
        batch of G molecules -> scalar loss.
    """

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = "ogb",
        partner: Mapping[str, Any] | None = None,
        projection_dim: int = 128,
        loss: Mapping[str, Any] | str | None = None,
    ) -> None:
        keeps_kmpnn = isinstance(encoder, KMPNN)
        spec = dict(partner or (DEFAULT_GNN if keeps_kmpnn else {"name": "kmpnn"}))
        other = build_encoder(
            spec.pop("name"), features=(encoder.node_features, encoder.edge_features), **spec
        )
        if keeps_kmpnn == isinstance(other, KMPNN):
            raise ValueError(
                "KCL needs exactly one KMPNN (knowledge-augmented view) and one GNN (molecular "
                f"graph); got encoder {type(encoder).__name__} and partner {type(other).__name__}"
            )
        loss_spec, loss_module = two_view_loss(loss, "kcl", projection_dim)
        super().__init__(
            featurizer,
            partner={"name": encoder_name(other), **other.config},
            projection_dim=projection_dim,
            loss=loss_spec,
        )
        self.encoder = encoder
        self.partner = other
        self.kmpnn, self.gnn = (encoder, other) if keeps_kmpnn else (other, encoder)
        self.kg_head = projection_head(self.kmpnn.out_dim, projection_dim)
        self.graph_head = projection_head(self.gnn.out_dim, projection_dim)
        self.loss = loss_module

    def modules_to_save(self) -> dict[str, nn.Module]:
        """The kept encoder and the partner, pre-trained too: KCL(GCN) and KCL(KMPNN) come from
        one run (``encoder.pt`` and ``partner_encoder.pt``)."""
        return {"encoder": self.encoder, "partner": self.partner}

    def embed_views(self, batch: Batch) -> tuple[Tensor, Tensor]:
        """Projections of the molecular graph and of its KG-augmented graph. Shape: (G, P) each."""
        assert isinstance(self.kmpnn, KMPNN)
        augmented = self.kmpnn.augmented(batch)
        return self.graph_head(self.gnn(batch)), self.kg_head(self.kmpnn(augmented))

    def forward(self, batch: Batch, context: StepContext) -> Tensor:
        molecular, knowledge = self.embed_views(batch)
        out: Tensor = self.loss(molecular, knowledge)
        return out
