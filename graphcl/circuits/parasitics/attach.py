"""Parasitic capacitances as labels on the circuit graph of the matching netlist.

:func:`attach_parasitics` writes, in farads (the layout :func:`~graphcl.circuits.designs.
cirgps_to_graphcl` gives the published CircuitGCL designs):

``graph['net'].y_ground`` (N,)
    ground capacitance of each net: the sum of its capacitors to ground, instance-pin nodes
    included; ``NaN`` for nets the parasitics file does not name (or names ambiguously).
``graph['pin'].y_ground`` (P,)
    ground capacitance of each instance-pin node the file names (``*|I`` / ``*I``); ``NaN``
    for the others.
``graph['net', 'cc', 'net']`` (CircuitGCL's ``cc_n2n``)
    ``edge_index`` (2, E) with source < target and ``edge_label`` (E,): the total coupling
    between two nets, every capacitor between their nodes, the pin nodes included; one edge
    per pair of nets.
``graph['pin', 'cc', 'net']`` (``cc_p2n``)
    the coupling between an instance-pin node and the non-pin nodes (wires, ports) of another
    net.
``graph['pin', 'cc', 'pin']`` (``cc_p2p``, source < target)
    the coupling between two instance-pin nodes of different nets.

The pin-level couplings are a breakdown of part of the net-level ones (do not add the three
edge types up). The three relations are always created (possibly with no edges); a second call
replaces them. ``graph.parasitics`` records the file. Names are matched as
:mod:`graphcl.circuits.parasitics.names` describes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from graphcl.circuits.netlist import (
    DEFAULT_GROUND_NETS,
    DEFAULT_SUPPLY_NETS,
    GROUND_PATTERN,
    SUPPLY_PATTERN,
)
from graphcl.circuits.parasitics.model import Parasitics, first_names
from graphcl.circuits.parasitics.names import (
    AMBIGUOUS,
    NameIndex,
    graph_pin_keys,
    levels,
    net_keys,
    pin_keys,
)
from graphcl.errors import DatasetError, NetlistError

if TYPE_CHECKING:
    from torch_geometric.data import HeteroData

#: The labelled coupling relations :func:`attach_parasitics` writes (CircuitGCL's cc_n2n,
#: cc_p2n, cc_p2p).
COUPLING_TYPES: tuple[tuple[str, str, str], ...] = (
    ("net", "cc", "net"),
    ("pin", "cc", "net"),
    ("pin", "cc", "pin"),
)
_SUPPLY_NAMES = frozenset(DEFAULT_SUPPLY_NETS) | frozenset(DEFAULT_GROUND_NETS)


@dataclass
class AttachReport:
    """What :func:`attach_parasitics` matched, and what it could not place.

    Attributes:
        path: the parasitics file.
        nets: how many nets the file has.
        matched_nets: how many of them matched a graph net.
        unmatched_nets: file nets that match no graph net (file order).
        ambiguous_nets: file nets whose key several graph nets share.
        skipped_nets: supply/ground nets absent from the graph (``skip_supply``), not counted as
            unmatched.
        pins: how many instance pins the file names.
        matched_pins: how many matched a graph pin.
        unmatched_pins: file pins that match no graph pin (those on skipped nets excepted).
        ambiguous_pins: file pins whose key several graph pins share.
        skipped_pins: pins of skipped nets that the graph does not have.
        graph_nets / labelled_nets: graph nets, and those that received ``y_ground``.
        graph_pins / labelled_pins: graph pins, and those that received ``y_ground``.
        edges: the number of edges written per relation (``"net-cc-net"`` ...).
        dropped_couplings / dropped_farads: net-level couplings with an end on an unmatched
            net (farads lost).
        supply_couplings / supply_farads: couplings to a skipped supply/ground net.
        dropped_pin_couplings: pin-level couplings with an end on an unmatched pin or net.
        merged_nets: graph nets that several file nets matched (their values are summed).
        pin_net_mismatches: matched pins whose net in the file is not their net in the graph
            (an LVS difference between the netlist and the extracted layout).
    """

    path: str
    nets: int = 0
    matched_nets: int = 0
    unmatched_nets: list[str] = field(default_factory=list)
    ambiguous_nets: list[str] = field(default_factory=list)
    skipped_nets: list[str] = field(default_factory=list)
    pins: int = 0
    matched_pins: int = 0
    unmatched_pins: list[str] = field(default_factory=list)
    ambiguous_pins: list[str] = field(default_factory=list)
    skipped_pins: list[str] = field(default_factory=list)
    graph_nets: int = 0
    labelled_nets: int = 0
    graph_pins: int = 0
    labelled_pins: int = 0
    edges: dict[str, int] = field(default_factory=dict)
    dropped_couplings: int = 0
    dropped_farads: float = 0.0
    supply_couplings: int = 0
    supply_farads: float = 0.0
    dropped_pin_couplings: int = 0
    merged_nets: list[str] = field(default_factory=list)
    pin_net_mismatches: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every net and pin of the file found its graph node."""
        return not (
            self.unmatched_nets or self.ambiguous_nets or self.unmatched_pins or self.ambiguous_pins
        )

    def summary(self) -> dict[str, Any]:
        """Counts (and the first few unmatched names) for a report (JSON-serialisable)."""
        return {
            "path": self.path,
            "nets": self.nets,
            "matched_nets": self.matched_nets,
            "unmatched_nets": len(self.unmatched_nets),
            "ambiguous_nets": len(self.ambiguous_nets),
            "skipped_nets": len(self.skipped_nets),
            "pins": self.pins,
            "matched_pins": self.matched_pins,
            "unmatched_pins": len(self.unmatched_pins),
            "ambiguous_pins": len(self.ambiguous_pins),
            "skipped_pins": len(self.skipped_pins),
            "labelled_nets": f"{self.labelled_nets}/{self.graph_nets}",
            "labelled_pins": f"{self.labelled_pins}/{self.graph_pins}",
            "edges": dict(self.edges),
            "dropped_couplings": self.dropped_couplings,
            "dropped_farads": self.dropped_farads,
            "supply_couplings": self.supply_couplings,
            "supply_farads": self.supply_farads,
            "dropped_pin_couplings": self.dropped_pin_couplings,
            "merged_nets": len(self.merged_nets),
            "pin_net_mismatches": len(self.pin_net_mismatches),
            "first_unmatched_nets": self.unmatched_nets[:5],
            "first_unmatched_pins": self.unmatched_pins[:5],
        }

    def __str__(self) -> str:
        lines = [
            f"{self.path}: nets {self.matched_nets}/{self.nets} matched "
            f"({len(self.unmatched_nets)} unmatched, {len(self.ambiguous_nets)} ambiguous, "
            f"{len(self.skipped_nets)} supply skipped); pins {self.matched_pins}/{self.pins} "
            f"matched ({len(self.unmatched_pins)} unmatched, {len(self.ambiguous_pins)} "
            "ambiguous)",
            f"  graph: {self.labelled_nets}/{self.graph_nets} nets and {self.labelled_pins}/"
            f"{self.graph_pins} pins labelled; edges "
            + ", ".join(f"{k} {v}" for k, v in self.edges.items()),
        ]
        if self.unmatched_nets:
            lines.append(f"  unmatched nets: {first_names(self.unmatched_nets)}")
        if self.unmatched_pins:
            lines.append(f"  unmatched pins: {first_names(self.unmatched_pins)}")
        return "\n".join(lines)


