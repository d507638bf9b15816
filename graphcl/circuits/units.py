"""Numbers as netlists write them: engineering suffixes, exponents and trailing unit letters.

SPICE (HSPICE, ngspice, Xyce) scale factors are case-insensitive:

=======  ========  =======  ========
suffix   factor    suffix   factor
=======  ========  =======  ========
``t``    1e12      ``m``    1e-3
``g``    1e9       ``u``    1e-6
``meg``  1e6       ``n``    1e-9
``k``    1e3       ``p``    1e-12
``mil``  25.4e-6   ``f``    1e-15
                   ``a``    1e-18
=======  ========  =======  ========

``m`` is milli and ``meg`` is mega (``1M`` is one milli-unit, the classic SPICE trap). Letters
after the scale factor are units and are ignored: ``10pF`` is 1e-11, ``1kohm`` is 1000, ``5V`` is 5
(``v`` is not a scale factor). A number whose letters start with no scale factor keeps its value
(``3ohm`` is 3). Spectre's factors are case-sensitive (``M`` = 1e6, ``m`` = 1e-3, ``K``/``k`` =
1e3, ``T``, ``G``, ``u``, ``n``, ``p``, ``f``, ``a``, ``c`` and ``%`` = 1e-2, ``_`` = 1); ``meg`` is
also accepted there (as mega) and unit letters are tolerated the same way.

A number followed directly by a digit, a dot or an underscore after its letters (``1.2.3``,
``2u5``) or with an incomplete exponent (``1e``, ``1e+``) is a bad number.
"""

from __future__ import annotations

import re
from typing import Literal

#: The two syntaxes a netlist statement can be written in.
Dialect = Literal["spice", "spectre"]

# suffix -> power of ten (values are built from decimal text, so 13.1u is exactly 1.31e-05)
_SPICE_SCALE = {"t": 12, "g": 9, "k": 3, "m": -3, "u": -6, "n": -9, "p": -12, "f": -15, "a": -18}
_SPECTRE_SCALE = {
    "T": 12,
    "G": 9,
    "M": 6,
    "K": 3,
    "k": 3,
    "_": 0,
    "%": -2,
    "c": -2,
    "m": -3,
    "u": -6,
    "n": -9,
    "p": -12,
    "f": -15,
    "a": -18,
}
_MIL = 25.4e-6

#: A number with its suffix letters: mantissa, optional exponent, letters (and Spectre ``%``/``_``).
NUMBER_PATTERN = re.compile(
    r"(?P<mantissa>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?P<suffix>[A-Za-z]*%?|_)"
)


class BadNumberError(ValueError):
    """A token that starts like a number but is not one (``1.2.3``, ``2u5``, ``1e+``)."""


def suffix_scale(letters: str, dialect: Dialect = "spice") -> tuple[int, float]:
    """The scale of the letters after a number: a power of ten and a residual factor.

    Args:
        letters: what follows the mantissa and exponent, e.g. ``"meg"``, ``"pF"``, ``"kohm"``.
        dialect: ``"spice"`` (case-insensitive factors) or ``"spectre"`` (case-sensitive).

    Returns:
        ``(exponent, factor)``: the value is ``mantissa * 10**exponent * factor`` (``factor`` is 1
        except for ``mil``); ``(0, 1.0)`` for letters that are only a unit (``V``, ``ohm``).

    Raises:
        BadNumberError: the letters start with ``e`` (an exponent without digits).
    """
    if not letters:
        return 0, 1.0
    lower = letters.lower()
    if lower[0] == "e":
        raise BadNumberError(f"incomplete exponent {letters!r}")
    if lower.startswith("meg"):
        return 6, 1.0
    if dialect == "spectre":
        return _SPECTRE_SCALE.get(letters[0], 0), 1.0
    if lower.startswith("mil"):
        return 0, _MIL
    return _SPICE_SCALE.get(lower[0], 0), 1.0


def scaled(mantissa: str, letters: str, dialect: Dialect = "spice") -> float:
    """``mantissa`` (digits with an optional exponent, e.g. ``"2.5E3"``) scaled by ``letters``.

    Raises:
        BadNumberError: bad letters (see :func:`suffix_scale`).
    """
    exponent, factor = suffix_scale(letters, dialect)
    if exponent:
        digits, _, power = mantissa.lower().partition("e")
        value = float(f"{digits}e{int(power or 0) + exponent}")
    else:
        value = float(mantissa)
    return value * factor if factor != 1.0 else value


def parse_number(text: str, dialect: Dialect = "spice") -> float:
    """A netlist number in SI units.

    Args:
        text: e.g. ``"270e-9"``, ``"2.5E3"``, ``"1meg"``, ``"10pF"``, ``"-3.3"``, ``"1kohm"``.
        dialect: ``"spice"`` or ``"spectre"`` (see the module docstring for the suffix tables).

    Returns:
        The value as a float (``"10pF"`` -> 1e-11 farads).

    Raises:
        BadNumberError: ``text`` is not a number (the message says why).

    Example:
        >>> parse_number("10pF"), parse_number("1meg"), parse_number("1M", "spectre")
        (1e-11, 1000000.0, 1000000.0)
    """
    stripped = text.strip()
    sign = 1.0
    if stripped[:1] in "+-" and stripped:
        sign = -1.0 if stripped[0] == "-" else 1.0
        stripped = stripped[1:]
    match = NUMBER_PATTERN.fullmatch(stripped)
    if match is None:
        raise BadNumberError(f"bad number {text!r}")
    return sign * scaled(match.group("mantissa"), match.group("suffix"), dialect)
