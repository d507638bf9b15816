"""One labelled circuit design as a dataset: a homogeneous view for plain GNNs, coupling- and
ground-capacitance labels, seeded held-out splits and neighbour-sampled batch plans.

CircuitGCL (Shen et al., 2025, arXiv 2507.06535) learns on one design at a time: devices, pins
and nets are nodes joined by structural edges (device-pin, pin-net, device-net), and the labels
are parasitic capacitances in farads:

* **coupling capacitance** on labelled pin-net, pin-pin and net-net pairs (CirGPS ``cc_p2n``,
  ``cc_p2p``, ``cc_n2n``; graphcl's ``('pin', 'cc', 'net')`` ...): edge regression;
* **ground capacitance** of nets and pins (``y_ground``): node classification in five
  magnitude classes.

Both go through :class:`~graphcl.circuits.labels.CapacitanceTransform` (log scaling of
1 zF .. 1 fF to [0, 1], classes at 0.2/0.4/0.6/0.8 on that axis), so models regress and
classify on the scaled axis and :meth:`CapacitanceTransform.inverse` gives farads back.

**The homogeneous view** (:attr:`CircuitDataset.data`): devices, then pins, then nets, one node
set; ``x`` float32 (n, F) is the node-type one-hot (3 columns) followed by one column block per
feature of each node type, zeros for the other types (:class:`FeatureBlock`):

* float features (CirGPS ``x`` of nets and devices; graphcl's device sizes, net counts) become
  ``sign(v) * log1p(|v|)``, then each column is standardised over that type's nodes (zero mean,
  unit variance; a constant column is 0), so counts up to thousands and widths of 1e-7 m alike
  reach the GNN at unit scale;
* integer features (CirGPS pin codes 0/1/2; graphcl's device ``type`` and pin ``role``) become
  one-hots.

Only structural edges carry messages (both directions, coalesced); the labelled coupling pairs
never do, so a held-out pair's existence does not leak into the inputs. Each edge carries its
relation as one categorical column, ``edge_attr = 3 * type(source) + type(target)``
(:data:`NUM_RELATIONS` values): the homogeneous encoders (``gcn``, ``gin``) add a learned
embedding of it to their messages, the heterogeneous ``rgcn`` keeps one weight per relation.

**Labels** (all on the dataset, in homogeneous node ids): :attr:`CircuitDataset.edge_label_index`
(2, L) with :attr:`edge_kind` (0 pin-net, 1 pin-pin, 2 net-net), :attr:`edge_farads` (float64,
F) and the scaled :attr:`edge_y`; :attr:`node_farads` (n,) (``NaN`` where a node has no ground
label: devices, unnamed nets), :attr:`node_y` and :attr:`node_class` (-1 = missing).

``len(dataset)`` is the number of labelled coupling pairs (what the shared ``random`` split and
the ``edge_regression`` protocol split); :meth:`CircuitDataset.node_split` gives the seeded
held-out split of the ground-labelled nodes.

Example:
    >>> from graphcl.circuits import load_design
    >>> design = load_design("digtime")                  # doctest: +SKIP
    >>> design.num_nodes, len(design), design.info.task  # doctest: +SKIP
    (17580, 44351, 'edge_regression')
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData
from torch_geometric.utils import coalesce

from graphcl.circuits.designs import PUBLISHED_DESIGNS, cirgps_to_graphcl, load_cirgps
from graphcl.circuits.devices import DEVICE_TYPES, PIN_ROLES
from graphcl.circuits.labels import MISSING_CLASS, CapacitanceTransform
from graphcl.data.dataset import DatasetInfo
from graphcl.data.formats.registry import GRAPH_FORMATS
from graphcl.data.plans import BatchPlan, FullGraphPlan
from graphcl.data.sampling import LinkNeighborLoader, NeighborLoader
from graphcl.data.splits import Split, random_split
from graphcl.errors import DatasetError
from graphcl.typing import PathType

if TYPE_CHECKING:
    from graphcl.data.card import DatasetCard

#: Node types of the homogeneous view, in order.
NODE_TYPES: tuple[str, ...] = ("device", "pin", "net")
#: Labelled coupling relations (graphcl layout) and their ``edge_kind`` index.
COUPLING_TYPES: tuple[tuple[str, str, str], ...] = (
    ("pin", "cc", "net"),
    ("pin", "cc", "pin"),
    ("net", "cc", "net"),
)
#: Short names of the coupling kinds (CirGPS's ``cc_p2n``, ``cc_p2p``, ``cc_n2n``).
COUPLING_KINDS: tuple[str, ...] = ("p2n", "p2p", "n2n")
#: Edge relations of the view: ``3 * type(source) + type(target)`` (the ``edge_attr`` column).
NUM_RELATIONS = len(NODE_TYPES) ** 2
#: CircuitGCL's neighbour sampling: 4 hops of 64 incoming edges.
DEFAULT_FANOUTS: tuple[int, ...] = (64, 64, 64, 64)
#: Ways :meth:`CircuitDataset.batch_plan` walks the design (``nodes`` and ``neighbors`` alike
#: are neighbour-sampled batches of seed nodes).
BATCHINGS = ("auto", "full", "nodes", "neighbors", "links")
#: Plan options of sets of graphs that a circuit ignores (performance hints with no effect here).
_IGNORED = ("pin_memory",)
#: Known vocabularies of integer node attributes of graphcl's own circuit graphs.
_VOCABULARIES = {("device", "type"): len(DEVICE_TYPES), ("pin", "role"): len(PIN_ROLES)}


@dataclass(frozen=True)
class FeatureBlock:
    """One column block of the homogeneous ``x``.

    Attributes:
        node_type: ``device``, ``pin`` or ``net``.
        attr: the node attribute read (``x``, ``type``, ``role``).
        column: the attribute's column (None for a 1-D attribute).
        kind: ``float`` (signed log1p, then standardised) or ``one_hot``.
        size: 1 for ``float``; the vocabulary size for ``one_hot`` (larger codes are clipped).
    """

    node_type: str
    attr: str
    column: int | None
    kind: str
    size: int

    @property
    def name(self) -> str:
        where = self.attr if self.column is None else f"{self.attr}[{self.column}]"
        return f"{self.node_type}:{where}"


def _column(store: Any, block: FeatureBlock) -> Tensor:
    value: Tensor = store[block.attr]
    if block.column is None:
        return value.reshape(-1)
    return value[:, block.column]


def feature_blocks(graph: HeteroData) -> tuple[FeatureBlock, ...]:
    """The column blocks of ``graph``'s homogeneous view: every column of each node type's ``x``
    (float or integer), plus a device ``type`` and pin ``role`` when present."""
    blocks: list[FeatureBlock] = []
    for node_type in NODE_TYPES:
        if node_type not in graph.node_types:
            continue
        store = graph[node_type]
        for attr in ("type", "role", "x"):
            value = store.get(attr)
            if not isinstance(value, Tensor) or value.dim() not in (1, 2):
                continue
            if attr != "x" and (value.dim() != 1 or value.is_floating_point()):
                continue
            columns: list[int | None] = [None] if value.dim() == 1 else list(range(value.shape[1]))
            for column in columns:
                if value.is_floating_point():
                    blocks.append(FeatureBlock(node_type, attr, column, "float", 1))
                    continue
                data = value if column is None else value[:, column]
                known = _VOCABULARIES.get((node_type, attr))
                size = known or (int(data.max()) + 1 if data.numel() else 1)
                blocks.append(FeatureBlock(node_type, attr, column, "one_hot", max(size, 1)))
    return tuple(blocks)


def _standardise(values: Tensor) -> Tensor:
    """``sign(v) log1p(|v|)``, then zero mean and unit variance (a constant column is 0)."""
    squashed = torch.sign(values) * torch.log1p(values.abs())
    spread = squashed.std(unbiased=False) if squashed.numel() > 1 else torch.tensor(0.0)
    centred = squashed - squashed.mean() if squashed.numel() else squashed
    return centred / spread if float(spread) > 0 else torch.zeros_like(centred)


def node_offsets(graph: HeteroData) -> dict[str, tuple[int, int]]:
    """``(first homogeneous id, count)`` of each node type present, in :data:`NODE_TYPES`
    order."""
    offsets, start = {}, 0
    for node_type in NODE_TYPES:
        if node_type in graph.node_types:
            count = int(graph[node_type].num_nodes)
            offsets[node_type] = (start, count)
            start += count
    return offsets


def homogeneous_features(
    graph: HeteroData, blocks: Sequence[FeatureBlock]
) -> tuple[Tensor, Tensor]:
    """``x`` float32 (n, 3 + width) and ``node_type`` int64 (n,) of the homogeneous view.

    Raises:
        DatasetError: a block names an attribute the graph lacks.
    """
    offsets = node_offsets(graph)
    total = sum(count for _, count in offsets.values())
    width = 3 + sum(block.size for block in blocks)
    x = torch.zeros((total, width), dtype=torch.float32)
    node_type = torch.empty(total, dtype=torch.long)
    for index, name in enumerate(NODE_TYPES):
        if name in offsets:
            start, count = offsets[name]
            x[start : start + count, index] = 1.0
            node_type[start : start + count] = index
    column = 3
    for block in blocks:
        store = graph[block.node_type] if block.node_type in offsets else {}
        value = store.get(block.attr)
        fits = isinstance(value, Tensor) and (
            value.dim() == 1
            if block.column is None
            else value.dim() == 2 and block.column < value.shape[1]
        )
        if not fits:
            raise DatasetError(
                f"the design has no {block.name} feature that the model reads; it was trained on "
                "a design laid out differently (a CirGPS design's features are not a netlist "
                "graph's: train on designs of the kind you predict)"
            )
        start, count = offsets[block.node_type]
        values = _column(graph[block.node_type], block)
        rows = slice(start, start + count)
        if block.kind == "float":
            x[rows, column] = _standardise(values.double()).float()
        else:
            codes = values.long().clamp(0, block.size - 1)
            x[rows, column : column + block.size] = torch.nn.functional.one_hot(
                codes, block.size
            ).float()
        column += block.size
    return x, node_type


def structural_edges(graph: HeteroData) -> Tensor:
    """Every non-coupling relation of ``graph`` in homogeneous ids, both directions, coalesced.
    Shape: (2, E)."""
    offsets = node_offsets(graph)
    parts = []
    for source, relation, target in graph.edge_types:
        if relation.startswith("cc") or source not in offsets or target not in offsets:
            continue
        index = graph[source, relation, target].edge_index
        shift = torch.tensor([[offsets[source][0]], [offsets[target][0]]])
        parts.append(index + shift)
    total = sum(count for _, count in offsets.values())
    if not parts:
        return torch.empty((2, 0), dtype=torch.long)
    edges = torch.cat(parts, 1)
    edges = torch.cat([edges, edges.flip(0)], 1)
    out: Tensor = coalesce(edges, num_nodes=total)
    return out


def _as_graphcl_layout(graph: HeteroData) -> HeteroData:
    if any(relation.startswith("cc_") for _, relation, _ in graph.edge_types):
        return cirgps_to_graphcl(graph)
    return graph


class SampledPlan:
    """A neighbour-sampling loader as a :class:`~graphcl.data.plans.BatchPlan`: epoch ``e``
    iterates the loader set to epoch ``e`` (seeded from ``(seed, e)``)."""

    def __init__(self, loader: NeighborLoader | LinkNeighborLoader, unit: str) -> None:
        self.loader = loader
        self.unit = unit

    def steps(self, epoch: int) -> int:
        return len(self.loader)

    def batches(self, epoch: int) -> Iterator[Any]:
        self.loader.set_epoch(epoch)
        yield from self.loader

    def size(self, batch: Any) -> int:
        if self.unit == "edges":
            return int(batch.edge_label_index.shape[1])
        return int(batch.batch_size)


class CircuitDataset:
    """One labelled circuit design (see the module docstring for the view and the labels).

    Args:
        graph: a ``HeteroData`` with ``device``/``pin``/``net`` nodes in graphcl's layout (from
            :func:`~graphcl.circuits.attach_parasitics` or
            :func:`~graphcl.circuits.cirgps_to_graphcl`; raw CirGPS graphs are converted).
        name: the design's name (recipes, reports).
        transform: the capacitance scaling (default: CircuitGCL's 1 zF .. 1 fF, 5 classes).
        blocks: the feature layout to build (default: the graph's own,
            :func:`feature_blocks`); give a trained model's blocks to read a new design the same
            way.
        fanouts: neighbour sampling per hop (default 4 x 64; ``-1`` takes every neighbour).

    Attributes:
        graph: the heterogeneous design.
        data: the homogeneous view (``x`` (n, F), ``edge_index`` (2, E), ``node_type`` (n,)).
        info: task ``edge_regression``, float node features, no edge features.
        offsets: ``(first id, count)`` of each node type in the view.
        edge_label_index: labelled coupling pairs in view ids. Shape: (2, L).
        edge_kind: 0 pin-net, 1 pin-pin, 2 net-net. Shape: (L,).
        edge_farads: coupling capacitances, float64 farads. Shape: (L,).
        edge_y: scaled coupling labels in [0, 1], float32. Shape: (L,).
        node_farads: ground capacitances, float64 farads, NaN where unlabelled. Shape: (n,).
        node_y: scaled ground labels (NaN where unlabelled). Shape: (n,).
        node_class: ground-capacitance classes 0..4, -1 where unlabelled. Shape: (n,).

    Raises:
        DatasetError: no device/pin/net nodes, or a coupling relation without ``edge_label``.
    """

    def __init__(
        self,
        graph: HeteroData,
        name: str = "circuit",
        *,
        transform: CapacitanceTransform | None = None,
        blocks: Sequence[FeatureBlock] | None = None,
        fanouts: Sequence[int] = DEFAULT_FANOUTS,
    ) -> None:
        graph = _as_graphcl_layout(graph)
        self.offsets = node_offsets(graph)
        if not self.offsets:
            raise DatasetError(f"{name}: the design has no device, pin or net nodes")
        self.graph = graph
        self.transform = transform or CapacitanceTransform()
        self.blocks = tuple(blocks) if blocks is not None else feature_blocks(graph)
        self.fanouts = tuple(int(f) for f in fanouts)
        x, node_type = homogeneous_features(graph, self.blocks)
        edges = structural_edges(graph)
        relation = (len(NODE_TYPES) * node_type[edges[0]] + node_type[edges[1]]).unsqueeze(1)
        self.data = Data(x=x, edge_index=edges, edge_attr=relation, node_type=node_type)
        self._labels(name)
        self.info = DatasetInfo(
            name=name,
            task="edge_regression",
            metric="rmse",
            label_names=["coupling_capacitance"],
            featurizer=None,
            default_split="random",
            units="log10(C / 1e-21 F) / 6 (CapacitanceTransform), farads on inversion",
            node_feature_dims=[int(x.shape[1])],
            node_feature_kind="float",
            edge_feature_dims=[NUM_RELATIONS],
            edge_feature_kind="categorical",
            feature_processing="signed log1p + per-type standardisation",
        )

    def _labels(self, name: str) -> None:
        pairs, kinds, farads = [], [], []
        for kind, edge_type in enumerate(COUPLING_TYPES):
            source, _, target = edge_type
            if edge_type not in self.graph.edge_types:
                continue
            store = self.graph[edge_type]
            if "edge_label" not in store:
                raise DatasetError(f"{name}: coupling relation {edge_type} has no edge_label")
            shift = torch.tensor([[self.offsets[source][0]], [self.offsets[target][0]]])
            pairs.append(store.edge_index + shift)
            kinds.append(torch.full((store.edge_index.shape[1],), kind, dtype=torch.long))
            farads.append(store.edge_label.reshape(-1).double())
        self.edge_label_index = (
            torch.cat(pairs, 1) if pairs else torch.empty((2, 0), dtype=torch.long)
        )
        self.edge_kind = torch.cat(kinds) if kinds else torch.empty(0, dtype=torch.long)
        self.edge_farads = torch.cat(farads) if farads else torch.empty(0, dtype=torch.float64)
        self.edge_y = self.transform.forward(self.edge_farads).float()
        node_farads = torch.full((self.num_nodes,), math.nan, dtype=torch.float64)
        for node_type in ("pin", "net"):
            if node_type in self.offsets and "y_ground" in self.graph[node_type]:
                start, count = self.offsets[node_type]
                node_farads[start : start + count] = self.graph[node_type].y_ground.double()
        self.node_farads = node_farads
        self.node_y = self.transform.forward(node_farads).float()
        self.node_class = self.transform.classes(node_farads)
        self.labelled_nodes = (self.node_class != MISSING_CLASS).nonzero().view(-1)

    # -- the dataset protocol ----------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def smiles(self) -> None:
        """Circuits hold no molecules."""
        return None

    @property
    def y(self) -> Tensor:
        """Scaled coupling labels of the labelled pairs. Shape: (L, 1)."""
        return self.edge_y[:, None]

    @property
    def num_tasks(self) -> int:
        return 1

    @property
    def num_classes(self) -> int | None:
        """None: the dataset's task is regression (ground classes: ``transform.num_classes``)."""
        return None

    @property
    def num_nodes(self) -> int:
        return int(self.data.num_nodes)

    def __len__(self) -> int:
        return int(self.edge_label_index.shape[1])

    def __repr__(self) -> str:
        counts = ", ".join(f"{t}={c}" for t, (_, c) in self.offsets.items())
        return (
            f"CircuitDataset({self.name!r}, {counts}, coupling pairs={len(self)}, "
            f"ground labels={self.labelled_nodes.numel()}, features={self.data.x.shape[1]})"
        )

    def save(self, path: PathType) -> None:
        """Nothing is written: the design file is the cache (the view is rebuilt in about a
        second), so ``load_dataset`` never reads a processed copy of a circuit."""

    # -- splits ------------------------------------------------------------------------------

    def edge_split(self, seed: int = 0, frac: Sequence[float] = (0.8, 0.1, 0.1)) -> Split:
        """A seeded held-out split of the labelled coupling pairs (positions in
        :attr:`edge_label_index`); the same as the shared ``random`` split of this dataset."""
        return _split(len(self), seed, frac, "random")

    def node_split(self, seed: int = 0, frac: Sequence[float] = (0.8, 0.1, 0.1)) -> Split:
        """A seeded held-out split of the ground-labelled nodes (their view ids)."""
        local = _split(self.labelled_nodes.numel(), seed, frac, "random_nodes")
        ids = self.labelled_nodes.tolist()
        return Split(
            local.name,
            local.seed,
            local.frac,
            [ids[i] for i in local.train],
            [ids[i] for i in local.valid],
            [ids[i] for i in local.test],
        )

    # -- batch plans -------------------------------------------------------------------------

    def _fanouts(self, fanouts: Sequence[int] | None, full: bool) -> tuple[int, ...]:
        chosen = tuple(fanouts) if fanouts is not None else self.fanouts
        return tuple(-1 for _ in chosen) if full else chosen

    def node_plan(
        self,
        nodes: Tensor | None,
        batch_size: int,
        *,
        seed: int = 0,
        fanouts: Sequence[int] | None = None,
        full: bool = False,
        replace: bool = False,
        drop_last: bool = False,
    ) -> SampledPlan:
        """Neighbour-sampled batches seeded at ``nodes`` (view ids; all nodes by default). Each
        batch holds its seeds first (``batch.batch_size`` of them, ids in ``n_id``)."""
        loader = NeighborLoader(
            self.data,
            fanouts=self._fanouts(fanouts, full),
            batch_size=batch_size,
            input_nodes=nodes,
            seed=seed,
            replace=replace,
            drop_last=drop_last,
        )
        return SampledPlan(loader, "nodes")

    def link_plan(
        self,
        edges: Tensor,
        batch_size: int,
        *,
        seed: int = 0,
        fanouts: Sequence[int] | None = None,
        full: bool = False,
        replace: bool = False,
        drop_last: bool = False,
    ) -> SampledPlan:
        """Link-level batches of the labelled pairs at positions ``edges``: each batch holds
        the sampled neighbourhood of both endpoints, ``edge_label_index`` (local ids) and
        ``edge_label`` (B, 3): scaled label, kind, position in :attr:`edge_label_index`."""
        edges = torch.as_tensor(edges, dtype=torch.long)
        labels = torch.stack(
            [self.edge_y[edges].double(), self.edge_kind[edges].double(), edges.double()], 1
        )
        loader = LinkNeighborLoader(
            self.data,
            edge_label_index=self.edge_label_index[:, edges],
            edge_label=labels,
            fanouts=self._fanouts(fanouts, full),
            batch_size=batch_size,
            seed=seed,
            replace=replace,
            drop_last=drop_last,
        )
        return SampledPlan(loader, "edges")

    def batch_plan(
        self,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        batching: str = "auto",
        fanouts: Sequence[int] | None = None,
        replace: bool = False,
        drop_last: bool = False,
        **options: Any,
    ) -> BatchPlan:
        """How the trainer walks the design.

        Args:
            batch_size: seed nodes (``nodes``) or labelled pairs (``links``) per batch.
            seed: seed of the per-epoch shuffles and samples.
            rank, world_size: this process takes every ``world_size``-th seed from ``rank``.
            batching: ``auto`` / ``nodes`` / ``neighbors`` (neighbour-sampled batches of seed
                nodes, 4 x 64 by default), ``links`` (the labelled pairs with their endpoints'
                neighbourhoods) or ``full`` (the whole design every step, for small designs).
            fanouts: per-hop neighbours (default: the dataset's).
            replace: sample neighbours with replacement.
            drop_last: skip a final incomplete batch.

        Raises:
            DatasetError: an unknown batching, or options for sets of graphs.
        """
        unused = {
            k: v
            for k, v in options.items()
            if k not in _IGNORED and v not in (None, "random", 0, False)
        }
        if unused:
            raise DatasetError(
                f"{self.name} is one circuit; the option(s) {', '.join(sorted(unused))} apply "
                "to sets of graphs"
            )
        if batching not in BATCHINGS:
            raise DatasetError(f"batching must be one of {', '.join(BATCHINGS)}, got {batching!r}")
        if batching == "full":
            return FullGraphPlan(self.data)
        if batching == "links":
            edges = torch.arange(len(self))[rank::world_size]
            return self.link_plan(
                edges, batch_size, seed=seed, fanouts=fanouts, replace=replace, drop_last=drop_last
            )
        nodes = torch.arange(self.num_nodes)[rank::world_size]
        return self.node_plan(
            nodes, batch_size, seed=seed, fanouts=fanouts, replace=replace, drop_last=drop_last
        )


def _split(size: int, seed: int, frac: Sequence[float], name: str) -> Split:
    if len(frac) != 3 or any(f < 0 for f in frac) or not math.isclose(sum(frac), 1.0):
        raise DatasetError(f"frac must be three non-negative fractions summing to 1, got {frac}")
    train, valid, test = random_split(range(size), frac=frac, seed=seed)
    a, b, c = (float(f) for f in frac)
    return Split(name, seed, (a, b, c), list(train), list(valid), list(test))


# -- loading -----------------------------------------------------------------------------------


def _published(key: str, verify: bool, progress: bool) -> HeteroData:
    from graphcl.data.card import FileSpec
    from graphcl.data.fetch import fetch_file
    from graphcl.data.paths import mirror_dirs

    design = PUBLISHED_DESIGNS[key]
    if design.npz_mirror:
        for root in mirror_dirs():
            if (root / design.npz_mirror).is_file():
                spec = FileSpec(url=design.url, sha256=design.npz_sha256, mirror=design.npz_mirror)
                path, _ = fetch_file(spec, key, verify=verify, progress=progress)
                return load_cirgps(path)
    # designs without a mirror copy yet are looked for where digtime's is laid out
    mirror = design.mirror or f"circuits/cirgps_{key}/{key}.pt"
    spec = FileSpec(url=design.url, sha256=design.sha256, mirror=mirror)
    path, _ = fetch_file(spec, key, verify=verify, progress=progress)
    return load_cirgps(path)


def load_design(
    design: str | PathType | HeteroData,
    *,
    transform: CapacitanceTransform | None = None,
    fanouts: Sequence[int] = DEFAULT_FANOUTS,
    verify: bool = True,
    progress: bool = True,
) -> CircuitDataset:
    """A labelled design as a :class:`CircuitDataset`.

    Args:
        design: a published design's key (``digtime``, ``timing_ctrl`` ...; see
            :data:`~graphcl.circuits.PUBLISHED_DESIGNS`): read from the data mirror
            (``GRAPHCL_DATA_MIRROR``, the npz copy first), the download cache, or downloaded;
            a CirGPS ``.npz``/``.pt`` file; or a ``HeteroData`` (a netlist graph with
            :func:`~graphcl.circuits.attach_parasitics` labels).
        transform: the capacitance scaling (default CircuitGCL's).
        fanouts: neighbour sampling per hop (default 4 x 64).
        verify: check SHA-256 digests of published designs.
        progress: show a download progress bar.

    Raises:
        DatasetError: an unknown key that is no file, or an unreadable file.
        DownloadError: a published design that is nowhere local and cannot be downloaded
            (offline); the message says where to put a mirror copy.
        DigestMismatchError: a local or downloaded copy does not match its digest.
    """
    if isinstance(design, HeteroData):
        return CircuitDataset(design, "circuit", transform=transform, fanouts=fanouts)
    text = os.fspath(design)
    if text in PUBLISHED_DESIGNS:
        graph = _published(text, verify, progress)
        return CircuitDataset(graph, text, transform=transform, fanouts=fanouts)
    path = Path(text).expanduser()
    if not path.is_file():
        raise DatasetError(
            f"unknown circuit design {text!r}: not a file, nor a published design ("
            + ", ".join(sorted(PUBLISHED_DESIGNS))
            + ")"
        )
    name = path.name.split(".")[0]
    return CircuitDataset(read_design_file(path), name, transform=transform, fanouts=fanouts)


def read_design_file(path: PathType) -> HeteroData:
    """A labelled design file: a CirGPS ``.npz`` (read without unpickling), a circuit graph
    saved by :func:`~graphcl.circuits.save_circuit_graph` (a netlist graph with
    :func:`~graphcl.circuits.attach_parasitics` labels; ``weights_only``), or a CirGPS ``.pt``
    (the allow-listed loader of :func:`~graphcl.circuits.load_cirgps_pt`).

    Raises:
        DatasetError: the file is none of these.
    """
    from graphcl.circuits.io import CircuitGraphError, load_circuit_graph

    if os.fspath(path).lower().endswith(".npz"):
        return load_cirgps(path)
    try:
        return load_circuit_graph(path)
    except CircuitGraphError:
        return load_cirgps(path)


@GRAPH_FORMATS.register("cirgps")
def read_cirgps_card(card: DatasetCard, paths: Sequence[Path]) -> CircuitDataset:
    """The ``cirgps`` dataset format: one labelled design file per card (a CirGPS ``.npz`` or
    ``.pt``, or a saved circuit graph; :func:`read_design_file`).

    Raises:
        DatasetError: the card lists more or fewer than one file.
    """
    if len(paths) != 1:
        raise DatasetError(f"{card.source or card.name}: a cirgps card lists exactly one file")
    return CircuitDataset(read_design_file(paths[0]), card.name)
