"""Graph encoders (GIN, GCN, GAT), prediction heads, and encoder checkpoints."""

from graphcl.encoders.base import POOLINGS, GraphEncoder
from graphcl.encoders.checkpoint import load_encoder, save_encoder
from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding, with_self_loops
from graphcl.encoders.gat import GAT, BondGATConv
from graphcl.encoders.gcn import GCN, BondGCNConv
from graphcl.encoders.gin import GIN, GINEConv
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.encoders.registry import ENCODERS, available, build

__all__ = [
    "ENCODERS",
    "GAT",
    "GCN",
    "GIN",
    "POOLINGS",
    "BondGATConv",
    "BondGCNConv",
    "CategoricalEmbedding",
    "ConvStackEncoder",
    "GINEConv",
    "GraphEncoder",
    "PredictionHead",
    "PropertyModel",
    "available",
    "build",
    "load_encoder",
    "save_encoder",
    "with_self_loops",
]