def _is_supply_name(name: str, declared: frozenset[str]) -> bool:
    parts = levels(name)
    last = parts[-1] if parts else ""
    if name.lower() in declared or last in declared or last in _SUPPLY_NAMES:
        return True
    return bool(SUPPLY_PATTERN.match(last) or GROUND_PATTERN.match(last))


def _edges(
    pairs: dict[tuple[int, int], float], dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    keys = sorted(pairs)
    index = torch.tensor(keys, dtype=torch.int64).reshape(-1, 2).t().contiguous()
    label = torch.tensor([pairs[k] for k in keys], dtype=torch.float64).to(dtype)
    return index, label


def _names(graph: HeteroData, node_type: str) -> Sequence[str]:
    if node_type not in graph.node_types:
        raise DatasetError(f"the graph has no {node_type!r} nodes to attach parasitics to")
    names = getattr(graph[node_type], "names", None)
    if names is None:
        raise DatasetError(
            f"graph[{node_type!r}] has no names: parasitics are matched by name (build the graph "
            "with graphcl.circuits.read_netlist(...).to_graph())"
        )
    return names


def attach_parasitics(
    graph: HeteroData,
    parasitics: Parasitics,
    *,
    strict: bool = False,
    scope: str = "",
    skip_supply: bool = True,
    dtype: torch.dtype = torch.float32,
) -> AttachReport:
    """Put a parasitics file's capacitances (farads) on the graph of the matching netlist.

    The graph is changed in place (see the module docstring for the attributes and edges).

    Args:
        graph: from :func:`~graphcl.circuits.read_netlist` ``(...).to_graph()`` (it needs
            ``graph['net'].names`` and ``graph['pin'].names``); supply nets may be removed.
        parasitics: from :func:`~graphcl.circuits.parasitics.read_dspf` or
            :func:`~graphcl.circuits.parasitics.read_spef`.
        strict: raise when any net or pin of the file matches no graph node (or several);
            otherwise report them.
        scope: the hierarchical instance path of the extracted cell in the netlist
            (``"xdut"`` when the netlist is a testbench around the extracted cell); prepended
            to every name of the file. The cell's ports are named by the parent's nets in the
            graph and do not match under a scope.
        skip_supply: file nets absent from the graph whose names are supply or ground names
            (the netlist module's default names and patterns, ``0``, and the nets the file
            declares as power/ground) are reported as skipped, not unmatched; their couplings
            are counted in ``supply_farads``.
        dtype: floating dtype of ``y_ground`` and ``edge_label``.

    Returns:
        An :class:`AttachReport`.

    Raises:
        NetlistError: with ``strict``, naming the parasitics file, the line of the first
            unmatched net or pin, the counts and the first unmatched names; the graph is left
            unchanged.
        DatasetError: the graph has no net or pin names.

    Example:
        >>> graph = read_netlist("buf.sp").to_graph()                # doctest: +SKIP
        >>> report = attach_parasitics(graph, read_dspf("buf.dspf")) # doctest: +SKIP
        >>> graph["net"].y_ground, graph["net", "cc", "net"].edge_label  # doctest: +SKIP
    """
    report = AttachReport(parasitics.path)
    dividers = "".join(dict.fromkeys("/." + parasitics.divider))
    scope_levels = levels(scope, dividers) if scope else []
    net_names = _names(graph, "net")
    declared = frozenset(name.lower() for name in parasitics.supply_nets)
    net_index = NameIndex(net_keys(name) for name in net_names)
    net_map: dict[str, int] = {}
    skipped: set[str] = set()
    for name in parasitics.nets:
        found = net_index.find(net_keys(name, dividers, scope_levels))
        if found is None:
            if skip_supply and _is_supply_name(name, declared):
                report.skipped_nets.append(name)
                skipped.add(name)
            else:
                report.unmatched_nets.append(name)
        elif found == AMBIGUOUS:
            report.ambiguous_nets.append(name)
        else:
            net_map[name] = found
    report.nets = len(parasitics.nets)
    report.matched_nets = len(net_map)

    pin_map: dict[str, int] = {}
    n_pins = int(graph["pin"].num_nodes) if "pin" in graph.node_types else 0
    if parasitics.pins:
        pin_names = _names(graph, "pin")
        pin_index = NameIndex(graph_pin_keys(name) for name in pin_names)
        for name, pin in parasitics.pins.items():
            found = pin_index.find(pin_keys(pin.instance, pin.pin, dividers, scope_levels))
            if found is None:
                (report.skipped_pins if pin.net in skipped else report.unmatched_pins).append(name)
            elif found == AMBIGUOUS:
                report.ambiguous_pins.append(name)
            else:
                pin_map[name] = found
    report.pins = len(parasitics.pins)
    report.matched_pins = len(pin_map)

    if strict and not report.complete:
        _raise_unmatched(report, parasitics)

    n_nets = len(net_names)
    net_y = np.full(n_nets, math.nan)
    seen: dict[int, str] = {}
    for name, index in net_map.items():
        if index in seen:
            report.merged_nets.append(net_names[index])
        seen[index] = name
        net_y[index] = (0.0 if math.isnan(net_y[index]) else net_y[index]) + parasitics.nets[
            name
        ].ground
    pin_y = np.full(n_pins, math.nan)
    pin_net = _pin_nets(graph, n_pins)
    for name, index in pin_map.items():
        pin = parasitics.pins[name]
        pin_y[index] = (0.0 if math.isnan(pin_y[index]) else pin_y[index]) + pin.ground
        expected = net_map.get(pin.net)
        if expected is not None and pin_net[index] >= 0 and pin_net[index] != expected:
            report.pin_net_mismatches.append(name)

    net_pairs: dict[tuple[int, int], float] = defaultdict(float)
    pin_net_pairs: dict[tuple[int, int], float] = defaultdict(float)
    pin_pairs: dict[tuple[int, int], float] = defaultdict(float)
    for coupling in parasitics.couplings:
        a, b, farads = coupling.a, coupling.b, coupling.farads
        ia, ib = net_map.get(a.net), net_map.get(b.net)
        if ia is None or ib is None:
            if a.net in skipped or b.net in skipped:
                report.supply_couplings += 1
                report.supply_farads += farads
            else:
                report.dropped_couplings += 1
                report.dropped_farads += farads
        elif ia != ib:
            net_pairs[min(ia, ib), max(ia, ib)] += farads
        if a.kind == "net" and b.kind == "net":
            continue
        if a.kind == "pin" and b.kind == "pin":
            pa, pb = pin_map.get(a.name), pin_map.get(b.name)
            if pa is None or pb is None or pa == pb:
                report.dropped_pin_couplings += 1
            else:
                pin_pairs[min(pa, pb), max(pa, pb)] += farads
            continue
        pin_end, net_end = (a, b) if a.kind == "pin" else (b, a)
        pin_index_found, net_found = pin_map.get(pin_end.name), net_map.get(net_end.net)
        if pin_index_found is None or net_found is None:
            report.dropped_pin_couplings += 1
        else:
            pin_net_pairs[pin_index_found, net_found] += farads

    graph["net"].y_ground = torch.from_numpy(net_y).to(dtype)
    if "pin" in graph.node_types:
        graph["pin"].y_ground = torch.from_numpy(pin_y).to(dtype)
    for edge_type, pairs in zip(COUPLING_TYPES, (net_pairs, pin_net_pairs, pin_pairs), strict=True):
        if edge_type[0] not in graph.node_types or edge_type[2] not in graph.node_types:
            continue
        edge_index, edge_label = _edges(pairs, dtype)
        store = graph[edge_type]
        store.edge_index = edge_index
        store.edge_label = edge_label
        report.edges["-".join(edge_type)] = int(edge_index.shape[1])
    graph.parasitics = parasitics.path
    report.graph_nets = n_nets
    report.labelled_nets = int(np.isfinite(net_y).sum())
    report.graph_pins = n_pins
    report.labelled_pins = int(np.isfinite(pin_y).sum())
    return report


def _pin_nets(graph: HeteroData, n_pins: int) -> np.ndarray:
    """The graph net of each pin (-1 for pins without one)."""
    out = np.full(n_pins, -1, dtype=np.int64)
    edge_type = ("pin", "connects", "net")
    if n_pins and edge_type in graph.edge_types:
        index = graph[edge_type].edge_index.numpy()
        out[index[0]] = index[1]
    return out


def _raise_unmatched(report: AttachReport, parasitics: Parasitics) -> None:
    nets = report.unmatched_nets + report.ambiguous_nets
    pins = report.unmatched_pins + report.ambiguous_pins
    if nets:
        first = nets[0]
        line: int | None = parasitics.nets[first].line
    else:
        first = pins[0]
        line = parasitics.pins[first].line
    parts = []
    if nets:
        parts.append(
            f"{len(nets)} of {report.nets} nets match no graph net ({len(report.ambiguous_nets)} "
            f"of them ambiguous): {first_names(nets)}"
        )
    if pins:
        parts.append(
            f"{len(pins)} of {report.pins} instance pins match no graph pin "
            f"({len(report.ambiguous_pins)} ambiguous): {first_names(pins)}"
        )
    raise NetlistError(
        parasitics.path,
        line,
        first,
        "; ".join(parts)
        + " (names are compared case-insensitively, with / and . as dividers, bus bits <0>/[0] "
        "alike and the leading x of instance names optional; pass scope= when the netlist "
        "wraps the extracted cell, or strict=False to attach what matches)",
    )
