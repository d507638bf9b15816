"""The in-memory molecular dataset: graphs, labels, SMILES and what they mean."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset
from torch_geometric.data import Batch, Data

from graphcl.data.store import GraphStore
from graphcl.typing import FeatureDims, PathType


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset's labels mean and how to evaluate on it.

    Attributes:
        name: dataset name (card name, or the file stem of a user file).
        task: ``classification``, ``regression`` or ``unlabeled``.
        metric: ``roc_auc``, ``accuracy``, ``rmse`` or ``none``.
        label_names: one per task column of ``y``.
        featurizer: registered featurizer name that produced the graphs.
        default_split: split used when none is given.
        units: meaning of regression labels, when known.
        source: files and digests the graphs were built from.
        rejected: source records skipped because RDKit could not parse their SMILES.
        node_feature_dims, edge_feature_dims: vocabulary sizes of the categorical node and edge
            columns (what encoders are sized for).
    """

    name: str
    task: str
    metric: str
    label_names: list[str]
    featurizer: str
    default_split: str = "scaffold"
    units: str | None = None
    source: list[dict[str, str]] = field(default_factory=list)
    rejected: int = 0
    node_feature_dims: list[int] = field(default_factory=list)
    edge_feature_dims: list[int] = field(default_factory=list)

    @property
    def dims(self) -> FeatureDims:
        """(node column sizes, edge column sizes), for :func:`graphcl.encoders.build`."""
        return tuple(self.node_feature_dims), tuple(self.edge_feature_dims)


def with_smiles(batch: Batch, smiles: list[str]) -> Batch:
    """``batch`` carrying the list of its molecules' SMILES, as ``Batch.from_data_list`` does."""
    batch.smiles = smiles
    batch._slice_dict["smiles"] = torch.arange(len(smiles) + 1)
    batch._inc_dict["smiles"] = None
    return batch


class MoleculeDataset(Dataset[Data]):
    """Featurized molecules with their labels.

    Indexing gives one ``Data`` (``x``, ``edge_index``, ``edge_attr``, ``y`` of shape (1, T),
    ``smiles``); :meth:`collate` (also used by ``DataLoader`` through ``__getitems__``) builds a
    whole mini-batch at once.

    Attributes:
        store: the graphs.
        y: labels. Shape: (N, T), float32; NaN = missing.
        smiles: SMILES of each molecule as read from the source.
        rows: 0-based row of each molecule in the source table (rejected rows are skipped).
        info: label meaning and evaluation defaults.
    """

    def __init__(
        self,
        store: GraphStore,
        y: Tensor,
        smiles: Sequence[str],
        rows: Sequence[int],
        info: DatasetInfo,
    ) -> None:
        if not (len(store) == y.shape[0] == len(smiles) == len(rows)):
            raise ValueError(
                f"inconsistent sizes: {len(store)} graphs, {y.shape[0]} label rows, "
                f"{len(smiles)} SMILES, {len(rows)} rows"
            )
        self.store = store
        self.y = y.float()
        self.smiles = list(smiles)
        self.rows = list(rows)
        self.info = info

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def num_tasks(self) -> int:
        return self.y.shape[1]

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int) -> Data:
        data = self.store.get(index)
        data.y = self.y[index : index + 1]
        data.smiles = self.smiles[index]
        return data

    def subset(self, indices: Sequence[int] | Tensor) -> MoleculeDataset:
        """A dataset of the molecules at ``indices`` (same info; rows point to the source)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        return MoleculeDataset(
            self.store.select(index),
            self.y[index],
            [self.smiles[i] for i in index.tolist()],
            [self.rows[i] for i in index.tolist()],
            self.info,
        )

    def collate(self, indices: Sequence[int] | Tensor) -> Batch:
        """Mini-batch of the molecules at ``indices`` with ``y`` of shape (B, T) and their
        ``smiles`` (a list)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        batch = with_smiles(self.store.collate(index), [self.smiles[i] for i in index.tolist()])
        batch.y = self.y[index]
        batch._slice_dict["y"] = torch.arange(index.numel() + 1)
        batch._inc_dict["y"] = torch.zeros(index.numel(), dtype=torch.long)
        return batch

    # torch.utils.data.DataLoader fetches a whole batch through this hook.
    __getitems__ = collate

    def __repr__(self) -> str:
        return (
            f"MoleculeDataset({self.name!r}, molecules={len(self)}, tasks={self.num_tasks}, "
            f"task={self.info.task!r}, featurizer={self.info.featurizer!r})"
        )

    def save(self, path: PathType) -> None:
        """Write the dataset to one file (tensors and strings only; safe to load)."""
        payload: dict[str, Any] = {
            **self.store.state(),
            "y": self.y,
            "smiles": self.smiles,
            "rows": torch.tensor(self.rows, dtype=torch.long),
            "info": json.dumps(asdict(self.info)),
        }
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(payload, tmp)
        tmp.replace(path)

    @classmethod
    def load(cls, path: PathType) -> MoleculeDataset:
        """Read a file written by :meth:`save` (``torch.load(weights_only=True)``)."""
        payload = torch.load(path, weights_only=True)
        store = GraphStore.from_state(payload)
        info = DatasetInfo(**json.loads(payload["info"]))
        return cls(store, payload["y"], payload["smiles"], payload["rows"].tolist(), info)
