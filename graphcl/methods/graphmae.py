"""GraphMAE: a masked graph autoencoder that reconstructs masked atoms' features.

Hou et al., "GraphMAE: Self-Supervised Masked Graph Autoencoders", KDD 2022 (transfer-learning
configuration of its ``chem`` code, which builds on pretrain-gnns). One step:

1. mask ``floor(mask_rate * n) + 1`` atoms of every molecule (25% by default; the pretrain-gnns
   ``MaskAtom`` rule, :mod:`graphcl.methods.masking`) with the learnable ``[MASK]``;
2. encode the masked graph: ``H = f_E(A, X~)``;
3. re-mask: ``Z = PReLU(H) W`` (``W`` square, no bias), then ``Z_v = [DMASK]`` at the masked
   atoms (zeros, as the reference code does, or a learnable vector with ``remask: learnable``);
4. decode with one GNN layer, ``X^ = f_D(A, Z)``: a GIN layer (with the bond features) whose MLP
   maps straight to the reconstruction width, the reference's ``GINConv(hidden, out)``; other
   registered layers (``gcn``, ``gat``) keep their width and a linear map follows;
5. score the masked atoms with the scaled cosine error

   ``SCE = 1/|M| sum_{v in M} (1 - x_v^T x^_v / (||x_v|| ||x^_v||))^gamma``

   (``gamma = 1`` in the molecular configuration; the paper's ``gamma >= 1`` sharpens it).

What is reconstructed, and where ``[MASK]`` lives, depends on the node features:

- categorical (molecules): the target ``x_v`` is the one-hot of the atom type (first column,
  119 classes with the OGB featurizer), as in the reference; ``[MASK]`` is graphcl's reserved
  mask token ``dims[i]`` in every column, so the encoder's categorical input adapter turns a
  masked atom into the learnable sum of its tables' mask-token rows (the reference's atom-type
  index 119). Those rows belong to the encoder and are saved with it (they are unused after
  pre-training, as in the reference).
- float (TU sets with continuous attributes ...): the target is the feature row itself and
  ``[MASK]`` a learnable row of the input width (zeros at start, GraphMAE's
  ``enc_mask_token``), discarded after pre-training.

The encoder alone is saved (``encoder.pt``); the decoder and ``[DMASK]`` are discarded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.layers import LAYERS, MessagePassingLayer
from graphcl.errors import UnknownNameError
from graphcl.features import FeatureSpec
from graphcl.methods.base import ContrastiveMethod
from graphcl.methods.masking import check_mask_rate, choose_masked_nodes, with_masked_features
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext

#: How the encoder's output is re-masked before decoding.
REMASKS = ("zero", "learnable")


def scaled_cosine_error(prediction: Tensor, target: Tensor, gamma: float = 1.0) -> Tensor:
    """GraphMAE's scaled cosine error, ``mean_i (1 - cos(x^_i, x_i))^gamma``.

    Args:
        prediction: reconstructions ``x^``. Shape: (M, D).
        target: the originals ``x``: rows (M, D), or class indices (M,) standing for one-hot
            rows (then ``cos = x^_c / ||x^||``, without building the one-hot matrix).
        gamma: scaling exponent, >= 1.

    Shape:
        (M, D), (M, D) or (M,) -> scalar.

    Example:
        >>> p = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> round(float(scaled_cosine_error(p, torch.tensor([0, 1]))), 4)  # (0 + (1 - 0.7071)) / 2
        0.1464
    """
    if prediction.dtype in (torch.float16, torch.bfloat16):  # autocast: score in float32
        prediction = prediction.float()
    if target.dim() == 1 and not target.is_floating_point():
        norm = prediction.norm(dim=-1).clamp_min(1e-12)
        cosine = prediction.gather(1, target.long().unsqueeze(1)).squeeze(1) / norm
    else:
        target = target.to(prediction.dtype)
        cosine = (F.normalize(prediction, dim=-1) * F.normalize(target, dim=-1)).sum(-1)
    return (1.0 - cosine).clamp_min(0.0).pow(gamma).mean()


def _decoder(name: str, width: int, edge_features: FeatureSpec, out: int) -> nn.Module:
    """One registered layer from ``width`` to ``out`` (GIN: its MLP's last linear map)."""
    try:
        constructor: Callable[..., MessagePassingLayer] = LAYERS.get(name)
    except UnknownNameError as exc:
        raise ValueError(f"decoder: {exc}") from None
    layer = constructor(width, edge_features)
    mlp = getattr(layer, "mlp", None)
    if isinstance(mlp, nn.Sequential) and isinstance(mlp[-1], nn.Linear):
        mlp[-1] = nn.Linear(mlp[-1].in_features, out)
        return layer
    return nn.ModuleDict({"layer": layer, "output": nn.Linear(width, out)})


class MaskedFeatureReconstruction(nn.Module):
    """Everything of GraphMAE but the encoder: masks, re-mask, decoder, SCE.

    It reads the encoder it is called with, so GraphCL + masking shares one encoder without
    holding it twice. :attr:`config` holds its settings as plain data.

    Args:
        encoder: the encoder to be called with (its feature specs and node width size the
            decoder; it is not kept).
        mask_rate: fraction of each graph's nodes to mask, in [0, 1) (``floor(rate * n) + 1``).
        gamma: SCE exponent (>= 1; 1 for molecules in the paper).
        decoder: registered message-passing layer of the one-layer decoder (``gin``, ``gcn``,
            ``gat``).
        remask: ``zero`` (the reference code) or ``learnable`` ``[DMASK]``.

    Raises:
        ValueError: graphs without node features, a bad option (named).

    Shape:
        batch of G graphs with N nodes -> scalar loss.
    """

    def __init__(
        self,
        encoder: GraphEncoder,
        mask_rate: float = 0.25,
        gamma: float = 1.0,
        decoder: str = "gin",
        remask: str = "zero",
    ) -> None:
        super().__init__()
        node = encoder.node_features
        if node.kind not in ("categorical", "float"):
            raise ValueError(
                f"graphmae reconstructs node features and needs some, got {node.describe()}"
            )
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not gamma >= 1:
            raise ValueError(f"gamma must be a number >= 1, got {gamma!r}")
        if remask not in REMASKS:
            raise ValueError(f"remask must be one of {', '.join(REMASKS)}, got {remask!r}")
        if not isinstance(decoder, str):
            raise ValueError(f"decoder must be a layer name, got {decoder!r}")
        self.mask_rate = check_mask_rate(mask_rate)
        self.gamma = float(gamma)
        self.node_features = node
        width = encoder.node_dim
        out = node.dims[0] if node.kind == "categorical" else node.width
        self.mask_token = nn.Parameter(torch.zeros(node.width)) if node.kind == "float" else None
        self.activation = nn.PReLU()
        self.encoder_to_decoder = nn.Linear(width, width, bias=False)
        self.decoder_mask = nn.Parameter(torch.zeros(width)) if remask == "learnable" else None
        self.decoder = _decoder(decoder, width, encoder.edge_features, out)
        self.config: dict[str, Any] = {
            "mask_rate": self.mask_rate,
            "gamma": self.gamma,
            "decoder": decoder,
            "remask": remask,
        }
        self.terms: dict[str, Tensor] = {}

    def decode(self, h: Tensor, masked: Tensor, batch: Batch) -> Tensor:
        """Re-mask the encoder's node embeddings and decode them.

        Shape:
            h (N, width), masked (N,) bool -> reconstructions (N, out).
        """
        z = self.encoder_to_decoder(self.activation(h))
        remask = self.decoder_mask if self.decoder_mask is not None else z.new_zeros(())
        z = torch.where(masked.unsqueeze(1), remask.to(z.dtype), z)
        layer = self.decoder["layer"] if isinstance(self.decoder, nn.ModuleDict) else self.decoder
        assert isinstance(layer, MessagePassingLayer)
        inputs = layer.prepare(batch.edge_index, batch.get("edge_attr"), z.shape[0])
        out: Tensor = layer(z, *inputs)
        if isinstance(self.decoder, nn.ModuleDict):
            out = self.decoder["output"](out)
        return out

    def forward(
        self, encoder: GraphEncoder, batch: Batch, generator: torch.Generator | None
    ) -> Tensor:
        """Mask ``batch`` (left unchanged), encode, re-mask, decode, SCE on the masked nodes."""
        masked = choose_masked_nodes(batch, self.mask_rate, generator)
        view = with_masked_features(batch, masked, self.node_features, node_token=self.mask_token)
        reconstruction = self.decode(encoder.node_embeddings(view), masked, batch)
        if self.node_features.kind == "categorical":
            target = batch.x[masked, 0].long()  # one-hot of the atom type
        else:
            target = batch.x[masked]
        loss = scaled_cosine_error(reconstruction[masked], target, self.gamma)
        self.terms = {"reconstruction": loss}
        return loss


@METHODS.register("graphmae")
class GraphMAE(ContrastiveMethod):
    """GraphMAE: mask atoms, encode, re-mask, decode with one GNN layer, scaled cosine error.

    The molecular configuration of the paper pre-trains GIN 5x300 on ZINC-2M for 100 epochs
    (batch 256, Adam at 1e-3, no weight decay), mask rate 0.25, ``gamma = 1``, a GIN decoder.

    Args:
        encoder: graph encoder (categorical or float node features).
        featurizer: name of the featurizer of the graphs, for the record.
        mask_rate: fraction of each graph's nodes to mask, in [0, 1) (``floor(rate * n) + 1``).
        gamma: SCE exponent, >= 1.
        decoder: the decoder's layer (a name of :data:`graphcl.encoders.layers.LAYERS`).
        remask: ``zero`` or ``learnable`` ``[DMASK]``.

    Raises:
        ValueError: graphs without node features, or a bad option (named).

    Shape:
        batch of G graphs -> scalar loss.

    Example:
        >>> import torch
        >>> from graphcl.methods import StepContext, build
        >>> from graphcl.data import load_dataset
        >>> batch = load_dataset("chembl2321810", progress=False).collate(range(8))
        >>> method = build("graphmae", encoder={"name": "gin", "num_layers": 2, "hidden": 16})
        >>> 0 <= float(method(batch, StepContext.single(torch.Generator().manual_seed(0)))) <= 2
        True
    """

    unit = "graphs"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = "ogb",
        mask_rate: float = 0.25,
        gamma: float = 1.0,
        decoder: str = "gin",
        remask: str = "zero",
    ) -> None:
        masking = MaskedFeatureReconstruction(encoder, mask_rate, gamma, decoder, remask)
        super().__init__(featurizer, **masking.config)
        self.encoder = encoder
        self.masking = masking

    def forward(self, batch: Batch, context: StepContext) -> Tensor:
        loss: Tensor = self.masking(self.encoder, batch, context.generator)
        return loss
