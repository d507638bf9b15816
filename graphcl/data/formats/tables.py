"""Table readers turn a dataset's source files into SMILES strings and a label matrix.

Each reader is registered under the card's ``format`` name. Files may be plain, gzip-compressed or
a (compressed) tar archive with a single text member; :func:`open_text` sniffs which.
Empty label cells become NaN (a missing label), never zero.
"""

from __future__ import annotations

import csv
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


#: Label cells that mean "missing" (as pandas reads them); any other non-number is an error.
MISSING_LABELS = frozenset({"", "nan", "NaN", "NA", "N/A", "n/a", "null", "NULL", "None", "-"})


def label_matrix(
    columns: Sequence[Sequence[str]], names: Sequence[str], lines: Sequence[int], source: str
) -> FloatArray:
    """Label cells (one sequence of text per column) as floats, NaN where missing.

    Raises:
        DatasetError: a cell is text, or infinite; the message names the file, line and column.
    """
    out = np.full((len(lines), len(names)), np.nan)
    for j, (name, cells) in enumerate(zip(names, columns, strict=True)):
        text = pd.Series(list(cells), dtype=object).astype(str).str.strip()
        values = pd.to_numeric(text, errors="coerce").to_numpy(np.float64, copy=True)
        missing = text.isin(MISSING_LABELS).to_numpy()
        bad = np.isnan(values) & ~missing
        if bad.any():
            row = int(np.argmax(bad))
            raise DatasetError(
                f"{source}:{lines[row]}: label {name!r} is {text.iloc[row]!r}, not a number "
                "(leave the cell empty for a missing label)"
            )
        infinite = np.isinf(values)
        if infinite.any():
            row = int(np.argmax(infinite))
            raise DatasetError(
                f"{source}:{lines[row]}: label {name!r} is {text.iloc[row]!r}; labels must be "
                "finite numbers (leave the cell empty for a missing label)"
            )
        values[missing] = np.nan
        out[:, j] = values
    return out


def read_text(path: Path) -> str:
    """The whole text of ``path`` (plain, gzip or a one-file tar; UTF-8, a BOM allowed).

    Raises:
        DatasetError: not UTF-8 (names the line and the byte); empty archive members.
    """
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            if len(members) != 1:
                raise DatasetError(
                    f"{path}: expected one file in the archive, found {len(members)}"
                )
            raw_file = archive.extractfile(members[0])
            assert raw_file is not None
            raw = raw_file.read()
    elif magic == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                raw = handle.read()
        except (OSError, EOFError) as exc:
            raise DatasetError(f"{path}: a damaged gzip file ({exc})") from None
    else:
        raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start : exc.start + 1]
        raise DatasetError(
            f"{path}:{line}: not UTF-8 text (byte {byte!r} at offset {exc.start}); save the "
            "file as UTF-8"
        ) from None


def text_lines(text: str) -> list[str]:
    """The lines of ``text`` split at ``\\n``, ``\\r\\n`` or ``\\r`` only (``str.splitlines`` also
    splits at form feeds, file/group/record separators and Unicode line separators, which can
    sit inside a record)."""
    return [line.rstrip("\r\n") for line in io.StringIO(text, newline=None)]


def csv_separator(path: Path) -> str:
    """``\\t`` for ``.tsv`` files (also ``.tsv.gz``), else ``,``."""
    return "\t" if ".tsv" in path.name.lower() else ","


def read_rows(path: Path, sep: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, records and the line of each record of a delimited text file.

    Blank lines and records whose fields are all empty are skipped; CRLF and quoted fields (with
    the separator or newlines inside) are understood.

    Raises:
        DatasetError: the file is empty or has only a header; a column name repeats; a record
            has more or fewer fields than the header. Each names the file and line.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                header_line = reader.line_num
                continue
            if len(record) != len(header):
                raise DatasetError(
                    f"{path}:{reader.line_num}: {len(record)} fields where the header (line "
                    f"{header_line}) has {len(header)}; quote fields that contain {sep!r}"
                )
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DatasetError(
            f"{path}:{reader.line_num}: not a valid {sep!r}-separated file ({exc})"
        ) from None
    if header is None:
        raise DatasetError(f"{path}: the file is empty (expected a header row and records)")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise DatasetError(
            f"{path}: column name(s) {', '.join(map(repr, duplicates))} appear more than once "
            "in the header; rename them so every column is named once"
        )
    if not rows:
        raise DatasetError(f"{path}: a header but no records")
    return header, rows, lines


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
    header, rows, lines = read_rows(path, csv_separator(path))
    smiles_column, labels = _select_columns(card, header, path)
    position = header.index(smiles_column)
    smiles = [row[position].strip() for row in rows]
    cells = [[row[header.index(name)] for row in rows] for name in labels]
    return RawTable(smiles, label_matrix(cells, labels, lines, str(path)), labels, lines)


def _smiles_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text_lines(read_text(path)), start=1):
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
    header, records, record_lines = read_rows(table_path, csv_separator(table_path))
    if card.id_column not in header:
        raise DatasetError(
            f"{table_path}: no ID column {card.id_column!r}; columns are: {', '.join(header)}"
        )
    labels = (
        [c for c in header if c != card.id_column]
        if card.label_columns == ("*",)
        else list(card.label_columns)
    )
    missing = [c for c in labels if c not in header]
    if missing:
        raise DatasetError(f"{table_path}: label column(s) {', '.join(missing)} not found")
    cells = [[row[header.index(name)] for row in records] for name in labels]
    matrix = label_matrix(cells, labels, record_lines, str(table_path))
    id_position = header.index(card.id_column)
    row_of = {row[id_position].strip(): i for i, row in enumerate(records)}
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
