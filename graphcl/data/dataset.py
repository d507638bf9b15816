"""Datasets of many small graphs (molecules, TU graphs): graphs, labels and what they mean.

Every graphcl dataset follows one protocol (:class:`DatasetProtocol`): an ``info`` record
(:class:`DatasetInfo`: task, metric, label names, feature specs), ``len`` examples (graphs here,
nodes for :class:`~graphcl.data.node_dataset.NodeDataset`), their labels ``y``, their ``smiles``
when they are molecules (None otherwise), and ``batch_plan(...)``: how the trainer walks it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor
from torch.utils.data import Dataset
from torch_geometric.data import Batch, Data

from graphcl.data.cache_file import read_checked, write_checked
from graphcl.data.plans import BatchPlan, GraphSetPlan
from graphcl.data.store import GraphStore
from graphcl.data.tasks import get_task
from graphcl.errors import DatasetError
from graphcl.features import FeatureSpec
from graphcl.typing import FeatureDims, PathType


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset's labels mean and how to evaluate on it.

    Attributes:
        name: dataset name (card name, or the file stem of a user file).
        task: a task of the vocabulary (:mod:`graphcl.data.tasks`): ``classification``,
            ``regression``, ``unlabeled``, ``node_classification`` ...
        metric: ``roc_auc``, ``accuracy``, ``rmse`` or ``none``.
        label_names: one per task column of ``y`` (node classification: the class names).
        featurizer: registered molecular featurizer that produced the graphs, or None when the
            features come from the dataset's own files (TU graphs, node datasets).
        default_split: split used when none is given.
        units: meaning of regression labels, when known.
        source: files and digests the graphs were built from.
        rejected: source records skipped because they could not be read (unparsable SMILES).
        node_feature_dims, edge_feature_dims: sizes of the node and edge features: vocabulary
            size per column (``categorical``), ``[width]`` (``float``) or ``[]`` (``none``).
        node_feature_kind, edge_feature_kind: ``categorical``, ``float`` or ``none``.
        feature_processing: how raw features were transformed (``row_normalize`` ...), if at all.
    """

    name: str
    task: str
    metric: str
    label_names: list[str]
    featurizer: str | None
    default_split: str = "scaffold"
    units: str | None = None
    source: list[dict[str, str]] = field(default_factory=list)
    rejected: int = 0
    node_feature_dims: list[int] = field(default_factory=list)
    edge_feature_dims: list[int] = field(default_factory=list)
    node_feature_kind: str = "categorical"
    edge_feature_kind: str = "categorical"
    feature_processing: str | None = None

    @property
    def node_features(self) -> FeatureSpec:
        return FeatureSpec(self.node_feature_kind, tuple(self.node_feature_dims))

    @property
    def edge_features(self) -> FeatureSpec:
        return FeatureSpec(self.edge_feature_kind, tuple(self.edge_feature_dims))

    @property
    def features(self) -> tuple[FeatureSpec, FeatureSpec]:
        """(node, edge) feature specs, for :func:`graphcl.encoders.build`."""
        return self.node_features, self.edge_features

    @property
    def dims(self) -> FeatureDims:
        """(node column sizes, edge column sizes) of categorical features."""
        return tuple(self.node_feature_dims), tuple(self.edge_feature_dims)

    @property
    def level(self) -> str:
        """What one example is: ``graph``, ``node``, ``edge`` (``none``: unlabeled)."""
        return get_task(self.task).level

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DatasetInfo:
        """The info a record (cache file, checkpoint) holds; fields it lacks take their
        defaults (records of graphcl 0.1 have no feature kinds)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@runtime_checkable
class DatasetProtocol(Protocol):
    """What every graphcl dataset provides (sets of graphs and one large graph alike)."""

    info: DatasetInfo

    def __len__(self) -> int:
        """Number of examples: graphs (graph tasks) or nodes (node tasks)."""

    @property
    def name(self) -> str: ...

    @property
    def smiles(self) -> list[str] | None:
        """SMILES of the examples when they are molecules, else None."""

    def batch_plan(
        self, batch_size: int, *, seed: int = 0, rank: int = 0, world_size: int = 1, **options: Any
    ) -> BatchPlan:
        """How the trainer walks the dataset (see :mod:`graphcl.data.plans`)."""


def with_smiles(batch: Batch, smiles: list[str]) -> Batch:
    """``batch`` carrying the list of its molecules' SMILES, as ``Batch.from_data_list`` does."""
    batch.smiles = smiles
    batch._slice_dict["smiles"] = torch.arange(len(smiles) + 1)
    batch._inc_dict["smiles"] = None
    return batch


