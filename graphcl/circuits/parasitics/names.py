"""Hierarchical names as parasitics files and netlist graphs write them, reduced to one key.

A netlist graph names a net ``xbuf.mid`` and a pin ``xbuf.xi0.mn.g`` (lower case, ``.`` between
levels, ``device.label`` for pins); an extractor writes the same objects as ``XBUF/mid`` and
``XBUF/XI0/MN:G`` (DSPF) or ``*12:G`` (SPEF, through its name map). Both sides are reduced to a
key by the same rules:

1. SPEF escapes are removed (``a\\[0\\]`` -> ``a[0]``) and the name is lower-cased (SPICE
   names are case-insensitive);
2. a trailing ``!`` (a global net, ``vdd!``) is dropped;
3. bus bits are written one way: ``a<0>``, ``a[0]``, ``a(0)`` and ``a{0}`` all become ``a[0]``;
4. the name is split into levels at every hierarchy divider: ``/``, ``.``, and the divider the
   file declares (``*|DIVIDER`` / ``*DIVIDER``); a pin's label is what follows the file's pin
   delimiter (``:``) or, in a graph, the last ``.``;
5. only if the key so far is not found (or not unique): the leading ``x`` of every instance
   level is dropped (``XBUF/XI0/MN:G`` and ``buf.i0.mn.g`` meet at ``buf.i0.mn.g``); a net's
   last level and a pin's label are never changed. A key that several graph names share is
   ambiguous and matches nothing at that step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_ESCAPE = re.compile(r"\\(.)")
_BUS = re.compile(r"[<\[({](\d+)[>\])}]")


def unescape(name: str) -> str:
    """``name`` without SPEF backslash escapes (``a\\[0\\]`` -> ``a[0]``)."""
    return _ESCAPE.sub(r"\1", name) if "\\" in name else name


def levels(name: str, dividers: str = "/.") -> list[str]:
    """The hierarchy levels of ``name`` after rules 1-4 of the module docstring.

    Example:
        >>> levels("XBUF/Bus<3>"), levels("xbuf.bus[3]"), levels("VDD!")
        (['xbuf', 'bus[3]'], ['xbuf', 'bus[3]'], ['vdd'])
    """
    text = unescape(name).lower().rstrip("!")
    text = _BUS.sub(r"[\1]", text)
    pattern = "[" + re.escape(dividers) + "]"
    return [part for part in re.split(pattern, text) if part]


def _strip_x(level: str) -> str:
    return level[1:] if len(level) > 1 and level[0] == "x" else level


def net_keys(name: str, dividers: str = "/.", scope: Sequence[str] = ()) -> tuple[str, str]:
    """The exact and the ``x``-stripped key of a net name (``scope`` levels prepended).

    Example:
        >>> net_keys("XBUF/mid")
        ('xbuf.mid', 'buf.mid')
    """
    parts = [*scope, *levels(name, dividers)]
    exact = ".".join(parts)
    stripped = ".".join([*(_strip_x(p) for p in parts[:-1]), *parts[-1:]])
    return exact, stripped


def pin_keys(
    instance: str, label: str, dividers: str = "/.", scope: Sequence[str] = ()
) -> tuple[str, str]:
    """The exact and the ``x``-stripped key of the pin ``label`` of ``instance``.

    Example:
        >>> pin_keys("XBUF/XI0/MN", "G")
        ('xbuf.xi0.mn.g', 'buf.i0.mn.g')
    """
    parts = [*scope, *levels(instance, dividers)]
    pin = unescape(label).lower()
    exact = ".".join([*parts, pin])
    stripped = ".".join([*(_strip_x(p) for p in parts), pin])
    return exact, stripped


def graph_pin_keys(name: str) -> tuple[str, str]:
    """The keys of a graph pin name ``device.label`` (``xbuf.xi0.mn.g``)."""
    device, _, label = name.rpartition(".")
    return pin_keys(device, label, "/.")


AMBIGUOUS = -1


class NameIndex:
    """Graph names by key, for the two matching steps (exact, then ``x``-stripped).

    Args:
        keys: for each graph name (position = node index), its ``(exact, stripped)`` keys.
    """

    def __init__(self, keys: Iterable[tuple[str, str]]) -> None:
        self.exact: dict[str, int] = {}
        self.stripped: dict[str, int] = {}
        for index, (exact, stripped) in enumerate(keys):
            for table, key in ((self.exact, exact), (self.stripped, stripped)):
                found = table.get(key)
                table[key] = index if found is None else AMBIGUOUS

    def find(self, keys: tuple[str, str]) -> int | None:
        """The node index for ``keys``; :data:`AMBIGUOUS` when only shared keys match; None
        when nothing matches."""
        exact = self.exact.get(keys[0])
        if exact is not None and exact != AMBIGUOUS:
            return exact
        stripped = self.stripped.get(keys[1])
        if stripped is not None and stripped != AMBIGUOUS:
            return stripped
        if exact == AMBIGUOUS or stripped == AMBIGUOUS:
            return AMBIGUOUS
        return None
