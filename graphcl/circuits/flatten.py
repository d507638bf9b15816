"""Flattening the hierarchy into arrays: devices, pins and nets with hierarchical names.

Naming: a device ``m1`` inside instance ``xmirror`` inside instance ``xota`` is ``xota.xmirror.m1``;
a net local to that instance is ``xota.xmirror.net5``. A subcircuit port takes the net of the
parent it is connected to. Nets that are global everywhere keep their name: node ``0``, ``gnd``,
``gnd!``, any name ending in ``!`` (``vdd!``) and ``.global`` nets (a subcircuit port of that name
still takes the parent's net: ports come first).

Parameters (globals < subcircuit defaults < instance overrides) are evaluated lazily, when a
device value needs them, so a default that cannot be evaluated but is never used is no error
(ALIGN files pass such unused defaults). Scoping is lexical: a subcircuit sees the global
parameters, its own defaults and what its instance passes, not the parameters of the parent.
``m`` on a subcircuit instance is its multiplicity (HSPICE/Spectre semantics): it multiplies the
multiplier of every device inside (and is not a parameter of the body); ``m``, ``mult`` or
``multi`` on a device is that device's own multiplier.

Each subcircuit's connectivity is flattened once (numpy index arrays, remapped per instance) and
each distinct binding of its parameters is evaluated once, so a hierarchy with a million
flattened devices costs a few array operations per instance, not Python work per device.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graphcl.circuits.deck import Card, Deck, Location, ParamDef, Subcircuit
from graphcl.circuits.devices import DEVICE_TYPES
from graphcl.circuits.expressions import CONSTANTS, Expression, ExpressionError
from graphcl.circuits.linker import Fail
from graphcl.errors import NetlistError
from graphcl.typing import FloatArray, IntArray

#: Nets that are global (shared by every level of the hierarchy) whatever the files say.
GLOBAL_GROUND_NAMES = frozenset({"0", "gnd", "gnd!"})
_MULTIPLIERS = ("m", "mult", "multi")
_VALUE_PARAMS = {
    "resistor": ("r", "resistance"),
    "capacitor": ("c", "capacitance"),
    "inductor": ("l", "inductance"),
}
_VALUE_TYPES = {DEVICE_TYPES.index(t): names for t, names in _VALUE_PARAMS.items()}

Value = float | str
#: A device's evaluated parameters and its main value (ohms, farads, henries, volts/amps, gain).
ParamSet = tuple[dict[str, Value], float | None]


class UndefinedParameterError(Exception):
    """A parameter name that no scope defines."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Scope:
    """Parameter values visible at one level: evaluated overrides, lazily evaluated definitions,
    then the parent scope (globals), then :data:`~graphcl.circuits.expressions.CONSTANTS`.

    Args:
        definitions: name -> definition evaluated on first use (in this scope).
        parent: the enclosing scope, or None for the global scope.
        values: already evaluated values (instance overrides); an exception stands for a value
            that could not be evaluated and is raised when it is used.
    """

    __slots__ = ("_busy", "definitions", "parent", "values")

    def __init__(
        self,
        definitions: dict[str, ParamDef],
        parent: Scope | None,
        values: dict[str, float | NetlistError] | None = None,
    ) -> None:
        self.definitions = definitions
        self.parent = parent
        self.values: dict[str, float | NetlistError] = dict(values) if values else {}
        self._busy: set[str] = set()

    def get(self, name: str) -> float:
        """The value of ``name``.

        Raises:
            UndefinedParameterError: no scope defines it.
            NetlistError: its definition cannot be evaluated (at the definition's statement).
        """
        value = self.values.get(name)
        if value is not None:
            if isinstance(value, float):
                return value
            raise value
        definition = self.definitions.get(name)
        if definition is not None:
            result: float | NetlistError
            if name in self._busy:
                raise definition.location.error(f"parameter {name!r} depends on itself")
            self._busy.add(name)
            try:
                result = definition.expression.evaluate(self.get)
            except UndefinedParameterError as exc:
                result = definition.location.error(f"undefined parameter {exc.name!r}")
            except ExpressionError as exc:
                result = definition.location.error(f"{name}=: {exc}")
            except NetlistError as exc:
                result = exc
            finally:
                self._busy.discard(name)
            self.values[name] = result
            if isinstance(result, float):
                return result
            raise result
        if self.parent is not None:
            return self.parent.get(name)
        constant = CONSTANTS.get(name)
        if constant is not None:
            return constant
        raise UndefinedParameterError(name)


