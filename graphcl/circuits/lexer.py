"""From netlist text to statements (one per logical line) and from a statement to tokens.

Physical lines are joined into statements:

* line endings: ``\\n``, ``\\r\\n`` and ``\\r``; a missing final newline, trailing whitespace
  and tabs are all fine;
* comments: whole lines starting (after indentation) with ``*`` (so ``**`` banners too), ``//``
  or, in SPICE, ``$``; inline comments after whitespace + ``$`` or ``//``, and after ``;`` in
  SPICE; blank and comment lines are dropped before joining, so they may sit between a statement
  and its continuation;
* continuation: a SPICE line starting with ``+`` continues the previous statement; in both
  dialects a line ending with ``\\`` continues on the next line (ALIGN writes that in SPICE files);
  a ``+`` line with nothing before it stays a statement of its own (the reader rejects it).

A statement remembers the number of its first physical line. The dialect (``spice`` or
``spectre``) can change between statements (``simulator lang=...``); the reader sets
:attr:`StatementReader.dialect` and the next statement is joined with the new rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from graphcl.circuits.units import Dialect
from graphcl.errors import NetlistError


@dataclass(frozen=True)
class Statement:
    """One logical netlist line.

    Attributes:
        path: the file it comes from, as given to the reader.
        line: 1-based number of its first physical line.
        text: the joined text with comments removed (original case).
        dialect: the syntax it was read in.
    """

    path: str
    line: int
    text: str
    dialect: Dialect


def decode(data: bytes) -> str:
    """Netlist bytes as text: UTF-8, else Latin-1 (every byte maps to one character)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _strip_inline(text: str, dialect: Dialect) -> str:
    """``text`` without an inline comment (outside quotes)."""
    if "$" not in text and ";" not in text and "//" not in text:
        return text
    if "'" not in text and '"' not in text:
        cut = len(text)
        for marker in (
            (" //", "\t//") if dialect == "spectre" else (" $", "\t$", ";", " //", "\t//")
        ):
            found = text.find(marker)
            if 0 <= found < cut:
                cut = found
        return text[:cut].rstrip()
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char == ";" and dialect == "spice":
            return text[:index].rstrip()
        elif char in " \t" and index + 1 < len(text):
            following = text[index + 1]
            if following == "$" and dialect == "spice":
                return text[:index].rstrip()
            if following == "/" and text[index + 2 : index + 3] == "/":
                return text[:index].rstrip()
    return text


class StatementReader:
    """Iterates over the statements of one file's text.

    Args:
        text: the whole file.
        path: its name for messages.
        dialect: the syntax of its first statement; the consumer may change :attr:`dialect`
            between statements.
    """

    def __init__(self, text: str, path: str, dialect: Dialect) -> None:
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.path = path
        self.dialect: Dialect = dialect

    def __iter__(self) -> Iterator[Statement]:
        first = 0
        parts: list[str] = []
        backslash = False
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            if not line:
                continue
            head = line[0]
            if head == "*" or line.startswith("//") or (head == "$" and self.dialect == "spice"):
                continue
            if head == "+" and self.dialect == "spice" and not backslash and parts:
                line = line[1:]
            elif not backslash:
                if parts:
                    yield Statement(self.path, first, " ".join(parts), self.dialect)
                parts = []
                first = number
            line = _strip_inline(line, self.dialect)
            backslash = line.endswith("\\")
            if backslash:
                line = line[:-1].rstrip()
            if line:
                parts.append(line.strip())
        if parts:
            yield Statement(self.path, first, " ".join(parts), self.dialect)


class Token(NamedTuple):
    """A piece of a statement.

    Attributes:
        kind: ``word``; ``eq`` (``=``); ``quote`` (``'...'``/``"..."``, text without the quotes);
            ``brace`` (``{...}``), ``group`` (``(...)``), ``bracket`` (``[...]``): text inside.
        text: see ``kind``.
        start, end: its span in the statement text (delimiters included).
        quote: the quote character of a ``quote`` token, else ``""``.
    """

    kind: str
    text: str
    start: int
    end: int
    quote: str = ""


