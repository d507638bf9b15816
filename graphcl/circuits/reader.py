"""Reading netlist files: dialects, includes, library sections, the title line, subcircuit nesting.

**Dialect.** A ``.scs`` file is Spectre; ``.sp``, ``.spi``, ``.spice``, ``.cir``, ``.ckt``,
``.net``, ``.cdl``, ``.lib``, ``.inc``, ``.mod`` files are SPICE; any other file (files exported
from schematic tools often have no extension) is sniffed from its first statement: a Spectre
keyword (``subckt``, ``parameters``, ``include``, ``model``, ``global``, ``simulator
lang=spectre`` ...) or an instance with parenthesised nodes (``M1 (d g s b) nch``) makes it
Spectre, anything else SPICE. An included file without a telling extension starts in the dialect
of the statement that includes it. ``simulator lang=...`` switches the dialect from the next
statement on, in either dialect; the switch ends with the file.

**Title line.** SPICE decks traditionally start with a title. The rule used here, so that files
that start directly with ``.subckt`` or an element (ALIGN files) lose nothing: line 1 of the main
SPICE file is the title unless it is blank, a comment, a dot card, a ``simulator`` statement or an
element that parses; an ``X`` instance on line 1 whose master is not a subcircuit of the files is
also taken as the title, and so is a line-1 element that is not plausible as a circuit element:
an ``M``/``Q`` whose model says no polarity, an R/C/L without a value or known model, a V/I source
without a value (``Inverter test bench`` is a title, not a current source). ``title=True`` always
takes line 1 as the title, ``title=False`` never.

**Includes.** ``.include "file"``, ``.lib "file" section`` (only the statements between
``.lib section`` and ``.endl`` of that file) and Spectre ``include "file" [section=name]`` are
read relative to the directory of the file that includes them. An include that would read a file
(and section) already being read is a recursive include: the error names the chain. ``.lib``
sections met while reading a file normally are skipped (they are only read when called). ``.end``
stops reading the file it is in; ``.alter`` ends the deck.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from graphcl.circuits import spectre, spice
from graphcl.circuits.deck import Card, Deck, Location, ParamDef, Subcircuit
from graphcl.circuits.devices import DevicePatterns
from graphcl.circuits.flatten import Flattener
from graphcl.circuits.lexer import Statement, StatementReader, decode
from graphcl.circuits.linker import Linker, find_top
from graphcl.circuits.netlist import Netlist
from graphcl.circuits.units import Dialect
from graphcl.errors import NetlistError
from graphcl.typing import PathType


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPICE_EXTENSIONS = _words(
    ".sp .spi .spice .cir .ckt .net .cdl .lib .inc .mod .hsp .sub .subckt .pex .dspf .l"
)
_SPECTRE_WORDS = _words(
    "subckt inline parameters include ahdl_include global model library section ends"
)
_PAREN_INSTANCE = re.compile(r"^\S+\s*\([^)]*\)\s*\S")


def sniff_dialect(text: str, path: str) -> Dialect | None:
    """The dialect of a file from its extension or first statement (None when undecided)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".scs":
        return "spectre"
    if suffix in _SPICE_EXTENSIONS:
        return "spice"
    for count, raw in enumerate(text.splitlines()):
        if count > 500:
            break
        line = raw.strip()
        if not line or line[0] in "*$" or line.startswith("//"):
            continue
        lower = line.lower()
        if lower[0] in ".+":
            return "spice"
        word = lower.split(None, 1)[0]
        if word == "simulator":
            return "spectre" if "spectre" in lower else "spice"
        if word in _SPECTRE_WORDS or _PAREN_INSTANCE.match(line):
            return "spectre"
        return None
    return None


@dataclass
class _Frame:
    """Per-file reading state: the library section asked for and the one being read."""

    section: str | None
    in_section: str | None = None
    stopped: bool = False

    @property
    def active(self) -> bool:
        if self.section is None:
            return self.in_section is None
        return self.in_section == self.section


