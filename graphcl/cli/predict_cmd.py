"""``graphcl predict``: predictions of a saved predictor for SMILES strings, or parasitic
capacitances of a circuit design (``--netlist`` / ``--design``) as CSV."""

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
    parser.add_argument("predictor", help="predictor file (runs/<run>/.../predictors/*.pt)")
    parser.add_argument(
        "smiles",
        nargs="*",
        help="SMILES strings; with --netlist or --design, further parasitic predictor files "
        "whose heads join the first's (a coupling and a ground predictor of one run)",
    )
    parser.add_argument("-i", "--input", help="file with one SMILES per line ('-' for stdin)")
    circuit = parser.add_argument_group("circuits (parasitic predictors)")
    circuit.add_argument(
        "--netlist", metavar="FILE", help="SPICE/Spectre netlist to estimate parasitics of"
    )
    circuit.add_argument("--top", metavar="NAME", help="subcircuit to flatten as the design")
    circuit.add_argument(
        "--design", metavar="NAME_OR_FILE", help="a published design key or a CirGPS .npz/.pt"
    )
    circuit.add_argument(
        "-o", "--output", metavar="CSV", help="write the table here (default: standard output)"
    )
    parser.set_defaults(handler=run)


def run_parasitics(args: argparse.Namespace) -> int:
    """Coupling capacitance per net pair and ground capacitance per net, in farads, as CSV."""
    from graphcl.circuits import load_design, read_netlist
    from graphcl.circuits.predict import ParasiticPredictor, predict_parasitics

    if args.netlist and args.design:
        raise DatasetError("give --netlist or --design, not both")
    model = ParasiticPredictor.combine(
        [ParasiticPredictor.load(path) for path in [args.predictor, *args.smiles]]
    )
    if args.netlist:
        if not Path(args.netlist).is_file():
            raise DatasetError(f"no such file: {args.netlist}")
        design: Any = read_netlist(args.netlist, top=args.top)
    else:
        design = load_design(args.design, progress=not args.quiet)
    table = predict_parasitics(model, design)
    if args.output:
        from graphcl.runtime.atomic import write_text_atomic

        write_text_atomic(Path(args.output), table.to_csv(index=False))
        counts = table["kind"].value_counts().to_dict()
        print(
            f"wrote {args.output}: {counts.get('coupling', 0)} coupling pairs, "
            f"{counts.get('ground', 0)} ground nets (capacitance_f in farads)",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(table.to_csv(index=False))
    return 0


def _entries(lines: list[str], source: str) -> list[tuple[str, str]]:
    """(first token, 'line N of SOURCE') of each non-blank, non-comment line."""
    return [
        (line.split()[0], f"line {number} of {source}")
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def run(args: argparse.Namespace) -> int:
    if args.netlist or args.design:
        return run_parasitics(args)
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