_LEXEME = re.compile(
    r"""\s*(?:(?P<eq>=)|(?P<quote>'[^']*'|"[^"]*")|(?P<brace>\{(?:[^{}]|\{[^{}]*\})*\})"""
    r"""|(?P<open>[(\[])|(?P<close>[)\]])"""
    r"""|(?P<word>[^\s=(){}'"\[\]]+(?:\[[^\s\[\]]*\][^\s=(){}'"\[\]]*)*))"""
)


_SPECIAL = re.compile(r"['\"{}()\[\]]")
_SIMPLE = re.compile(r"=|[^\s=]+")


def tokenize(statement: Statement) -> list[Token]:
    """The tokens of a statement; parenthesised and bracketed lists become one token each.

    Raises:
        NetlistError: an unbalanced quote, brace, parenthesis or bracket.
    """
    text = statement.text
    if not _SPECIAL.search(text):  # the common case: words and '=' only
        return [
            Token("eq" if match.group() == "=" else "word", match.group(), *match.span())
            for match in _SIMPLE.finditer(text)
        ]
    tokens: list[Token] = []
    stack: list[tuple[str, int, int]] = []  # (opening char, position, len(tokens) then)
    position, end = 0, len(text)
    while position < end:
        match = _LEXEME.match(text, position)
        if match is None:
            rest = text[position:].strip()
            if not rest:
                break
            raise NetlistError(
                statement.path, statement.line, text, f"unbalanced {rest[0]!r} in statement"
            )
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        start = match.start(kind)
        if kind == "open":
            stack.append((match.group(kind), start, len(tokens)))
            continue
        if kind == "close":
            if not stack or {"(": ")", "[": "]"}[stack[-1][0]] != match.group(kind):
                raise NetlistError(
                    statement.path,
                    statement.line,
                    text,
                    f"unbalanced {match.group(kind)!r} in statement",
                )
            opening, begin, count = stack.pop()
            del tokens[count:]
            if not stack:
                tokens.append(
                    Token(
                        "group" if opening == "(" else "bracket",
                        text[begin + 1 : position - 1],
                        begin,
                        position,
                    )
                )
            continue
        if stack:
            continue
        value = match.group(kind)
        if kind == "quote":
            tokens.append(Token("quote", value[1:-1], start, position, value[0]))
        elif kind == "brace":
            tokens.append(Token("brace", value[1:-1], start, position))
        else:
            tokens.append(Token(kind, value, start, position))
    if stack:
        raise NetlistError(
            statement.path, statement.line, text, f"unbalanced {stack[-1][0]!r} in statement"
        )
    return tokens


_OPERATOR_END = tuple("+-*/^?:<>=!&|,")


class Value(NamedTuple):
    """The value of a ``name=value`` pair or a positional value.

    Attributes:
        text: the expression (quotes and braces removed) or the string.
        is_string: a Spectre double-quoted string (a file name, a label), never evaluated.
        is_bare: written without quotes or braces (a bare word may be a model name).
    """

    text: str
    is_string: bool = False
    is_bare: bool = True


def token_value(token: Token, dialect: Dialect) -> Value:
    """The :class:`Value` of one positional token."""
    if token.kind == "quote":
        return Value(
            token.text, is_string=dialect == "spectre" and token.quote == '"', is_bare=False
        )
    if token.kind == "brace":
        return Value(token.text, is_bare=False)
    if token.kind in ("group", "bracket"):
        opening = "(" if token.kind == "group" else "["
        closing = ")" if token.kind == "group" else "]"
        return Value(opening + token.text + closing, is_bare=False)
    return Value(token.text)


_EQUALS = re.compile(r"\s*=\s*")
# a quoted or braced value without spaces that is a whole word or a whole value (w='wn*2')
_WHOLE_QUOTED = re.compile(r"""(?:(?<=[=\s])|^)('[^'\s=]*'|"[^"\s=]*"|\{[^{}\s=]*\})(?=\s|$)""")


_VALUES: dict[tuple[str, str], Value] = {}  # values repeat (l=0.1u, nf=2): shared, immutable