class DeckBuilder:
    """Collects a :class:`~graphcl.circuits.deck.Deck` from statements (used by the dialect
    parsers; call :meth:`read_file` or :meth:`read_text`).

    Args:
        path: the main file's name, as given.
        strict: raise the first error; otherwise record it in ``deck.warnings`` and skip the
            statement.
    """

    def __init__(self, path: str, strict: bool = True, title: bool | None = None) -> None:
        self.deck = Deck(path)
        self.strict = strict
        self.title = title
        self.open: list[Subcircuit] = []
        self._chain: list[tuple[str, str | None, str]] = []
        self._frames: list[_Frame] = []
        self._readers: list[StatementReader] = []
        self._deck_stopped = False
        self._skip_until: str | None = None
        self._braces = 0
        self.notes = 0

    # -- errors -------------------------------------------------------------------------------

    def fail(self, error: NetlistError) -> None:
        """Raise ``error`` (strict) or record it as a warning."""
        if self.strict:
            raise error
        self.deck.warnings.append(str(error))

    def note(self, location: Location, message: str) -> None:
        """Record a warning that is never an error."""
        self.notes += 1
        self.deck.warnings.append(f"{location}: {message}")

    # -- files --------------------------------------------------------------------------------

    def read_file(self, path: str) -> None:
        """Read the main netlist file.

        Raises:
            NetlistError: the file cannot be read (and, in strict mode, any error in it).
        """
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise NetlistError(
                path, None, "", f"cannot read netlist: {exc.strerror or exc}"
            ) from None
        self.read_text(decode(data), path, main=True)

    def read_text(
        self,
        text: str,
        path: str,
        section: str | None = None,
        dialect: Dialect | None = None,
        main: bool = False,
    ) -> None:
        """Read the statements of one file's text (the main file when ``main``)."""
        key = _key(path)
        self._chain.append((key, section, path))
        self.deck.files.append(path)
        if dialect is None:
            dialect = sniff_dialect(text, path) or "spice"
        reader = StatementReader(text, path, dialect)
        frame = _Frame(section)
        self._frames.append(frame)
        self._readers.append(reader)
        depth = len(self.open)
        first = True
        try:
            for statement in reader:
                if self._deck_stopped or frame.stopped:
                    break
                title_line = main and first and statement.line == 1 and statement.dialect == "spice"
                first = False
                try:
                    self._dispatch(statement, frame, title_line)
                except NetlistError as exc:
                    self.fail(exc)
            while len(self.open) > depth:
                sub = self.open.pop()
                where = sub.location or Location(path, 0, "")
                self.fail(where.error(f"subcircuit {sub.name!r} has no matching .ends"))
        finally:
            self._frames.pop()
            self._readers.pop()
            self._chain.pop()

    def include(self, name: str, section: str | None, location: Location) -> None:
        """Read ``name`` (relative to the including file), or only its library ``section``.

        Raises:
            NetlistError: a missing file or a recursive include (naming the chain).
        """
        base = Path(location.path).parent if not location.path.startswith("<") else Path.cwd()
        target = Path(os.path.expanduser(name))
        if not target.is_absolute():
            target = base / target
        shown = str(target)
        key = _key(shown)
        for index, (open_key, open_section, _) in enumerate(self._chain):
            if open_key == key and open_section == section:
                names = [p for _, _, p in self._chain[index:]] + [shown]
                raise location.error(f"recursive include: {' -> '.join(names)}")
        try:
            data = target.read_bytes()
        except OSError as exc:
            raise location.error(
                f"cannot read included file {name!r} (looked for {shown}: {exc.strerror or exc})"
            ) from None
        text = decode(data)
        dialect = sniff_dialect(text, shown) or self._readers[-1].dialect
        self.read_text(text, shown, section, dialect)

    # -- statements -----------------------------------------------------------------------------

    def _dispatch(self, statement: Statement, frame: _Frame, title_line: bool) -> None:
        text = statement.text
        head = text.split(None, 1)[0].lower()
        if self._skip_until is not None:
            if head == self._skip_until:
                self._skip_until = None
            return
        if self._braces > 0:
            self._braces += _brace_balance(text)
            return
        location = Location(statement.path, statement.line, text)
        if statement.dialect == "spice":
            if head == ".lib" and len(text.split()) == 2 and text.split()[1][0] not in "'\"":
                self.begin_section(text.split()[1].lower(), location)
                return
            if head == ".endl":
                self.end_section(location)
                return
        else:
            if head == "section":
                self.begin_section(
                    text.split()[1].lower() if len(text.split()) > 1 else "", location
                )
                return
            if head == "endsection":
                self.end_section(location)
                return
        if not frame.active:
            return
        if text[0] == "+":
            raise location.error("continuation line '+' without a statement before it")
        if title_line and self._title(statement, head):
            return
        if statement.dialect == "spice":
            spice.handle_statement(statement, self)
        else:
            spectre.handle_statement(statement, self)

    def _title(self, statement: Statement, head: str) -> bool:
        """Whether line 1 is the deck's title (then it is recorded and consumed)."""
        if self.title is False:
            return False
        text = statement.text
        if self.title is None and (head[0] == "." or head == "simulator"):
            return False
        if self.title is None:
            try:
                card = spice.parse_element(statement)
            except NetlistError:
                card = None
            if card is not None:  # (a K line parses to nothing: it is taken as the title)
                card.maybe_title = True  # the linker keeps it only if it is plausible
                self.add_card(card)
                return True
        self.deck.title = text
        return True

    def simulator(self, statement: Statement) -> None:
        """``simulator lang=spice|spectre``: switch the dialect of the following statements."""
        match = re.search(r"lang\s*=\s*(\w+)", statement.text, re.IGNORECASE)
        language = match.group(1).lower() if match else ""
        if language not in ("spice", "spectre"):
            location = Location(statement.path, statement.line, statement.text)
            raise location.error("simulator needs lang=spice or lang=spectre")
        self._readers[-1].dialect = "spice" if language == "spice" else "spectre"

    def begin_section(self, name: str, location: Location) -> None:
        """``.lib NAME`` / ``section NAME``: start of a library section."""
        frame = self._frames[-1]
        if frame.in_section is not None:
            raise location.error(
                f"library section {name!r} starts inside section {frame.in_section!r}"
            )
        frame.in_section = name

    def end_section(self, location: Location) -> None:
        """``.endl`` / ``endsection``."""
        frame = self._frames[-1]
        if frame.in_section is None:
            raise location.error("end of a library section that was not started")
        frame.in_section = None

    def skip_until(self, keyword: str) -> None:
        """Ignore statements up to and including the one starting with ``keyword``."""
        self._skip_until = keyword

    def skip_braces(self, text: str) -> None:
        """Ignore a ``{ ... }`` block that ``text`` opens."""
        self._braces = max(_brace_balance(text), 0)

    def stop(self, deck: bool = False) -> None:
        """``.end``: stop reading this file (``deck``: every file, as ``.alter``)."""
        if deck or len(self._frames) == 1:
            self._deck_stopped = True
        self._frames[-1].stopped = True

    # -- content --------------------------------------------------------------------------------

    def begin_subckt(self, sub: Subcircuit) -> None:
        """Open a subcircuit definition (definitions may nest; all names are global)."""
        if sub.name in self.deck.subcircuits:
            assert sub.location is not None
            previous = self.deck.subcircuits[sub.name].location
            self.note(sub.location, f"subcircuit {sub.name!r} redefined (first at {previous})")
        self.deck.subcircuits[sub.name] = sub
        self.open.append(sub)

    def end_subckt(self, name: str | None, location: Location) -> None:
        """Close the innermost open definition (a different name after ``.ends`` is noted)."""
        if not self.open:
            raise location.error("end of a subcircuit without a matching .subckt")
        sub = self.open.pop()
        if name is not None and name != sub.name:
            self.note(location, f"{location.text.split()[0]} {name} closes subcircuit {sub.name!r}")

    def add_card(self, card: Card) -> None:
        """Add an element to the open subcircuit or the top level."""
        (self.open[-1].cards if self.open else self.deck.cards).append(card)

    def add_params(self, params: dict[str, ParamDef]) -> None:
        """Parameters: subcircuit defaults inside a definition, else global."""
        (self.open[-1].defaults if self.open else self.deck.params).update(params)

    def add_globals(self, nets: list[str]) -> None:
        """``.global`` nets."""
        for net in nets:
            if net not in self.deck.global_nets:
                self.deck.global_nets.append(net)

    def add_model(self, name: str, kind: str) -> None:
        """``.model NAME KIND``: the kind types the M/Q/D elements that use the model."""
        self.deck.models[name] = kind


