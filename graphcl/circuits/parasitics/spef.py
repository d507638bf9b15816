"""SPEF (Standard Parasitic Exchange Format, IEEE 1481), the parasitics of place-and-route flows.

::

    *SPEF "IEEE 1481-1998"
    *DESIGN "buf"
    *DIVIDER /
    *DELIMITER :
    *BUS_DELIMITER [ ]
    *T_UNIT 1 NS
    *C_UNIT 1 FF
    *R_UNIT 1 OHM
    *L_UNIT 1 HENRY

    *NAME_MAP
    *1 mid
    *2 XI0/MN

    *PORTS
    in I

    *D_NET *1 0.245
    *CONN
    *I *2:D B *C 1.5 2.0
    *I XI1/MN:G I *C 3.5 2.0 *L 0.0
    *N *1:1 *C 2.5 2.0
    *CAP
    1 *1:1 0.12
    2 XI1/MN:G out:2 0.03
    *RES
    1 *2:D *1:1 8.2
    *END

**Header.** ``*DESIGN``, ``*DIVIDER``, ``*DELIMITER``, ``*BUS_DELIMITER`` and the units:
``*C_UNIT`` (``1 FF``, ``1 PF``, any number times F, MF, UF, NF, PF, FF or AF) scales every
capacitance to farads and is required before the first ``*D_NET``; ``*R_UNIT`` (OHM, KOHM,
MOHM), ``*T_UNIT`` and ``*L_UNIT`` are recorded in ``Parasitics.units``.

**Names.** ``*NAME_MAP`` entries ``*<id> name`` are substituted wherever a name is written as
``*<id>`` (alone, or before the pin delimiter: ``*2:D``); an unknown id is an error. Backslash
escapes are removed (``a\\[0\\]`` is ``a[0]``). ``*POWER_NETS`` / ``*GROUND_NETS`` names are
recorded as supply nets.

**Nets.** ``*D_NET net total`` ... ``*END``: ``*CONN`` declares ports (``*P name dir ...``),
instance pins (``*I inst:pin dir [*C x y] [*L load] [*D cell]``) and internal nodes (``*N
net:k``); ``*CAP`` lines are ``id node value`` (to ground) or ``id node1 node2 value``
(coupling); ``*RES`` lines ``id node1 node2 value``; ``*INDUC`` is skipped. Values may be
triplets ``best:typical:worst`` (the typical value is used). ``*R_NET`` / ``*D_PNET`` /
``*R_PNET`` blocks (reduced or physical nets) are skipped with a note. A coupling capacitor is
normally listed in the blocks of both its nets: each node pair's capacitance is taken once
(from the first block that lists it).

Comments run from ``//`` to the end of the line.
"""

from __future__ import annotations

import os
import re
import warnings

from graphcl.circuits.lexer import decode
from graphcl.circuits.parasitics.model import (
    Parasitics,
    ParasiticsBuilder,
    ParasiticsWarning,
    split_node,
)
from graphcl.circuits.parasitics.names import unescape
from graphcl.errors import NetlistError
from graphcl.typing import PathType

_C_UNITS = {"F": 1.0, "MF": 1e-3, "UF": 1e-6, "NF": 1e-9, "PF": 1e-12, "FF": 1e-15, "AF": 1e-18}
_R_UNITS = {"OHM": 1.0, "KOHM": 1e3, "MOHM": 1e6}
_T_UNITS = {"S": 1.0, "MS": 1e-3, "US": 1e-6, "NS": 1e-9, "PS": 1e-12, "FS": 1e-15}
_L_UNITS = {"HENRY": 1.0, "H": 1.0, "MH": 1e-3, "UH": 1e-6, "NH": 1e-9, "PH": 1e-12}
_UNITS = {
    "*C_UNIT": ("capacitance", _C_UNITS),
    "*R_UNIT": ("resistance", _R_UNITS),
    "*T_UNIT": ("time", _T_UNITS),
    "*L_UNIT": ("inductance", _L_UNITS),
}
_MAPPED = re.compile(r"^\*(\d+)(.*)$")
_KEYWORD = re.compile(r"^\*[A-Za-z_]+$")
_SKIPPED_BLOCKS = ("*R_NET", "*D_PNET", "*R_PNET")


