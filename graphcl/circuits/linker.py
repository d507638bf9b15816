"""Resolving cards once every file is read: what each element is, its pins, and the top cell.

* ``X`` instances (and ``M``/``Q``/``D``/``R``/``C``/``L`` elements and Spectre instances whose
  master is a defined subcircuit) become subcircuit instances; their node count must equal the
  subcircuit's port count. A subcircuit defined with no element (a black box, as ALIGN writes for
  generated cells) is kept as one opaque device per instance, typed by
  :class:`~graphcl.circuits.devices.DevicePatterns` when its name says what it is.
* An instance of an undefined master is a PDK primitive typed from its name and terminal count
  (``inferred``), else an opaque ``subckt`` device.
* ``M`` elements are ``nmos``/``pmos`` from their ``.model`` type, else from the model name
  (patterns, then its first letter), else ``mos``; ``Q`` elements ``npn``/``pnp``/``bjt`` alike.
* A bare word after the nodes of an R/C/L is a model when ``.model`` defines it, a value when it
  is a parameter in scope (global or a default of the enclosing subcircuit), else a model.
* Recursive subcircuit instantiation is an error at the instance that closes the cycle.

The design is the top-level elements, or, when there are none, the one subcircuit that no other
subcircuit instantiates; several such candidates are an error unless ``top=`` names one.
"""

from __future__ import annotations

from collections.abc import Callable

from graphcl.circuits.deck import Card, Deck, Subcircuit
from graphcl.circuits.devices import (
    DEVICE_TYPES,
    TYPE_INDEX,
    DevicePatterns,
    model_device_type,
    roles_for,
)
from graphcl.circuits.expressions import CONSTANTS, Expression
from graphcl.errors import NetlistError

_SPECTRE_PRIMITIVES: dict[str, tuple[str, int]] = {
    "resistor": ("resistor", 2),
    "capacitor": ("capacitor", 2),
    "inductor": ("inductor", 2),
    "vsource": ("vsource", 2),
    "isource": ("isource", 2),
    "port": ("vsource", 2),
    "diode": ("diode", 2),
    "vcvs": ("vcvs", 4),
    "vccs": ("vccs", 4),
    "cccs": ("cccs", 2),
    "ccvs": ("ccvs", 2),
}
_SPICE_TYPES = {
    "r": "resistor",
    "c": "capacitor",
    "l": "inductor",
    "v": "vsource",
    "i": "isource",
    "e": "vcvs",
    "g": "vccs",
    "f": "cccs",
    "h": "ccvs",
    "d": "diode",
}
_TERMINALS = {"nmos": (3, 6), "pmos": (3, 6), "npn": (3, 4), "pnp": (3, 4), "diode": (2, 2)}

Fail = Callable[[NetlistError], None]