def _word_value(text: str, dialect: Dialect) -> Value:
    key = (text, dialect)
    value = _VALUES.get(key)
    if value is not None:
        return value
    head = text[0]
    if head == "'" or head == '"':
        value = Value(text[1:-1], is_string=dialect == "spectre" and head == '"', is_bare=False)
    elif head == "{":
        value = Value(text[1:-1], is_bare=False)
    else:
        value = Value(text)
    if len(_VALUES) >= 1 << 16:
        _VALUES.clear()
    _VALUES[key] = value
    return value


def statement_items(statement: Statement) -> tuple[list[Token], dict[str, Value]]:
    """:func:`split_items` of the statement's tokens, with a fast path for the common statement
    made of words and ``=`` only (no quote, brace, parenthesis or bracket)."""
    text = statement.text
    if "=" in text:
        text = _EQUALS.sub("=", text)
    if _SPECIAL.search(text) and _SPECIAL.search(_WHOLE_QUOTED.sub("", text)):
        return split_items(statement, tokenize(statement))
    positional: list[Token] = []
    params: dict[str, Value] = {}
    last = ""
    for word in text.split():
        equals = word.find("=")
        if equals > 0:
            if equals == len(word) - 1 or word[equals + 1] == "=":
                raise NetlistError(
                    statement.path,
                    statement.line,
                    statement.text,
                    f"parameter {word[:equals]!r} has no value",
                )
            last = word[:equals].lower()
            params[last] = _word_value(word[equals + 1 :], statement.dialect)
        elif equals == 0:
            raise NetlistError(statement.path, statement.line, statement.text, "'=' without a name")
        elif last and (word.startswith(_OPERATOR_END) or params[last].text.endswith(_OPERATOR_END)):
            params[last] = Value(params[last].text + " " + word)
        elif word[0] in "'\"{":
            kind = "brace" if word[0] == "{" else "quote"
            quote = "" if kind == "brace" else word[0]
            positional.append(Token(kind, word[1:-1], -1, -1, quote))
            last = ""
        else:
            positional.append(Token("word", word, -1, -1))
            last = ""
    return positional, params


def split_items(statement: Statement, tokens: list[Token]) -> tuple[list[Token], dict[str, Value]]:
    """Positional tokens and ``name=value`` parameters (lower-case names, in order).

    A value is the token after ``=`` plus the tokens glued to it (``w=P*(2+1)``), and continues
    across spaces while the text reads as an arithmetic expression (``a = 1 + 2``).

    Raises:
        NetlistError: ``=`` without a name before it or a value after it.
    """
    text = statement.text
    positional: list[Token] = []
    params: dict[str, Value] = {}
    index, count = 0, len(tokens)
    while index < count:
        token = tokens[index]
        if index + 1 < count and tokens[index + 1].kind == "eq":
            if token.kind != "word":
                raise NetlistError(
                    statement.path, statement.line, text, f"'=' after {token.text!r}"
                )
            if index + 2 >= count or tokens[index + 2].kind == "eq":
                raise NetlistError(
                    statement.path,
                    statement.line,
                    text,
                    f"parameter {token.text!r} has no value",
                )
            first = tokens[index + 2]
            last_index = index + 2
            while last_index + 1 < count:
                following = tokens[last_index + 1]
                if following.kind == "eq":
                    break
                if last_index + 2 < count and tokens[last_index + 2].kind == "eq":
                    break
                previous = tokens[last_index]
                glued = following.start == previous.end
                continues = text[previous.start : previous.end].endswith(_OPERATOR_END) or text[
                    following.start : following.end
                ].startswith(_OPERATOR_END)
                if not (glued or continues):
                    break
                last_index += 1
            if last_index == index + 2:
                value = token_value(first, statement.dialect)
            else:
                value = Value(text[first.start : tokens[last_index].end])
            params[token.text.lower()] = value
            index = last_index + 1
            continue
        if token.kind == "eq":
            raise NetlistError(statement.path, statement.line, text, "'=' without a name")
        positional.append(token)
        index += 1
    return positional, params
