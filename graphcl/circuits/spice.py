"""SPICE statements (HSPICE / ngspice / Xyce style) into :class:`~graphcl.circuits.deck.Card`\\ s.

Elements, by first letter of the instance name (case-insensitive)::

    M  name d g s b model [name=value ...]            MOSFET: exactly 4 terminals and a model
    Q  name c b e [sub] model [area]                   BJT: 3 or 4 terminals
    D  name a k model [area]                           diode
    R  name n+ n- [model] [value] [r=...]              resistor (ohms); also C (farads), L (henries)
    V  name n+ n- [[DC] v] [AC mag [phase]] [PULSE(...)|SIN(...)|PWL(...)|EXP(...)|SFFM(...)]
    I  name n+ n- ...                                  current source, same syntax
    E  name n+ n- nc+ nc- gain | name n+ n- VALUE={...} | POLY(...)   (also G)
    F  name n+ n- vcontrol gain                        (also H)
    X  name n1 ... nk master [name=value ...]          subcircuit instance (or PDK primitive)
    K  name L1 L2 k                                    mutual inductance: ignored (no terminals)

Any other first letter is an error ("unknown element letter"). Control cards: ``.subckt`` /
``.ends`` (also ``.macro``/``.eom``), ``.param``, ``.include``, ``.lib``/``.endl``, ``.global``,
``.model``, ``.end`` (stops reading the file), ``.alter`` (ends the deck: what follows is an
alternative), ``.title``; analysis and output cards (``.tran``, ``.dc``, ``.ac``, ``.op``,
``.meas``, ``.print``, ``.option(s)``, ``.temp`` ...) and ``.control``/``.endc``,
``.data``/``.enddata`` blocks are ignored; an unknown card is ignored with a note in the warnings.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graphcl.circuits.deck import Card, Location, ParamDef, Subcircuit
from graphcl.circuits.expressions import Expression, ExpressionError
from graphcl.circuits.lexer import (
    Statement,
    Token,
    Value,
    split_items,
    statement_items,
    token_value,
    tokenize,
)
from graphcl.circuits.units import Dialect

if TYPE_CHECKING:
    from graphcl.circuits.reader import DeckBuilder


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_IGNORED = _words(
    """.option .options .opt .temp .tran .dc .ac .op .noise .tf .sens .pz .disto .four .fft
    .meas .measure .print .plot .probe .save .ic .nodeset .width .hdl .protect .unprotect .prot
    .unprot .step .network .lin .stim .graph .connect .alias .dellib .dout .lprint .malias .var
    .vec .shape .layerstack .material .wave .sample .scale .csparam .func .dcvolt .unit .bus
    .backanno .csdf .monte .worst .mc .distribution .psf .ploc .pss .hb .sp .tvinclude .vector
    .vsave .fourier .loadtime .preprocess .setparam .delete .sensitivity .spice .cstate .csparam
    .if .else .elseif .endif"""
)
_BLOCKS = {".control": ".endc", ".data": ".enddata"}
_WAVEFORMS = _words("pulse sin exp pwl sffm am trnoise trrandom pat")
_BEHAVIOURAL = _words("poly value table laplace freq vol cur")
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
_BINNED = re.compile(r"\.\d+$")

# compiled expressions are immutable: the same text (``w=270e-9``, ``nf=_par0``) is compiled once
_COMPILED: dict[tuple[str, str], Expression] = {}
_COMPILED_MAX = 1 << 16

#: Spectre parameters whose values are keywords, never expressions.
STRING_PARAMS = frozenset({"type", "region", "file", "wave", "dcrule", "fundname", "devtype"})


def compile_value(value: Value, dialect: Dialect, location: Location, what: str) -> Expression:
    """An :class:`~graphcl.circuits.expressions.Expression` of ``value``.

    Raises:
        NetlistError: a bad number or a syntax error, naming ``what`` (e.g. ``"w="``).
    """
    key = (value.text, dialect)
    compiled = _COMPILED.get(key)
    if compiled is not None:
        return compiled
    try:
        compiled = Expression(value.text, dialect)
    except ExpressionError as exc:
        raise location.error(f"{what}: {exc}") from None
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[key] = compiled
    return compiled


def compile_params(
    params: dict[str, Value],
    dialect: Dialect,
    location: Location,
    strings: frozenset[str] = frozenset(),
) -> dict[str, Expression | str]:
    """Instance parameters compiled to expressions (string values and ``strings`` names kept as
    text)."""
    out: dict[str, Expression | str] = {}
    for name, value in params.items():
        if value.is_string or name in strings:
            out[name] = value.text
        else:
            out[name] = compile_value(value, dialect, location, f"{name}=")
    return out


def param_defs(
    params: dict[str, Value], dialect: Dialect, location: Location
) -> dict[str, ParamDef]:
    """``name=value`` pairs as parameter definitions."""
    return {
        name: ParamDef(name, compile_value(value, dialect, location, f"{name}="), location)
        for name, value in params.items()
    }


def _node(token: Token, location: Location) -> str:
    if token.kind != "word":
        raise location.error(f"expected a node name, found {token.text!r}")
    return token.text.lower()


def _looks_numeric(token: Token) -> bool:
    return token.kind != "word" or token.text[:1] in "0123456789.+-"


def _source(card: Card, rest: list[Token], dialect: Dialect, location: Location) -> None:
    """DC value, AC magnitude and transient waveform of a V or I source."""
    index = 0
    while index < len(rest):
        token = rest[index]
        word = token.text.lower() if token.kind == "word" else ""
        if word == "dc" and index + 1 < len(rest):
            card.value = compile_value(
                token_value(rest[index + 1], dialect), dialect, location, "DC"
            )
            index += 2
        elif word == "ac":
            magnitude = rest[index + 1] if index + 1 < len(rest) else None
            if magnitude is not None and _looks_numeric(magnitude):
                card.params["ac"] = compile_value(
                    token_value(magnitude, dialect), dialect, location, "AC"
                )
                index += 2
                if index < len(rest) and _looks_numeric(rest[index]):
                    index += 1  # phase
            else:
                card.params["ac"] = Expression("1")
                index += 1
        elif word in _WAVEFORMS:
            arguments: list[str] = []
            index += 1
            if index < len(rest) and rest[index].kind == "group":
                arguments.append(rest[index].text)
                index += 1
            else:
                while index < len(rest) and _looks_numeric(rest[index]):
                    arguments.append(rest[index].text)
                    index += 1
            card.params["waveform"] = f"{word}({' '.join(arguments).strip()})"
        elif card.value is None and _looks_numeric(token):
            card.value = compile_value(token_value(token, dialect), dialect, location, "value")
            index += 1
        else:
            index += 1  # keywords such as 'distof1' are not modelled


def parse_element(statement: Statement) -> Card | None:
    """The card of a SPICE element statement (None for ``K`` mutual inductances).

    Raises:
        NetlistError: unknown element letter, wrong terminal count, bad number or expression.
    """
    location = Location(statement.path, statement.line, statement.text)
    dialect = statement.dialect
    positional, values = statement_items(statement)
    if not positional or positional[0].kind != "word" or not positional[0].text:
        raise location.error("an element statement must start with an instance name")
    first = positional[0]
    name = first.text.lower()
    letter = name[0]
    rest = positional[1:]
    if letter == "k":
        return None
    if letter not in "mqdrclvixefgh":
        raise location.error(f"unknown element letter {first.text[0]!r} (instance {first.text!r})")
    if letter == "x":
        items = [
            t for t in rest if not (t.kind == "word" and t.text.lower() in ("params:", "param:"))
        ]
        nodes: list[str] = []
        for token in items[:-1]:
            if token.kind == "group":
                nodes.extend(n.lower() for n in token.text.split())
            else:
                nodes.append(_node(token, location))
        if not items:
            raise location.error(f"subcircuit instance {first.text!r} names no subcircuit")
        master = _node(items[-1], location)
        return Card(
            name,
            "x",
            tuple(nodes),
            master,
            None,
            compile_params(values, dialect, location),
            location,
            dialect,
        )
    if letter == "m":
        if len(rest) != 5:
            raise location.error(
                f"MOSFET {first.text!r} needs 4 terminals (drain gate source bulk) and a model, "
                f"got {max(len(rest) - 1, 0)} terminal(s)"
            )
        nodes = [_node(t, location) for t in rest[:4]]
        params = compile_params(values, dialect, location)
        return Card(
            name, "m", tuple(nodes), _model(rest[4], location), None, params, location, dialect
        )
    if letter == "q":
        params = compile_params(values, dialect, location)
        items = list(rest)
        if len(items) >= 5 and _looks_numeric(items[-1]):
            params["area"] = compile_value(
                token_value(items[-1], dialect), dialect, location, "area"
            )
            items = items[:-1]
        if len(items) not in (4, 5):
            raise location.error(
                f"BJT {first.text!r} needs 3 or 4 terminals (collector base emitter [substrate]) "
                f"and a model, got {max(len(items) - 1, 0)} terminal(s)"
            )
        nodes = [_node(t, location) for t in items[:-1]]
        return Card(
            name, "q", tuple(nodes), _model(items[-1], location), None, params, location, dialect
        )
    if letter == "d":
        params = compile_params(values, dialect, location)
        if len(rest) == 4 and _looks_numeric(rest[3]):
            params["area"] = compile_value(token_value(rest[3], dialect), dialect, location, "area")
            rest = rest[:3]
        if len(rest) != 3:
            raise location.error(
                f"diode {first.text!r} needs 2 terminals (anode cathode) and a model, "
                f"got {max(len(rest) - 1, 0)} terminal(s)"
            )
        nodes = [_node(t, location) for t in rest[:2]]
        return Card(
            name, "d", tuple(nodes), _model(rest[2], location), None, params, location, dialect
        )
    if letter in "rcl":
        kind = {"r": "resistor", "c": "capacitor", "l": "inductor"}[letter]
        extras = rest[2:]
        if len(rest) < 2 or len(extras) > 2:
            raise location.error(
                f"{kind} {first.text!r} needs 2 terminals and a value or model "
                f"(name n+ n- [model] value), got {len(rest)} item(s)"
            )
        nodes = [_node(t, location) for t in rest[:2]]
        card = Card(
            name,
            letter,
            tuple(nodes),
            "",
            None,
            compile_params(values, dialect, location),
            location,
            dialect,
        )
        words: list[str] = []
        for token in extras:
            if token.kind == "word" and _NAME.match(token.text.lower()):
                words.append(token.text.lower())
            elif card.value is None:
                card.value = compile_value(token_value(token, dialect), dialect, location, "value")
            else:
                raise location.error(f"{kind} {first.text!r} has two values")
        card.value_words = tuple(words)
        main = {"r": ("r", "resistance"), "c": ("c", "capacitance"), "l": ("l", "inductance")}[
            letter
        ]
        if card.value is None and not words and not any(k in card.params for k in main):
            raise location.error(
                f"{kind} {first.text!r} needs 2 terminals and a value (name n+ n- value)"
            )
        return card
    if letter in "vi":
        if len(rest) < 2:
            raise location.error(
                f"{'voltage' if letter == 'v' else 'current'} source {first.text!r} needs 2 "
                f"terminals, got {len(rest)}"
            )
        nodes = [_node(t, location) for t in rest[:2]]
        card = Card(
            name,
            letter,
            tuple(nodes),
            "",
            None,
            compile_params(values, dialect, location),
            location,
            dialect,
        )
        dc = card.params.pop("dc", None)
        if isinstance(dc, Expression):
            card.value = dc
        _source(card, rest[2:], dialect, location)
        return card
    # controlled sources
    behavioural = any(t.kind == "word" and t.text.lower() in _BEHAVIOURAL for t in rest) or any(
        k in _BEHAVIOURAL for k in values
    )
    if behavioural:
        if len(rest) < 2:
            raise location.error(f"controlled source {first.text!r} needs 2 terminals")
        nodes = [_node(t, location) for t in rest[:2]]
        texts: dict[str, Expression | str] = {k: v.text for k, v in values.items()}
        texts["expression"] = " ".join(t.text for t in rest[2:])
        return Card(name, letter, tuple(nodes), "", None, texts, location, dialect)
    params = compile_params(values, dialect, location)
    if letter in "eg":
        if len(rest) != 5:
            raise location.error(
                f"controlled source {first.text!r} needs 4 terminals (n+ n- nc+ nc-) and a gain, "
                f"got {len(rest)} item(s)"
            )
        nodes = [_node(t, location) for t in rest[:4]]
        gain = compile_value(token_value(rest[4], dialect), dialect, location, "gain")
        return Card(name, letter, tuple(nodes), "", gain, params, location, dialect)
    if len(rest) != 4:
        raise location.error(
            f"controlled source {first.text!r} needs 2 terminals, a controlling source and a gain, "
            f"got {len(rest)} item(s)"
        )
    nodes = [_node(t, location) for t in rest[:2]]
    params["control"] = rest[2].text.lower()
    gain = compile_value(token_value(rest[3], dialect), dialect, location, "gain")
    return Card(name, letter, tuple(nodes), "", gain, params, location, dialect)


def _model(token: Token, location: Location) -> str:
    if token.kind != "word":
        raise location.error(f"expected a model name, found {token.text!r}")
    return token.text.lower()


def _path(token: Token | None, location: Location, card: str) -> str:
    if token is None or token.kind not in ("word", "quote"):
        raise location.error(f"{card} needs a file name")
    return token.text


def handle_statement(statement: Statement, builder: DeckBuilder) -> None:
    """Apply one SPICE statement to the deck being built.

    Raises:
        NetlistError: a malformed statement (the builder decides whether to raise or record it).
    """
    text = statement.text
    if text[0] != ".":
        if text[:9].lower() == "simulator" and text.split(None, 1)[0].lower() == "simulator":
            builder.simulator(statement)
            return
        card = parse_element(statement)
        if card is not None:
            builder.add_card(card)
        return
    location = Location(statement.path, statement.line, text)
    tokens = tokenize(statement)
    keyword = tokens[0].text.lower()
    if keyword in (".subckt", ".macro"):
        positional, values = split_items(statement, tokens)
        if len(positional) < 2:
            raise location.error("subcircuit definition without a name")
        ports = [
            _node(t, location)
            for t in positional[2:]
            if not (t.kind == "word" and t.text.lower() in ("params:", "param:"))
        ]
        builder.begin_subckt(
            Subcircuit(
                _node(positional[1], location),
                tuple(ports),
                param_defs(values, statement.dialect, location),
                location=location,
            )
        )
    elif keyword in (".ends", ".eom"):
        builder.end_subckt(tokens[1].text.lower() if len(tokens) > 1 else None, location)
    elif keyword in (".param", ".params", ".parameters"):
        positional, values = split_items(statement, tokens)
        if len(positional) > 1:
            raise location.error(
                f"expected name=value after {tokens[0].text}, found {positional[1].text!r}"
            )
        builder.add_params(param_defs(values, statement.dialect, location))
    elif keyword in (".include", ".inc", ".incl"):
        builder.include(
            _path(tokens[1] if len(tokens) > 1 else None, location, tokens[0].text), None, location
        )
    elif keyword == ".lib":
        if len(tokens) >= 3:
            builder.include(_path(tokens[1], location, ".lib"), tokens[2].text.lower(), location)
        elif len(tokens) == 2 and tokens[1].kind == "quote":
            builder.include(tokens[1].text, None, location)
        elif len(tokens) == 2:
            builder.begin_section(tokens[1].text.lower(), location)
        else:
            raise location.error(".lib needs a section name or a file and a section")
    elif keyword == ".endl":
        builder.end_section(location)
    elif keyword == ".global":
        builder.add_globals([_node(t, location) for t in tokens[1:]])
    elif keyword == ".model":
        if len(tokens) < 3:
            raise location.error(".model needs a name and a type")
        builder.add_model(_BINNED.sub("", tokens[1].text.lower()), tokens[2].text.lower())
    elif keyword == ".end":
        builder.stop()
    elif keyword == ".alter":
        builder.stop(deck=True)
    elif keyword == ".title":
        builder.deck.title = text[len(tokens[0].text) :].strip()
    elif keyword in _BLOCKS:
        builder.skip_until(_BLOCKS[keyword])
    elif keyword not in _IGNORED:
        builder.note(location, f"ignored unknown control card {tokens[0].text!r}")