class _SpefReader:
    def __init__(self, builder: ParasiticsBuilder) -> None:
        self.b = builder
        self.names: dict[str, str] = {}
        self.section = "header"
        self.sub = ""
        self.net: str | None = None
        self.block: tuple[int, str] | None = None
        self.skipping: tuple[int, str, str] | None = None

    # -- values and names -----------------------------------------------------------------------

    def value(self, token: str, line: int, text: str, what: str) -> float | None:
        parts = token.split(":")
        chosen = parts[1] if len(parts) == 3 else token
        try:
            return float(chosen)
        except ValueError:
            self.b.fail(line, text, f"bad {what} {token!r}")
            return None

    def name(self, token: str, line: int, text: str) -> str | None:
        """``token`` with a ``*<id>`` prefix resolved through the name map, unescaped."""
        match = _MAPPED.match(token)
        if match is not None:
            found = self.names.get(match.group(1))
            if found is None:
                self.b.fail(line, text, f"unknown *NAME_MAP id *{match.group(1)}")
                return None
            token = found + match.group(2)
        return unescape(token)

    def pin(self, token: str, line: int, text: str) -> tuple[str, str, str] | None:
        """``(node, instance, pin)`` of an instance-pin token (``*2:D``, ``XI1/MN:G``)."""
        instance, pin = split_node(token, self.b.delimiter)
        if not pin:
            self.b.fail(line, text, f"instance pin {token!r} has no {self.b.delimiter!r} pin")
            return None
        resolved = self.name(instance, line, text)
        if resolved is None:
            return None
        pin = unescape(pin)
        return f"{resolved}{self.b.delimiter}{pin}", resolved, pin

    # -- reading --------------------------------------------------------------------------------

    def read(self, text: str) -> None:
        saw_spef = False
        for number, raw in enumerate(text.splitlines(), start=1):
            cut = raw.find("//")
            line = (raw[:cut] if cut >= 0 else raw).strip()
            if not line:
                continue
            tokens = line.split()
            if tokens[0].upper() == "*SPEF":
                saw_spef = True
            self.line(number, line, tokens)
        if self.block is not None:
            self.b.fail(
                self.block[0], self.block[1], "*D_NET without *END (the file ends inside it)"
            )
        if self.skipping is not None:
            self.b.fail(
                self.skipping[0],
                self.skipping[1],
                f"{self.skipping[2]} without *END (the file ends inside it)",
            )
        if not saw_spef and not self.b.has_any_net():
            self.b.fail(None, "", "not a SPEF file: no *SPEF header and no *D_NET")

    def line(self, number: int, text: str, tokens: list[str]) -> None:
        head = tokens[0].upper()
        keyword = _KEYWORD.match(tokens[0]) is not None
        if self.skipping is not None:
            if head == "*END":
                self.skipping = None
            return
        if keyword and head in ("*D_NET", *_SKIPPED_BLOCKS):
            self.open_block(number, text, tokens, head)
        elif self.block is not None:
            self.in_block(number, text, tokens, head, keyword)
        elif keyword:
            self.top_keyword(number, text, tokens, head)
        else:
            self.top_data(number, text, tokens)

    def top_keyword(self, number: int, text: str, tokens: list[str], head: str) -> None:
        b = self.b
        values = [t.strip('"') for t in tokens[1:]]
        self.section = "header"
        if head in ("*NAME_MAP", "*PORTS", "*POWER_NETS", "*GROUND_NETS", "*PHYSICAL_PORTS"):
            self.section = head
            if head in ("*POWER_NETS", "*GROUND_NETS"):
                b.supply_nets.extend(unescape(v) for v in values)
        elif head in ("*DEFINE", "*PDEFINE", "*VARIATION_PARAMETERS"):
            self.section = "skip"
        elif head == "*DESIGN":
            b.design = " ".join(values)
        elif head == "*DIVIDER" and values:
            b.divider = values[0]
        elif head == "*DELIMITER" and values:
            b.delimiter = values[0]
        elif head == "*BUS_DELIMITER":
            b.bus_delimiter = "".join(values)
        elif head in _UNITS:
            self.unit(number, text, head, values)
        elif head == "*END":
            b.fail(number, text, "*END outside a *D_NET")

    def unit(self, number: int, text: str, head: str, values: list[str]) -> None:
        quantity, table = _UNITS[head]
        scale = table.get(values[1].upper()) if len(values) == 2 else None
        try:
            factor = float(values[0]) if values else None
        except ValueError:
            factor = None
        if scale is None or factor is None:
            raise NetlistError(
                self.b.path,
                number,
                text,
                f"{head} must be a number and one of {', '.join(table)}",
            )
        self.b.units[quantity] = factor * scale

    def top_data(self, number: int, text: str, tokens: list[str]) -> None:
        if self.section == "*NAME_MAP":
            match = _MAPPED.match(tokens[0])
            if match is None or match.group(2) or len(tokens) < 2:
                self.b.fail(number, text, "a *NAME_MAP entry is '*<id> name'")
                return
            self.names[match.group(1)] = tokens[1]
        elif self.section in ("*POWER_NETS", "*GROUND_NETS"):
            self.b.supply_nets.extend(unescape(t) for t in tokens)
        # ports are top-level nets of the same name; header continuations are ignored

    def open_block(self, number: int, text: str, tokens: list[str], head: str) -> None:
        if self.block is not None:
            self.b.fail(
                self.block[0],
                self.block[1],
                f"*D_NET without *END (line {number} starts another {head})",
            )
            self.block = None
            self.net = None
        if head != "*D_NET":
            self.b.note(number, f"{head} block skipped (only *D_NET is read)")
            self.skipping = (number, text, head)
            return
        self.block = (number, text)
        self.sub = ""
        if len(tokens) < 3:
            self.b.fail(number, text, "*D_NET needs a net name and a total capacitance")
            return
        if "capacitance" not in self.b.units:
            raise NetlistError(
                self.b.path, number, text, "no *C_UNIT before the first *D_NET: units unknown"
            )
        net = self.name(tokens[1], number, text)
        total = self.value(tokens[2], number, text, "total capacitance")
        if net is None or total is None:
            return
        if self.b.add_net(net, total * self.b.units["capacitance"], number, text):
            self.net = net

    def in_block(self, number: int, text: str, tokens: list[str], head: str, keyword: bool) -> None:
        if head == "*END":
            self.block = None
            self.net = None
            return
        if head in ("*CONN", "*CAP", "*RES", "*INDUC"):
            self.sub = head
            return
        if self.net is None:
            return  # the *D_NET line itself was bad: its block is skipped
        if self.sub == "*CONN":
            self.connection(number, text, tokens, head)
        elif self.sub == "*CAP":
            self.capacitor(number, text, tokens)
        elif self.sub == "*RES":
            self.resistor(number, text, tokens)
        elif self.sub == "*INDUC":
            return
        else:
            self.b.fail(number, text, "a *D_NET line before *CONN, *CAP or *RES")

    def connection(self, number: int, text: str, tokens: list[str], head: str) -> None:
        assert self.net is not None
        if len(tokens) < 2 or head not in ("*P", "*I", "*N"):
            self.b.fail(
                number, text, "a *CONN entry is '*P port dir', '*I inst:pin dir' or '*N node'"
            )
            return
        if head == "*I":
            found = self.pin(tokens[1], number, text)
            if found is None:
                return
            load = None
            if "*L" in tokens[2:]:
                at = tokens.index("*L", 2)
                if at + 1 < len(tokens):
                    load = self.value(tokens[at + 1], number, text, "pin load")
                    if load is None:
                        return
                    load *= self.b.units["capacitance"]
            node, instance, pin = found
            self.b.add_pin(node, instance, pin, self.net, number, text, load)
            return
        named = self.name(tokens[1], number, text)
        if named is not None:
            self.b.add_node(named, self.net, number, text, port=head == "*P")

    def capacitor(self, number: int, text: str, tokens: list[str]) -> None:
        if len(tokens) not in (3, 4):
            self.b.fail(number, text, "a *CAP line is 'id node value' or 'id node1 node2 value'")
            return
        nodes = [self.name(t, number, text) for t in tokens[1:-1]]
        value = self.value(tokens[-1], number, text, "capacitance")
        if value is None or any(n is None for n in nodes):
            return
        farads = value * self.b.units["capacitance"]
        node1 = nodes[0]
        assert node1 is not None
        node2 = nodes[1] if len(nodes) == 2 else None
        self.b.add_capacitor(tokens[0], node1, node2, farads, number, text, self.net)

    def resistor(self, number: int, text: str, tokens: list[str]) -> None:
        if len(tokens) != 4:
            self.b.fail(number, text, "a *RES line is 'id node1 node2 value'")
            return
        if "resistance" not in self.b.units:
            raise NetlistError(self.b.path, number, text, "no *R_UNIT before the first *RES")
        node1, node2 = (self.name(t, number, text) for t in tokens[1:3])
        value = self.value(tokens[3], number, text, "resistance")
        if node1 is None or node2 is None or value is None:
            return
        ohms = value * self.b.units["resistance"]
        self.b.add_resistor(tokens[0], node1, node2, ohms, number, text)