def _brace_balance(text: str) -> int:
    return text.count("{") - text.count("}")


def _key(path: str) -> str:
    if path.startswith("<"):
        return path
    try:
        return str(Path(path).resolve())
    except OSError:  # pragma: no cover - unresolvable paths are compared as written
        return path


class NetlistWarning(UserWarning):
    """Emitted once per read: PDK primitives inferred from names, errors skipped (permissive)."""


def _build(
    builder: DeckBuilder,
    top: str | None,
    supply_nets: Iterable[str] | None,
    ground_nets: Iterable[str] | None,
    device_patterns: DevicePatterns | Mapping[str, str | Iterable[str]] | None,
) -> Netlist:
    deck = builder.deck
    patterns = (
        device_patterns
        if isinstance(device_patterns, DevicePatterns)
        else DevicePatterns(device_patterns)
    )
    Linker(deck, patterns, builder.fail).link()
    cell = find_top(deck, top)

    def note(error: NetlistError) -> None:
        builder.notes += 1
        deck.warnings.append(str(error))

    design = Flattener(deck, builder.fail, note).flatten(cell)
    warnings_list = list(deck.warnings)
    summary: list[str] = []
    if design.inferred:
        listed = ", ".join(f"{name} -> {kind}" for name, kind in design.inferred.items())
        message = (
            f"{deck.path}: {len(design.inferred)} undefined subcircuit master(s) taken as PDK "
            f"primitives from their names: {listed}"
        )
        warnings_list.append(message)
        summary.append(message)
    if design.blackboxes:
        warnings_list.append(
            f"{deck.path}: subcircuits without elements kept as opaque devices: "
            + ", ".join(design.blackboxes)
        )
    skipped = len(deck.warnings) - builder.notes
    if not builder.strict and skipped:
        summary.append(f"{deck.path}: {skipped} problem(s) skipped; see Netlist.warnings")
    for message in summary:
        warnings.warn(message, NetlistWarning, stacklevel=3)
    return Netlist(design, deck, cell, warnings_list, supply_nets, ground_nets)


