"""GraphCL: graph contrastive learning with augmentations.

You et al., "Graph Contrastive Learning with Augmentations", NeurIPS 2020. Two augmented views of
every graph of a batch go through a shared encoder and a projection head; NT-Xent pulls the two
views of a graph together and pushes other graphs apart. See shared/reference/METHODS.md, section 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.augmentation import Augmentation, Spec, resolve
from graphcl.encoders.base import GraphEncoder
from graphcl.features import FeatureSpec
from graphcl.methods.base import ContrastiveMethod, projection_head
from graphcl.methods.loss_spec import two_view_loss
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext

#: GraphCL's best pair on molecules (node dropping + subgraph, ratio 0.2).
DEFAULT_AUGMENTATIONS: tuple[Spec, Spec] = (
    {"name": "node_drop", "ratio": 0.2},
    {"name": "subgraph", "ratio": 0.2},
)


def with_feature_tokens(spec: Spec, node: FeatureSpec, edge: FeatureSpec) -> Spec:
    """Fill in the reserved tokens of categorical features where a spec leaves them out:
    ``attr_mask`` masks to the node mask tokens (``node.dims``), ``edge_perturb`` labels new
    edges with the added-edge tokens (``edge.dims + 1``; see :mod:`graphcl.features`). Float
    features keep the augmentations' own default (zeros). Nested specs (``compose``,
    ``random_choice``) are handled."""
    if isinstance(spec, Augmentation):
        return spec
    arguments: dict[str, Any] = {"name": spec} if isinstance(spec, str) else dict(spec)
    if arguments.get("name") == "attr_mask" and node.kind == "categorical":
        arguments.setdefault("mask_value", list(node.dims))
    elif arguments.get("name") == "edge_perturb" and edge.kind == "categorical":
        arguments.setdefault("added_attr", [d + 1 for d in edge.dims])
    elif "augmentations" in arguments:
        arguments["augmentations"] = [
            with_feature_tokens(inner, node, edge) for inner in arguments["augmentations"]
        ]
    return arguments


@METHODS.register("graphcl")
class GraphCL(ContrastiveMethod):
    """Two augmented views, a shared encoder, a projection head, NT-Xent.

    Args:
        encoder: graph encoder (GIN 5x300 in the paper).
        featurizer: name of the featurizer (or dataset family) of the graphs, for the record.
        augmentations: the two view augmentations (specs or instances); the paper's molecular
            default is node dropping and subgraph with ratio 0.2.
        projection_dim: output width of the projection head ``Linear-ReLU-Linear``
            (default: the encoder width).
        loss: the loss, by ``name`` (default ``nt_xent``; any of
            :data:`~graphcl.methods.loss_spec.TWO_VIEW_LOSSES`), and
            its arguments. NT-Xent's default is SimCLR's form at ``T = 0.1``; GraphCL's own
            molecular code uses ``{"temperature": 0.1, "intra_view_negatives": False,
            "positive_in_denominator": False, "symmetric": False}``; ``{"chunk_size": 1024}``
            bounds its memory; ``{"name": "cacr"}`` switches to contrastive attraction and
            repulsion.

    Shape:
        batch of G graphs -> scalar loss.
    """

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = "ogb",
        augmentations: Sequence[Spec] = DEFAULT_AUGMENTATIONS,
        projection_dim: int | None = None,
        loss: Mapping[str, Any] | None = None,
    ) -> None:
        if len(augmentations) != 2:
            raise ValueError(f"GraphCL needs two augmentations, got {len(augmentations)}")
        loss_spec, loss_module = two_view_loss(loss, "graphcl", projection_dim or encoder.out_dim)
        super().__init__(
            featurizer,
            augmentations=[a if isinstance(a, (str, dict)) else repr(a) for a in augmentations],
            projection_dim=projection_dim,
            loss=loss_spec,
        )
        self.encoder = encoder
        self.views = [
            resolve(with_feature_tokens(a, encoder.node_features, encoder.edge_features))
            for a in augmentations
        ]
        width = encoder.out_dim
        out = projection_dim or width
        self.projection = projection_head(width, out)
        self.loss = loss_module

    def embed_views(
        self, batch: Batch, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor]:
        """Projected embeddings of the two views. Shape: (G, projection_dim) each."""
        first, second = (view(batch, generator) for view in self.views)
        return self.projection(self.encoder(first)), self.projection(self.encoder(second))

    def forward(self, batch: Batch, context: StepContext) -> Tensor:
        z1, z2 = self.embed_views(batch, context.generator)
        out: Tensor = self.loss(z1, z2)
        return out