def parse_spef(
    text: str, path: str = "<string>", *, strict: bool = True, keep_resistors: bool = False
) -> Parasitics:
    """Read SPEF text (``path`` names it in messages); arguments as :func:`read_spef`."""
    builder = ParasiticsBuilder(
        path, "spef", strict=strict, dedupe_couplings=True, keep_resistors=keep_resistors
    )
    builder.ground_nodes = set()
    _SpefReader(builder).read(text)
    parasitics = builder.build()
    if not strict and builder.skipped:
        warnings.warn(
            f"{path}: {builder.skipped} problem(s) skipped; see Parasitics.warnings",
            ParasiticsWarning,
            stacklevel=3,
        )
    return parasitics


def read_spef(path: PathType, *, strict: bool = True, keep_resistors: bool = False) -> Parasitics:
    """Read a SPEF file: per-net ground and total capacitance, couplings, instance pins.

    See the module docstring for the syntax read, and :mod:`graphcl.circuits.parasitics.model`
    for how nodes and capacitors become ground and coupling capacitances (farads, through
    ``*C_UNIT``).

    Args:
        path: the ``.spef`` file.
        strict: raise the first problem; with False, record each in ``Parasitics.warnings``,
            skip the line (a ``*D_NET`` left open is closed) and emit one
            :class:`~graphcl.circuits.parasitics.ParasiticsWarning`. Missing or unknown units
            are always an error.
        keep_resistors: keep every resistor in ``Parasitics.resistors``.

    Returns:
        The :class:`~graphcl.circuits.parasitics.Parasitics` of the file.

    Raises:
        NetlistError: naming the file, line and text: a bad number (``*CAP``, ``*RES``,
            ``*D_NET`` total), a line with the wrong number of fields, an unknown ``*NAME_MAP``
            id, a ``*D_NET`` without ``*END``, a node that no net declares, a net declared
            twice, a bad or missing ``*C_UNIT``; or a file with neither ``*SPEF`` nor
            ``*D_NET``. Also when the file cannot be read.

    Example:
        >>> parasitics = read_spef("buf.spef")             # doctest: +SKIP
        >>> parasitics.units["capacitance"]                 # doctest: +SKIP
        1e-15
    """
    shown = os.fspath(path)
    try:
        with open(shown, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise NetlistError(shown, None, "", f"cannot read the file ({exc.strerror})") from None
    return parse_spef(decode(data), shown, strict=strict, keep_resistors=keep_resistors)
