"""One large graph whose examples are its nodes (citation, co-purchase, co-author networks).

A :class:`NodeDataset` follows the same protocol as the sets of graphs
(:class:`~graphcl.data.dataset.DatasetProtocol`): ``info`` (task ``node_classification``, float
node features, no edge features), ``len`` = number of nodes, ``y`` = one class per node (-1 =
unlabeled), no SMILES, and ``batch_plan``: the whole graph every step (``batching: full``, the
default), seeded batches of nodes (``nodes``), of whole communities with a halo
(``communities``) or of seed nodes with their sampled neighbourhood (``neighbors``).

Example:
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> graph = Data(x=torch.rand(6, 4), edge_index=torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]),
    ...              y=torch.tensor([0, 1, 1, 0, 2, 2]))
    >>> data = NodeDataset.from_graph(graph, "toy")
    >>> len(data), data.info.task, data.info.node_features.describe()
    (6, 'node_classification', 'float (4)')
"""

from __future__ import annotations

import json
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from graphcl.data.cache_file import read_checked, write_checked
from graphcl.data.community_plan import CommunityBatchPlan
from graphcl.data.dataset import DatasetInfo
from graphcl.data.neighbor_plan import NeighborBatchPlan
from graphcl.data.plans import BatchPlan, FullGraphPlan, NodeBatchPlan
from graphcl.errors import DatasetError
from graphcl.signature import accepted_keys
from graphcl.typing import PathType

#: The batch plan of each batching of one large graph (``auto`` is ``full``).
PLANS: dict[str, type[Any]] = {
    "full": FullGraphPlan,
    "nodes": NodeBatchPlan,
    "communities": CommunityBatchPlan,
    "neighbors": NeighborBatchPlan,
}
#: How a node dataset can be walked by the trainer.
BATCHINGS = ("auto", *PLANS)
#: Arguments of a plan the dataset and the trainer give, not a recipe's ``batching_args``.
PLAN_CONTEXT = ("graph", "batch_size", "seed", "rank", "world_size")
#: Options of sets of graphs a node dataset ignores (performance hints with no effect here).
_IGNORED = ("pin_memory",)


def _is_unset(value: Any) -> bool:
    """Whether an option holds its "off" value (None, ``random``, 0, False)."""
    return value is None or (isinstance(value, (int, str)) and value in (0, "random"))


