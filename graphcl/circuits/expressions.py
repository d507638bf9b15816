"""A safe evaluator of netlist parameter expressions (``w='P*2'``, ``m={2*M0}``, ``nf=_par0``).

The text is tokenized and parsed by recursive descent into a tree of closures once; evaluating it
only calls those closures (never ``eval``). Grammar, loosest binding first::

    expr    := or ('?' expr ':' expr)?               ternary
    or      := and ('||' and)*
    and     := cmp ('&&' cmp)*
    cmp     := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
    sum     := product (('+'|'-') product)*
    product := unary (('*'|'/') unary)*
    unary   := ('-'|'+'|'!') unary | power
    power   := atom (('**'|'^') unary)?              right-associative: -2**2 = -4, 2^3^2 = 512
    atom    := number | name | name '(' args ')' | '(' expr ')'

Numbers take engineering suffixes and unit letters (:mod:`graphcl.circuits.units`). Names are
case-insensitive parameters (looked up when evaluated) or the constant ``pi`` when no parameter of
that name is in scope. Functions: ``sqrt abs min max exp log ln log10 pow pwr sin cos tan asin
acos atan atan2 sinh cosh tanh floor ceil int round sgn sign hypot db``. Comparisons and logic
return 1.0 or 0.0. A sub-expression without names is folded to a constant when compiled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from graphcl.circuits.units import BadNumberError, Dialect, scaled

#: Resolves a (lower-case) parameter name to its value; raises when it is not defined.
Lookup = Callable[[str], float]
_Fn = Callable[[Lookup], float]
_Node = tuple[_Fn, "float | None"]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:_|[A-Za-z]*%?))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||[-+*/^(),?:<>!]))"
)
_NUMBER_SPLIT = re.compile(r"((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.*)")


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message names the problem."""


def _pwr(x: float, y: float) -> float:
    return math.copysign(math.pow(abs(x), y), x)


def _sign(x: float, y: float | None = None) -> float:
    if y is None:
        return float((x > 0) - (x < 0))
    return math.copysign(abs(x), y)


def _db(x: float) -> float:
    return 20.0 * math.log10(abs(x))


def _max(*args: float) -> float:
    return max(args)


def _min(*args: float) -> float:
    return min(args)


# name -> (function, minimum arguments, maximum arguments or -1 for any)
_FUNCTIONS: dict[str, tuple[Callable[..., float], int, int]] = {
    "sqrt": (math.sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "min": (_min, 1, -1),
    "max": (_max, 1, -1),
    "exp": (math.exp, 1, 1),
    "log": (math.log, 1, 1),
    "ln": (math.log, 1, 1),
    "log10": (math.log10, 1, 1),
    "pow": (math.pow, 2, 2),
    "pwr": (_pwr, 2, 2),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1),
    "acos": (math.acos, 1, 1),
    "atan": (math.atan, 1, 1),
    "atan2": (math.atan2, 2, 2),
    "sinh": (math.sinh, 1, 1),
    "cosh": (math.cosh, 1, 1),
    "tanh": (math.tanh, 1, 1),
    "floor": (lambda x: float(math.floor(x)), 1, 1),
    "ceil": (lambda x: float(math.ceil(x)), 1, 1),
    "int": (lambda x: float(math.trunc(x)), 1, 1),
    "round": (lambda x: float(round(x)), 1, 1),
    "sgn": (_sign, 1, 1),
    "sign": (_sign, 1, 2),
    "hypot": (math.hypot, 2, 2),
    "db": (_db, 1, 1),
}

#: Names that evaluate to a constant when no parameter of that name is in scope.
CONSTANTS: dict[str, float] = {"pi": math.pi}

_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": math.pow,
    "^": math.pow,
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "&&": lambda a, b: float(bool(a) and bool(b)),
    "||": lambda a, b: float(bool(a) or bool(b)),
}


def _number(text: str, dialect: Dialect) -> float:
    match = _NUMBER_SPLIT.fullmatch(text)
    if match is None:  # pragma: no cover - the token pattern only yields numbers here
        raise ExpressionError(f"bad number {text!r}")
    try:
        return scaled(match.group(1), match.group(2), dialect)
    except BadNumberError as exc:
        raise ExpressionError(f"bad number {text!r}: {exc}") from None


def _tokenize(text: str, dialect: Dialect) -> list[tuple[str, str | float]]:
    tokens: list[tuple[str, str | float]] = []
    position, end = 0, len(text)
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            if not rest:
                break
            raise ExpressionError(f"unexpected character {rest[0]!r} in expression {text!r}")
        position = match.end()
        if match.group("num") is not None:
            following = text[position : position + 1]
            if following and (following.isdigit() or following in "._"):
                raise ExpressionError(f"bad number {text[match.start('num') :].split()[0]!r}")
            tokens.append(("num", _number(match.group("num"), dialect)))
        elif match.group("name") is not None:
            tokens.append(("name", match.group("name").lower()))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
    return tokens


def _constant(value: float) -> _Node:
    return (lambda lookup: value), value