class GraphDataset(Dataset[Data]):
    """Many small graphs with their labels (molecules from SMILES, TU graphs ...).

    Indexing gives one ``Data`` (``x``, ``edge_index``, ``edge_attr``, ``y`` of shape (1, T),
    and ``smiles`` for molecules); :meth:`collate` (also used by ``DataLoader`` through
    ``__getitems__``) builds a whole mini-batch at once.

    Attributes:
        store: the graphs.
        y: labels. Shape: (N, T), float32; NaN = missing.
        rows: 0-based row of each graph in the source (rejected rows are skipped).
        info: label meaning and evaluation defaults.
    """

    def __init__(
        self,
        store: GraphStore,
        y: Tensor,
        smiles: Sequence[str] | None,
        rows: Sequence[int],
        info: DatasetInfo,
    ) -> None:
        molecules = list(smiles) if smiles is not None and any(smiles) else None
        if not (len(store) == y.shape[0] == len(rows)) or (
            molecules is not None and len(molecules) != len(store)
        ):
            raise ValueError(
                f"inconsistent sizes: {len(store)} graphs, {y.shape[0]} label rows, "
                f"{len(smiles) if smiles is not None else 0} SMILES, {len(rows)} rows"
            )
        self.store = store
        self.y = y.float()
        self._smiles = molecules
        self.rows = list(rows)
        self.info = info

    @property
    def smiles(self) -> list[str] | None:
        """SMILES of each molecule as read from the source; None for graphs without any."""
        return self._smiles

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
        if self._smiles is not None:
            data.smiles = self._smiles[index]
        return data

    def subset(self, indices: Sequence[int] | Tensor) -> GraphDataset:
        """A dataset of the graphs at ``indices`` (same info; rows point to the source)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        chosen = index.tolist()
        return type(self)(
            self.store.select(index),
            self.y[index],
            [self._smiles[i] for i in chosen] if self._smiles is not None else None,
            [self.rows[i] for i in chosen],
            self.info,
        )

    def collate(self, indices: Sequence[int] | Tensor) -> Batch:
        """Mini-batch of the graphs at ``indices`` with ``y`` of shape (B, T) and, for
        molecules, their ``smiles`` (a list)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        batch = self.store.collate(index)
        if self._smiles is not None:
            with_smiles(batch, [self._smiles[i] for i in index.tolist()])
        batch.y = self.y[index]
        batch._slice_dict["y"] = torch.arange(index.numel() + 1)
        batch._inc_dict["y"] = torch.zeros(index.numel(), dtype=torch.long)
        return batch

    # torch.utils.data.DataLoader fetches a whole batch through this hook.
    __getitems__ = collate

    def batch_plan(
        self,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        batching: str = "auto",
        **options: Any,
    ) -> GraphSetPlan:
        """Seeded mini-batches of graphs (see :class:`~graphcl.data.plans.GraphSetPlan`; options
        such as ``sampler``, ``num_workers``, ``drop_last`` go to it).

        Raises:
            DatasetError: a ``batching`` of one large graph (``full``, ``nodes``).
        """
        if batching not in ("auto", "graphs"):
            raise DatasetError(
                f"{self.name} is a set of graphs; batching {batching!r} applies to one large graph"
            )
        return GraphSetPlan(
            self, batch_size, seed=seed, rank=rank, world_size=world_size, **options
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name!r}, graphs={len(self)}, tasks={self.num_tasks}, "
            f"task={self.info.task!r}, featurizer={self.info.featurizer!r})"
        )

    def save(self, path: PathType) -> None:
        """Write the dataset to one file (tensors and strings only; safe to load)."""
        payload: dict[str, Any] = {
            **self.store.state(),
            "y": self.y,
            "smiles": self._smiles or [],
            "rows": torch.tensor(self.rows, dtype=torch.long),
            "info": self.info.to_json(),
        }
        write_checked(payload, path)

    def problems(self) -> list[str]:
        """Structural faults of the graphs and labels (empty when sound)."""
        found = self.store.problems(
            self.info.node_feature_dims if self.info.node_feature_kind == "categorical" else None,
            self.info.edge_feature_dims if self.info.edge_feature_kind == "categorical" else None,
        )
        if self.y.shape[0] != len(self.store):
            found.append(f"{self.y.shape[0]} label rows for {len(self.store)} graphs")
        return found

    @classmethod
    def load(cls, path: PathType) -> GraphDataset:
        """Read a file written by :meth:`save` (``torch.load(weights_only=True)``), checking its
        checksum and structure.

        Raises:
            DatasetError: the file is damaged, truncated, foreign or structurally unsound.
        """
        payload = read_checked(path)
        try:
            store = GraphStore.from_state(payload)
            info = DatasetInfo.from_dict(json.loads(payload["info"]))
            dataset = cls(store, payload["y"], payload["smiles"], payload["rows"].tolist(), info)
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{path}: an incomplete dataset file ({exc})") from None
        found = dataset.problems()
        if found:
            raise DatasetError(f"{path}: unsound graphs ({'; '.join(found)})")
        return dataset


#: A :class:`GraphDataset` of molecules (the name graphcl 0.1 used for every set of graphs).
MoleculeDataset = GraphDataset