class NodeDataset:
    """One graph with float node features, node labels and published splits.

    Args:
        graph: PyG ``Data`` with float ``x`` (N, F), ``edge_index`` (2, E) (both directions of
            undirected edges) and int64 ``y`` (N,) (-1 = unlabeled).
        info: what the labels and features are.
        splits: published splits by name, each a list of (train, valid, test) index tensors
            (``public``: Planetoid's split; WikiCS's 20 splits).
    """

    def __init__(
        self,
        graph: Data,
        info: DatasetInfo,
        splits: dict[str, list[tuple[Tensor, Tensor, Tensor]]] | None = None,
    ) -> None:
        if graph.x is None or not graph.x.is_floating_point():
            raise DatasetError(f"{info.name}: a node dataset needs float node features x")
        self.graph = graph
        self.info = info
        self.splits = dict(splits or {})

    @classmethod
    def from_graph(
        cls,
        graph: Data,
        name: str,
        *,
        class_names: list[str] | None = None,
        splits: dict[str, list[tuple[Tensor, Tensor, Tensor]]] | None = None,
        feature_processing: str | None = None,
        source: list[dict[str, str]] | None = None,
    ) -> NodeDataset:
        """A node-classification dataset of ``graph`` (its info derived from the tensors)."""
        y = graph.y if graph.y is not None else torch.full((graph.num_nodes,), -1)
        num_classes = int(y.max()) + 1 if y.numel() and int(y.max()) >= 0 else 0
        edge_attr = graph.get("edge_attr")
        info = DatasetInfo(
            name=name,
            task="node_classification",
            metric="accuracy",
            label_names=class_names or [f"class {k}" for k in range(num_classes)],
            featurizer=None,
            default_split="public" if splits and "public" in splits else "random",
            source=source or [],
            node_feature_dims=[int(graph.x.shape[1])],
            node_feature_kind="float",
            edge_feature_dims=[] if edge_attr is None else [int(edge_attr.shape[1])],
            edge_feature_kind="none" if edge_attr is None else "float",
            feature_processing=feature_processing,
        )
        return cls(graph, info, splits)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def smiles(self) -> None:
        """Node datasets hold no molecules."""
        return None

    @property
    def y(self) -> Tensor:
        """Class of each node (-1: unlabeled). Shape: (N,)."""
        y: Tensor = self.graph.y
        return y

    @property
    def num_classes(self) -> int:
        return len(self.info.label_names)

    @property
    def num_tasks(self) -> int:
        """Outputs a classifier of the nodes needs: one per class."""
        return self.num_classes

    @property
    def num_nodes(self) -> int:
        return int(self.graph.num_nodes)

    def __len__(self) -> int:
        return self.num_nodes

    def batch_plan(
        self,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        batching: str = "auto",
        **options: Any,
    ) -> BatchPlan:
        """The trainer's walk over the graph, by ``batching``:

        - ``full`` (also ``auto``): the whole graph every step (:class:`FullGraphPlan`);
        - ``nodes``: seeded batches of ``batch_size`` nodes per process, each its induced
          subgraph (:class:`NodeBatchPlan`);
        - ``communities``: whole communities of at most ``batch_size`` nodes with a halo of
          neighbours (:class:`~graphcl.data.community_plan.CommunityBatchPlan`; options
          ``method``, ``assignment``, ``resolution``, ``num_communities``, ``halo_hops``,
          ``halo_fanout``, ``packing``);
        - ``neighbors``: ``batch_size`` seed nodes with their sampled neighbourhood
          (:class:`~graphcl.data.neighbor_plan.NeighborBatchPlan`; options ``fanouts``,
          ``replace``, ``drop_last``).

        ``options`` are the chosen plan's own arguments (a recipe's ``train.batching_args``);
        batches with context nodes mark the nodes whose loss counts with ``center_mask``.

        Raises:
            DatasetError: an unknown batching, or options neither the plan nor a node dataset
                takes (e.g. ``sampler``, which groups molecules).
        """
        if batching not in BATCHINGS:
            raise DatasetError(f"batching must be one of {', '.join(BATCHINGS)}, got {batching!r}")
        plan = PLANS["full" if batching == "auto" else batching]
        own = set(accepted_keys(plan, exclude=PLAN_CONTEXT))
        args = {k: v for k, v in options.items() if k in own}
        unused = {
            k: v
            for k, v in options.items()
            if k not in own and k not in _IGNORED and not _is_unset(v)
        }
        if unused:
            raise DatasetError(
                f"{self.name} is one graph; the option(s) {', '.join(sorted(unused))} apply to "
                f"sets of graphs or to another batching than {batching!r}"
            )
        if plan is FullGraphPlan:
            return FullGraphPlan(self.graph, **args)
        return plan(self.graph, batch_size, seed=seed, rank=rank, world_size=world_size, **args)

    def __repr__(self) -> str:
        return (
            f"NodeDataset({self.name!r}, nodes={self.num_nodes}, "
            f"edges={self.graph.num_edges}, classes={self.num_classes}, "
            f"features={self.info.node_features.describe()})"
        )

    def save(self, path: PathType) -> None:
        """Write the dataset to one file (tensors and strings only; safe to load). Sparse
        features (bag-of-words) are stored as their non-zero entries."""
        tensors = {k: v for k, v in self.graph.items() if isinstance(v, Tensor)}
        x = tensors.pop("x")
        nonzero = x.nonzero().T
        if nonzero.shape[1] < x.numel() // 4:
            tensors["x_indices"], tensors["x_values"] = nonzero, x[nonzero[0], nonzero[1]]
            tensors["x_shape"] = torch.tensor(list(x.shape))
        else:
            tensors["x"] = x
        payload: dict[str, Any] = {
            "graph": tensors,
            "splits": {
                name: [list(triple) for triple in runs] for name, runs in self.splits.items()
            },
            "info": self.info.to_json(),
        }
        write_checked(payload, path)

    def problems(self) -> list[str]:
        """Structural faults (empty when sound): edges outside the graph, labels or features of
        the wrong length."""
        graph, found = self.graph, []
        n = int(graph.num_nodes)
        if graph.edge_index.numel() and (
            int(graph.edge_index.min()) < 0 or int(graph.edge_index.max()) >= n
        ):
            found.append(f"edges point outside the {n} nodes")
        if graph.y is not None and graph.y.shape[0] != n:
            found.append(f"{graph.y.shape[0]} labels for {n} nodes")
        for name, runs in self.splits.items():
            for triple in runs:
                if any(t.numel() and (int(t.min()) < 0 or int(t.max()) >= n) for t in triple):
                    found.append(f"split {name!r} holds node ids outside the graph")
                    break
        return found

    @classmethod
    def load(cls, path: PathType) -> NodeDataset:
        """Read a file written by :meth:`save` (``torch.load(weights_only=True)``), checking its
        checksum and structure.

        Raises:
            DatasetError: the file is damaged, truncated, foreign or structurally unsound.
        """
        payload = read_checked(path)
        try:
            tensors = dict(payload["graph"])
            if "x_indices" in tensors:
                x = torch.zeros(tensors.pop("x_shape").tolist(), dtype=tensors["x_values"].dtype)
                indices = tensors.pop("x_indices")
                x[indices[0], indices[1]] = tensors.pop("x_values")
                tensors["x"] = x
            graph = Data(**tensors)
            splits = {
                name: [(train, valid, test) for train, valid, test in runs]
                for name, runs in payload["splits"].items()
            }
            dataset = cls(graph, DatasetInfo.from_dict(json.loads(payload["info"])), splits)
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{path}: an incomplete dataset file ({exc})") from None
        found = dataset.problems()
        if found:
            raise DatasetError(f"{path}: unsound graph ({'; '.join(found)})")
        return dataset
