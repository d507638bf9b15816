"""GraphCL + masked-attribute modelling: a two-view contrast and a masking term on one encoder.

Contrastive and generative molecular pre-training are complementary: Mole-BERT (Xia et al.,
"Mole-BERT: Rethinking Pre-training Graph Neural Networks for Molecules", ICLR 2023) adds a
contrastive term to masked atom modelling, as later work does. Here the objective is

``L = L_GraphCL + mask_weight * L_mask``

``L_GraphCL`` is :class:`~graphcl.methods.graphcl_method.GraphCL`'s loss on two augmented views
(NT-Xent on projections, unchanged), and ``L_mask`` either pretrain-gnns' AttrMasking
cross-entropy (:class:`~graphcl.methods.attr_masking.MaskedAtomPrediction`) or GraphMAE's scaled
cosine error (:class:`~graphcl.methods.graphmae.MaskedFeatureReconstruction`) on a separately
masked copy of the original batch. One encoder serves all three passes and is the one saved.
Randomness is drawn from the step's generator in that order: the two views, then the mask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import Tensor, nn
from torch_geometric.data import Batch

from graphcl.augmentation import Spec
from graphcl.encoders.base import GraphEncoder
from graphcl.methods.attr_masking import MaskedAtomPrediction
from graphcl.methods.graphcl_method import DEFAULT_AUGMENTATIONS, GraphCL
from graphcl.methods.graphmae import MaskedFeatureReconstruction
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext
from graphcl.signature import accepted_keys

#: The masking terms by name, each built as ``constructor(encoder, **arguments)``.
MASKINGS: dict[str, type[MaskedAtomPrediction] | type[MaskedFeatureReconstruction]] = {
    "attr_masking": MaskedAtomPrediction,
    "graphmae": MaskedFeatureReconstruction,
}


def masking_term(
    spec: Mapping[str, Any] | str | None, encoder: GraphEncoder
) -> tuple[dict[str, Any], nn.Module]:
    """The masking term ``spec`` names (default ``attr_masking``) and its spec as plain data.

    Args:
        spec: ``{"name": ..., **arguments}`` or a name; arguments are those of the term's
            constructor (``mask_rate``, ``mask_edges`` / ``gamma``, ``decoder``, ``remask``).
        encoder: the shared encoder.

    Raises:
        ValueError: an unknown term or argument (named, with the valid ones).
    """
    arguments: dict[str, Any] = {"name": spec} if isinstance(spec, str) else dict(spec or {})
    name = arguments.pop("name", "attr_masking")
    if name not in MASKINGS:
        raise ValueError(f"masking must be one of {', '.join(MASKINGS)}, got {name!r}")
    constructor = MASKINGS[name]
    valid = accepted_keys(constructor, exclude=("encoder",))
    for key in arguments:
        if key not in valid:
            raise ValueError(
                f"unknown key {key!r} in masking {name!r}; valid keys: name, {', '.join(valid)}"
            )
    term = constructor(encoder, **arguments)
    return {"name": name, **term.config}, term


@METHODS.register("graphcl_masking")
class GraphCLMasking(GraphCL):
    """GraphCL's two-view contrast plus a masked-attribute term, ``contrast + w * masking``.

    Args:
        encoder: graph encoder (GIN 5x300 for the transfer protocol).
        featurizer: name of the featurizer of the graphs, for the record.
        augmentations: GraphCL's two view augmentations (default node drop + subgraph, 0.2).
        projection_dim: GraphCL's projection width (default: the encoder width).
        loss: GraphCL's two-view loss spec (default NT-Xent at ``T = 0.1``).
        masking: the masking term, ``attr_masking`` (default; ``mask_rate`` 0.15,
            ``mask_edges``) or ``graphmae`` (``mask_rate`` 0.25, ``gamma``, ``decoder``,
            ``remask``), as a name or ``{"name": ..., **arguments}``.
        mask_weight: weight ``w`` of the masking term, >= 0.

    Raises:
        ValueError: a bad option (named); those of GraphCL and of the masking term.

    Shape:
        batch of G molecules -> scalar loss.

    Example:
        >>> import torch
        >>> from graphcl.methods import StepContext, build
        >>> from graphcl.data import load_dataset
        >>> batch = load_dataset("chembl2321810", progress=False).collate(range(8))
        >>> method = build(
        ...     "graphcl_masking",
        ...     encoder={"name": "gin", "num_layers": 2, "hidden": 16},
        ...     masking={"name": "graphmae", "mask_rate": 0.25},
        ...     mask_weight=0.5,
        ... )
        >>> loss = method(batch, StepContext.single(torch.Generator().manual_seed(0)))
        >>> sorted(method.terms)
        ['contrast', 'masking']
    """

    unit = "graphs"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = "ogb",
        augmentations: Sequence[Spec] = DEFAULT_AUGMENTATIONS,
        projection_dim: int | None = None,
        loss: Mapping[str, Any] | None = None,
        masking: Mapping[str, Any] | str | None = None,
        mask_weight: float = 1.0,
    ) -> None:
        if (
            isinstance(mask_weight, bool)
            or not isinstance(mask_weight, (int, float))
            or not mask_weight >= 0
        ):
            raise ValueError(f"mask_weight must be a number >= 0, got {mask_weight!r}")
        spec, term = masking_term(masking, encoder)
        super().__init__(encoder, featurizer, augmentations, projection_dim, loss)
        self.config.update(masking=spec, mask_weight=float(mask_weight))
        self.masking = term
        self.mask_weight = float(mask_weight)

    def contrast_loss(self, batch: Batch, context: StepContext) -> Tensor:
        """GraphCL's loss alone (draws the two views from ``context.generator``)."""
        return super().forward(batch, context)

    def masking_loss(self, batch: Batch, context: StepContext) -> Tensor:
        """The masking term alone (draws the mask from ``context.generator``)."""
        out: Tensor = self.masking(self.encoder, batch, context.generator)
        return out

    def forward(self, batch: Batch, context: StepContext) -> Tensor:
        contrast = self.contrast_loss(batch, context)
        masking = self.masking_loss(batch, context)
        self.terms = {"contrast": contrast, "masking": masking}
        return contrast + self.mask_weight * masking
