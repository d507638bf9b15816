"""``graphcl predict``: predictions of a saved predictor for SMILES strings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphcl.data.formats.tables import read_text, text_lines
from graphcl.errors import DatasetError, InvalidSmilesError
from graphcl.evaluation import Predictor


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "predict",
        help="predict properties of molecules with a saved predictor",
        description="Print one CSV row per molecule: the SMILES and one column per task "
        "(probability of the positive class, or the value in label units). A SMILES that "
        "cannot be read stops the command with an error naming its argument or line.",
    )
    parser.add_argument("predictor", help="predictor file (runs/<run>/predictors/*.pt)")
    parser.add_argument("smiles", nargs="*", help="SMILES strings")
    parser.add_argument("-i", "--input", help="file with one SMILES per line ('-' for stdin)")
    parser.set_defaults(handler=run)


def _entries(lines: list[str], source: str) -> list[tuple[str, str]]:
    """(first token, 'line N of SOURCE') of each non-blank, non-comment line."""
    return [
        (line.split()[0], f"line {number} of {source}")
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def run(args: argparse.Namespace) -> int:
    entries = [(text, f"argument {i + 1}") for i, text in enumerate(args.smiles)]
    if args.input == "-":
        entries += _entries(text_lines(sys.stdin.read()), "standard input")
    elif args.input:
        path = Path(args.input)
        if not path.is_file():
            raise DatasetError(f"no such file: {path}")
        entries += _entries(text_lines(read_text(path)), str(path))
    if not entries:
        raise DatasetError("no SMILES given: pass them as arguments or with --input FILE")
    predictor = Predictor.load(args.predictor)
    smiles = [text for text, _ in entries]
    try:
        values = predictor.predict(smiles)
    except InvalidSmilesError as exc:
        where = entries[exc.index][1] if exc.index is not None else "input"
        reason = exc.reason.split(" (input ")[0]
        raise InvalidSmilesError(exc.smiles, f"{reason} ({where})", exc.index) from None
    print(",".join(["smiles", *predictor.task_names]))
    for text, row in zip(smiles, values.tolist(), strict=True):
        print(",".join([text, *(f"{v:.4f}" for v in row)]))
    return 0
