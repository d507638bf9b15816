"""A trained property predictor for chemists: SMILES in, predictions in label units out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.data.dataset import DatasetInfo
from graphcl.data.featurize import smiles_batches
from graphcl.encoders.checkpoint import (
    encoder_from_record,
    encoder_record,
    load_checked,
    migrate_state,
)
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.errors import CheckpointError
from graphcl.runtime.atomic import torch_save_atomic
from graphcl.typing import PathType

FORMAT = "graphcl-predictor"


class Predictor:
    """Encoder + head trained on one dataset, with its featurizer and label scaling.

    Args:
        model: the trained model.
        featurizer: name of the featurizer it was trained with.
        info: what the outputs mean (task type, label names, units).
        target_mean, target_std: regression label scaling (outputs * std + mean).

    Example:
        >>> result = graphcl.evaluate(["chembl2321810"], seeds=1)  # doctest: +SKIP
        >>> result.predictor("chembl2321810").predict(["c1ccccc1O"])  # doctest: +SKIP
        tensor([[5.91]])
    """

    def __init__(
        self,
        model: PropertyModel,
        featurizer: str | None,
        info: DatasetInfo,
        target_mean: Sequence[float],
        target_std: Sequence[float],
    ) -> None:
        self.model = model.eval()
        self.featurizer = featurizer
        self.info = info
        self.target_mean = torch.tensor(list(target_mean), dtype=torch.float32)
        self.target_std = torch.tensor(list(target_std), dtype=torch.float32)

    @property
    def task_names(self) -> list[str]:
        return list(self.info.label_names)

    @property
    def encoder(self) -> torch.nn.Module:
        """The trained encoder (fine-tuned, or the frozen one of a linear probe)."""
        return self.model.encoder

    @property
    def dim(self) -> int:
        """Width of the embeddings :meth:`embed` returns."""
        return self.model.encoder.out_dim

    def _batches(self, smiles: Sequence[str], batch_size: int) -> list[Batch]:
        if self.featurizer is None or self.featurizer == "tu":
            raise CheckpointError(
                f"this predictor was trained on {self.info.name}'s own graph features, not on "
                "molecules: it cannot featurize SMILES"
            )
        return list(smiles_batches(smiles, self.featurizer, batch_size))

    @torch.no_grad()
    def embed(self, smiles: Sequence[str], batch_size: int = 256) -> Tensor:
        """Graph embeddings of molecules by the trained encoder.

        Returns:
            Shape: (len(smiles), dim), on the CPU.

        Raises:
            InvalidSmilesError: a SMILES cannot be parsed (the first bad one is named).
        """
        if isinstance(smiles, str):
            smiles = [smiles]
        device = next(self.model.parameters()).device
        chunks = [
            self.model.encoder(batch.to(device)).cpu()
            for batch in self._batches(smiles, batch_size)
        ]
        return torch.cat(chunks) if chunks else torch.zeros(0, self.dim)

    @torch.no_grad()
    def predict(self, smiles: Sequence[str], batch_size: int = 256) -> Tensor:
        """Predictions for each SMILES.

        Returns:
            Shape: (len(smiles), num_tasks). Probabilities of the positive class for
            classification tasks; values in label units (e.g. pIC50) for regression.

        Raises:
            InvalidSmilesError: a SMILES cannot be parsed (the first bad one is named).
        """
        if isinstance(smiles, str):
            smiles = [smiles]
        device = next(self.model.parameters()).device
        outputs = [
            self.model(batch.to(device)).cpu() for batch in self._batches(smiles, batch_size)
        ]
        out = torch.cat(outputs) if outputs else torch.zeros(0, len(self.task_names))
        if self.info.task == "classification":
            return torch.sigmoid(out)
        return out * self.target_std + self.target_mean

    def save(self, path: PathType) -> None:
        """Write the predictor (load it with :meth:`load`; safe ``weights_only`` format)."""
        torch_save_atomic(
            {
                "format": FORMAT,
                **encoder_record(self.model.encoder, self.featurizer),
                "head": dict(self.model.head.config),
                "state_dict": self.model.state_dict(),
                "info": json.dumps(asdict(self.info)),
                "target_mean": self.target_mean,
                "target_std": self.target_std,
            },
            path,
        )

    @classmethod
    def load(cls, path: PathType, device: str | torch.device = "cpu") -> Predictor:
        """Read a predictor written by :meth:`save`.

        Raises:
            CheckpointError: the file is not a graphcl predictor.
        """
        payload = load_checked(path, FORMAT, "a graphcl predictor")
        missing = [k for k in ("info", "head", "state_dict", "encoder") if k not in payload]
        if missing:
            raise CheckpointError(f"{path}: a predictor without {', '.join(missing)}")
        try:
            info = DatasetInfo.from_dict(json.loads(payload["info"]))
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{path}: its dataset record is unreadable ({exc})") from None
        encoder = encoder_from_record(payload, path, None)
        head = PredictionHead(encoder.out_dim, len(info.label_names), **payload["head"])
        model = PropertyModel(encoder, head)
        state = {
            k.removeprefix("encoder."): v
            for k, v in payload["state_dict"].items()
            if k.startswith("encoder.")
        }
        state = migrate_state(
            str(payload["encoder"]["name"]), state, int(payload.get("format_version", 1))
        )
        try:
            model.encoder.load_state_dict(state)
            model.head.load_state_dict(
                {
                    k.removeprefix("head."): v
                    for k, v in payload["state_dict"].items()
                    if k.startswith("head.")
                }
            )
        except RuntimeError as exc:
            raise CheckpointError(
                f"{path}: its weights do not fit the model it records: {str(exc).splitlines()[0]}"
            ) from None
        return cls(
            model.to(device),
            payload["featurizer"],
            info,
            payload["target_mean"].tolist(),
            payload["target_std"].tolist(),
        )
