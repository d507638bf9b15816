"""Parasitic estimates for a design: coupling capacitance per net pair and ground capacitance per
net, in farads, from a trained CircuitGCL encoder and its heads.

A :class:`ParasiticPredictor` holds what a prediction needs: the encoder, the coupling head of
the ``edge_regression`` protocols (:class:`~graphcl.evaluation.protocols.edge_regression.
EdgeHead`), the ground head of the ``ground_cap`` protocols (:class:`~graphcl.evaluation.
protocols.ground_cap.NodeHead`), the feature layout of the design it was trained on
(:class:`~graphcl.circuits.dataset.FeatureBlock` s) and the capacitance scaling.
:func:`predict_parasitics` runs it on a labelled or unlabelled design (a netlist, its graph, or a
:class:`~graphcl.circuits.dataset.CircuitDataset`) and returns one table:

==================  ==========================================================================
``kind``            ``coupling`` (a pair of nets) or ``ground`` (one net)
``net``             the (first) net's name (``net<i>`` when the design has no names)
``other_net``       the second net of a coupling pair; empty for ground rows
``capacitance_f``   farads: the inverted regression output for couplings (in [1 zF, 1 fF]);
                    for ground rows the geometric centre of the predicted class's range
``class``           the magnitude class 0..4 (:class:`~graphcl.circuits.CapacitanceTransform`)
==================  ==========================================================================

Coupling rows cover the design's labelled net-net pairs when it has some (``('net', 'cc',
'net')``), else every pair of nets that share a device (a net-device-net path): the candidates an
extractor would report, without the quadratic all-pairs set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import HeteroData

from graphcl.circuits.dataset import COUPLING_KINDS, CircuitDataset, FeatureBlock
from graphcl.circuits.labels import CapacitanceTransform
from graphcl.encoders.base import GraphEncoder
from graphcl.errors import CheckpointError, DatasetError
from graphcl.typing import PathType

if TYPE_CHECKING:
    import pandas as pd

    from graphcl.circuits.netlist import Netlist

#: ``format`` of a saved predictor file.
FORMAT = "graphcl-parasitic-predictor"
#: Columns of :func:`predict_parasitics`'s table.
COLUMNS = ("kind", "net", "other_net", "capacitance_f", "class")
_NET_NET = COUPLING_KINDS.index("n2n")


class ParasiticPredictor(nn.Module):
    """An encoder with its coupling and ground heads, the feature layout and the scaling.

    Args:
        encoder: the (pre-trained or fine-tuned) encoder of circuit views.
        edge_head: a pair head (``EdgeHead``) giving scaled coupling capacitances, or None.
        node_head: a class head (``NodeHead``) giving ground-capacitance logits, or None.
        blocks: the feature layout of the training design (``CircuitDataset.blocks``).
        transform: the training design's capacitance scaling.

    Raises:
        ValueError: neither head is given.
    """

    def __init__(
        self,
        encoder: GraphEncoder,
        edge_head: nn.Module | None,
        node_head: nn.Module | None,
        blocks: Sequence[FeatureBlock],
        transform: CapacitanceTransform | None = None,
    ) -> None:
        super().__init__()
        if edge_head is None and node_head is None:
            raise ValueError("a parasitic predictor needs an edge head, a node head or both")
        self.encoder = encoder
        self.edge_head = edge_head
        self.node_head = node_head
        self.blocks = tuple(blocks)
        self.transform = transform or CapacitanceTransform()

    def predict_parasitics(
        self, graph_or_netlist: Netlist | HeteroData | CircuitDataset, device: str = "cpu"
    ) -> pd.DataFrame:
        """Coupling capacitance per net pair and ground capacitance per net, in farads (see
        :func:`predict_parasitics`)."""
        return predict_parasitics(self, graph_or_netlist, device)

    def save(self, path: PathType) -> None:
        """Write the predictor to one file (plain data and tensors; :meth:`load` reads it with
        ``torch.load(weights_only=True)``)."""
        from graphcl.encoders.checkpoint import encoder_record
        from graphcl.runtime.atomic import torch_save_atomic

        heads = {}
        for role, head in (("edge_head", self.edge_head), ("node_head", self.node_head)):
            if head is not None:
                config = getattr(head, "config", None)
                if not isinstance(config, dict):
                    raise CheckpointError(f"the {role} has no config dict to rebuild it from")
                heads[role] = {"config": dict(config), "state_dict": head.state_dict()}
        payload = {
            "format": FORMAT,
            **encoder_record(self.encoder, None),
            "state_dict": self.encoder.state_dict(),
            "heads": heads,
            "blocks": [asdict(block) for block in self.blocks],
            "transform": self.transform.to_dict(),
        }
        torch_save_atomic(payload, path)

    @classmethod
    def load(cls, path: PathType) -> ParasiticPredictor:
        """Read a file written by :meth:`save`.

        Raises:
            CheckpointError: not a parasitic-predictor file, or its parts do not fit.
        """
        from graphcl.encoders.checkpoint import encoder_from_record, load_checked
        from graphcl.evaluation.protocols.edge_regression import EdgeHead
        from graphcl.evaluation.protocols.ground_cap import NodeHead

        payload = load_checked(path, FORMAT, "a graphcl parasitic-predictor file")
        encoder = encoder_from_record(payload, path, payload.get("state_dict"))
        built: dict[str, nn.Module | None] = {"edge_head": None, "node_head": None}
        try:
            for role, kind in (("edge_head", EdgeHead), ("node_head", NodeHead)):
                record = payload["heads"].get(role)
                if record is not None:
                    head = kind(**record["config"])
                    head.load_state_dict(record["state_dict"])
                    built[role] = head
            blocks = [FeatureBlock(**block) for block in payload["blocks"]]
            transform = CapacitanceTransform(**payload["transform"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise CheckpointError(
                f"{path}: an incomplete parasitic-predictor file ({exc})"
            ) from None
        return cls(encoder, built["edge_head"], built["node_head"], blocks, transform)

    @classmethod
    def combine(cls, predictors: Sequence[ParasiticPredictor]) -> ParasiticPredictor:
        """One predictor with the heads of several (a coupling head from an
        ``edge_regression`` run, a ground head from a ``ground_cap`` run) that share one encoder
        (frozen-encoder protocols on the same checkpoint) and feature layout.

        Raises:
            CheckpointError: the encoders or layouts differ, or two give the same head.
        """
        if not predictors:
            raise ValueError("combine needs at least one predictor")
        first = predictors[0]
        reference = first.encoder.state_dict()
        heads: dict[str, nn.Module | None] = {"edge_head": None, "node_head": None}
        for index, other in enumerate(predictors):
            state = other.encoder.state_dict()
            same = state.keys() == reference.keys() and all(
                torch.equal(state[k], reference[k]) for k in state
            )
            if not same or other.blocks != first.blocks:
                raise CheckpointError(
                    f"predictor {index + 1} holds another encoder or feature layout than the "
                    "first; combine the predictors of one run (frozen-encoder protocols)"
                )
            for role in heads:
                head = getattr(other, role)
                if head is not None and heads[role] is not None:
                    raise CheckpointError(f"two predictors give a {role.replace('_', ' ')}")
                heads[role] = heads[role] or head
        return cls(first.encoder, heads["edge_head"], heads["node_head"], first.blocks,
                   first.transform)  # fmt: skip

    @classmethod
    def from_runs(
        cls,
        encoder: GraphEncoder,
        dataset: CircuitDataset,
        edge_protocol: Any = None,
        ground_protocol: Any = None,
        seed: int = 0,
    ) -> ParasiticPredictor:
        """The heads trained by an ``edge_regression*`` and/or ``ground_cap*`` protocol run on
        ``dataset`` with ``seed`` (their ``heads`` attribute), with ``encoder``.

        Raises:
            DatasetError: a protocol holds no head for that (dataset, seed).
        """
        heads: list[nn.Module | None] = []
        for protocol in (edge_protocol, ground_protocol):
            if protocol is None:
                heads.append(None)
                continue
            head = protocol.heads.get((dataset.name, seed))
            if head is None:
                raise DatasetError(
                    f"the {protocol.name!r} protocol has no head trained on {dataset.name!r} "
                    f"with seed {seed}; run it first"
                )
            heads.append(head)
        return cls(encoder, heads[0], heads[1], dataset.blocks, dataset.transform)


def _as_dataset(design: Any, model: ParasiticPredictor) -> CircuitDataset:
    from graphcl.circuits.netlist import Netlist

    if isinstance(design, CircuitDataset):
        graph, name = design.graph, design.name
    elif isinstance(design, Netlist):
        graph, name = design.to_graph(remove_supply=True), str(design.path or "netlist")
    elif isinstance(design, HeteroData):
        graph, name = design, "circuit"
    else:
        raise DatasetError(
            "predict_parasitics takes a Netlist, a circuit HeteroData or a CircuitDataset, got "
            f"{type(design).__name__}"
        )
    dataset = CircuitDataset(graph, name, transform=model.transform, blocks=model.blocks)
    width = model.encoder.node_features.width
    if dataset.data.x.shape[1] != width:
        raise DatasetError(
            f"{name}: the design's view has {dataset.data.x.shape[1]} feature columns, the "
            f"encoder reads {width}"
        )
    return dataset


def _net_names(dataset: CircuitDataset) -> list[str]:
    count = dataset.offsets.get("net", (0, 0))[1]
    names = dataset.graph["net"].get("names") if "net" in dataset.offsets else None
    if names is not None and len(names) == count:
        return [str(name) for name in names]
    return [f"net{i}" for i in range(count)]


def candidate_pairs(dataset: CircuitDataset) -> Tensor:
    """Net pairs (local net ids, first < second) to estimate coupling for: the labelled net-net
    pairs, else every pair of nets sharing a device. Shape: (2, K)."""
    labelled = dataset.edge_label_index[:, dataset.edge_kind == _NET_NET]
    start = dataset.offsets.get("net", (0, 0))[0]
    if labelled.shape[1]:
        local = labelled - start
        return torch.stack([local.min(0).values, local.max(0).values])
    relation = ("device", "connects", "net")
    if relation not in dataset.graph.edge_types:
        return torch.empty((2, 0), dtype=torch.long)
    from scipy import sparse

    device, net = dataset.graph[relation].edge_index.numpy()
    nets = dataset.offsets["net"][1]
    devices = dataset.offsets.get("device", (0, 0))[1]
    incidence = sparse.csr_matrix(
        (np.ones(net.size, dtype=np.float32), (net, device)), shape=(nets, devices)
    )
    shared = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    order = np.lexsort((shared.col, shared.row))
    return torch.from_numpy(np.stack([shared.row[order], shared.col[order]]).astype(np.int64))


def _class_centres(transform: CapacitanceTransform) -> Tensor:
    """The geometric centre of each class's range, in farads. Shape: (C,)."""
    return torch.tensor(
        [math.sqrt(low * high) for low, high in transform.class_ranges()], dtype=torch.float64
    )