def read_netlist(
    path: PathType,
    top: str | None = None,
    strict: bool = True,
    supply_nets: Iterable[str] | None = None,
    device_patterns: DevicePatterns | Mapping[str, str | Iterable[str]] | None = None,
    *,
    ground_nets: Iterable[str] | None = None,
    title: bool | None = None,
) -> Netlist:
    """Read a SPICE or Spectre netlist (with its includes) and flatten its design.

    Args:
        path: the netlist file (any extension; see the module docstring for the dialect rule).
        top: the subcircuit to flatten as the design (default: the top-level elements, or the one
            subcircuit no other instantiates).
        strict: raise the first error; with False, record errors in ``Netlist.warnings`` (as
            ``file:line: reason``) and skip the statement or element (a parameter that cannot be
            evaluated is dropped from its device, which is kept).
        supply_nets: names of supply nets (replace
            :data:`~graphcl.circuits.netlist.DEFAULT_SUPPLY_NETS` and its pattern).
        device_patterns: extra ``type -> regex`` patterns for PDK primitives, tried before the
            defaults, or a :class:`~graphcl.circuits.devices.DevicePatterns`.
        ground_nets: names of ground nets (replaces the defaults; ``0`` is always ground).
        title: whether line 1 of a SPICE file is a title (None: decided by the title rule).

    Returns:
        The flattened :class:`~graphcl.circuits.netlist.Netlist`.

    Raises:
        NetlistError: the file, line and offending text of a malformed statement, unknown
            element letter, wrong terminal count, port count mismatch, recursive subcircuit or
            include, unbalanced ``.subckt``/``.ends``, undefined parameter or bad number; or an
            ambiguous top cell (the candidates are listed).

    Example:
        >>> netlist = read_netlist("inverter.sp")                      # doctest: +SKIP
        >>> netlist.summary()["devices_by_type"]                      # doctest: +SKIP
        {'nmos': 1, 'pmos': 1}
    """
    shown = os.fspath(path)
    builder = DeckBuilder(shown, strict, title)
    builder.read_file(shown)
    return _build(builder, top, supply_nets, ground_nets, device_patterns)


def parse_netlist(
    text: str,
    path: str = "<string>",
    top: str | None = None,
    strict: bool = True,
    supply_nets: Iterable[str] | None = None,
    device_patterns: DevicePatterns | Mapping[str, str | Iterable[str]] | None = None,
    *,
    ground_nets: Iterable[str] | None = None,
    title: bool | None = None,
    dialect: Dialect | None = None,
) -> Netlist:
    """Read a netlist from a string (``path`` names it in messages and anchors includes).

    Arguments as :func:`read_netlist`; ``dialect`` forces ``"spice"`` or ``"spectre"`` for the
    first statement (default: sniffed from ``path`` and the text).

    Example:
        >>> netlist = parse_netlist(
        ...     ".subckt inv a y vdd vss\\n"
        ...     "mp y a vdd vdd pmos w=2u l=0.1u\\n"
        ...     "mn y a vss vss nmos w=1u l=0.1u\\n"
        ...     ".ends\\n"
        ... )
        >>> netlist.top, len(netlist.devices), netlist.nets
        ('inv', 2, ['a', 'y', 'vdd', 'vss'])
    """
    builder = DeckBuilder(path, strict, title)
    builder.read_text(text, path, dialect=dialect, main=True)
    return _build(builder, top, supply_nets, ground_nets, device_patterns)
