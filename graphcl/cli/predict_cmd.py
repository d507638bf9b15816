"""``graphcl predict``: predictions of a saved predictor for SMILES strings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

from graphcl.evaluation import Predictor


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "predict",
        help="predict properties of molecules with a saved predictor",
        description="Print one CSV row per molecule: the SMILES and one column per task "
        "(probability of the positive class, or the value in label units).",
    )
    parser.add_argument("predictor", help="predictor file (runs/<run>/predictors/*.pt)")
    parser.add_argument("smiles", nargs="*", help="SMILES strings")
    parser.add_argument("-i", "--input", help="file with one SMILES per line ('-' for stdin)")
    parser.set_defaults(handler=run)


def _first_tokens(lines: Iterable[str]) -> list[str]:
    return [line.split()[0] for line in lines if line.strip()]


def run(args: argparse.Namespace) -> int:
    smiles = list(args.smiles)
    if args.input == "-":
        smiles += _first_tokens(sys.stdin)
    elif args.input:
        with open(args.input, encoding="utf-8") as handle:
            smiles += _first_tokens(handle)
    predictor = Predictor.load(args.predictor)
    values = predictor.predict(smiles)
    print(",".join(["smiles", *predictor.task_names]))
    for text, row in zip(smiles, values.tolist(), strict=True):
        print(",".join([text, *(f"{v:.4f}" for v in row)]))
    return 0
