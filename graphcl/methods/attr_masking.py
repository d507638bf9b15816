"""AttrMasking: predict the atom types of masked atoms (pretrain-gnns' attribute masking).

Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020 (section 3.1.2,
"Attribute masking"). In every molecule ``floor(mask_rate * n) + 1`` atoms (15% by default, at
least one; the reference ``MaskAtom``, see :mod:`graphcl.methods.masking`) have their input
features replaced by the mask token; the encoder embeds the masked graph and a linear head
predicts each masked atom's type from its node embedding:

``L = -1/|M| sum_{v in M} log softmax(W h_v + b)[a_v]``

with ``M`` the masked atoms of the batch, ``h_v`` the encoder's node embedding of ``v`` on the
masked graph and ``a_v`` the atom's first categorical column (the atomic-number class of graphcl's
OGB featurizer, 119 classes; the node label of TU sets).

Mask handling on graphcl's inputs: every categorical column of a masked atom gets its reserved
mask token ``dims[i]``, so the encoder sees the learnable sum of the mask-token rows. The
reference masks only the atom-type column, but its atoms carry just one more column (chirality,
which it sets to "unspecified"); graphcl's featurizers carry degree, hydrogen count, aromaticity
and hybridization, which would give the type away, so the whole atom is masked.

Edge variant (``mask_edges: true``, the reference's ``--mask_edge 1``, off in its molecular
runs): every bond with a masked endpoint also gets the unknown-edge token ``dims[j] + 1`` in all
edge columns, and a second linear head predicts its bond type (first edge column) from
``h_u + h_v``; the loss is the sum of the two cross-entropies, as in the reference. Both
directions of a bond are predicted, with the same symmetric input, so the mean equals the mean
over bonds.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.masking import (
    check_mask_rate,
    choose_masked_nodes,
    masked_edges,
    with_masked_features,
)
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext


def _mean_cross_entropy(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean cross-entropy, 0 (still attached to ``logits``) when there are no rows."""
    total = F.cross_entropy(logits.float(), labels, reduction="sum")
    return total / max(labels.numel(), 1)


class MaskedAtomPrediction(nn.Module):
    """Everything of AttrMasking but the encoder: the masks, the linear heads, the loss.

    It reads the encoder it is called with, so GraphCL + masking shares one encoder without
    holding it twice. :attr:`config` holds its settings as plain data.

    Args:
        encoder: the encoder to be called with (its feature specs and node width size the heads;
            it is not kept).
        mask_rate: fraction of each molecule's atoms to mask, in [0, 1) (``floor(rate * n) + 1``
            atoms).
        mask_edges: also mask the bonds of masked atoms and predict their bond types.

    Raises:
        ValueError: node features that are not categorical (there is no atom type to predict),
            ``mask_edges`` without categorical edge features, or a bad ``mask_rate``.

    Shape:
        batch of G graphs -> scalar loss.
    """

    def __init__(
        self, encoder: GraphEncoder, mask_rate: float = 0.15, mask_edges: bool = False
    ) -> None:
        super().__init__()
        node, edge = encoder.node_features, encoder.edge_features
        if node.kind != "categorical":
            raise ValueError(
                "attr_masking predicts the masked atoms' type (first categorical node column) "
                f"and needs categorical node features, got {node.describe()}"
            )
        if not isinstance(mask_edges, bool):
            raise ValueError(f"mask_edges must be true or false, got {mask_edges!r}")
        if mask_edges and edge.kind != "categorical":
            raise ValueError(
                "attr_masking with mask_edges predicts bond types and needs categorical edge "
                f"features, got {edge.describe()}"
            )
        self.mask_rate = check_mask_rate(mask_rate)
        self.mask_edges = mask_edges
        self.node_features = node
        self.edge_features = edge
        width = encoder.node_dim
        self.atom_head = nn.Linear(width, node.dims[0])
        self.bond_head = nn.Linear(width, edge.dims[0]) if mask_edges else None
        self.config: dict[str, Any] = {"mask_rate": self.mask_rate, "mask_edges": mask_edges}
        self.terms: dict[str, Tensor] = {}

    def forward(
        self, encoder: GraphEncoder, batch: Batch, generator: torch.Generator | None
    ) -> Tensor:
        """Mask ``batch`` (left unchanged), encode it with ``encoder``, score the predictions.

        Sets :attr:`terms` to ``{"atoms": ...}`` (and ``"bonds"`` with ``mask_edges``).
        """
        masked = choose_masked_nodes(batch, self.mask_rate, generator)
        edges = masked_edges(batch, masked) if self.bond_head is not None else None
        view = with_masked_features(
            batch, masked, self.node_features, edge_mask=edges, edge_features=self.edge_features
        )
        h = encoder.node_embeddings(view)
        atoms = _mean_cross_entropy(self.atom_head(h[masked]), batch.x[masked, 0].long())
        self.terms = {"atoms": atoms}
        if self.bond_head is None or edges is None:
            return atoms
        source, target = batch.edge_index[:, edges]
        bond_logits = self.bond_head(h[source] + h[target])
        bonds = _mean_cross_entropy(bond_logits, batch.edge_attr[edges, 0].long())
        self.terms["bonds"] = bonds
        return atoms + bonds


@METHODS.register("attr_masking")
class AttrMasking(ContrastiveMethod):
    """pretrain-gnns attribute masking: predict masked atoms' types from their embeddings.

    The paper pre-trains GIN 5x300 on ZINC-2M (100 epochs, batch 256, Adam at 1e-3, mask rate
    0.15, no edge masking for molecules). Only the encoder is saved; the heads are discarded.

    Args:
        encoder: graph encoder with categorical node features.
        featurizer: name of the featurizer of the graphs, for the record.
        mask_rate: fraction of each molecule's atoms to mask, in [0, 1) (``floor(rate * n) + 1``
            atoms per molecule).
        mask_edges: also mask the bonds of masked atoms and predict their types (the paper's
            edge variant).

    Raises:
        ValueError: non-categorical node features (named), or a bad option.

    Shape:
        batch of G molecules -> scalar loss.

    Example:
        >>> import torch
        >>> from graphcl.methods import StepContext, build
        >>> from graphcl.data import load_dataset
        >>> batch = load_dataset("chembl2321810", progress=False).collate(range(8))
        >>> method = build("attr_masking", encoder={"name": "gin", "num_layers": 2, "hidden": 16})
        >>> loss = method(batch, StepContext.single(torch.Generator().manual_seed(0)))
        >>> loss.shape
        torch.Size([])
    """

    unit = "graphs"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = "ogb",
        mask_rate: float = 0.15,
        mask_edges: bool = False,
    ) -> None:
        masking = MaskedAtomPrediction(encoder, mask_rate, mask_edges)
        super().__init__(featurizer, **masking.config)
        self.encoder = encoder
        self.masking = masking

    def forward(self, batch: Batch, context: StepContext) -> Tensor:
        loss: Tensor = self.masking(self.encoder, batch, context.generator)
        self.terms = dict(self.masking.terms)
        return loss
