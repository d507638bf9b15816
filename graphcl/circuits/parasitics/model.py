"""What a parasitics file (DSPF or SPEF) says about each net and instance pin, in farads and ohms.

An extractor splits every net into *nodes*: ports (``*|P`` / ``*P``), instance pins (``*|I`` /
``*I``, a device terminal such as ``XM1:G``) and sub-nodes along the wires (``*|S``, ``net:3``),
and writes capacitors between two nodes or between a node and ground. The readers resolve every
node to its net (and, for instance pins, to the pin) and sum:

* **ground capacitance of a net**: every capacitor from one of its nodes to ground (instance-pin
  nodes included); ground is node ``0``, a DSPF ``*|GROUND_NET``, and a net the file declares as
  power or ground (SPEF ``*POWER_NETS`` / ``*GROUND_NETS``) without giving it a network of its
  own (a capacitor to a supply is a capacitor to AC ground);
* **ground capacitance of a pin**: the capacitors from that instance-pin node to ground (a part
  of its net's ground capacitance);
* **coupling capacitance** between two *terminals*, a terminal being an instance pin (for a pin
  node) or a net (for any other node): the capacitors between their nodes. The coupling between
  two nets (:meth:`Parasitics.net_couplings`) is the sum over all terminal pairs of the two nets,
  pin terminals included. A capacitor between two nodes of the same net is not a coupling (it is
  counted in :attr:`Parasitics.intra_net_farads`).

The pin and port capacitances that ``*|I`` / ``*|P`` lines and SPEF ``*L`` entries declare are the
load of the device or port (from a library), not extracted parasitics; they are kept per pin and
port but never added to a net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from graphcl.errors import NetlistError


class ParasiticsWarning(UserWarning):
    """Emitted once per non-strict read that skipped problems (see ``Parasitics.warnings``)."""


class Terminal(NamedTuple):
    """One end of a coupling: an instance pin or a net.

    Attributes:
        kind: ``"pin"`` or ``"net"``.
        name: the pin node (``XI0/XM1:G``) or the net name, as the file writes it (SPEF names
            resolved through the name map, escapes removed).
        net: the net the terminal belongs to (``name`` itself for a net).
    """

    kind: Literal["pin", "net"]
    name: str
    net: str


@dataclass(frozen=True)
class ParasiticNet:
    """One net of a parasitics file.

    Attributes:
        name: as written (SPEF names resolved through the name map).
        line: the line of its ``*|NET`` / ``*D_NET`` statement.
        total: the total capacitance the file declares, in farads (ground plus coupling), or
            None when not given.
        ground: the sum of its capacitors to ground, in farads (0.0 when it has none).
        pins: its instance-pin nodes (``XM1:G``).
        ports: its port nodes.
        nodes: how many nodes of the net the file declares (ports, pins, sub-nodes).
        resistors: how many resistors the file gives the net.
    """

    name: str
    line: int
    total: float | None
    ground: float
    pins: tuple[str, ...]
    ports: tuple[str, ...]
    nodes: int
    resistors: int


@dataclass(frozen=True)
class ParasiticPin:
    """One instance pin (device terminal) named by a parasitics file.

    Attributes:
        name: the pin node as written (``XI0/XM1:G``).
        instance: the instance (``XI0/XM1``).
        pin: the terminal (``G``).
        net: the net it is on.
        line: the line that declares it.
        ground: the capacitors from this node to ground, in farads.
        load: the pin capacitance the file declares for it (a library load, not a parasitic),
            in farads, or None.
    """

    name: str
    instance: str
    pin: str
    net: str
    line: int
    ground: float
    load: float | None


@dataclass(frozen=True)
class Coupling:
    """The coupling capacitance between two terminals (``a`` sorts before ``b``), in farads."""

    a: Terminal
    b: Terminal
    farads: float


@dataclass(frozen=True)
class Resistor:
    """One resistor of a net: its nodes and resistance in ohms."""

    name: str
    node1: str
    node2: str
    ohms: float
    net: str
    line: int


@dataclass
class Parasitics:
    """The parasitics of one extracted design (from :func:`read_dspf` or :func:`read_spef`).

    Attributes:
        path: the file, as given.
        format: ``"dspf"`` or ``"spef"``.
        design: the design name of its header (``""`` when absent).
        divider: the hierarchy divider (``/``).
        delimiter: the pin delimiter (``:``).
        bus_delimiter: the bus-bit brackets (``[]``).
        units: SI scale of the file's units: ``capacitance`` (farads per unit), ``resistance``,
            ``time``, ``inductance`` (SPEF); DSPF values carry their own suffixes (1.0 each).
        nets: by name, in file order.
        pins: instance pins by node name.
        couplings: one entry per terminal pair, summed, in farads.
        supply_nets: nets the file declares as power or ground (``*|GROUND_NET``,
            ``*POWER_NETS``, ``*GROUND_NETS``).
        resistors: the resistors, when read with ``keep_resistors=True``.
        capacitors: how many capacitors were read.
        intra_net_farads: the capacitance between two nodes of the same net (not a coupling).
        warnings: ``file:line: message`` for each skipped problem (non-strict reads) and notes
            (a declared total that differs from its capacitors, a SPEF coupling listed with two
            values).
    """

    path: str
    format: str
    design: str
    divider: str
    delimiter: str
    bus_delimiter: str
    units: dict[str, float]
    nets: dict[str, ParasiticNet]
    pins: dict[str, ParasiticPin]
    couplings: list[Coupling]
    supply_nets: tuple[str, ...] = ()
    resistors: list[Resistor] = field(default_factory=list)
    capacitors: int = 0
    intra_net_farads: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def net_couplings(self) -> dict[tuple[str, str], float]:
        """Coupling capacitance (farads) per pair of nets ``(a, b)`` with ``a < b``."""
        out: dict[tuple[str, str], float] = defaultdict(float)
        for coupling in self.couplings:
            a, b = sorted((coupling.a.net, coupling.b.net))
            out[a, b] += coupling.farads
        return dict(out)

    @property
    def total_ground(self) -> float:
        """The ground capacitance of all nets together, in farads."""
        return sum(net.ground for net in self.nets.values())

    def summary(self) -> dict[str, Any]:
        """Counts and totals for a report (JSON-serialisable)."""
        return {
            "path": self.path,
            "format": self.format,
            "design": self.design,
            "nets": len(self.nets),
            "pins": len(self.pins),
            "capacitors": self.capacitors,
            "couplings": len(self.couplings),
            "net_pairs": len(self.net_couplings()),
            "ground_farads": self.total_ground,
            "coupling_farads": sum(c.farads for c in self.couplings),
            "resistors": sum(net.resistors for net in self.nets.values()),
            "warnings": len(self.warnings),
        }

    def __repr__(self) -> str:
        return (
            f"Parasitics({self.path!r}, format={self.format!r}, nets={len(self.nets)}, "
            f"pins={len(self.pins)}, couplings={len(self.couplings)})"
        )


@dataclass
class _NetState:
    line: int
    total: float | None
    ports: list[str] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    nodes: int = 0
    resistors: int = 0


@dataclass
class _PinState:
    instance: str
    pin: str
    net: str
    line: int
    load: float | None


class _Element(NamedTuple):
    node1: str
    node2: str | None  # None: ground
    value: float
    line: int
    text: str
    block: str | None
    name: str


class ParasiticsBuilder:
    """Collects nets, nodes and elements while a reader walks a file, then resolves every node
    to its net or pin and sums the capacitances (:meth:`build`).

    Args:
        path: the file, for messages.
        format: ``"dspf"`` or ``"spef"``.
        strict: raise the first problem as a :class:`~graphcl.errors.NetlistError`; otherwise
            record it in ``warnings`` and skip the statement.
        dedupe_couplings: SPEF lists a coupling capacitor in the block of each of its two nets;
            with True a node pair's capacitance is taken from one block only (the first that
            lists it; a different value in another block is noted).
        keep_resistors: keep every resistor (otherwise only counted per net).
    """

    def __init__(
        self,
        path: str,
        format: str,
        strict: bool = True,
        dedupe_couplings: bool = False,
        keep_resistors: bool = False,
    ) -> None:
        self.path = path
        self.format = format
        self.strict = strict
        self.dedupe = dedupe_couplings
        self.keep_resistors = keep_resistors
        self.design = ""
        self.divider = "/"
        self.delimiter = ":"
        self.bus_delimiter = "[]"
        self.units: dict[str, float] = {}
        self.ground_nodes: set[str] = {"0"}
        self.supply_nets: list[str] = []
        self.warnings: list[str] = []
        self.skipped = 0
        self._nets: dict[str, _NetState] = {}
        self._node_net: dict[str, str] = {}
        self._pins: dict[str, _PinState] = {}
        self._caps: list[_Element] = []
        self._res: list[_Element] = []
        self._fold: dict[int, dict[str, str]] = {}

    # -- problems -------------------------------------------------------------------------------

    def fail(self, line: int | None, text: str, reason: str) -> None:
        """Raise (strict) or record a problem with the statement at ``line``."""
        error = NetlistError(self.path, line, text, reason)
        if self.strict:
            raise error
        self.warnings.append(str(error))
        self.skipped += 1

    def note(self, line: int | None, message: str) -> None:
        """Record a remark that is never an error."""
        where = f"{self.path}:{line}" if line is not None else self.path
        self.warnings.append(f"{where}: {message}")

    # -- what the reader finds ------------------------------------------------------------------

    def has_net(self, name: str) -> bool:
        """Whether the net ``name`` was declared."""
        return name in self._nets

    def has_any_net(self) -> bool:
        """Whether any net was declared."""
        return bool(self._nets)

    def add_net(self, name: str, total: float | None, line: int, text: str) -> bool:
        """Declare a net; False (after :meth:`fail`) when it was declared before."""
        if name in self._nets:
            self.fail(
                line, text, f"net {name!r} declared again (first on line {self._nets[name].line})"
            )
            return False
        self._nets[name] = _NetState(line, total)
        return True

    def add_node(self, node: str, net: str, line: int, text: str, port: bool = False) -> None:
        """Declare a sub-node (or, with ``port``, a port node) of ``net``."""
        known = self._node_net.get(node)
        if known is not None and known != net:
            self.fail(line, text, f"node {node!r} already belongs to net {known!r}")
            return
        if known is None:
            self._node_net[node] = net
            state = self._nets[net]
            state.nodes += 1
            if port:
                state.ports.append(node)

    def add_pin(
        self,
        node: str,
        instance: str,
        pin: str,
        net: str,
        line: int,
        text: str,
        load: float | None = None,
    ) -> None:
        """Declare the instance-pin node ``node`` (``instance``, delimiter, ``pin``) of ``net``."""
        known = self._pins.get(node)
        if known is not None:
            if known.net != net:
                self.fail(line, text, f"pin {node!r} already belongs to net {known.net!r}")
            return
        if node in self._node_net and self._node_net[node] != net:
            self.fail(line, text, f"node {node!r} already belongs to net {self._node_net[node]!r}")
            return
        self._pins[node] = _PinState(instance, pin, net, line, load)
        state = self._nets[net]
        state.pins.append(node)
        state.nodes += 1

    def add_capacitor(
        self,
        name: str,
        node1: str,
        node2: str | None,
        farads: float,
        line: int,
        text: str,
        block: str | None = None,
    ) -> None:
        """A capacitor between two nodes; ``node2`` None (or a ground node) means ground."""
        self._caps.append(_Element(node1, node2, farads, line, text, block, name))

    def add_resistor(
        self, name: str, node1: str, node2: str, ohms: float, line: int, text: str
    ) -> None:
        """A resistor between two nodes of one net."""
        self._res.append(_Element(node1, node2, ohms, line, text, None, name))

    # -- resolution -----------------------------------------------------------------------------

    def _folded(self, table: dict[str, Any], name: str) -> str | None:
        """The key of ``table`` equal to ``name`` ignoring case (SPICE names are
        case-insensitive), or None."""
        if name in table:
            return name
        folded = self._fold.get(id(table))
        if folded is None:
            folded = {}
            for key in table:
                folded.setdefault(key.lower(), key)
            self._fold[id(table)] = folded
        return folded.get(name.lower())

    def _resolve(self, node: str) -> Terminal | None:
        """The terminal of a node: its pin, or its net (declared node, net name, ``net:k``)."""
        pin = self._folded(self._pins, node)
        if pin is not None:
            return Terminal("pin", pin, self._pins[pin].net)
        declared = self._folded(self._node_net, node)
        if declared is not None:
            net = self._node_net[declared]
            return Terminal("net", net, net)
        named = self._folded(self._nets, node)
        if named is not None:
            return Terminal("net", named, named)
        head, sep, _ = node.rpartition(self.delimiter)
        if sep and head:
            named = self._folded(self._nets, head)
            if named is not None:
                return Terminal("net", named, named)
        return None

    def _is_ground(self, node: str | None) -> bool:
        return node is None or node in self.ground_nodes or node.lower() in self.ground_nodes

    def build(self) -> Parasitics:
        """Resolve the nodes and sum the capacitances (see the module docstring)."""
        # a declared power/ground net the file gives no network of its own is an AC ground
        undeclared = {name for name in self.supply_nets if self._folded(self._nets, name) is None}
        grounds = self.ground_nodes | undeclared
        self.ground_nodes = {g.lower() for g in grounds} | grounds
        net_ground: dict[str, float] = dict.fromkeys(self._nets, 0.0)
        pin_ground: dict[str, float] = dict.fromkeys(self._pins, 0.0)
        pairs: dict[tuple[Terminal, Terminal], float] = defaultdict(float)
        # SPEF: node pair -> block -> sum, then one block per node pair
        listed: dict[tuple[str, str], dict[str | None, float]] = {}
        terminals_of: dict[tuple[str, str], tuple[Terminal, Terminal]] = {}
        first_line: dict[tuple[str, str], int] = {}
        intra = 0.0
        for element in self._caps:
            ends = [
                n
                for n in (element.node1, element.node2)
                if n is not None and not self._is_ground(n)
            ]
            if not ends:
                self.note(element.line, f"capacitor {element.name} has both ends on ground")
                continue
            resolved = [self._resolve(n) for n in ends]
            missing = [n for n, t in zip(ends, resolved, strict=True) if t is None]
            if missing:
                self.fail(
                    element.line,
                    element.text,
                    f"node {missing[0]!r} belongs to no net of the file (no *|NET/*D_NET, "
                    "port, instance pin or sub-node declares it)",
                )
                continue
            if len(resolved) == 1:
                terminal = resolved[0]
                assert terminal is not None
                net_ground[terminal.net] += element.value
                if terminal.kind == "pin":
                    pin_ground[terminal.name] += element.value
                continue
            a, b = resolved
            assert a is not None and b is not None
            if a.net == b.net:
                intra += element.value
                continue
            if (b.kind, b.name) < (a.kind, a.name):
                a, b = b, a
            if not self.dedupe:
                pairs[a, b] += element.value
                continue
            n1, n2 = sorted(ends)
            blocks = listed.setdefault((n1, n2), {})
            blocks[element.block] = blocks.get(element.block, 0.0) + element.value
            terminals_of[n1, n2] = (a, b)
            first_line.setdefault((n1, n2), element.line)
        for key, blocks in listed.items():
            values = list(blocks.values())
            if len(values) > 1 and any(
                abs(v - values[0]) > 1e-6 * max(abs(values[0]), 1e-30) for v in values[1:]
            ):
                self.note(
                    first_line[key],
                    f"coupling {key[0]} - {key[1]} listed with different values "
                    f"({', '.join(f'{v:.6g}' for v in values)} F); the first is kept",
                )
            pairs[terminals_of[key]] += values[0]
        resistors_kept: list[Resistor] = []
        for element in self._res:
            assert element.node2 is not None
            first, second = self._resolve(element.node1), self._resolve(element.node2)
            if first is None or second is None:
                node = element.node1 if first is None else element.node2
                self.fail(
                    element.line, element.text, f"node {node!r} belongs to no net of the file"
                )
                continue
            if first.net != second.net:
                self.note(
                    element.line,
                    f"resistor {element.name} joins nets {first.net!r} and {second.net!r}",
                )
            self._nets[first.net].resistors += 1
            if self.keep_resistors:
                resistors_kept.append(
                    Resistor(
                        element.name,
                        element.node1,
                        element.node2,
                        element.value,
                        first.net,
                        element.line,
                    )
                )
        couplings = [Coupling(a, b, farads) for (a, b), farads in pairs.items()]
        couplings.sort(key=lambda c: (c.a, c.b))
        coupling_of_net: dict[str, float] = defaultdict(float)
        for coupling in couplings:
            coupling_of_net[coupling.a.net] += coupling.farads
            coupling_of_net[coupling.b.net] += coupling.farads
        nets: dict[str, ParasiticNet] = {}
        for name, state in self._nets.items():
            ground = net_ground[name]
            if state.total is not None:
                found = ground + coupling_of_net.get(name, 0.0)
                if abs(found - state.total) > max(1e-3 * abs(state.total), 1e-21):
                    self.note(
                        state.line,
                        f"net {name!r} declares {state.total:.6g} F in total, its capacitors "
                        f"sum to {found:.6g} F",
                    )
            nets[name] = ParasiticNet(
                name,
                state.line,
                state.total,
                ground,
                tuple(state.pins),
                tuple(state.ports),
                state.nodes,
                state.resistors,
            )
        pins = {
            node: ParasiticPin(
                node, pin.instance, pin.pin, pin.net, pin.line, pin_ground[node], pin.load
            )
            for node, pin in self._pins.items()
        }
        return Parasitics(
            path=self.path,
            format=self.format,
            design=self.design,
            divider=self.divider,
            delimiter=self.delimiter,
            bus_delimiter=self.bus_delimiter,
            units=dict(self.units),
            nets=nets,
            pins=pins,
            couplings=couplings,
            supply_nets=tuple(self.supply_nets),
            resistors=resistors_kept,
            capacitors=len(self._caps),
            intra_net_farads=intra,
            warnings=self.warnings,
        )


def split_node(node: str, delimiter: str) -> tuple[str, str]:
    """``(instance, pin)`` of an instance-pin node, split at the last unescaped ``delimiter``.

    Example:
        >>> split_node("XI0/XM1:G", ":"), split_node("a\\\\:b:D", ":")
        (('XI0/XM1', 'G'), ('a\\\\:b', 'D'))
    """
    index = len(node)
    while True:
        index = node.rfind(delimiter, 0, index)
        if index <= 0:
            return node, ""
        backslashes = len(node[:index]) - len(node[:index].rstrip("\\"))
        if backslashes % 2 == 0:
            return node[:index], node[index + len(delimiter) :]


def first_names(names: Iterable[str], count: int = 5) -> str:
    """The first ``count`` names, comma-separated, with ``...`` when there are more."""
    listed = list(names)
    shown = ", ".join(repr(n) for n in listed[:count])
    return shown + (", ..." if len(listed) > count else "")