@dataclass
class _Structure:
    """A subcircuit's flattened connectivity (parameter independent)."""

    n_ports: int
    net_names: list[str]  # internal nets, local index n_ports + i
    dev_names: list[str]
    dev_card: IntArray  # card table row of each device
    pin_net: IntArray  # local net: 0..n_ports-1 ports, then internals; -1-g: global net g


@dataclass
class _Values:
    """A subcircuit's evaluated device parameters for one binding."""

    params: IntArray  # param-set id per device
    mult: FloatArray  # effective multiplier per device


@dataclass
class FlatDesign:
    """The flattened design as arrays (see :class:`~graphcl.circuits.netlist.Netlist`)."""

    device_names: list[str]
    device_card: IntArray
    device_params: IntArray
    device_multiplier: FloatArray
    pin_ptr: IntArray
    pin_device: IntArray
    pin_net: IntArray
    pin_card_slot: IntArray
    net_names: list[str]
    net_is_port: np.ndarray
    net_is_global: np.ndarray
    cards: list[Card]
    param_sets: list[ParamSet]
    inferred: dict[str, str] = field(default_factory=dict)
    blackboxes: list[str] = field(default_factory=list)


class Flattener:
    """Flattens the design of a linked deck.

    Args:
        deck: a linked deck.
        fail: called with each error (raises in strict mode).
        note: records a warning that is never an error.
    """

    def __init__(self, deck: Deck, fail: Fail, note: Fail) -> None:
        self.deck = deck
        self.fail = fail
        self.note = note
        self.global_scope = Scope(deck.params, None)
        self.global_nets = set(deck.global_nets) | GLOBAL_GROUND_NAMES
        self.global_ids: dict[str, int] = {}
        self.global_names: list[str] = []
        self.cards: list[Card] = []
        self.param_sets: list[ParamSet] = []
        self._param_ids: dict[tuple[object, ...], int] = {}
        self._constant_cards: dict[int, tuple[int, float]] = {}
        self._structures: dict[str, _Structure] = {}
        self._values: dict[tuple[object, ...], _Values] = {}
        self._active: set[str] = set()
        self.inferred: dict[str, str] = {}
        self.blackboxes: dict[str, None] = {}

    # -- connectivity ---------------------------------------------------------------------------

    def _global(self, name: str) -> int:
        index = self.global_ids.get(name)
        if index is None:
            index = self.global_ids[name] = len(self.global_names)
            self.global_names.append(name)
        return -1 - index

    def _is_global(self, name: str) -> bool:
        return name in self.global_nets or name.endswith("!")

    def _card(self, card: Card) -> int:
        if card.index < 0:
            card.index = len(self.cards)
            self.cards.append(card)
            if card.inferred:
                self.inferred[card.master] = DEVICE_TYPES[card.type]
            elif card.master in self.deck.subcircuits:
                self.blackboxes[card.master] = None
        return card.index

    def structure(self, sub: Subcircuit) -> _Structure:
        """The flattened connectivity of ``sub`` (memoised)."""
        cached = self._structures.get(sub.name)
        if cached is not None:
            return cached
        if sub.name in self._active:  # the linker reports cycles; this is a safety net
            raise (sub.location or Location(self.deck.path, 0, "")).error(
                f"recursive subcircuit instantiation of {sub.name!r}"
            )
        self._active.add(sub.name)
        ports: dict[str, int] = {}
        for index, port in enumerate(sub.ports):
            ports.setdefault(port, index)
        n_ports = len(sub.ports)
        local: dict[str, int] = {}
        net_names: list[str] = []
        global_nets = self.global_nets

        def net(name: str) -> int:
            index = ports.get(name)
            if index is not None:
                return index
            index = local.get(name)
            if index is not None:
                return index
            if name in global_nets or name.endswith("!"):
                index = self._global(name)
            else:
                index = n_ports + len(net_names)
                net_names.append(name)
            local[name] = index
            return index

        dev_names: list[str] = []
        card_pieces: list[IntArray] = []
        pin_pieces: list[IntArray] = []
        own_cards: list[int] = []
        own_pins: list[int] = []
        seen: set[str] = set()

        def flush() -> None:
            if own_cards:
                card_pieces.append(np.asarray(own_cards, dtype=np.int64))
                pin_pieces.append(np.asarray(own_pins, dtype=np.int64))
                own_cards.clear()
                own_pins.clear()

        for card in sub.cards:
            if card.skip:
                continue
            if card.name in seen:
                self.note(card.location.error(f"duplicate instance name {card.name!r}"))
            seen.add(card.name)
            if card.kind == "device":
                own_cards.append(self._card(card))
                dev_names.append(card.name)
                own_pins.extend([net(node) for node in card.nodes])
            elif card.kind == "instance" and card.subcircuit is not None:
                child = self.structure(card.subcircuit)
                flush()
                mapping = np.empty(child.n_ports + len(child.net_names), dtype=np.int64)
                mapping[: child.n_ports] = [net(node) for node in card.nodes]
                offset = n_ports + len(net_names)
                mapping[child.n_ports :] = np.arange(offset, offset + len(child.net_names))
                prefix = card.name + "."
                net_names.extend([prefix + name for name in child.net_names])
                dev_names.extend([prefix + name for name in child.dev_names])
                card_pieces.append(child.dev_card)
                child_pins = child.pin_net
                pin_pieces.append(
                    np.where(child_pins >= 0, mapping[np.maximum(child_pins, 0)], child_pins)
                )
        flush()
        self._active.discard(sub.name)
        result = _Structure(
            n_ports,
            net_names,
            dev_names,
            np.concatenate(card_pieces) if card_pieces else np.zeros(0, dtype=np.int64),
            np.concatenate(pin_pieces) if pin_pieces else np.zeros(0, dtype=np.int64),
        )
        self._structures[sub.name] = result
        return result

    # -- parameters -----------------------------------------------------------------------------

    def _evaluate(self, expression: Expression, scope: Scope, card: Card, what: str) -> float:
        """``expression`` in ``scope``; errors name the card's statement (or the definition)."""
        if expression.constant is not None:
            return expression.constant
        try:
            return expression.evaluate(scope.get)
        except UndefinedParameterError as exc:
            raise card.location.error(f"undefined parameter {exc.name!r} in {what}") from None
        except ExpressionError as exc:
            raise card.location.error(f"{what}: {exc}") from None

    def _param_set(self, params: dict[str, Value], value: float | None) -> int:
        key = (tuple(sorted(params.items())), value)
        index = self._param_ids.get(key)
        if index is None:
            index = self._param_ids[key] = len(self.param_sets)
            self.param_sets.append((params, value))
        return index

    def _device_values(self, card: Card, scope: Scope) -> tuple[int, float]:
        constant = self._constant_cards.get(card.index)
        if constant is not None:
            return constant
        params: dict[str, Value] = {}
        is_constant = True
        for name, expression in card.params.items():
            if isinstance(expression, str):
                params[name] = expression
                continue
            if expression.constant is None:
                is_constant = False
            try:
                params[name] = self._evaluate(expression, scope, card, f"{name}=")
            except NetlistError as exc:
                self.fail(exc)  # permissive: the device keeps its other parameters
        value: float | None = None
        if card.value is not None:
            is_constant = is_constant and card.value.constant is not None
            try:
                value = self._evaluate(card.value, scope, card, "value")
            except NetlistError as exc:
                self.fail(exc)
        elif card.type in _VALUE_TYPES:
            for name in _VALUE_TYPES[card.type]:
                found = params.get(name)
                if isinstance(found, float):
                    value = found
                    break
        multiplier = 1.0
        for name in _MULTIPLIERS:
            found = params.get(name)
            if isinstance(found, float):
                multiplier = found
                break
        result = (self._param_set(params, value), multiplier)
        if is_constant:
            self._constant_cards[card.index] = result
        return result

    def _overrides(self, card: Card, scope: Scope) -> tuple[dict[str, float | NetlistError], float]:
        overrides: dict[str, float | NetlistError] = {}
        multiplier = 1.0
        for name, expression in card.params.items():
            if isinstance(expression, str):
                continue
            if name == "m":
                try:
                    multiplier = self._evaluate(expression, scope, card, "m=")
                except NetlistError as exc:
                    self.fail(exc)
                continue
            try:
                overrides[name] = self._evaluate(expression, scope, card, f"{name}=")
            except NetlistError as exc:
                overrides[name] = exc  # raised only if the body uses it
        return overrides, multiplier

    def values(self, sub: Subcircuit, scope: Scope, key: tuple[object, ...]) -> _Values:
        """The evaluated device parameters of ``sub`` under one binding (memoised on ``key``)."""
        cached = self._values.get(key)
        if cached is not None:
            return cached
        param_pieces: list[IntArray] = []
        mult_pieces: list[FloatArray] = []
        own_params: list[int] = []
        own_mult: list[float] = []

        def flush() -> None:
            if own_params:
                param_pieces.append(np.asarray(own_params, dtype=np.int64))
                mult_pieces.append(np.asarray(own_mult, dtype=np.float64))
                own_params.clear()
                own_mult.clear()

        for card in sub.cards:
            if card.skip:
                continue
            if card.kind == "device":
                param_id, multiplier = self._device_values(card, scope)
                own_params.append(param_id)
                own_mult.append(multiplier)
            elif card.kind == "instance" and card.subcircuit is not None:
                child_sub = card.subcircuit
                overrides, multiplier = self._overrides(card, scope)
                child_key = (
                    child_sub.name,
                    tuple(
                        sorted(
                            (name, ("v", value) if isinstance(value, float) else ("!", str(value)))
                            for name, value in overrides.items()
                        )
                    ),
                )
                child = self._values.get(child_key)
                if child is None:
                    child_scope = Scope(child_sub.defaults, self.global_scope, overrides)
                    child = self.values(child_sub, child_scope, child_key)
                flush()
                param_pieces.append(child.params)
                mult_pieces.append(child.mult * multiplier if multiplier != 1.0 else child.mult)
        flush()
        result = _Values(
            np.concatenate(param_pieces) if param_pieces else np.zeros(0, dtype=np.int64),
            np.concatenate(mult_pieces) if mult_pieces else np.zeros(0, dtype=np.float64),
        )
        self._values[key] = result
        return result

    # -- the design -----------------------------------------------------------------------------

    def flatten(self, top: Subcircuit | None) -> FlatDesign:
        """Flatten ``top`` (a subcircuit whose ports become the design's nets) or, when None,
        the top-level elements."""
        if top is None:
            root = Subcircuit("", (), {}, self.deck.cards)
            scope = self.global_scope
        else:
            root = top
            scope = Scope(top.defaults, self.global_scope)
        structure = self.structure(root)
        values = self.values(root, scope, ("<top>", root.name))
        cards = self.cards
        pin_counts = np.asarray([len(card.nodes) for card in cards], dtype=np.int64)
        card_slot_start = np.concatenate([[0], np.cumsum(pin_counts)[:-1]]).astype(np.int64)
        counts = pin_counts[structure.dev_card] if cards else np.zeros(0, dtype=np.int64)
        n_devices = len(structure.dev_names)
        pin_ptr = np.zeros(n_devices + 1, dtype=np.int64)
        np.cumsum(counts, out=pin_ptr[1:])
        pin_device = np.repeat(np.arange(n_devices, dtype=np.int64), counts)
        within = np.arange(int(pin_ptr[-1]), dtype=np.int64) - pin_ptr[:-1][pin_device]
        slot = (card_slot_start[structure.dev_card][pin_device] + within) if cards else within

        # final nets: ports of the top cell, internal nets, then the global nets in use
        names: list[str] = []
        port_map = np.empty(structure.n_ports, dtype=np.int64)
        for index, port in enumerate(root.ports):
            if self._is_global(port):
                port_map[index] = self._global(port)
            elif port in names[: index + 1]:
                port_map[index] = names.index(port)
            else:
                port_map[index] = len(names)
                names.append(port)
        n_plain_ports = len(names)
        offset = len(names)
        names.extend(structure.net_names)
        local_map = np.concatenate(
            [port_map, np.arange(offset, offset + len(structure.net_names), dtype=np.int64)]
        )
        pin_net = structure.pin_net
        pin_net = np.where(pin_net >= 0, local_map[np.maximum(pin_net, 0)], pin_net)
        global_pins = pin_net < 0
        global_ids = -1 - pin_net[global_pins]
        global_ports = -1 - port_map[port_map < 0]
        used = np.unique(np.concatenate([global_ids, global_ports]))
        final_global = np.full(len(self.global_names), -1, dtype=np.int64)
        final_global[used] = np.arange(len(names), len(names) + len(used))
        names.extend(self.global_names[int(g)] for g in used)
        pin_net[global_pins] = final_global[global_ids]
        is_port = np.zeros(len(names), dtype=bool)
        is_port[:n_plain_ports] = True
        is_port[final_global[global_ports]] = True
        is_global = np.zeros(len(names), dtype=bool)
        is_global[final_global[used]] = True
        return FlatDesign(
            device_names=structure.dev_names,
            device_card=structure.dev_card,
            device_params=values.params,
            device_multiplier=values.mult,
            pin_ptr=pin_ptr,
            pin_device=pin_device,
            pin_net=pin_net,
            pin_card_slot=slot,
            net_names=names,
            net_is_port=is_port,
            net_is_global=is_global,
            cards=cards,
            param_sets=self.param_sets,
            inferred=dict(sorted(self.inferred.items())),
            blackboxes=sorted(self.blackboxes),
        )
