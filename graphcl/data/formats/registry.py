"""Dataset formats by name (a card's ``format:``), in two kinds:

- table readers (:data:`READERS`): files -> SMILES strings and a label matrix
  (:class:`RawTable`), which graphcl then featurizes (``csv``, ``smiles_lines``, ``smi_activity``);
- graph formats (:data:`GRAPH_FORMATS`): files -> a finished dataset whose features come from the
  files themselves (``tu`` graph classification sets; node datasets).

Each registers itself where it is defined; modules of :mod:`graphcl.data.formats` are discovered
on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphcl.errors import UnknownNameError
from graphcl.registry import Registry
from graphcl.typing import FloatArray

if TYPE_CHECKING:
    from graphcl.data.card import DatasetCard


@dataclass(frozen=True)
class RawTable:
    """A dataset as read from its source, before featurization.

    Attributes:
        smiles: one SMILES string per record.
        labels: Shape: (num_records, num_tasks), float64; NaN marks a missing label.
        label_names: one name per label column.
        lines: 1-based line number of each record in its source file (for reject reports).
    """

    smiles: list[str]
    labels: FloatArray
    label_names: list[str]
    lines: list[int]


Reader = Callable[["DatasetCard", Sequence[Path]], RawTable]
#: files -> (dataset, nothing else to featurize)
GraphFormat = Callable[["DatasetCard", Sequence[Path]], Any]

READERS: Registry[Reader] = Registry("table format", package="graphcl.data.formats")
GRAPH_FORMATS: Registry[GraphFormat] = Registry("graph format", package="graphcl.data.formats")


def format_kind(name: str) -> str:
    """``table`` or ``graph``.

    Raises:
        UnknownNameError: neither kind has ``name``; lists both.
    """
    if name in READERS:
        return "table"
    if name in GRAPH_FORMATS:
        return "graph"
    raise UnknownNameError(
        "dataset format", name, [*READERS.available(), *GRAPH_FORMATS.available()]
    )
