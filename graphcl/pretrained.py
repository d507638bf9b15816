"""``graphcl.load``: a pre-trained encoder (or a trained predictor) ready to embed.

``graphcl.load(path)`` reads either kind of file graphcl writes: an encoder checkpoint
(``runs/<run>/pretrain/encoder.pt``) gives a :class:`PretrainedEncoder`; a predictor
(``runs/<run>/predictors/<dataset>-seed0.pt``, where a user lands after ``make quickstart``)
gives the :class:`~graphcl.evaluation.predictor.Predictor`, which embeds and predicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from graphcl.data.featurize import smiles_batches
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.checkpoint import FORMAT as ENCODER_FORMAT
from graphcl.encoders.checkpoint import load_encoder
from graphcl.errors import CheckpointError
from graphcl.runtime.safe_load import safe_torch_load
from graphcl.typing import PathType


class PretrainedEncoder:
    """An encoder loaded from a checkpoint, with its featurizer, ready to embed.

    Attributes:
        encoder: the graph encoder (in eval mode).
        featurizer: molecular featurizer the encoder expects (None: it reads a dataset's own
            features, e.g. a node-level encoder of a citation graph).
        meta: what the checkpoint records (method, dataset, epochs, final loss ...).
    """

    def __init__(self, encoder: GraphEncoder, featurizer: str | None, meta: dict[str, Any]) -> None:
        self.encoder = encoder.eval()
        self.featurizer = featurizer
        self.meta = meta

    @property
    def dim(self) -> int:
        """Width of the embeddings."""
        return self.encoder.out_dim

    @torch.no_grad()
    def embed(self, inputs: Sequence[str] | str | Data | Batch, batch_size: int = 256) -> Tensor:
        """Embeddings of molecules (SMILES: one graph embedding each), of a ``Batch`` of graphs
        (one embedding per graph) or of one large graph (a ``Data`` or a node dataset such as
        ``load_dataset("cora")``: one embedding per node).

        Returns:
            Shape: (len(smiles), dim), (num_graphs, dim) or (num_nodes, node_dim), on the CPU.

        Raises:
            InvalidSmilesError: a SMILES cannot be parsed (the first bad one is named).
            CheckpointError: SMILES given to an encoder that does not read molecules.
        """
        device = next(self.encoder.parameters()).device
        inputs = getattr(inputs, "graph", inputs)  # a node dataset: its graph
        if isinstance(inputs, Batch):
            return self.encoder(inputs.to(device)).cpu()
        if isinstance(inputs, Data):
            return self.encoder.node_embeddings(inputs.to(device)).cpu()
        smiles = [inputs] if isinstance(inputs, str) else list(inputs)
        if self.featurizer is None or self.featurizer == "tu":
            raise CheckpointError(
                "this encoder reads a dataset's own graph features, not molecules: embed a "
                "torch_geometric Data (node embeddings) or Batch (graph embeddings) instead"
            )
        chunks = [
            self.encoder(batch.to(device)).cpu()
            for batch in smiles_batches(smiles, self.featurizer, batch_size)
        ]
        return torch.cat(chunks) if chunks else torch.zeros(0, self.dim)

    def to(self, device: str | torch.device) -> PretrainedEncoder:
        self.encoder.to(device)
        return self


def load(path: PathType) -> Any:
    """Load an encoder checkpoint or a predictor written by graphcl, or a published encoder by
    its zoo name (``"pretrain-gnns/gcn_contextpred"``; see ``graphcl zoo list``).

    Returns:
        A :class:`PretrainedEncoder` (``.embed``) for an encoder checkpoint, a
        :class:`~graphcl.evaluation.predictor.Predictor` (``.embed`` and ``.predict``) for a
        predictor file.

    Raises:
        CheckpointError: the file is neither (or cannot be read).

    Example:
        >>> model = graphcl.load("runs/20261124-quickstart/pretrain/encoder.pt")  # doctest: +SKIP
        >>> model.embed(["CCO", "c1ccccc1"]).shape  # doctest: +SKIP
        torch.Size([2, 128])
    """
    from graphcl.evaluation.predictor import FORMAT as PREDICTOR_FORMAT
    from graphcl.evaluation.predictor import Predictor
    from graphcl.zoo import is_model_name, load_zoo_encoder

    if not Path(path).is_file() and is_model_name(path):
        return PretrainedEncoder(*load_zoo_encoder(str(path)))

    payload = safe_torch_load(path, "a graphcl encoder checkpoint or predictor")
    kind = payload.get("format") if isinstance(payload, dict) else None
    if kind == PREDICTOR_FORMAT:
        return Predictor.load(path)
    if kind == ENCODER_FORMAT:
        encoder, featurizer, meta = load_encoder(path)
        return PretrainedEncoder(encoder, featurizer, meta)
    raise CheckpointError(f"{path} is neither a graphcl encoder checkpoint nor a graphcl predictor")
