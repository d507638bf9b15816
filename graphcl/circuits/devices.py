"""Device types, pin roles and the name patterns that recognise PDK primitives.

A foundry PDK ships its transistors, resistors and capacitors as models or as subcircuits the
design netlist only instantiates (``xm0 d g s b nch_mac l=200n``,
``X1 a b sky130_fd_pr__cap_mim_m3_1 w=2 l=2``). An instance whose master is not defined in the
files read is such a primitive: its type comes from the first pattern in
:data:`DEFAULT_DEVICE_PATTERNS` (or the user's patterns, tried first) that matches the master
name, if its terminal count fits that type (:data:`TERMINAL_COUNTS`); otherwise it stays an
opaque ``subckt`` device.

Device types (:data:`DEVICE_TYPES`, the categorical index of ``graph['device'].type``)::

    0 nmos   1 pmos   2 mos (polarity unknown)   3 npn   4 pnp   5 bjt (polarity unknown)
    6 resistor   7 capacitor   8 inductor   9 diode   10 vsource   11 isource
    12 vcvs (E)   13 vccs (G)   14 cccs (F)   15 ccvs (H)   16 subckt (opaque instance)

Pin roles (:data:`PIN_ROLES`, the categorical index of ``graph['pin'].role``) and the labels that
end pin names (``xota.m1.g``)::

    MOSFET      drain d, gate g, source s, bulk b          (extra terminals: terminal_k)
    BJT         collector c, base b, emitter e, substrate s
    diode       anode a, cathode k
    R, C, L     plus p, minus n (a third PDK terminal: bulk b)
    V, I, F, H  positive p, negative n
    E, G        positive p, negative n, control_positive cp, control_negative cn
    opaque      terminal_0 .. terminal_15, then terminal_other; labelled by the subcircuit's
                port name when it is defined (a black box), else t0, t1, ...
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

#: The device types, in the order of their categorical index.
DEVICE_TYPES: tuple[str, ...] = (
    "nmos",
    "pmos",
    "mos",
    "npn",
    "pnp",
    "bjt",
    "resistor",
    "capacitor",
    "inductor",
    "diode",
    "vsource",
    "isource",
    "vcvs",
    "vccs",
    "cccs",
    "ccvs",
    "subckt",
)
TYPE_INDEX: dict[str, int] = {name: index for index, name in enumerate(DEVICE_TYPES)}

#: Terminals beyond these many on an opaque device share the role ``terminal_other``.
MAX_TERMINAL_ROLES = 16

#: The pin roles, in the order of their categorical index.
PIN_ROLES: tuple[str, ...] = (
    "drain",
    "gate",
    "source",
    "bulk",
    "collector",
    "base",
    "emitter",
    "substrate",
    "anode",
    "cathode",
    "plus",
    "minus",
    "positive",
    "negative",
    "control_positive",
    "control_negative",
    *(f"terminal_{k}" for k in range(MAX_TERMINAL_ROLES)),
    "terminal_other",
)
ROLE_INDEX: dict[str, int] = {name: index for index, name in enumerate(PIN_ROLES)}

_ROLES_BY_TYPE: dict[str, tuple[tuple[str, str], ...]] = {
    "mos": (("drain", "d"), ("gate", "g"), ("source", "s"), ("bulk", "b")),
    "bjt": (("collector", "c"), ("base", "b"), ("emitter", "e"), ("substrate", "s")),
    "diode": (("anode", "a"), ("cathode", "k")),
    "passive": (("plus", "p"), ("minus", "n"), ("bulk", "b")),
    "source": (("positive", "p"), ("negative", "n")),
    "controlled": (
        ("positive", "p"),
        ("negative", "n"),
        ("control_positive", "cp"),
        ("control_negative", "cn"),
    ),
}
_FAMILY = {
    "nmos": "mos",
    "pmos": "mos",
    "mos": "mos",
    "npn": "bjt",
    "pnp": "bjt",
    "bjt": "bjt",
    "diode": "diode",
    "resistor": "passive",
    "capacitor": "passive",
    "inductor": "passive",
    "vsource": "source",
    "isource": "source",
    "cccs": "source",
    "ccvs": "source",
    "vcvs": "controlled",
    "vccs": "controlled",
}

#: Terminal counts (inclusive range) a PDK primitive of each type may have.
TERMINAL_COUNTS: dict[str, tuple[int, int]] = {
    "nmos": (3, 6),
    "pmos": (3, 6),
    "npn": (3, 4),
    "pnp": (3, 4),
    "resistor": (2, 3),
    "capacitor": (2, 3),
    "inductor": (2, 3),
    "diode": (2, 2),
}

#: ``(type, regex)`` pairs tried in order on lower-case master names (``re.search``).
DEFAULT_DEVICE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("capacitor", r"^sky130_fd_pr__cap"),
    ("resistor", r"^sky130_fd_pr__res"),
    ("diode", r"^sky130_fd_pr__diode"),
    ("npn", r"^sky130_fd_pr__npn"),
    ("pnp", r"^sky130_fd_pr__pnp"),
    ("nmos", r"^sky130_fd_pr__(special_)?nfet"),
    ("pmos", r"^sky130_fd_pr__(special_)?pfet"),
    ("capacitor", r"^(cfmom|crtmom|mom|mim|vncap|moscap|varactor|varmis)|cap"),
    ("resistor", r"^(rppoly|rnpoly|rppo|rnpo|rpoly|rnod|rpod|rnw|rm\d|rhi|rlo)|res"),
    ("diode", r"dio"),
    ("npn", r"npn"),
    ("pnp", r"pnp"),
    ("nmos", r"^(nch|nmos|nfet|nlvt|nhvt|nsvt|nrvt|nulvt|nelvt)|nfet|nmos|nch_|_nch"),
    ("pmos", r"^(pch|pmos|pfet|plvt|phvt|psvt|prvt|pulvt|pelvt)|pfet|pmos|pch_|_pch"),
)

_SPICE_MODEL_TYPES = {
    "nmos": "nmos",
    "pmos": "pmos",
    "npn": "npn",
    "pnp": "pnp",
    "d": "diode",
    "r": "resistor",
    "res": "resistor",
    "c": "capacitor",
    "cap": "capacitor",
    "l": "inductor",
    "ind": "inductor",
}
_SPECTRE_MOS = re.compile(r"^(bsim|psp|hisim|mos\d|ekv|b3soi|b4soi|bsimsoi|bsimcmg|bsimbulk)")
_SPECTRE_BJT = re.compile(r"^(bjt|vbic|hbt|hicum|mextram|bht|gp)")


def model_device_type(kind: str) -> str | None:
    """The device type of a ``.model`` kind (``nmos``, ``d``; Spectre ``bsim4:n``, ``vbic:pnp``)."""
    base, _, polarity = kind.partition(":")
    if base in _SPICE_MODEL_TYPES:
        return _SPICE_MODEL_TYPES[base]
    if _SPECTRE_MOS.match(base):
        return "pmos" if polarity.startswith("p") else "nmos"
    if _SPECTRE_BJT.match(base):
        return "pnp" if polarity.startswith("p") else "npn"
    if base in ("diode", "juncap", "juncap2"):
        return "diode"
    if base in ("resistor", "capacitor", "inductor"):
        return base
    return None


@functools.lru_cache(maxsize=4096)
def roles_for(
    type_name: str, count: int, ports: tuple[str, ...] = ()
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Pin role indices and pin labels of a device with ``count`` terminals.

    Args:
        type_name: one of :data:`DEVICE_TYPES`.
        count: its number of terminals.
        ports: port names of a defined (black-box) subcircuit, used as labels of opaque devices.
    """
    family = _FAMILY.get(type_name)
    roles: list[int] = []
    labels: list[str] = []
    named = _ROLES_BY_TYPE[family] if family else ()
    for k in range(count):
        if k < len(named):
            role, label = named[k]
        else:
            role = f"terminal_{k}" if k < MAX_TERMINAL_ROLES else "terminal_other"
            label = ports[k] if k < len(ports) else f"t{k}"
        roles.append(ROLE_INDEX[role])
        labels.append(label)
    return tuple(roles), tuple(labels)


