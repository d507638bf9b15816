"""DSPF (Detailed Standard Parasitic Format), as Calibre xRC/xACT, StarRC and Quantus write it.

A DSPF file is a SPICE subcircuit with the parasitic network of every net and ``*|`` records
that name its nodes::

    *|DSPF 1.3
    *|DESIGN "buf"
    *|DIVIDER /
    *|DELIMITER :
    *|BUSBIT []
    .SUBCKT buf in out vdd vss
    *|NET mid 0.245FF
    *|I (XI0/MN:D XI0/MN D B 0 1.5 2.0)      instance pin: node, instance, pin, dir, cap, x, y
    *|I (XI1/MN:G XI1/MN G I 0 3.5 2.0)
    *|S (mid:1 2.5 2.0)                      sub-node: node, x, y
    R1 XI0/MN:D mid:1 8.2
    R2 mid:1 XI1/MN:G 7.9
    C1 mid:1 0 0.12f                         ground capacitance (node 0)
    C2 XI1/MN:G out:2 0.03f                  coupling to a node of net out
    .ENDS

Statements follow SPICE: ``\\n``, ``\\r\\n`` or ``\\r`` line ends; a line starting with ``+``
continues the previous statement (comment and blank lines between them are skipped); a line
starting with ``*`` but not ``*|`` is a comment; tokens from the first one starting with ``$``
are an inline comment (tool annotations such as ``$X=1.2 $Y=3.4`` go with them). Values take
SPICE suffixes (``0.12f``, ``1.2e-16``, ``0.0123PF``; see :mod:`graphcl.circuits.units`).

Records: ``*|DSPF``, ``*|DESIGN``, ``*|DIVIDER``, ``*|DELIMITER``, ``*|BUSBIT``,
``*|GROUND_NET name`` (an extra ground node besides ``0``) in the header; ``*|NET name total``
opens the section of a net, ``*|P (port dir cap [x y])``, ``*|I (node instance pin dir cap [x
y])`` and ``*|S (node [x y])`` declare its nodes (parentheses optional); other ``*|`` records are
ignored. Element lines: ``Cname node1 node2 value`` (``value`` may be written ``c=value``; a node
``0`` or a ground net is ground) and ``Rname node1 node2 value``; other elements (the instance
section: ``X``/``M`` lines, sources) and dot cards other than ``.SUBCKT``/``.ENDS``/``.END`` are
skipped. Elements may appear anywhere: nodes are resolved after the whole file is read.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

from graphcl.circuits.lexer import decode
from graphcl.circuits.parasitics.model import (
    Parasitics,
    ParasiticsBuilder,
    ParasiticsWarning,
    split_node,
)
from graphcl.circuits.units import BadNumberError, parse_number
from graphcl.errors import NetlistError
from graphcl.typing import PathType


def _statements(text: str) -> Iterator[tuple[int, str]]:
    """Logical lines ``(first line number, text)``: continuations joined, comments dropped."""
    current: str | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line[0] == "+":
            if current is not None:
                current = f"{current} {line[1:].strip()}"
                continue
            yield number, line
            continue
        if line[0] == "*" and not line.startswith("*|"):
            continue
        if line[0] == "$" or line.startswith("//"):
            continue
        if current is not None:
            yield start, current
        current, start = line, number
    if current is not None:
        yield start, current


def _record_fields(rest: str) -> list[str]:
    """The fields of ``*|I (a b c)``-style records, with or without the parentheses."""
    body = rest.strip()
    if body.startswith("("):
        body = body[1:]
        if body.endswith(")"):
            body = body[:-1]
    return body.split()


def _strip_comment(tokens: list[str]) -> list[str]:
    for index, token in enumerate(tokens):
        if token.startswith("$") or token.startswith(";"):
            return tokens[:index]
    return tokens


class _DspfReader:
    def __init__(self, builder: ParasiticsBuilder) -> None:
        self.b = builder
        self.net: str | None = None
        self.subckt: tuple[int, str] | None = None
        self.saw_header = False
        self.saw_net = False

    def number(self, token: str, line: int, text: str, what: str) -> float | None:
        try:
            return parse_number(token)
        except (BadNumberError, ValueError):
            self.b.fail(line, text, f"bad {what} {token!r}")
            return None

    def read(self, text: str) -> None:
        for line, statement in _statements(text):
            self.statement(line, statement)
        if self.subckt is not None:
            self.b.fail(self.subckt[0], self.subckt[1], ".SUBCKT without .ENDS")
        if not (self.saw_header or self.saw_net):
            self.b.fail(None, "", "not a DSPF file: no *|DSPF header and no *|NET section")

    def statement(self, line: int, text: str) -> None:
        if text.startswith("*|"):
            self.record(line, text)
            return
        first = text[0].lower()
        if first == "+":
            self.b.fail(line, text, "continuation line with no statement before it")
        elif first == ".":
            self.dot(line, text)
        elif first == "c":
            self.capacitor(line, text)
        elif first == "r":
            self.resistor(line, text)
        # other elements (the instance section, sources) carry no parasitics

    def dot(self, line: int, text: str) -> None:
        word = text.split(None, 1)[0].lower()
        if word == ".subckt":
            if self.subckt is not None:
                self.b.fail(line, text, f".SUBCKT inside the .SUBCKT of line {self.subckt[0]}")
                return
            self.subckt = (line, text)
            fields = text.split()
            if len(fields) > 1 and not self.b.design:
                self.b.design = fields[1]
        elif word == ".ends":
            if self.subckt is None:
                self.b.fail(line, text, ".ENDS without .SUBCKT")
            self.subckt = None
            self.net = None
        elif word == ".end":
            self.net = None

    def record(self, line: int, text: str) -> None:
        keyword, _, rest = text[2:].partition(" ")
        keyword = keyword.upper()
        value = rest.strip()
        b = self.b
        if keyword == "DSPF":
            self.saw_header = True
        elif keyword == "DESIGN":
            b.design = value.strip('"')
        elif keyword == "DIVIDER" and value:
            b.divider = value[0]
        elif keyword == "DELIMITER" and value:
            b.delimiter = value[0]
        elif keyword == "BUSBIT":
            b.bus_delimiter = value.replace(" ", "")
        elif keyword == "GROUND_NET" and value:
            b.ground_nodes.add(value.split()[0])
            b.supply_nets.append(value.split()[0])
        elif keyword == "NET":
            self.net_record(line, text, value)
        elif keyword in ("P", "I", "S"):
            self.node_record(line, text, keyword, _record_fields(value))

    def net_record(self, line: int, text: str, value: str) -> None:
        fields = value.split()
        self.saw_net = True
        self.net = None
        if not fields:
            self.b.fail(line, text, "*|NET without a net name")
            return
        total = None
        if len(fields) > 1:
            total = self.number(fields[1], line, text, "total capacitance")
            if total is None:
                return
        if self.b.add_net(fields[0], total, line, text):
            self.net = fields[0]

    def node_record(self, line: int, text: str, keyword: str, fields: list[str]) -> None:
        if self.net is None:
            self.b.fail(line, text, f"*|{keyword} outside a *|NET section")
            return
        if not fields:
            self.b.fail(line, text, f"*|{keyword} without a node name")
            return
        node = fields[0]
        if keyword == "S":
            self.b.add_node(node, self.net, line, text)
        elif keyword == "P":
            self.b.add_node(node, self.net, line, text, port=True)
        else:
            if len(fields) >= 3:
                instance, pin = fields[1], fields[2]
            else:
                instance, pin = split_node(node, self.b.delimiter)
            load = None
            if len(fields) >= 5:
                load = self.number(fields[4], line, text, "pin capacitance")
                if load is None:
                    return
            self.b.add_pin(node, instance, pin, self.net, line, text, load)

    def _element(self, line: int, text: str, what: str) -> tuple[str, str, str, float] | None:
        tokens = _strip_comment(text.split())
        if len(tokens) < 4:
            self.b.fail(line, text, f"a {what} needs a name, two nodes and a value")
            return None
        token = tokens[3]
        if "=" in token:
            token = token.split("=", 1)[1]
        value = self.number(token, line, text, f"{what} value")
        if value is None:
            return None
        return tokens[0], tokens[1], tokens[2], value

    def capacitor(self, line: int, text: str) -> None:
        element = self._element(line, text, "capacitance")
        if element is not None:
            name, node1, node2, farads = element
            self.b.add_capacitor(name, node1, node2, farads, line, text, self.net)

    def resistor(self, line: int, text: str) -> None:
        element = self._element(line, text, "resistance")
        if element is not None:
            name, node1, node2, ohms = element
            self.b.add_resistor(name, node1, node2, ohms, line, text)


def parse_dspf(
    text: str, path: str = "<string>", *, strict: bool = True, keep_resistors: bool = False
) -> Parasitics:
    """Read DSPF text (``path`` names it in messages); arguments as :func:`read_dspf`."""
    builder = ParasiticsBuilder(path, "dspf", strict=strict, keep_resistors=keep_resistors)
    builder.units = {"capacitance": 1.0, "resistance": 1.0}
    _DspfReader(builder).read(text)
    parasitics = builder.build()
    if not strict and builder.skipped:
        warnings.warn(
            f"{path}: {builder.skipped} problem(s) skipped; see Parasitics.warnings",
            ParasiticsWarning,
            stacklevel=3,
        )
    return parasitics


def read_dspf(path: PathType, *, strict: bool = True, keep_resistors: bool = False) -> Parasitics:
    """Read a DSPF file: per-net ground and total capacitance, couplings, instance pins.

    See the module docstring for the syntax read, and :mod:`graphcl.circuits.parasitics.model`
    for how nodes and capacitors become ground and coupling capacitances (farads).

    Args:
        path: the ``.dspf`` (or ``.spf``, ``.pex``) file.
        strict: raise the first problem; with False, record each in ``Parasitics.warnings`` (as
            ``file:line: reason: 'text'``), skip the statement and emit one
            :class:`~graphcl.circuits.parasitics.ParasiticsWarning`.
        keep_resistors: keep every resistor in ``Parasitics.resistors`` (they are always counted
            per net).

    Returns:
        The :class:`~graphcl.circuits.parasitics.Parasitics` of the file.

    Raises:
        NetlistError: naming the file, line and text: a bad number, a capacitor or resistor
            with too few fields, a node that no net declares, ``*|P``/``*|I``/``*|S`` outside a
            ``*|NET`` section, a net declared twice, a node or pin on two nets, unbalanced
            ``.SUBCKT``/``.ENDS``, a stray ``+`` line; or a file with neither ``*|DSPF`` nor
            ``*|NET``. Also when the file cannot be read.

    Example:
        >>> parasitics = read_dspf("buf.dspf")                       # doctest: +SKIP
        >>> parasitics.nets["mid"].ground, parasitics.net_couplings() # doctest: +SKIP
        (1.2e-16, {('mid', 'out'): 3e-17})
    """
    shown = os.fspath(path)
    try:
        with open(shown, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise NetlistError(shown, None, "", f"cannot read the file ({exc.strerror})") from None
    return parse_dspf(decode(data), shown, strict=strict, keep_resistors=keep_resistors)
