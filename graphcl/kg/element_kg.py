"""The element knowledge graph: entities, relations, ``attribute relation element`` triples.

KCL's Chemical Element KG (Fang et al., AAAI 2022) links each element to discretised attribute
entities (``Period2 isPeriodOf C``, ``Electronegativity4 isElectronegativityOf C``). The
:class:`ElementKG` holds the triples as index arrays, optional pre-trained entity/relation
embeddings, optional functional groups (name, SMARTS), and per-atomic-number lookup tables that
the ``element_kg`` augmentation uses to expand whole batches at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem
from torch import Tensor

from graphcl.data.formats.tables import text_lines
from graphcl.errors import DatasetError
from graphcl.typing import PathType

_TABLE = Chem.GetPeriodicTable()
#: Atomic numbers 1..118 and their symbols.
SYMBOLS = {z: _TABLE.GetElementSymbol(z) for z in range(1, 119)}
NUMBERS = {symbol: z for z, symbol in SYMBOLS.items()}


def read_triples(path: PathType) -> list[tuple[str, str, str]]:
    """``attribute relation element`` lines (any whitespace) of a triples file.

    Raises:
        DatasetError: a line without exactly three fields, or an unknown element symbol (the
            message names the file and line).
    """
    triples = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text (byte offset {exc.start})") from None
    for number, line in enumerate(text_lines(text), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise DatasetError(
                f"{path}:{number}: expected 'attribute relation element', got {line.strip()!r}"
            )
        if parts[2] not in NUMBERS:
            raise DatasetError(f"{path}:{number}: {parts[2]!r} is not an element symbol")
        triples.append((parts[0], parts[1], parts[2]))
    if not triples:
        raise DatasetError(f"{path}: no triples")
    return triples


@dataclass(frozen=True)
class ElementKG:
    """An element knowledge graph.

    Attributes:
        name: where it came from (``kcl``, ``kano``, ``rdkit``, a path).
        entities: entity names (attributes and element symbols; functional groups for KANO).
        relations: relation names.
        triples: (T, 3) int64 ``(attribute entity, relation, element entity)``.
        entity_embeddings: (E, d_e) float32 pre-trained embeddings (e.g. RotatE 128), or None.
        relation_embeddings: (R, d_r) float32 (e.g. RotatE 64), or None.
        functional_groups: ``(name, SMARTS)`` pairs (KANO), empty otherwise.
    """

    name: str
    entities: tuple[str, ...]
    relations: tuple[str, ...]
    triples: np.ndarray
    entity_embeddings: np.ndarray | None = None
    relation_embeddings: np.ndarray | None = None
    functional_groups: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def from_triples(
        cls,
        triples: Sequence[tuple[str, str, str]],
        name: str,
        entities: Sequence[str] | None = None,
        relations: Sequence[str] | None = None,
        **extra: object,
    ) -> ElementKG:
        """Index named triples; entity and relation orders default to sorted names (KCL's)."""
        entity_names = (
            list(entities)
            if entities is not None
            else sorted({t[0] for t in triples} | {t[2] for t in triples})
        )
        relation_names = (
            list(relations) if relations is not None else sorted({t[1] for t in triples})
        )
        entity_index = {e: i for i, e in enumerate(entity_names)}
        relation_index = {r: i for i, r in enumerate(relation_names)}
        missing = sorted(
            {t[0] for t in triples if t[0] not in entity_index}
            | {t[2] for t in triples if t[2] not in entity_index}
            | {t[1] for t in triples if t[1] not in relation_index}
        )
        if missing:
            raise DatasetError(
                f"{name}: names in the triples but not in the embeddings: {missing[:5]}"
            )
        array = np.array(
            [(entity_index[a], relation_index[r], entity_index[e]) for a, r, e in triples],
            dtype=np.int64,
        )
        return cls(name, tuple(entity_names), tuple(relation_names), array, **extra)  # type: ignore[arg-type]

    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        return len(self.relations)

    @cached_property
    def elements(self) -> tuple[str, ...]:
        """Element symbols that appear as triple tails, by atomic number."""
        tails = {self.entities[i] for i in np.unique(self.triples[:, 2])}
        return tuple(sorted(tails, key=lambda s: NUMBERS[s]))

    @cached_property
    def attributes(self) -> tuple[str, ...]:
        """Attribute entities (triple heads), sorted."""
        return tuple(sorted({self.entities[i] for i in np.unique(self.triples[:, 0])}))

    def attributes_of(self, element: str | int) -> list[tuple[str, str]]:
        """``(relation, attribute)`` pairs of an element given by symbol or atomic number.

        Example:
            >>> kg.attributes_of("C")[:2]  # doctest: +SKIP
            [('isAbundanceOf', 'Abundance3'), ('isBoilingPointOf', 'BoilingPoint9')]
        """
        symbol = SYMBOLS.get(element, "") if isinstance(element, int) else element
        if symbol not in self.entities:
            raise KeyError(f"{element!r} is not an element of knowledge graph {self.name!r}")
        tail = self.entities.index(symbol)
        rows = self.triples[self.triples[:, 2] == tail]
        return sorted((self.relations[r], self.entities[a]) for a, r, _ in rows.tolist())

    def summary(self) -> str:
        """A few lines describing the graph."""
        per_relation = np.bincount(self.triples[:, 1], minlength=self.num_relations)
        lines = [
            f"element KG {self.name!r}: {len(self.elements)} elements, {len(self.attributes)} "
            f"attributes, {self.num_entities} entities, {self.num_relations} relations, "
            f"{len(self.triples)} triples",
            "relations: "
            + ", ".join(
                f"{r} ({c})" for r, c in zip(self.relations, per_relation.tolist(), strict=True)
            ),
        ]
        if self.entity_embeddings is not None:
            lines.append(f"entity embeddings: {tuple(self.entity_embeddings.shape)}")
        if self.relation_embeddings is not None:
            lines.append(f"relation embeddings: {tuple(self.relation_embeddings.shape)}")
        if self.functional_groups:
            lines.append(f"functional groups: {len(self.functional_groups)}")
        return "\n".join(lines)

    def lookup(self) -> tuple[Tensor, Tensor, Tensor]:
        """Per-atomic-number tables of the KG edges, built once (CSR layout).

        Returns:
            ptr (121,): the triples of atomic number z are rows ``ptr[z]:ptr[z+1]``;
            attribute (T,) entity ids and relation (T,) ids, grouped by atomic number.
        """
        atomic = np.array([NUMBERS[self.entities[e]] for e in self.triples[:, 2]], dtype=np.int64)
        order = np.argsort(atomic, kind="stable")
        counts = np.bincount(atomic, minlength=120)[:120]
        ptr = np.concatenate([[0], np.cumsum(counts)])
        return (
            torch.from_numpy(ptr),
            torch.from_numpy(self.triples[order, 0].copy()),
            torch.from_numpy(self.triples[order, 1].copy()),
        )
