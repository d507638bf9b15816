"""What the reader collects from the files before flattening: cards, subcircuits, parameters.

Names (instances, nets, models, subcircuits, parameters) are lower case; every item keeps the
:class:`Location` of its statement (file, first line, original text) for messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphcl.circuits.expressions import Expression
from graphcl.circuits.units import Dialect
from graphcl.errors import NetlistError


@dataclass(frozen=True)
class Location:
    """Where a statement was written.

    Attributes:
        path: the file, as given to the reader (included files: the path as resolved).
        line: 1-based number of the statement's first physical line.
        text: the statement text, verbatim (comments removed, continuations joined).
    """

    path: str
    line: int
    text: str

    def error(self, reason: str) -> NetlistError:
        """A :class:`~graphcl.errors.NetlistError` naming this file, line and text."""
        return NetlistError(self.path, self.line, self.text, reason)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ParamDef:
    """A parameter definition (``.param``, ``parameters``, a subcircuit default).

    Attributes:
        name: lower case.
        expression: its value, evaluated when first needed.
        location: the statement that defines it.
    """

    name: str
    expression: Expression
    location: Location


@dataclass(eq=False)
class Card:
    """An element or instance statement, as written (resolved later by the linker).

    Attributes:
        name: instance name, lower case (``m1``, ``xota``).
        letter: the SPICE element letter (``m``, ``r``, ``x`` ...), or ``""`` for a Spectre
            instance (whose master decides what it is).
        nodes: the nets of its terminals, lower case, in order.
        master: model, subcircuit or Spectre primitive name, lower case (``""`` when none).
        value: the main value (R/C/L value, source DC value, controlled-source gain) or None.
        params: ``name=value`` instance parameters (lower-case names); strings stay strings.
        location: the statement.
        dialect: the syntax it was written in.
        value_words: bare words after the nodes of an R/C/L, each a model name or a parameter;
            the linker decides.
        maybe_title: the statement is line 1 of a SPICE deck and could be its title.
        kind, type, roles, labels, subcircuit, inferred, skip: filled in by the linker;
            index: its row in the flattener's card table.
    """

    name: str
    letter: str
    nodes: tuple[str, ...]
    master: str
    value: Expression | None
    params: dict[str, Expression | str]
    location: Location
    dialect: Dialect = "spice"
    value_words: tuple[str, ...] = ()
    maybe_title: bool = False
    # resolved by the linker
    kind: str = ""  # "device" | "instance"
    type: int = -1
    roles: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    subcircuit: Subcircuit | None = None
    inferred: bool = False
    skip: bool = False
    index: int = -1


@dataclass(eq=False)
class Subcircuit:
    """A subcircuit definition (``.subckt`` ... ``.ends`` or Spectre ``subckt`` ... ``ends``).

    Attributes:
        name: lower case.
        ports: its port nets, lower case, in order.
        defaults: parameter defaults (``.subckt`` line, ``params:``, ``.param`` inside the body).
        cards: its elements and instances in file order.
        location: the ``.subckt`` statement.
    """

    name: str
    ports: tuple[str, ...]
    defaults: dict[str, ParamDef] = field(default_factory=dict)
    cards: list[Card] = field(default_factory=list)
    location: Location | None = None

    def __repr__(self) -> str:
        return f"Subcircuit({self.name!r}, ports={list(self.ports)}, cards={len(self.cards)})"


@dataclass
class Deck:
    """Everything read from a netlist and its includes.

    Attributes:
        path: the main file.
        title: the title line of a SPICE deck, if it had one.
        cards: top-level elements and instances.
        subcircuits: definitions by name.
        params: global parameters (``.param`` outside subcircuits).
        models: model name -> device kind written in ``.model``/``model`` (``nmos``, ``npn``, ``d``,
            ``bsim4`` ...), with its ``type=`` parameter for Spectre models.
        global_nets: ``.global`` nets.
        files: every file read, in order.
        warnings: ``file:line: message`` strings (permissive-mode errors and notes).
    """

    path: str
    title: str | None = None
    cards: list[Card] = field(default_factory=list)
    subcircuits: dict[str, Subcircuit] = field(default_factory=dict)
    params: dict[str, ParamDef] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    global_nets: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
