"""KMPNN: knowledge-aware message passing over element-KG-augmented molecular graphs (KCL).

Fang et al., "Molecular Contrastive Learning with Chemical Element Knowledge Graph", AAAI 2022,
sec. 3.2. The augmented graph (see :class:`~graphcl.augmentation.element_kg.ElementKGAugmentation`)
has atom and attribute nodes and bond and KG-relation edges; KMPNN treats the two kinds apart:

- initial states: atoms embed their categorical features, attribute (and functional-group)
  nodes their KG entity (a table initialisable from the KG's pre-trained RotatE embeddings);
- messages are edge-conditioned with a separate function per edge kind,
  ``m_uv = W_k [h_u || e_uv]`` with ``e_uv`` the bond embedding (bonds) or the relation
  embedding (KG edges, initialisable from RotatE);
- attention over each node's incoming messages: ``alpha_uv = softmax_u(a_k . LeakyReLU(
  U_k [h_v || m_uv]))``, ``m_v = sum_u alpha_uv m_uv``;
- GRU update ``h_v <- GRU(m_v, h_v)``, the same weights for every step (default 6 steps);
- Set2Set readout (3 processing steps), so graph embeddings have width ``2 * hidden``.

A plain molecular batch is augmented on the fly with the encoder's KG, so a pre-trained KMPNN
embeds, fine-tunes and predicts from SMILES like any other encoder.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Batch
from torch_geometric.nn.aggr import Set2Set
from torch_geometric.utils import softmax

from graphcl.augmentation.element_kg import ElementKGAugmentation
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding
from graphcl.encoders.registry import ENCODERS
from graphcl.features import EDGE_SPECIAL_TOKENS, NODE_SPECIAL_TOKENS, FeatureSpec
from graphcl.kg import load_element_kg


def _table(rows: int, width: int, pretrained: Tensor | None) -> nn.Module:
    """An embedding table; from ``pretrained`` (P <= rows, d) through a learned projection to
    ``width`` when given, rows past P drawn at the pre-trained rows' scale."""
    if pretrained is None:
        return nn.Embedding(rows, width)
    extra = rows - pretrained.shape[0]
    if extra > 0:
        fresh = torch.randn(extra, pretrained.shape[1]) * pretrained.float().std()
        pretrained = torch.cat([pretrained.float(), fresh])
    return nn.Sequential(
        nn.Embedding.from_pretrained(pretrained.float(), freeze=False),
        nn.Linear(pretrained.shape[1], width),
    )