@torch.no_grad()
def predict_parasitics(
    model: ParasiticPredictor,
    graph_or_netlist: Netlist | HeteroData | CircuitDataset,
    device: str | torch.device = "cpu",
) -> pd.DataFrame:
    """Coupling capacitance per net pair and ground capacitance per net, in farads.

    Args:
        model: the encoder and heads (:class:`ParasiticPredictor`).
        graph_or_netlist: a flattened :class:`~graphcl.circuits.Netlist` (its graph is built
            with the supply and ground nets removed, as CircuitGCL does), a circuit
            ``HeteroData`` (graphcl or CirGPS layout) or a :class:`CircuitDataset`.
        device: where to run the encoder.

    Returns:
        A ``pandas.DataFrame`` with the columns :data:`COLUMNS` (see the module docstring):
        coupling rows first (if the model has an edge head), then one ground row per net (if
        it has a node head).

    Raises:
        DatasetError: the design lacks a feature the model reads, or its view's width differs
            from the encoder's input.

    Example:
        >>> table = predict_parasitics(model, netlist)            # doctest: +SKIP
        >>> table.to_csv("parasitics.csv", index=False)           # doctest: +SKIP
    """
    import pandas as pd

    from graphcl.evaluation.protocols.edge_regression import circuit_embeddings

    dataset = _as_dataset(graph_or_netlist, model)
    target = torch.device(device)
    model.to(target).eval()
    h = circuit_embeddings(model.encoder, dataset, target)
    names = _net_names(dataset)
    start = dataset.offsets.get("net", (0, 0))[0]
    frames = []
    if model.edge_head is not None:
        pairs = candidate_pairs(dataset)
        kind = torch.full((pairs.shape[1],), _NET_NET, dtype=torch.long, device=target)
        ends = (pairs + start).to(target)
        scaled = model.edge_head(h[ends[0]], h[ends[1]], kind).double().clamp(0, 1).cpu()
        farads = model.transform.inverse(scaled)
        frames.append(
            pd.DataFrame(
                {
                    "kind": "coupling",
                    "net": [names[i] for i in pairs[0].tolist()],
                    "other_net": [names[i] for i in pairs[1].tolist()],
                    "capacitance_f": farads.numpy(),
                    "class": model.transform.classes(farads).numpy(),
                }
            )
        )
    if model.node_head is not None and "net" in dataset.offsets:
        count = dataset.offsets["net"][1]
        classes = model.node_head(h[start : start + count]).argmax(1).cpu()
        frames.append(
            pd.DataFrame(
                {
                    "kind": "ground",
                    "net": names,
                    "other_net": "",
                    "capacitance_f": _class_centres(model.transform)[classes].numpy(),
                    "class": classes.numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame({column: [] for column in COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]
