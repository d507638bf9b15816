"""Read KANO's ElementKG (an OWL ontology in RDF/XML) into an :class:`ElementKG`.

KANO relates elements to elements that share a discretised property level
(``Sc hasRadius3 Li``); here each such level becomes an attribute entity linked to every element
that has it (``Radius3 hasRadius Sc``, ``Radius3 hasRadius Li``), the form of KCL's graph, so both
KGs feed the same augmentation. Element classes (``rdf:type``, e.g. ``transitionMetals``) become
``isA`` attributes. Functional groups (name, SMARTS) come from KANO's ``funcgroup.txt``.
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from graphcl.errors import DatasetError
from graphcl.kg.element_kg import NUMBERS, ElementKG
from graphcl.typing import PathType

NS = "http://www.semanticweb.org/ElementKG#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_LEVEL = re.compile(r"^has([A-Z][A-Za-z]*?)(\d+|Solid|Liquid|Gas)$")


def read_functional_groups(path: PathType) -> list[tuple[str, str]]:
    """``name SMARTS`` lines. Raises DatasetError naming the line of a malformed entry."""
    groups = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise DatasetError(f"{path}:{number}: expected 'name SMARTS', got {line.strip()!r}")
            groups.append((parts[0], parts[1]))
    return groups


def read_kano_owl(path: PathType, functional_groups: PathType | None = None) -> ElementKG:
    """The element part of KANO's ontology as attribute triples (see the module doc).

    Raises:
        DatasetError: the file is not RDF/XML of the ElementKG namespace.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            root = ET.parse(handle).getroot()
    except ET.ParseError as exc:
        raise DatasetError(f"{path}: not RDF/XML ({exc})") from exc
    triples: set[tuple[str, str, str]] = set()
    for description in root:
        subject = (description.get(f"{{{RDF}}}about") or "").removeprefix(NS)
        if subject not in NUMBERS:
            continue
        for child in description:
            target = (child.get(f"{{{RDF}}}resource") or "").removeprefix(NS)
            if child.tag == f"{{{RDF}}}type" and target and "#" not in target:
                triples.add((target, "isA", subject))
                continue
            match = _LEVEL.match(child.tag.removeprefix(f"{{{NS}}}"))
            if match and target in NUMBERS:  # both elements share this level
                prefix, level = match.groups()
                attribute = f"{prefix}{level}"
                triples.update(
                    {(attribute, f"has{prefix}", subject), (attribute, f"has{prefix}", target)}
                )
    if not triples:
        raise DatasetError(f"{path}: no element relations of the ElementKG namespace found")
    groups = tuple(read_functional_groups(functional_groups)) if functional_groups else ()
    return ElementKG.from_triples(sorted(triples), name=Path(path).name, functional_groups=groups)
