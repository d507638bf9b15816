"""Spectre statements into :class:`~graphcl.circuits.deck.Card`\\ s.

Supported::

    simulator lang=spice|spectre                 switch the syntax of the statements that follow
    subckt NAME (p1 p2 ...)  /  inline subckt ...  ...  ends [NAME]
    parameters a=1 b=2*a                         global, or defaults inside a subckt
    include "file" [section=NAME]                relative to the including file
    section NAME ... endsection                  library sections (selected by include section=)
    model NAME TYPE [type=n|p ...]               e.g. ``model nch bsim4 type=n``
    global 0 vdd!
    NAME (n1 n2 ...) MASTER [name=value ...]     an instance; parentheses optional
    NAME ANALYSIS [...]                          tran, dc, ac, noise, options, info ... : ignored

``//`` and ``*`` comments and ``\\`` continuations are handled by the lexer. A Spectre instance has
no element letter: its master decides what it is (a subcircuit defined in the files, a primitive
``resistor``/``capacitor``/``inductor``/``vsource``/``isource``/``diode``/``vcvs``/``vccs``/
``cccs``/``ccvs``, a ``model``, or an undefined master taken as a PDK primitive). Blocks in braces
(``statistics {...}``, ``if``/``else``, ``real``/``function`` definitions) are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphcl.circuits.deck import Card, Location, Subcircuit
from graphcl.circuits.lexer import Statement, Token, split_items, tokenize
from graphcl.circuits.spice import STRING_PARAMS, compile_params, param_defs

if TYPE_CHECKING:
    from graphcl.circuits.reader import DeckBuilder


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Spectre analysis and control statement types (``name TYPE ...``), ignored.
ANALYSES = _words(
    """tran dc ac noise xf sp stb pss pac pnoise pxf psp qpss qpac qpnoise qpxf qpsp hb hbac
    hbnoise hbsp hbxf envlp montecarlo sweep alter altergroup check checklimit info options set
    shell dcmatch pz sens fourier loadpull lss reliability uti tdr assert"""
)
_IGNORED_HEADS = _words(
    """save ic nodeset ahdl_include export library endlibrary paramset simulatoroptions
    hb_options"""
)
#: Statements that open a ``{ ... }`` block, skipped with their block.
BLOCK_HEADS = _words("statistics process mismatch correlate truncate vary if else real function")


def handle_statement(statement: Statement, builder: DeckBuilder) -> None:
    """Apply one Spectre statement to the deck being built.

    Raises:
        NetlistError: a malformed statement (the builder decides whether to raise or record it).
    """
    text = statement.text
    location = Location(statement.path, statement.line, text)
    head = text.split(None, 1)[0].lower()
    if head in BLOCK_HEADS:
        builder.skip_braces(text)
        return
    if head == "simulator":
        builder.simulator(statement)
        return
    if head in _IGNORED_HEADS:
        return
    tokens = tokenize(statement)
    if head == "inline" and len(tokens) > 1 and tokens[1].text.lower() == "subckt":
        tokens = tokens[1:]
        head = "subckt"
    if head == "subckt":
        if len(tokens) < 2 or tokens[1].kind != "word":
            raise location.error("subckt without a name")
        if len(tokens) > 2 and tokens[2].kind == "group":
            ports = tuple(port.lower() for port in tokens[2].text.split())
        else:
            ports = tuple(t.text.lower() for t in tokens[2:] if t.kind == "word")
        builder.begin_subckt(Subcircuit(tokens[1].text.lower(), ports, location=location))
    elif head == "ends":
        builder.end_subckt(tokens[1].text.lower() if len(tokens) > 1 else None, location)
    elif head == "parameters":
        positional, values = split_items(statement, tokens)
        if len(positional) > 1:
            raise location.error(
                f"expected name=value after parameters, found {positional[1].text!r}"
            )
        builder.add_params(param_defs(values, "spectre", location))
    elif head == "include":
        positional, values = split_items(statement, tokens)
        if len(positional) < 2 or positional[1].kind not in ("word", "quote"):
            raise location.error("include needs a file name")
        section = values.get("section")
        builder.include(positional[1].text, section.text.lower() if section else None, location)
    elif head == "global":
        builder.add_globals([t.text.lower() for t in tokens[1:] if t.kind == "word"])
    elif head == "model":
        positional, values = split_items(statement, tokens)
        if len(positional) < 3:
            raise location.error("model needs a name and a type")
        polarity = values.get("type")
        kind = positional[2].text.lower() + (":" + polarity.text.lower() if polarity else "")
        builder.add_model(positional[1].text.lower(), kind)
    else:
        card = parse_instance(statement, tokens)
        if card is not None:
            builder.add_card(card)


def parse_instance(statement: Statement, tokens: list[Token]) -> Card | None:
    """The card of a Spectre instance statement (None for analyses and options).

    Raises:
        NetlistError: an instance without a master.
    """
    location = Location(statement.path, statement.line, statement.text)
    positional, values = split_items(statement, tokens)
    name = positional[0].text.lower()
    if len(positional) >= 2 and positional[1].kind == "group":
        nodes = tuple(node.lower() for node in positional[1].text.split())
        rest = positional[2:]
        if not rest or rest[0].kind != "word":
            raise location.error(f"instance {positional[0].text!r} has no master after its nodes")
        master = rest[0].text.lower()
    else:
        words = positional[1:]
        if not words:
            raise location.error(f"statement {positional[0].text!r} has no master")
        master = words[-1].text.lower()
        if len(words) == 1 and master in ANALYSES:
            return None
        nodes = tuple(t.text.lower() for t in words[:-1])
    params = compile_params(values, "spectre", location, STRING_PARAMS)
    return Card(name, "", nodes, master, None, params, location, "spectre")
