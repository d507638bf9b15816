"""The flattened design: devices, pins and nets, with supply and ground nets identified.

Supply and ground nets are, in this order of evidence:

* nets named like a supply or a ground (case-insensitive, a trailing ``!`` ignored): by default
  :data:`DEFAULT_SUPPLY_NETS` / :data:`DEFAULT_GROUND_NETS` and names that start like them
  (:data:`SUPPLY_PATTERN`: ``vdd_ota``, ``vddhv``, ``avdd1``; :data:`GROUND_PATTERN`: ``vss_ota``,
  ``gnd_core``); ``supply_nets=`` / ``ground_nets=`` replace the defaults and the patterns with
  exact names; node ``0`` is always ground;
* ``.global`` nets (ground when their name is a ground name, supply otherwise);
* the other terminal of a DC-only voltage source (a DC value, no AC or transient waveform) with
  one terminal on ground: a supply, or a ground when the source is 0 V.

Names are matched on the flattened net name (``vdd``, ``vdd!``, not ``xota.vdd``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from graphcl.circuits.deck import Deck, Location, Subcircuit
from graphcl.circuits.devices import DEVICE_TYPES, PIN_ROLES, TYPE_INDEX
from graphcl.circuits.flatten import FlatDesign, ParamSet
from graphcl.typing import FloatArray, IntArray

if TYPE_CHECKING:
    from torch_geometric.data import HeteroData

#: Default supply (power) net names.
DEFAULT_SUPPLY_NETS: tuple[str, ...] = (
    "vdd",
    "vcc",
    "avdd",
    "dvdd",
    "vdda",
    "vddd",
    "vddio",
    "vddq",
    "pvdd",
    "vpwr",
    "vps",
    "vcca",
    "vccd",
    "vccx",
    "vpp",
)
#: Default ground net names (node ``0`` is always ground).
DEFAULT_GROUND_NETS: tuple[str, ...] = (
    "0",
    "gnd",
    "vss",
    "agnd",
    "dgnd",
    "vssa",
    "vssd",
    "gnda",
    "gndd",
    "vgnd",
    "vssx",
    "vssio",
    "pgnd",
    "avss",
    "dvss",
)

#: Default supply names beyond the list: optional a/d/p prefix, vdd or vcc, then anything.
SUPPLY_PATTERN = re.compile(r"^[adp]?(vdd|vcc)\w*$")
#: Default ground names beyond the list: optional a/d/p prefix, vss or gnd, then anything.
GROUND_PATTERN = re.compile(r"^[adp]?(vss|gnd)\w*$")


@dataclass(frozen=True)
class Device:
    """One flattened device.

    Attributes:
        name: hierarchical instance name, lower case (``xota.xmirror.m1``).
        type: one of :data:`~graphcl.circuits.devices.DEVICE_TYPES`.
        model: model or master name (``nch_mac``, ``nmos_rvt``; ``""`` when it has none).
        pins: pin labels in terminal order (``d g s b``); pin names are ``name + "." + label``.
        roles: pin roles (``drain gate source bulk``).
        nets: the flattened net of each pin.
        params: evaluated instance parameters in SI units (metres, farads ...), as written
            (``w``, ``l``, ``nf``, ``nfin``, ``m`` ...); keyword values stay strings.
        value: ohms (R), farads (C), henries (L), the DC volts/amps of a source, the gain of a
            controlled source; None when not given.
        multiplier: effective multiplicity: its own ``m`` times the ``m`` of every enclosing
            subcircuit instance.
        location: the statement that wrote it.
    """

    name: str
    type: str
    model: str
    pins: tuple[str, ...]
    roles: tuple[str, ...]
    nets: tuple[str, ...]
    params: Mapping[str, float | str]
    value: float | None
    multiplier: float
    location: Location


@dataclass(frozen=True)
class Pin:
    """One device terminal: ``name`` is ``device + "." + label`` (``xota.m1.g``)."""

    name: str
    device: str
    role: str
    net: str


class PinNames(Sequence[str]):
    """Pin names (``xota.m1.g``) computed on access from device names and pin labels, so a
    million-device design does not hold four million strings.

    Args:
        device_names: hierarchical device names.
        pin_device: Shape: (P,), the device of each pin.
        pin_label: Shape: (P,), index of each pin's label in ``labels``.
        labels: the label vocabulary (``d``, ``g``, ``s``, ``b``, port names ...).
    """

    def __init__(
        self,
        device_names: Sequence[str],
        pin_device: IntArray,
        pin_label: IntArray,
        labels: Sequence[str],
    ) -> None:
        self.device_names = device_names
        self.pin_device = pin_device
        self.pin_label = pin_label
        self.labels = list(labels)
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.pin_device)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        device = self.device_names[int(self.pin_device[index])]
        return f"{device}.{self.labels[int(self.pin_label[index])]}"

    def __iter__(self) -> Iterator[str]:
        names, labels = self.device_names, self.labels
        for device, label in zip(self.pin_device.tolist(), self.pin_label.tolist(), strict=True):
            yield f"{names[device]}.{labels[label]}"

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """The position of a pin name (a dictionary built on first use)."""
        if self._index is None:
            self._index = {name: i for i, name in enumerate(self)}
        position = self._index.get(value)
        if position is None or position < start or (stop is not None and position >= stop):
            raise ValueError(f"{value!r} is not a pin name")
        return position

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PinNames({len(self)} pins)"


class _Devices(Sequence[Device]):
    def __init__(self, netlist: Netlist) -> None:
        self._netlist = netlist

    def __len__(self) -> int:
        return len(self._netlist.device_names)

    @overload
    def __getitem__(self, index: int) -> Device: ...

    @overload
    def __getitem__(self, index: slice) -> list[Device]: ...

    def __getitem__(self, index: int | slice) -> Device | list[Device]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._netlist.device(index)


class _Pins(Sequence[Pin]):
    def __init__(self, netlist: Netlist) -> None:
        self._netlist = netlist

    def __len__(self) -> int:
        return len(self._netlist.pin_device)

    @overload
    def __getitem__(self, index: int) -> Pin: ...

    @overload
    def __getitem__(self, index: slice) -> list[Pin]: ...

    def __getitem__(self, index: int | slice) -> Pin | list[Pin]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        netlist = self._netlist
        if index < 0:
            index += len(self)
        return Pin(
            netlist.pin_names[index],
            netlist.device_names[int(netlist.pin_device[index])],
            PIN_ROLES[int(netlist.pin_role[index])],
            netlist.net_names[int(netlist.pin_net[index])],
        )


def _normalise(names: Iterable[str]) -> set[str]:
    return {name.lower().rstrip("!") for name in names}


class Netlist:
    """A flattened circuit, read by :func:`~graphcl.circuits.read_netlist`.

    Devices, pins and nets are held as arrays (the attributes below) and shown as objects on
    access (:attr:`devices`, :attr:`pins`).

    Attributes:
        path: the main netlist file.
        title: the SPICE title line, if any.
        top: the subcircuit flattened as the design, or None for the file's top-level elements.
        subcircuits: every definition read, by name.
        models: ``.model`` name -> kind.
        warnings: ``file:line: message`` strings: PDK primitives inferred, notes, and in
            permissive mode the errors that were skipped.
        inferred_primitives: undefined master -> device type given to its instances.
        device_names: hierarchical names. Shape: (D,)
        device_type: index into :data:`~graphcl.circuits.devices.DEVICE_TYPES`. Shape: (D,)
        device_model: index into :attr:`model_names` (``""`` = no model). Shape: (D,)
        device_multiplier: effective multiplicity. Shape: (D,)
        device_params: index into :attr:`param_sets`. Shape: (D,)
        param_sets: distinct ``(parameters, value)`` pairs of the design's devices.
        pin_ptr: pins of device ``i`` are ``pin_ptr[i]:pin_ptr[i+1]``. Shape: (D+1,)
        pin_device, pin_net, pin_role, pin_label: per pin: device, net, index into
            :data:`~graphcl.circuits.devices.PIN_ROLES`, index into :attr:`pin_labels`. Shape: (P,)
        net_names: flattened net names. Shape: (N,)
        net_is_port, net_is_global, net_is_supply, net_is_ground: boolean flags. Shape: (N,)
    """

    def __init__(
        self,
        design: FlatDesign,
        deck: Deck,
        top: Subcircuit | None,
        warnings: list[str],
        supply_nets: Iterable[str] | None = None,
        ground_nets: Iterable[str] | None = None,
    ) -> None:
        self.path = deck.path
        self.title = deck.title
        self.top = top.name if top is not None else None
        self.subcircuits: dict[str, Subcircuit] = dict(deck.subcircuits)
        self.models: dict[str, str] = dict(deck.models)
        self.global_nets: list[str] = list(deck.global_nets)
        self.files: list[str] = list(deck.files)
        self.warnings = warnings
        self.inferred_primitives = dict(design.inferred)
        self.blackboxes = list(design.blackboxes)
        cards = design.cards
        card_type = np.asarray([card.type for card in cards], dtype=np.int64)
        card_models = [card.master for card in cards]
        self.model_names: list[str] = sorted(set(card_models))
        model_index = {name: i for i, name in enumerate(self.model_names)}
        card_model = np.asarray([model_index[m] for m in card_models], dtype=np.int64)
        labels: dict[str, int] = {}
        slot_label = np.asarray(
            [labels.setdefault(label, len(labels)) for card in cards for label in card.labels],
            dtype=np.int64,
        )
        slot_role = np.asarray([role for card in cards for role in card.roles], dtype=np.int64)
        self.pin_labels: list[str] = list(labels)
        self._cards = cards
        self.device_names: list[str] = design.device_names
        self.device_card: IntArray = design.device_card
        self.device_type: IntArray = (
            card_type[design.device_card] if cards else np.zeros(0, np.int64)
        )
        self.device_model: IntArray = (
            card_model[design.device_card] if cards else np.zeros(0, np.int64)
        )
        self.device_params: IntArray = design.device_params
        self.device_multiplier: FloatArray = design.device_multiplier
        self.param_sets: list[ParamSet] = design.param_sets
        self.pin_ptr: IntArray = design.pin_ptr
        self.pin_device: IntArray = design.pin_device
        self.pin_net: IntArray = design.pin_net
        self.pin_role: IntArray = (
            slot_role[design.pin_card_slot] if cards else np.zeros(0, np.int64)
        )
        self.pin_label: IntArray = (
            slot_label[design.pin_card_slot] if cards else np.zeros(0, np.int64)
        )
        self.net_names: list[str] = design.net_names
        self.net_is_port: np.ndarray = design.net_is_port
        self.net_is_global: np.ndarray = design.net_is_global
        self.pin_names = PinNames(
            self.device_names, self.pin_device, self.pin_label, self.pin_labels
        )
        self._find_supplies(supply_nets, ground_nets)

    def _find_supplies(
        self, supply_names: Iterable[str] | None, ground_names: Iterable[str] | None
    ) -> None:
        supply = _normalise(DEFAULT_SUPPLY_NETS if supply_names is None else supply_names)
        ground = _normalise(DEFAULT_GROUND_NETS if ground_names is None else ground_names)
        ground.add("0")
        supply_pattern = SUPPLY_PATTERN if supply_names is None else None
        ground_pattern = GROUND_PATTERN if ground_names is None else None

        def named(name: str, names: set[str], pattern: re.Pattern[str] | None) -> bool:
            if name in names:
                return True
            return pattern is not None and "." not in name and pattern.match(name) is not None

        normalised = [name.rstrip("!") for name in self.net_names]
        is_ground = np.fromiter(
            (named(n, ground, ground_pattern) for n in normalised), bool, len(normalised)
        )
        is_supply = np.fromiter(
            (named(n, supply, supply_pattern) for n in normalised), bool, len(normalised)
        )
        declared = set(self.global_nets)
        is_supply |= np.fromiter((n in declared for n in self.net_names), bool, len(normalised))
        is_supply &= ~is_ground
        vsource = TYPE_INDEX["vsource"]
        sources = np.flatnonzero(self.device_type == vsource)
        dc_only: list[tuple[int, int, float]] = []
        for device in sources.tolist():
            params, value = self.param_sets[int(self.device_params[device])]
            if value is None or "ac" in params or "waveform" in params:
                continue
            start = int(self.pin_ptr[device])
            dc_only.append((int(self.pin_net[start]), int(self.pin_net[start + 1]), value))
        for _ in range(2):
            for positive, negative, value in dc_only:
                for net, other in ((positive, negative), (negative, positive)):
                    if is_ground[other] and not (is_ground[net] or is_supply[net]):
                        if value == 0:
                            is_ground[net] = True
                        else:
                            is_supply[net] = True
        self.net_is_supply: np.ndarray = is_supply & ~is_ground
        self.net_is_ground: np.ndarray = is_ground

    # -- object views ---------------------------------------------------------------------------

    @property
    def devices(self) -> Sequence[Device]:
        """The flattened devices (built on access)."""
        return _Devices(self)

    @property
    def pins(self) -> Sequence[Pin]:
        """The pins (built on access)."""
        return _Pins(self)

    @property
    def nets(self) -> list[str]:
        """The flattened net names."""
        return self.net_names

    @property
    def supply_nets(self) -> list[str]:
        """Names of the nets identified as supplies (power)."""
        return [self.net_names[i] for i in np.flatnonzero(self.net_is_supply).tolist()]

    @property
    def ground_nets(self) -> list[str]:
        """Names of the nets identified as grounds."""
        return [self.net_names[i] for i in np.flatnonzero(self.net_is_ground).tolist()]

    def device(self, index: int) -> Device:
        """Device ``index`` as a :class:`Device`."""
        if index < 0:
            index += len(self.device_names)
        card = self._cards[int(self.device_card[index])]
        params, value = self.param_sets[int(self.device_params[index])]
        start, stop = int(self.pin_ptr[index]), int(self.pin_ptr[index + 1])
        return Device(
            name=self.device_names[index],
            type=DEVICE_TYPES[int(self.device_type[index])],
            model=self.model_names[int(self.device_model[index])],
            pins=card.labels,
            roles=tuple(PIN_ROLES[r] for r in card.roles),
            nets=tuple(self.net_names[int(n)] for n in self.pin_net[start:stop]),
            params=MappingProxyType(params),
            value=value,
            multiplier=float(self.device_multiplier[index]),
            location=card.location,
        )

    def devices_by_type(self) -> dict[str, int]:
        """Device counts per type, most frequent first."""
        counts = np.bincount(self.device_type, minlength=len(DEVICE_TYPES))
        pairs = [(DEVICE_TYPES[i], int(c)) for i, c in enumerate(counts.tolist()) if c]
        return dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))

    def summary(self) -> dict[str, Any]:
        """Counts and names for a report (JSON-serialisable)."""
        return {
            "path": self.path,
            "title": self.title,
            "top": self.top,
            "devices": len(self.device_names),
            "nets": len(self.net_names),
            "pins": len(self.pin_device),
            "devices_by_type": self.devices_by_type(),
            "models": dict(
                Counter(
                    self.model_names[i] for i in self.device_model.tolist() if self.model_names[i]
                )
            ),
            "subcircuits": sorted(self.subcircuits),
            "supply_nets": self.supply_nets,
            "ground_nets": self.ground_nets,
            "inferred_primitives": self.inferred_primitives,
            "files": self.files,
            "warnings": list(self.warnings),
        }

    def to_graph(self, remove_supply: bool = False, supply_pins: str = "keep") -> HeteroData:
        """The design as a PyG ``HeteroData`` (see :func:`graphcl.circuits.graph.to_graph`)."""
        from graphcl.circuits.graph import to_graph

        return to_graph(self, remove_supply=remove_supply, supply_pins=supply_pins)

    def __repr__(self) -> str:
        return (
            f"Netlist({self.path!r}, top={self.top!r}, devices={len(self.device_names)}, "
            f"nets={len(self.net_names)}, pins={len(self.pin_device)})"
        )
