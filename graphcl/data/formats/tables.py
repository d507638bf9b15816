"""Table readers turn a dataset's source files into SMILES strings and a label matrix.

Each reader is registered under the card's ``format`` name. Files may be plain, gzip-compressed or
a (compressed) tar archive with a single text member; :func:`open_text` sniffs which.
Empty label cells become NaN (a missing label), never zero.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from graphcl.data.card import DatasetCard
from graphcl.data.formats.registry import READERS, RawTable
from graphcl.errors import DatasetError
from graphcl.typing import FloatArray


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    """Open a text file that may be gzip-compressed or a tar archive with one text member."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            if len(members) != 1:
                raise DatasetError(
                    f"{path}: expected one file in the archive, found {len(members)}"
                )
            raw = archive.extractfile(members[0])
            assert raw is not None
            yield io.TextIOWrapper(raw, encoding="utf-8")
    elif magic == b"\x1f\x8b":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            yield handle
    else:
        with open(path, encoding="utf-8") as handle:
            yield handle


def _label_matrix(frame: pd.DataFrame, columns: Sequence[str], source: str) -> FloatArray:
    try:
        return frame[list(columns)].apply(pd.to_numeric, errors="raise").to_numpy(np.float64)
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"{source}: label columns must be numeric ({exc})") from exc


def _select_columns(card: DatasetCard, header: Sequence[str], path: Path) -> tuple[str, list[str]]:
    smiles_column = card.smiles_column or "smiles"
    if smiles_column not in header:
        raise DatasetError(
            f"{path}: no SMILES column {smiles_column!r}; columns are: {', '.join(header)} "
            "(choose one with smiles_column=... / --smiles-column)"
        )
    if card.label_columns == ("*",):
        return smiles_column, [c for c in header if c != smiles_column]
    missing = [c for c in card.label_columns if c not in header]
    if missing:
        raise DatasetError(
            f"{path}: label column(s) {', '.join(map(repr, missing))} not found; "
            f"columns are: {', '.join(header)}"
        )
    return smiles_column, list(card.label_columns)


@READERS.register("csv")
def read_csv(card: DatasetCard, paths: Sequence[Path]) -> RawTable:
    """A CSV (or TSV, optionally gzip-compressed) with a SMILES column and label columns."""
    path = paths[0]
    sep = "\t" if ".tsv" in path.name else ","
    with open_text(path) as handle:
        frame = pd.read_csv(handle, sep=sep, dtype={card.smiles_column or "smiles": str})
    smiles_column, labels = _select_columns(card, list(frame.columns), path)
    smiles = frame[smiles_column].fillna("").astype(str).tolist()
    matrix = _label_matrix(frame, labels, str(path))
    return RawTable(smiles, matrix, labels, [i + 2 for i in range(len(frame))])


def _smiles_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text.split()


@READERS.register("smiles_lines")
def read_smiles_lines(card: DatasetCard, paths: Sequence[Path]) -> RawTable:
    """One molecule per line: a SMILES string, optionally followed by whitespace and an ID."""
    smiles, lines = [], []
    for path in paths:
        for number, fields in _smiles_records(path):
            smiles.append(fields[0])
            lines.append(number)
    return RawTable(smiles, np.zeros((len(smiles), 0)), [], lines)


@READERS.register("smi_activity")
def read_smi_activity(card: DatasetCard, paths: Sequence[Path]) -> RawTable:
    """A ``SMILES ID`` file joined on ID with an activity CSV (``card.id_column`` + labels).

    Molecules without a row in the activity table get missing (NaN) labels.
    """
    if len(paths) != 2 or not card.id_column:
        raise DatasetError(f"{card.name}: smi_activity needs two files and an id_column")
    smi_path, table_path = paths
    frame = pd.read_csv(table_path, dtype={card.id_column: str})
    if card.id_column not in frame.columns:
        raise DatasetError(
            f"{table_path}: no ID column {card.id_column!r}; "
            f"columns are: {', '.join(frame.columns)}"
        )
    labels = (
        [c for c in frame.columns if c != card.id_column]
        if card.label_columns == ("*",)
        else list(card.label_columns)
    )
    matrix = _label_matrix(frame, labels, str(table_path))
    row_of = {key: i for i, key in enumerate(frame[card.id_column])}
    smiles, lines, rows = [], [], []
    for number, fields in _smiles_records(smi_path):
        if len(fields) < 2:
            raise DatasetError(
                f"{smi_path}:{number}: expected 'SMILES ID', got {' '.join(fields)!r}"
            )
        smiles.append(fields[0])
        lines.append(number)
        rows.append(row_of.get(fields[1], -1))
    index = np.array(rows, dtype=np.int64)
    out = np.full((len(smiles), len(labels)), np.nan)
    out[index >= 0] = matrix[index[index >= 0]]
    return RawTable(smiles, out, labels, lines)


def read_table(card: DatasetCard, paths: Sequence[Path]) -> RawTable:
    """Read a dataset's files with the reader its card names."""
    return READERS.get(card.format)(card, paths)
