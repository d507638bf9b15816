"""Build an element knowledge graph from RDKit's periodic table, KCL style.

Each numeric element property is discretised into ``levels`` quantile bins over the elements that
have it, and every bin becomes an attribute entity (``Weight3 isWeightOf C``); period and group
come from the atomic number. Users extend the graph by adding properties (any mapping from
atomic number to a number) with their own relation names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from rdkit import Chem

from graphcl.kg.element_kg import SYMBOLS, ElementKG

_TABLE = Chem.GetPeriodicTable()
#: First atomic number of each period.
_PERIOD_STARTS = (1, 3, 11, 19, 37, 55, 87, 119)


def period(z: int) -> int:
    """Period (row) of atomic number ``z``."""
    return next(p for p, start in enumerate(_PERIOD_STARTS[1:], start=1) if z < start)


def group(z: int) -> str:
    """IUPAC group 1-18, or ``Lanthanoids`` / ``Actinoids``."""
    if 57 <= z <= 71:
        return "Lanthanoids"
    if 89 <= z <= 103:
        return "Actinoids"
    if z == 1:
        return "Group1"
    if z == 2:
        return "Group18"
    offset = z - _PERIOD_STARTS[period(z) - 1]
    if period(z) <= 3:  # s and p blocks only
        return f"Group{offset + 1 if offset < 2 else offset + 11}"
    if period(z) >= 6 and offset >= 3:  # skip the f block
        offset -= 14
    return f"Group{offset + 1}"


#: relation -> (attribute name, property of an atomic number); None values are left out.
RDKIT_PROPERTIES: dict[str, tuple[str, Callable[[int], float | None]]] = {
    "isWeightOf": ("Weight", _TABLE.GetAtomicWeight),
    "isVdwRadiusOf": ("VdwRadius", lambda z: _TABLE.GetRvdw(z) or None),
    "isCovalentRadiusOf": ("CovalentRadius", lambda z: _TABLE.GetRcovalent(z) or None),
    "isOuterElectronsOf": ("OuterElectrons", lambda z: float(_TABLE.GetNOuterElecs(z))),
}


def quantile_levels(values: Mapping[int, float], levels: int) -> dict[int, int]:
    """Level 1..``levels`` of each value by quantile bins (ties share a level)."""
    numbers = np.array(list(values.values()), dtype=float)
    edges = np.unique(np.quantile(numbers, np.linspace(0, 1, levels + 1)[1:-1]))
    return {z: int(np.searchsorted(edges, v, side="right")) + 1 for z, v in values.items()}


def build_element_kg(
    levels: int = 5,
    properties: Mapping[str, tuple[str, Callable[[int], float | None]]] | None = None,
    max_atomic_number: int = 118,
) -> ElementKG:
    """An element KG from RDKit's periodic table.

    Args:
        levels: bins per numeric property.
        properties: relation -> (attribute prefix, property function); defaults to
            :data:`RDKIT_PROPERTIES` (weight, van der Waals and covalent radius, outer electrons).
        max_atomic_number: elements 1..this.

    Example:
        >>> kg = build_element_kg()
        >>> ("isPeriodOf", "Period2") in kg.attributes_of("C")
        True
    """
    if levels < 2:
        raise ValueError(f"levels must be >= 2, got {levels}")
    elements = range(1, max_atomic_number + 1)
    triples = [(f"Period{period(z)}", "isPeriodOf", SYMBOLS[z]) for z in elements]
    triples += [(group(z), "isGroupOf", SYMBOLS[z]) for z in elements]
    for relation, (prefix, value_of) in (properties or RDKIT_PROPERTIES).items():
        values = {z: v for z in elements if (v := value_of(z)) is not None}
        for z, level in quantile_levels(values, levels).items():
            triples.append((f"{prefix}{level}", relation, SYMBOLS[z]))
    return ElementKG.from_triples(triples, name="rdkit")
