"""A flattened netlist as a PyG ``HeteroData`` with device, pin and net nodes.

Node types and their attributes (``D`` devices, ``P`` pins, ``N`` nets):

``graph['device']``
    ``x`` float32 (D, 14), columns :data:`DEVICE_FEATURES`:

    ==================  ======================================================================
    ``log10_w_um``      log10 of the width ``w`` in micrometres (``w=270e-9`` -> -0.57)
    ``log10_l_um``      log10 of the length ``l`` in micrometres (not for inductors)
    ``log2_nf``         log2 of the number of fingers ``nf``
    ``log2_nfin``       log2 of the number of fins ``nfin``
    ``log2_m``          log2 of the effective multiplicity (device ``m`` x enclosing ``m``)
    ``log10_res_ohm``   log10 of a resistor's resistance in ohms
    ``log10_cap_f``     log10 of a capacitor's capacitance in farads (1 pF -> -12)
    ``log10_ind_h``     log10 of an inductor's inductance in henries
    ``source_dc``       DC value of a voltage (volts) or current (amperes) source, linear
    ``has_w`` ...       1.0 when ``w``, ``l``, ``nf``, ``nfin``, the value were given, else 0.0
    ==================  ======================================================================

    A missing (or non-positive) size is 0.0 with its ``has_*`` flag 0.0. Sizes are read as
    written, in SPICE units (metres): a PDK whose subcircuit parameters are in micrometres
    (sky130's ``w=1 l=0.15``) or a deck using ``.option scale`` is not rescaled.
    ``type`` int64 (D,): index into :data:`~graphcl.circuits.devices.DEVICE_TYPES`
    (``type_names``); ``model`` int64 (D,): index into ``model_names`` (the design's sorted
    model/master names, ``""`` = none);
    ``models``: the model name of each device; ``multiplier`` float32 (D,); ``names``: the
    hierarchical device names; ``feature_names``.
``graph['pin']``
    ``x`` float32 (P, 2): ``on_supply``, ``on_ground`` (kept when supply nets are removed);
    ``role`` int64 (P,): index into :data:`~graphcl.circuits.devices.PIN_ROLES` (``role_names``);
    ``names``: ``device.label`` (``xota.m1.g``), computed on access.
``graph['net']``
    ``x`` float32 (N, 11), columns :data:`NET_FEATURES`: ``log1p`` of the number of pins, of
    distinct devices and of gate, drain, source, bulk and other pins on the net, then the flags
    ``is_supply``, ``is_ground``, ``is_port`` (a port of the top cell), ``is_global``;
    ``degree`` int64 (N,) the number of pins; ``is_supply``, ``is_ground`` bool (N,); ``names``.

Edges (int64 ``edge_index``, every relation in both directions): ``('device', 'has', 'pin')`` /
``('pin', 'of', 'device')``; ``('pin', 'connects', 'net')`` / ``('net', 'connects', 'pin')``;
``('device', 'connects', 'net')`` / ``('net', 'connects', 'device')``, one per pin (a
diode-connected transistor has two edges to the same net), with the pin ``role`` per edge.

``remove_supply=True`` removes the supply and ground net nodes. With ``supply_pins="keep"``
(default) their pins stay attached to their devices and dangle (no net edge; ``on_supply`` /
``on_ground`` still say where they went); with ``"drop"`` those pins are removed as well.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

import numpy as np
import torch

from graphcl.circuits.devices import DEVICE_TYPES, PIN_ROLES, ROLE_INDEX, TYPE_INDEX
from graphcl.circuits.netlist import PinNames

if TYPE_CHECKING:
    from torch_geometric.data import Data, HeteroData

    from graphcl.circuits.netlist import Netlist

#: Columns of ``graph['device'].x``.
DEVICE_FEATURES: tuple[str, ...] = (
    "log10_w_um",
    "log10_l_um",
    "log2_nf",
    "log2_nfin",
    "log2_m",
    "log10_res_ohm",
    "log10_cap_f",
    "log10_ind_h",
    "source_dc",
    "has_w",
    "has_l",
    "has_nf",
    "has_nfin",
    "has_value",
)
#: Columns of ``graph['pin'].x``.
PIN_FEATURES: tuple[str, ...] = ("on_supply", "on_ground")
#: Columns of ``graph['net'].x``.
NET_FEATURES: tuple[str, ...] = (
    "log1p_pins",
    "log1p_devices",
    "log1p_gate",
    "log1p_drain",
    "log1p_source",
    "log1p_bulk",
    "log1p_other",
    "is_supply",
    "is_ground",
    "is_port",
    "is_global",
)
#: The structural relations, in the order of the homogeneous view's ``edge_type``.
EDGE_TYPES: tuple[tuple[str, str, str], ...] = (
    ("device", "has", "pin"),
    ("pin", "of", "device"),
    ("pin", "connects", "net"),
    ("net", "connects", "pin"),
    ("device", "connects", "net"),
    ("net", "connects", "device"),
)
NODE_TYPES: tuple[str, ...] = ("device", "pin", "net")

_INDUCTOR = TYPE_INDEX["inductor"]
_VALUE_COLUMN = {
    TYPE_INDEX["resistor"]: 5,
    TYPE_INDEX["capacitor"]: 6,
    TYPE_INDEX["inductor"]: 7,
    TYPE_INDEX["vsource"]: 8,
    TYPE_INDEX["isource"]: 8,
}


def _log(values: np.ndarray, base: float, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """log_base(values / scale) where values > 0 (else 0), and the presence flag."""
    present = np.isfinite(values) & (values > 0)
    out = np.zeros_like(values)
    out[present] = np.log(values[present] / scale) / np.log(base)
    return out, present


def device_features(netlist: Netlist) -> np.ndarray:
    """``graph['device'].x`` as float32 (D, len(DEVICE_FEATURES)); see the module docstring."""
    sets = netlist.param_sets
    table = np.full((len(sets), 5), np.nan)  # w, l, nf, nfin, value
    for index, (params, value) in enumerate(sets):
        for column, name in enumerate(("w", "l", "nf", "nfin")):
            found = params.get(name)
            if isinstance(found, float):
                table[index, column] = found
        if value is not None:
            table[index, 4] = value
    rows = table[netlist.device_params] if len(sets) else np.zeros((0, 5))
    types = netlist.device_type
    out = np.zeros((len(types), len(DEVICE_FEATURES)), dtype=np.float64)
    out[:, 0], has_w = _log(rows[:, 0], 10.0, 1e-6)
    lengths = np.where(types == _INDUCTOR, np.nan, rows[:, 1])
    out[:, 1], has_l = _log(lengths, 10.0, 1e-6)
    out[:, 2], has_nf = _log(rows[:, 2], 2.0)
    out[:, 3], has_nfin = _log(rows[:, 3], 2.0)
    out[:, 4], _ = _log(netlist.device_multiplier.astype(np.float64), 2.0)
    has_value = np.zeros(len(types), dtype=bool)
    for type_index, column in _VALUE_COLUMN.items():
        chosen = types == type_index
        values = rows[chosen, 4]
        if column == 8:
            given = np.isfinite(values)
            out[chosen, column] = np.where(given, values, 0.0)
        else:
            out[chosen, column], given = _log(np.abs(values), 10.0)
        has_value[chosen] = given
    out[:, 9] = has_w
    out[:, 10] = has_l
    out[:, 11] = has_nf
    out[:, 12] = has_nfin
    out[:, 13] = has_value
    return out.astype(np.float32)


def _repeated_pins(netlist: Netlist, window: int = 8) -> np.ndarray:
    """Pins on the same net as an earlier pin of their device (to count distinct devices).

    Pins of a device are contiguous, so a repeat is at most ``pins - 1`` positions back: a few
    shifted comparisons, and a sort only over the pins of devices with more than ``window``.
    """
    pin_device, pin_net = netlist.pin_device, netlist.pin_net
    repeated = np.zeros(len(pin_device), dtype=bool)
    counts = np.diff(netlist.pin_ptr)
    most = int(counts.max()) if len(counts) else 0
    for shift in range(1, min(most, window)):
        repeated[shift:] |= (pin_device[shift:] == pin_device[:-shift]) & (
            pin_net[shift:] == pin_net[:-shift]
        )
    if most > window:
        wide = np.flatnonzero(np.repeat(counts > window, counts))
        keys = pin_device[wide] * max(len(netlist.net_names), 1) + pin_net[wide]
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        again = np.zeros(len(wide), dtype=bool)
        again[order[1:]] = sorted_keys[1:] == sorted_keys[:-1]
        repeated[wide] = again
    return repeated


def net_features(netlist: Netlist) -> np.ndarray:
    """``graph['net'].x`` as float32 (N, len(NET_FEATURES)); see the module docstring."""
    n_nets = len(netlist.net_names)
    pin_net, pin_role = netlist.pin_net, netlist.pin_role
    degree = np.bincount(pin_net, minlength=n_nets)
    devices = np.bincount(pin_net[~_repeated_pins(netlist)], minlength=n_nets)
    out = np.zeros((n_nets, len(NET_FEATURES)), dtype=np.float64)
    out[:, 0] = np.log1p(degree)
    out[:, 1] = np.log1p(devices)
    named = np.zeros(n_nets, dtype=np.int64)
    for column, role in enumerate(("gate", "drain", "source", "bulk"), start=2):
        counts = np.bincount(pin_net[pin_role == ROLE_INDEX[role]], minlength=n_nets)
        named += counts
        out[:, column] = np.log1p(counts)
    out[:, 6] = np.log1p(degree - named)
    out[:, 7] = netlist.net_is_supply
    out[:, 8] = netlist.net_is_ground
    out[:, 9] = netlist.net_is_port
    out[:, 10] = netlist.net_is_global
    return out.astype(np.float32)


def _edges(source: np.ndarray, target: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.stack([source, target]).astype(np.int64, copy=False))


def to_graph(
    netlist: Netlist, remove_supply: bool = False, supply_pins: str = "keep"
) -> HeteroData:
    """Build the heterogeneous device-pin-net graph of a flattened netlist.

    Args:
        netlist: from :func:`~graphcl.circuits.read_netlist`.
        remove_supply: remove the supply and ground net nodes (and their edges).
        supply_pins: with ``remove_supply``: ``"keep"`` the pins on removed nets (dangling) or
            ``"drop"`` them.

    Returns:
        A ``HeteroData``; the module docstring lists every attribute, its dtype and unit.

    Raises:
        ValueError: an unknown ``supply_pins``.

    Example:
        >>> from graphcl.circuits import parse_netlist
        >>> net = parse_netlist("mn y a 0 0 nmos w=1u l=0.1u\\nmp y a vdd vdd pmos w=2u l=0.1u\\n")
        >>> graph = to_graph(net)
        >>> graph["device"].num_nodes, graph["pin"].num_nodes, graph["net"].num_nodes
        (2, 8, 4)
    """
    from torch_geometric.data import HeteroData

    if supply_pins not in ("keep", "drop"):
        raise ValueError(f"supply_pins must be 'keep' or 'drop', got {supply_pins!r}")
    n_devices, n_nets = len(netlist.device_names), len(netlist.net_names)
    pin_device, pin_net, pin_role = netlist.pin_device, netlist.pin_net, netlist.pin_role
    pin_label = netlist.pin_label
    on_supply = netlist.net_is_supply[pin_net]
    on_ground = netlist.net_is_ground[pin_net]
    net_keep = np.ones(n_nets, dtype=bool)
    if remove_supply:
        net_keep = ~(netlist.net_is_supply | netlist.net_is_ground)
    pin_on_kept = net_keep[pin_net]
    if remove_supply and supply_pins == "drop":
        pin_device, pin_net, pin_role, pin_label = (
            a[pin_on_kept] for a in (pin_device, pin_net, pin_role, pin_label)
        )
        on_supply, on_ground = on_supply[pin_on_kept], on_ground[pin_on_kept]
        pin_on_kept = np.ones(len(pin_device), dtype=bool)
    net_new = np.cumsum(net_keep) - 1
    n_pins = len(pin_device)
    pins = np.arange(n_pins, dtype=np.int64)
    connected = np.flatnonzero(pin_on_kept)
    net_of_pin = net_new[pin_net[connected]]

    graph = HeteroData()
    device = graph["device"]
    device.num_nodes = n_devices
    device.x = torch.from_numpy(device_features(netlist))
    device.type = torch.from_numpy(netlist.device_type.astype(np.int64))
    device.model = torch.from_numpy(netlist.device_model.astype(np.int64))
    device.multiplier = torch.from_numpy(netlist.device_multiplier.astype(np.float32))
    device.names = netlist.device_names
    device.model_names = list(netlist.model_names)
    device.models = [netlist.model_names[i] for i in netlist.device_model.tolist()]
    device.feature_names = list(DEVICE_FEATURES)
    device.type_names = list(DEVICE_TYPES)

    pin = graph["pin"]
    pin.num_nodes = n_pins
    pin.x = torch.from_numpy(np.stack([on_supply, on_ground], axis=1).astype(np.float32))
    pin.role = torch.from_numpy(pin_role.astype(np.int64))
    pin.names = PinNames(netlist.device_names, pin_device, pin_label, netlist.pin_labels)
    pin.feature_names = list(PIN_FEATURES)
    pin.role_names = list(PIN_ROLES)

    net = graph["net"]
    net.num_nodes = int(net_keep.sum())
    # removing a net never changes the pins of another net: the features stay the circuit's
    net.x = torch.from_numpy(net_features(netlist)[net_keep])
    net.degree = torch.from_numpy(np.bincount(netlist.pin_net, minlength=n_nets)[net_keep])
    net.is_supply = torch.from_numpy(netlist.net_is_supply[net_keep].copy())
    net.is_ground = torch.from_numpy(netlist.net_is_ground[net_keep].copy())
    net.names = (
        netlist.net_names
        if net_keep.all()
        else [netlist.net_names[i] for i in np.flatnonzero(net_keep).tolist()]
    )
    net.feature_names = list(NET_FEATURES)

    graph["device", "has", "pin"].edge_index = _edges(pin_device, pins)
    graph["pin", "of", "device"].edge_index = _edges(pins, pin_device)
    graph["pin", "connects", "net"].edge_index = _edges(connected, net_of_pin)
    graph["net", "connects", "pin"].edge_index = _edges(net_of_pin, connected)
    roles = torch.from_numpy(pin_role[connected].astype(np.int64))
    forward = graph["device", "connects", "net"]
    forward.edge_index = _edges(pin_device[connected], net_of_pin)
    forward.role = roles
    backward = graph["net", "connects", "device"]
    backward.edge_index = _edges(net_of_pin, pin_device[connected])
    backward.role = roles.clone()
    graph.netlist = netlist.path
    graph.top = netlist.top or ""
    return graph


class _Chain(Sequence[str]):
    """Several name sequences seen as one (the homogeneous view's node names)."""

    def __init__(self, parts: Sequence[Sequence[str]]) -> None:
        self.parts = list(parts)
        self.offsets = np.cumsum([0, *(len(part) for part in self.parts)])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        part = int(np.searchsorted(self.offsets, index, side="right")) - 1
        return self.parts[part][index - int(self.offsets[part])]

    def __iter__(self) -> Iterator[str]:
        for part in self.parts:
            yield from part


def to_homogeneous(graph: HeteroData, categorical: str = "one_hot") -> Data:
    """One node set for plain GNNs: devices, then pins, then nets.

    Args:
        graph: from :func:`to_graph` (or :func:`~graphcl.circuits.io.load_circuit_graph`).
        categorical: ``"one_hot"`` appends the device type one-hot to the device block and the
            pin role one-hot to the pin block of ``x``; ``"index"`` leaves them out (memory) and
            relies on ``category``.

    Returns:
        A ``Data`` with ``x`` float32 (n, 3 + F): the node-type one-hot (device, pin, net) then
        one column block per node type (zeros for the other types), named in ``feature_names``
        (``device:log10_w_um``, ``pin:role=gate``, ``net:is_supply`` ...); ``node_type`` int64
        (0 device, 1 pin, 2 net); ``category`` int64: the device type, ``len(DEVICE_TYPES)`` + the
        pin role, or the last category for nets (``category_names``); ``edge_index`` of every
        structural edge in both directions with ``edge_type`` indexing :data:`EDGE_TYPES`;
        ``names`` of the nodes.

    Example:
        >>> from graphcl.circuits import parse_netlist
        >>> data = to_homogeneous(to_graph(parse_netlist("r1 a 0 1k\\nc1 a 0 1p\\n")))
        >>> data.num_nodes, int(data.edge_index.shape[1])
        (8, 24)
    """
    from torch_geometric.data import Data

    if categorical not in ("one_hot", "index"):
        raise ValueError(f"categorical must be 'one_hot' or 'index', got {categorical!r}")
    counts = [int(graph[t].num_nodes) for t in NODE_TYPES]
    offsets = dict(zip(NODE_TYPES, np.cumsum([0, *counts[:-1]]).tolist(), strict=True))
    device_x = graph["device"].x
    pin_x = graph["pin"].x
    if categorical == "one_hot":
        device_x = torch.cat(
            [
                torch.nn.functional.one_hot(graph["device"].type, len(DEVICE_TYPES)).float(),
                device_x,
            ],
            1,
        )
        pin_x = torch.cat(
            [torch.nn.functional.one_hot(graph["pin"].role, len(PIN_ROLES)).float(), pin_x], 1
        )
        device_names = [f"type={t}" for t in DEVICE_TYPES] + list(graph["device"].feature_names)
        pin_names = [f"role={r}" for r in PIN_ROLES] + list(graph["pin"].feature_names)
    else:
        device_names = list(graph["device"].feature_names)
        pin_names = list(graph["pin"].feature_names)
    blocks: list[tuple[str, torch.Tensor, list[str]]] = [
        ("device", device_x, device_names),
        ("pin", pin_x, pin_names),
        ("net", graph["net"].x, list(graph["net"].feature_names)),
    ]
    width = 3 + sum(int(block.shape[1]) for _, block, _ in blocks)
    total = sum(counts)
    x = torch.zeros((total, width), dtype=torch.float32)
    column = 3
    feature_names = [f"node_type={t}" for t in NODE_TYPES]
    for type_index, (type_name, block, names) in enumerate(blocks):
        start = offsets[type_name]
        stop = start + counts[type_index]
        x[start:stop, type_index] = 1.0
        x[start:stop, column : column + block.shape[1]] = block
        column += int(block.shape[1])
        feature_names += [f"{type_name}:{name}" for name in names]
    node_type = torch.cat(
        [torch.full((count,), index, dtype=torch.int64) for index, count in enumerate(counts)]
    )
    category = torch.cat(
        [
            graph["device"].type,
            graph["pin"].role + len(DEVICE_TYPES),
            torch.full((counts[2],), len(DEVICE_TYPES) + len(PIN_ROLES), dtype=torch.int64),
        ]
    )
    edges, edge_types = [], []
    for index, (source, relation, target) in enumerate(EDGE_TYPES):
        edge_index = graph[source, relation, target].edge_index
        shift = torch.tensor([[offsets[source]], [offsets[target]]], dtype=torch.int64)
        edges.append(edge_index + shift)
        edge_types.append(torch.full((edge_index.shape[1],), index, dtype=torch.int64))
    data = Data(
        x=x,
        edge_index=torch.cat(edges, dim=1),
        edge_type=torch.cat(edge_types),
        node_type=node_type,
        category=category,
        num_nodes=total,
    )
    data.feature_names = feature_names
    data.category_names = (
        [f"device:{t}" for t in DEVICE_TYPES] + [f"pin:{r}" for r in PIN_ROLES] + ["net"]
    )
    data.edge_types = [list(edge) for edge in EDGE_TYPES]
    data.names = _Chain([graph[t].names for t in NODE_TYPES])
    return data