class Linker:
    """Resolves the cards of a deck in place.

    Args:
        deck: what the reader collected.
        patterns: the PDK primitive patterns.
        fail: called with each error (raises in strict mode; records it otherwise).
    """

    def __init__(self, deck: Deck, patterns: DevicePatterns, fail: Fail) -> None:
        self.deck = deck
        self.patterns = patterns
        self.fail = fail
        self.global_params = set(deck.params)

    def link(self) -> None:
        """Resolve every card of the deck, then check for recursive instantiation."""
        for sub in self.deck.subcircuits.values():
            names = self.global_params | set(sub.defaults)
            for card in sub.cards:
                self._resolve(card, names)
        for card in self.deck.cards:
            self._resolve(card, self.global_params)
        for card in self.deck.cards:
            if card.maybe_title and card.skip:
                self.deck.title = card.location.text
        self.deck.cards = [c for c in self.deck.cards if not (c.maybe_title and c.skip)]
        self._check_recursion()

    def _resolve(self, card: Card, param_names: set[str]) -> None:
        try:
            self._resolve_card(card, param_names)
            if card.maybe_title and not self._plausible(card, param_names):
                raise card.location.error("title line")
        except NetlistError as exc:
            card.skip = True
            if not card.maybe_title:
                self.fail(exc)

    def _plausible(self, card: Card, param_names: set[str]) -> bool:
        """Whether a line-1 element reads as a circuit element rather than as a title."""
        type_name = DEVICE_TYPES[card.type] if card.kind == "device" else "instance"
        if card.kind == "instance":
            return True
        if card.inferred or type_name in ("mos", "bjt", "subckt"):
            return False
        if card.value is not None and not card.value.names <= param_names | CONSTANTS.keys():
            return False  # its value would be an undefined parameter
        if type_name in ("resistor", "capacitor", "inductor"):
            return (
                card.value is not None
                or card.master in self.deck.models
                or any(key in card.params for key in ("r", "c", "l", "resistance", "capacitance"))
            )
        if type_name in ("vsource", "isource"):
            return card.value is not None or "ac" in card.params or "waveform" in card.params
        if type_name == "diode":
            return card.master in self.deck.models or self.patterns.match(card.master) == "diode"
        return True

    def _device(self, card: Card, type_name: str, ports: tuple[str, ...] = ()) -> None:
        card.kind = "device"
        card.type = TYPE_INDEX[type_name]
        card.roles, card.labels = roles_for(type_name, len(card.nodes), ports)

    def _instance(self, card: Card, sub: Subcircuit) -> None:
        if not sub.cards:  # a black box: one opaque device per instance
            type_name = self.patterns.classify(sub.name, len(card.nodes)) or "subckt"
            if len(card.nodes) != len(sub.ports):
                raise card.location.error(
                    f"subcircuit {sub.name!r} has {len(sub.ports)} port(s) "
                    f"({' '.join(sub.ports)}), instance {card.name!r} connects "
                    f"{len(card.nodes)} node(s)"
                )
            card.master = sub.name
            self._device(card, type_name, sub.ports)
            return
        if len(card.nodes) != len(sub.ports):
            raise card.location.error(
                f"subcircuit {sub.name!r} has {len(sub.ports)} port(s) ({' '.join(sub.ports)}), "
                f"instance {card.name!r} connects {len(card.nodes)} node(s)"
            )
        card.kind = "instance"
        card.subcircuit = sub

    def _undefined(self, card: Card) -> None:
        if card.maybe_title:
            raise card.location.error("title line")
        type_name = self.patterns.classify(card.master, len(card.nodes)) or "subckt"
        card.inferred = True
        self._device(card, type_name)

    def _resolve_card(self, card: Card, param_names: set[str]) -> None:
        letter = card.letter
        sub = self.deck.subcircuits.get(card.master) if card.master else None
        if letter == "x":
            if sub is not None:
                self._instance(card, sub)
            else:
                self._undefined(card)
            return
        if letter in "mqdrcl" and letter and sub is not None:
            self._instance(card, sub)
            return
        if letter == "m":
            type_name = model_device_type(self.deck.models.get(card.master, ""))
            if type_name not in ("nmos", "pmos"):
                type_name = self.patterns.mos_polarity(card.master)
            self._device(card, type_name)
        elif letter == "q":
            type_name = model_device_type(self.deck.models.get(card.master, ""))
            if type_name not in ("npn", "pnp"):
                type_name = self.patterns.bjt_polarity(card.master)
            self._device(card, type_name)
        elif letter in ("r", "c", "l"):
            for word in card.value_words:
                if word in self.deck.models:
                    card.master = word
                elif word in param_names and card.value is None:
                    card.value = Expression(word)
                elif not card.master:
                    card.master = word
                elif card.value is None:
                    card.value = Expression(word)
            self._device(card, _SPICE_TYPES[letter])
        elif letter:
            self._device(card, _SPICE_TYPES[letter])
        else:
            self._resolve_spectre(card, sub)

    def _resolve_spectre(self, card: Card, sub: Subcircuit | None) -> None:
        if sub is not None:
            self._instance(card, sub)
            return
        primitive = _SPECTRE_PRIMITIVES.get(card.master)
        if primitive is not None:
            type_name, count = primitive
            if len(card.nodes) != count:
                raise card.location.error(
                    f"{card.master} {card.name!r} needs {count} terminals, got {len(card.nodes)}"
                )
            _spectre_values(card, type_name)
            self._device(card, type_name)
            return
        if card.master in self.deck.models:
            type_name = model_device_type(self.deck.models[card.master]) or "subckt"
            least, most = _TERMINALS.get(type_name, (2, 3))
            if type_name != "subckt" and not least <= len(card.nodes) <= most:
                raise card.location.error(
                    f"{type_name} {card.name!r} (model {card.master}) needs {least}-{most} "
                    f"terminals, got {len(card.nodes)}"
                )
            self._device(card, type_name)
            return
        self._undefined(card)

    def _check_recursion(self) -> None:
        state: dict[str, int] = {}  # 1 = on the path, 2 = done

        def visit(sub: Subcircuit, path: list[str]) -> None:
            state[sub.name] = 1
            for card in sub.cards:
                if card.kind != "instance" or card.skip or card.subcircuit is None:
                    continue
                child = card.subcircuit
                if state.get(child.name) == 1:
                    chain = " -> ".join([*path[path.index(child.name) :], child.name])
                    card.skip = True
                    self.fail(
                        card.location.error(
                            f"recursive subcircuit instantiation: {chain} (instance {card.name!r})"
                        )
                    )
                elif state.get(child.name) is None:
                    visit(child, [*path, child.name])
            state[sub.name] = 2

        for sub in self.deck.subcircuits.values():
            if sub.name not in state:
                visit(sub, [sub.name])


