"""Relational GCN layer: one weight matrix per edge type, for heterogeneous graphs such as
circuits (device, pin and net nodes joined by typed relations).

Schlichtkrull et al., "Modeling Relational Data with Graph Convolutional Networks", ESWC 2018:
``h_i' = W_0 h_i + sum_r mean_{j in N_r(i)} W_r h_j``, with ``r`` the relation of the edge
``j -> i``, read from the first categorical edge column (circuit views carry
``3 * type(source) + type(target)``, :class:`~graphcl.circuits.dataset.CircuitDataset`; for
molecules it is the bond type); without edge features every edge has one relation.
Optional basis decomposition (``num_bases``) shares parameters between relations.
``encoder: {name: rgcn}`` stacks them: the heterogeneous (per-type) encoder of CircuitGCL's
downstream tasks, beside the homogeneous ``gcn`` (shared weights; its messages add a learned
embedding of the relation). Node types reach both through the type one-hot input columns.
"""

from __future__ import annotations

from torch import Tensor
from torch_geometric.nn import RGCNConv

from graphcl.encoders.layers import MessagePassingLayer, register_layer
from graphcl.features import EDGE_SPECIAL_TOKENS, FeatureSpec


@register_layer("rgcn")
class RelationalConv(MessagePassingLayer):
    """One R-GCN layer (PyG ``RGCNConv``, mean aggregation per relation, root weight).

    Args:
        width: node width (input and output).
        edge_features: categorical (the first column is the relation; augmentation tokens,
            self-loop and added edge, get relations of their own) or none (one relation).
        num_bases: basis matrices shared by the relations (0: one full matrix per relation).

    Shape:
        x (N, width), edge_index (2, E), edge_attr (E, C) int64 or None -> (N, width).

    Raises:
        ValueError: float edge features (a relation must be a category).
    """

    def __init__(self, width: int, edge_features: FeatureSpec, num_bases: int = 0) -> None:
        super().__init__()
        if edge_features.kind == "float":
            raise ValueError(
                "rgcn reads edge relations: a categorical edge column (circuit views' relation; "
                "for molecules the bond type, their first column) or none, got float edge "
                f"features {list(edge_features.dims)}"
            )
        if num_bases < 0:
            raise ValueError(f"num_bases must be >= 0, got {num_bases}")
        self.relational = edge_features.kind == "categorical"
        relations = edge_features.dims[0] + EDGE_SPECIAL_TOKENS if self.relational else 1
        self.conv = RGCNConv(width, width, relations, num_bases=num_bases or None, aggr="mean")

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        if self.relational and edge_attr is None:
            raise ValueError("rgcn needs edge_attr: the relation of each edge")
        if self.relational:
            assert edge_attr is not None
            relation = edge_attr[:, 0].long()
        else:
            relation = edge_index.new_zeros(edge_index.shape[1])
        out: Tensor = self.conv(x, edge_index, relation)
        return out