@ENCODERS.register("kmpnn")
class KMPNN(GraphEncoder):
    """Knowledge-aware message passing network.

    Args:
        node_features: the atom columns (categorical, from a molecular featurizer).
        edge_features: the bond columns (categorical).
        hidden: node state width (KCL: 64).
        steps: message-passing steps (KCL: 6).
        kg: the element KG (``kcl``, ``rdkit`` or a triples path) that augments plain batches
            and sizes the entity/relation tables.
        pretrained_kg_embeddings: initialise entity and relation tables from the KG's RotatE
            embeddings (when it has them).
        set2set_steps: processing steps of the Set2Set readout.
        dropout: dropout on the messages.
        functional_groups: add functional-group nodes (a KG with SMARTS: ``kano``); their
            entity rows and the membership relation start random.

    Shape:
        batch of G molecules (plain or already augmented) -> (G, 2 * hidden).
    """

    def __init__(
        self,
        node_features: FeatureSpec,
        edge_features: FeatureSpec,
        hidden: int = 64,
        steps: int = 6,
        kg: str = "kcl",
        pretrained_kg_embeddings: bool = True,
        set2set_steps: int = 3,
        dropout: float = 0.0,
        functional_groups: bool = False,
    ) -> None:
        if hidden < 1 or steps < 1 or set2set_steps < 1:
            raise ValueError("hidden, steps and set2set_steps must be >= 1")
        if node_features.kind != "categorical" or edge_features.kind != "categorical":
            raise ValueError(
                "kmpnn reads molecules: categorical atom and bond features, got "
                f"{node_features.describe()} nodes and {edge_features.describe()} edges"
            )
        atom_feature_dims, bond_feature_dims = node_features.dims, edge_features.dims
        super().__init__(
            pooling="mean",
            hidden=hidden,
            steps=steps,
            kg=kg,
            pretrained_kg_embeddings=pretrained_kg_embeddings,
            set2set_steps=set2set_steps,
            dropout=dropout,
            functional_groups=functional_groups,
        )
        del self.config["pooling"]  # the readout is Set2Set
        knowledge = load_element_kg(kg, progress=False)
        self.augment = ElementKGAugmentation(knowledge, functional_groups=functional_groups)
        self.node_features = node_features
        self.edge_features = edge_features
        self.out_dim = 2 * hidden
        self.steps = steps
        self.dropout = dropout
        use = pretrained_kg_embeddings and knowledge.entity_embeddings is not None
        entities = torch.from_numpy(knowledge.entity_embeddings) if use else None
        relations = (
            torch.from_numpy(knowledge.relation_embeddings)
            if use and knowledge.relation_embeddings is not None
            else None
        )
        self.atom_embedding = CategoricalEmbedding(atom_feature_dims, hidden, NODE_SPECIAL_TOKENS)
        groups = self.augment.num_groups
        self.entity_embedding = _table(knowledge.num_entities + groups, hidden, entities)
        self.bond_embedding = CategoricalEmbedding(bond_feature_dims, hidden, EDGE_SPECIAL_TOKENS)
        self.relation_embedding = _table(knowledge.num_relations + (groups > 0), hidden, relations)
        self.message = nn.ModuleList(nn.Linear(2 * hidden, hidden) for _ in range(2))
        self.score = nn.ModuleList(nn.Linear(2 * hidden, hidden) for _ in range(2))
        self.attention = nn.Parameter(torch.randn(2, hidden) / hidden**0.5)
        self.update = nn.GRUCell(hidden, hidden)
        self.readout = Set2Set(hidden, processing_steps=set2set_steps)

    def linears(self, kind: int) -> tuple[nn.Linear, nn.Linear]:
        """The message and attention-score layers of edge kind 0 (bonds) or 1 (KG edges)."""
        message, score = self.message[kind], self.score[kind]
        assert isinstance(message, nn.Linear) and isinstance(score, nn.Linear)
        return message, score

    def augmented(self, batch: Batch) -> Batch:
        """``batch`` with the KG nodes and edges (added unless already there)."""
        return batch if "node_type" in batch else self.augment(batch)

    @property
    def node_dim(self) -> int:
        return self.update.hidden_size

    def node_embeddings(self, batch: Batch) -> Tensor:
        """States of the atoms after message passing (attribute nodes left out).

        Shape: batch with N atoms -> (N, hidden).
        """
        augmented = self.augmented(batch)
        return self.states(augmented)[augmented.node_type == 0]

    def states(self, batch: Batch) -> Tensor:
        """States of every node of an augmented batch. Shape: (N + A, hidden)."""
        is_atom = batch.node_type == 0
        atoms = self.atom_embedding(batch.x[is_atom])
        h = atoms.new_empty(batch.num_nodes, atoms.shape[1])
        h[is_atom] = atoms
        h[~is_atom] = self.entity_embedding(batch.node_entity[~is_atom].long()).to(h.dtype)
        is_bond = batch.edge_type == 0
        source, target = batch.edge_index
        width = h.shape[1]
        # per edge kind: its edges, and the parts of m_uv = W [h_u || e_uv] and of the attention
        # score U [h_v || m_uv] that do not change between steps
        kinds: list[tuple[int, Tensor, Tensor, Tensor]] = []
        for k, edges in enumerate((is_bond.nonzero().squeeze(1), (~is_bond).nonzero().squeeze(1))):
            if k == 0:
                edge = self.bond_embedding(batch.edge_attr[edges])
            else:
                edge = self.relation_embedding(batch.edge_type[edges].long() - 1)
            message, _ = self.linears(k)
            fixed = F.linear(edge, message.weight[:, width:], message.bias)
            kinds.append((k, source[edges], target[edges], fixed))
        targets = torch.cat([t for _, _, t, _ in kinds])
        for _ in range(self.steps):
            messages, logits = [], []
            for k, sources, targets_k, fixed in kinds:
                message, score = self.linears(k)
                m = F.linear(h, message.weight[:, :width]).index_select(0, sources) + fixed
                hidden = F.linear(h, score.weight[:, :width], score.bias).index_select(0, targets_k)
                hidden = hidden + F.linear(m, score.weight[:, width:])
                logits.append((F.leaky_relu(hidden, 0.2) * self.attention[k]).sum(1))
                messages.append(m)
            alpha = softmax(torch.cat(logits), targets, num_nodes=batch.num_nodes)
            weighted = F.dropout(alpha[:, None] * torch.cat(messages), self.dropout, self.training)
            incoming = h.new_zeros(h.shape).index_add_(0, targets, weighted.to(h.dtype))
            h = self.update(incoming, h)
        return h

    def forward(self, batch: Batch) -> Tensor:
        batch = self.augmented(batch)
        out: Tensor = self.readout(self.states(batch), batch.batch, dim_size=batch.num_graphs)
        return out