class DevicePatterns:
    """Recognises primitive devices from master (model or subcircuit) names.

    Args:
        patterns: extra ``type -> regex or regexes`` (or ``(type, regex)`` pairs) tried before the
            defaults, e.g. ``{"nmos": r"^myfoundry_n"}``. Regexes are matched with ``re.search``
            on the lower-case name.
        defaults: also use :data:`DEFAULT_DEVICE_PATTERNS` after the user's patterns.

    Raises:
        ValueError: a type that is not in :data:`DEVICE_TYPES` or an invalid regex.

    Example:
        >>> DevicePatterns().classify("sky130_fd_pr__nfet_01v8", 4)
        'nmos'
        >>> DevicePatterns().classify("cfmom_2t", 2)
        'capacitor'
    """

    def __init__(
        self,
        patterns: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | None = None,
        defaults: bool = True,
    ) -> None:
        pairs: list[tuple[str, str]] = []
        if isinstance(patterns, Mapping):
            for type_name, regexes in patterns.items():
                for regex in [regexes] if isinstance(regexes, str) else regexes:
                    pairs.append((type_name, regex))
        elif patterns is not None:
            pairs.extend(patterns)
        if defaults:
            pairs.extend(DEFAULT_DEVICE_PATTERNS)
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        for type_name, regex in pairs:
            if type_name not in TYPE_INDEX:
                raise ValueError(
                    f"device pattern type must be one of {', '.join(DEVICE_TYPES)}, "
                    f"got {type_name!r}"
                )
            try:
                self.patterns.append((type_name, re.compile(regex)))
            except re.error as exc:
                raise ValueError(
                    f"invalid device pattern {regex!r} for {type_name}: {exc}"
                ) from None
        self._cache: dict[tuple[str, int], str | None] = {}

    def match(self, name: str) -> str | None:
        """The type of the first pattern matching ``name`` (lower case), whatever its terminals."""
        for type_name, pattern in self.patterns:
            if pattern.search(name):
                return type_name
        return None

    def classify(self, name: str, count: int) -> str | None:
        """The primitive type of master ``name`` with ``count`` terminals, or None."""
        key = (name, count)
        if key not in self._cache:
            found = None
            for type_name, pattern in self.patterns:
                if pattern.search(name):
                    least, most = TERMINAL_COUNTS.get(type_name, (1, 1 << 30))
                    if least <= count <= most:
                        found = type_name
                        break
            self._cache[key] = found
        return self._cache[key]

    def mos_polarity(self, model: str) -> str:
        """``nmos``/``pmos`` for a MOSFET model name, from the patterns or its first letter
        (``n``/``p``, as ALIGN's generic models ``n``, ``nlvt``, ``pmos_rvt``); else ``mos``."""
        found = self.match(model)
        if found in ("nmos", "pmos"):
            return found
        if model.startswith("n"):
            return "nmos"
        if model.startswith("p"):
            return "pmos"
        return "mos"

    def bjt_polarity(self, model: str) -> str:
        """``npn``/``pnp`` from a BJT model name, else ``bjt``."""
        found = self.match(model)
        return found if found in ("npn", "pnp") else "bjt"
