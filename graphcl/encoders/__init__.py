"""Graph encoders (GIN, GCN, GAT conv stacks; KMPNN), feature input adapters, prediction heads,
and encoder checkpoints."""

from graphcl.encoders.base import POOLINGS, GraphEncoder
from graphcl.encoders.checkpoint import load_encoder, save_encoder
from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding, with_self_loops
from graphcl.encoders.gat import BondGATConv
from graphcl.encoders.gat_pretrain_gnns import PretrainGNNsGATConv
from graphcl.encoders.gcn import BondGCNConv
from graphcl.encoders.gin import GINEConv
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.encoders.inputs import INPUTS, FeatureInput, build_input
from graphcl.encoders.layers import LAYERS, MessagePassingLayer, register_layer
from graphcl.encoders.registry import ENCODERS, available, build
from graphcl.encoders.rgcn import RelationalConv
from graphcl.encoders.sage import BondSAGEConv

__all__ = [
    "ENCODERS",
    "INPUTS",
    "LAYERS",
    "POOLINGS",
    "BondGATConv",
    "BondGCNConv",
    "BondSAGEConv",
    "CategoricalEmbedding",
    "ConvStackEncoder",
    "FeatureInput",
    "GINEConv",
    "GraphEncoder",
    "MessagePassingLayer",
    "PredictionHead",
    "PretrainGNNsGATConv",
    "PropertyModel",
    "RelationalConv",
    "available",
    "build",
    "build_input",
    "load_encoder",
    "register_layer",
    "save_encoder",
    "with_self_loops",
]