class _Parser:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.tokens = _tokenize(text, dialect)
        self.position = 0
        self.names: set[str] = set()

    def _peek(self) -> str | None:
        if self.position < len(self.tokens):
            kind, value = self.tokens[self.position]
            return value if kind == "op" and isinstance(value, str) else None
        return None

    def _error(self, what: str) -> ExpressionError:
        return ExpressionError(f"{what} in expression {self.text!r}")

    def _expect(self, op: str) -> None:
        if self._peek() != op:
            found = (
                repr(self.tokens[self.position][1])
                if self.position < len(self.tokens)
                else "the end"
            )
            raise self._error(f"expected {op!r}, found {found}")
        self.position += 1

    def parse(self) -> _Node:
        if not self.tokens:
            raise ExpressionError("empty expression")
        node = self._ternary()
        if self.position != len(self.tokens):
            raise self._error(f"unexpected {self.tokens[self.position][1]!r}")
        return node

    def _ternary(self) -> _Node:
        condition = self._binary_level(0)
        if self._peek() != "?":
            return condition
        self.position += 1
        when_true = self._ternary()
        self._expect(":")
        when_false = self._ternary()
        test, if_true, if_false = condition[0], when_true[0], when_false[0]
        if condition[1] is not None:
            return when_true if condition[1] else when_false
        return (lambda lookup: if_true(lookup) if test(lookup) else if_false(lookup)), None

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!=", "<", "<=", ">", ">="),
        ("+", "-"),
        ("*", "/"),
    )

    def _binary_level(self, level: int) -> _Node:
        if level == len(self._LEVELS):
            return self._unary()
        operators = self._LEVELS[level]
        left = self._binary_level(level + 1)
        while self._peek() in operators:
            op = self._peek()
            assert op is not None
            self.position += 1
            right = self._binary_level(level + 1)
            left = _combine(_BINARY[op], left, right, op)
            if level == 2:  # comparisons do not chain
                break
        return left

    def _unary(self) -> _Node:
        op = self._peek()
        if op in ("-", "+", "!"):
            self.position += 1
            fn, const = self._unary()
            if op == "+":
                return fn, const
            if op == "-":
                if const is not None:
                    return _constant(-const)
                return (lambda lookup: -fn(lookup)), None
            if const is not None:
                return _constant(float(not const))
            return (lambda lookup: float(not fn(lookup))), None
        return self._power()

    def _power(self) -> _Node:
        base = self._atom()
        op = self._peek()
        if op in ("**", "^"):
            self.position += 1
            exponent = self._unary()
            return _combine(math.pow, base, exponent, op)
        return base

    def _atom(self) -> _Node:
        if self.position >= len(self.tokens):
            raise self._error("unexpected end")
        kind, value = self.tokens[self.position]
        self.position += 1
        if kind == "num":
            assert isinstance(value, float)
            return _constant(value)
        if kind == "name":
            assert isinstance(value, str)
            if self._peek() == "(":
                return self._call(value)
            self.names.add(value)
            name = value
            return (lambda lookup: lookup(name)), None
        if value == "(":
            node = self._ternary()
            self._expect(")")
            return node
        raise self._error(f"unexpected {value!r}")

    def _call(self, name: str) -> _Node:
        if name not in _FUNCTIONS:
            raise self._error(f"unknown function {name!r}")
        function, least, most = _FUNCTIONS[name]
        self._expect("(")
        args: list[_Node] = []
        if self._peek() != ")":
            args.append(self._ternary())
            while self._peek() == ",":
                self.position += 1
                args.append(self._ternary())
        self._expect(")")
        if len(args) < least or (most >= 0 and len(args) > most):
            raise self._error(f"{name}() takes {least}-{most if most >= 0 else 'n'} arguments")
        fns = [fn for fn, _ in args]
        if all(const is not None for _, const in args):
            return _constant(_apply(function, [c for _, c in args if c is not None], name))
        return (lambda lookup: _apply(function, [fn(lookup) for fn in fns], name)), None


def _apply(function: Callable[..., float], args: list[float], name: str) -> float:
    try:
        result = function(*args)
    except (ArithmeticError, ValueError) as exc:
        raise ExpressionError(f"{name}({', '.join(f'{a:g}' for a in args)}): {exc}") from None
    return float(result)


def _combine(
    operator: Callable[[float, float], float], left: _Node, right: _Node, symbol: str
) -> _Node:
    left_fn, left_const = left
    right_fn, right_const = right

    def checked(a: float, b: float) -> float:
        try:
            return float(operator(a, b))
        except ZeroDivisionError:
            raise ExpressionError(f"division by zero ({a:g} {symbol} {b:g})") from None
        except (ArithmeticError, ValueError) as exc:
            raise ExpressionError(f"cannot compute {a:g} {symbol} {b:g}: {exc}") from None

    if left_const is not None and right_const is not None:
        return _constant(checked(left_const, right_const))
    return (lambda lookup: checked(left_fn(lookup), right_fn(lookup))), None


class Expression:
    """A compiled parameter expression.

    Args:
        text: the expression without its quotes or braces, e.g. ``"P*2"``, ``"2*M0"``, ``"1u"``.
        dialect: how suffixes read (``"spice"``: case-insensitive; ``"spectre"``: ``M`` is mega).

    Attributes:
        text: the source text, verbatim (for error messages).
        names: the parameter names it reads (lower case).
        constant: its value when it reads no parameter, else None.

    Raises:
        ExpressionError: a syntax error, a bad number or an unknown function.

    Example:
        >>> Expression("2*w + 1u").evaluate({"w": 1e-6}.__getitem__)
        3e-06
    """

    __slots__ = ("_fn", "constant", "names", "text")

    def __init__(self, text: str, dialect: Dialect = "spice") -> None:
        self.text = text
        parser = _Parser(text, dialect)
        self._fn, self.constant = parser.parse()
        self.names = frozenset(parser.names)

    def evaluate(self, lookup: Lookup) -> float:
        """The value, reading parameters through ``lookup``.

        Raises:
            ExpressionError: division by zero or a math domain error while evaluating.
            Whatever ``lookup`` raises for an undefined name.
        """
        if self.constant is not None:
            return self.constant
        return self._fn(lookup)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"