def _spectre_values(card: Card, type_name: str) -> None:
    """Spectre primitive parameters in the SPICE card layout (value, ``ac``, ``waveform``)."""
    params = card.params
    if type_name in ("vsource", "isource"):
        dc = params.pop("dc", None)
        if isinstance(dc, Expression):
            card.value = dc
        magnitude = params.pop("mag", None)
        if magnitude is not None:
            params["ac"] = magnitude
        wave = params.get("type")
        if isinstance(wave, str) and wave.lower() not in ("dc", ""):
            params["waveform"] = wave.lower()
    elif type_name in ("vcvs", "vccs", "cccs", "ccvs"):
        gain = params.pop("gain", None) or params.pop("gm", None) or params.pop("rm", None)
        if isinstance(gain, Expression):
            card.value = gain
        probe = params.pop("probe", None)
        if probe is not None:
            params["control"] = probe.text if isinstance(probe, Expression) else probe


def find_top(deck: Deck, top: str | None) -> Subcircuit | None:
    """The subcircuit to flatten as the design, or None for the top-level elements.

    Raises:
        NetlistError: ``top`` is not defined, or several subcircuits could be the top cell.
    """
    if top is not None:
        name = top.lower()
        if name not in deck.subcircuits:
            raise NetlistError(
                deck.path,
                None,
                top,
                "no subcircuit of that name; defined: "
                + (", ".join(sorted(deck.subcircuits)) or "none"),
            )
        return deck.subcircuits[name]
    if any(not card.skip for card in deck.cards) or not deck.subcircuits:
        return None
    used = {
        card.subcircuit.name
        for sub in deck.subcircuits.values()
        for card in sub.cards
        if card.subcircuit is not None and not card.skip
    } | {
        card.master
        for sub in deck.subcircuits.values()
        for card in sub.cards
        if card.kind == "device"
    }
    candidates = [sub for sub in deck.subcircuits.values() if sub.name not in used]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NetlistError(
            deck.path, None, "", "no top cell: every subcircuit is instantiated by another"
        )
    raise NetlistError(
        deck.path,
        None,
        "",
        "the file defines several top-level subcircuits (instantiated by no other): "
        + ", ".join(sorted(sub.name for sub in candidates))
        + "; choose one with top=NAME (--top NAME)",
    )
