"""``graphcl.load``: a pre-trained encoder as a molecule embedder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from graphcl.data.featurize import smiles_batches
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.checkpoint import load_encoder
from graphcl.typing import PathType


class PretrainedEncoder:
    """An encoder loaded from a checkpoint, with its featurizer, ready to embed molecules.

    Attributes:
        encoder: the graph encoder (in eval mode).
        featurizer: featurizer name the encoder expects.
        meta: what the checkpoint records (method, dataset, epochs, final loss ...).
    """

    def __init__(self, encoder: GraphEncoder, featurizer: str, meta: dict[str, Any]) -> None:
        self.encoder = encoder.eval()
        self.featurizer = featurizer
        self.meta = meta

    @property
    def dim(self) -> int:
        """Width of the embeddings."""
        return self.encoder.out_dim

    @torch.no_grad()
    def embed(self, smiles: Sequence[str], batch_size: int = 256) -> Tensor:
        """Graph embeddings of molecules.

        Returns:
            Shape: (len(smiles), dim), on the CPU.

        Raises:
            InvalidSmilesError: a SMILES cannot be parsed (the first bad one is named).
        """
        if isinstance(smiles, str):
            smiles = [smiles]
        device = next(self.encoder.parameters()).device
        chunks = [
            self.encoder(batch.to(device)).cpu()
            for batch in smiles_batches(smiles, self.featurizer, batch_size)
        ]
        return torch.cat(chunks) if chunks else torch.zeros(0, self.dim)

    def to(self, device: str | torch.device) -> PretrainedEncoder:
        self.encoder.to(device)
        return self


def load(path: PathType) -> PretrainedEncoder:
    """Load a pre-trained encoder checkpoint (``runs/<run>/encoder.pt``).

    Example:
        >>> model = graphcl.load("runs/20261124-quickstart/pretrain/encoder.pt")  # doctest: +SKIP
        >>> model.embed(["CCO", "c1ccccc1"]).shape  # doctest: +SKIP
        torch.Size([2, 128])
    """
    encoder, featurizer, meta = load_encoder(path)
    return PretrainedEncoder(encoder, featurizer, meta)
