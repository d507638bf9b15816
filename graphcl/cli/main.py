"""``graphcl`` entry point: subcommands datasets, featurize, eval, run, predict, circuits, zoo."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from graphcl._version import __version__
from graphcl.cli import (
    circuits_cmd,
    datasets_cmd,
    eval_cmd,
    featurize_cmd,
    predict_cmd,
    run_cmd,
    zoo_cmd,
)
from graphcl.errors import GraphclError

_COMMANDS = (
    datasets_cmd,
    featurize_cmd,
    eval_cmd,
    run_cmd,
    predict_cmd,
    circuits_cmd,
    zoo_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphcl",
        description="Graph and molecular contrastive learning: datasets, featurization, "
        "property-prediction evaluation and recipe runs.",
        epilog="Examples:\n"
        "  graphcl datasets list\n"
        "  graphcl eval --datasets bbbp,bace --protocol finetune --seeds 3\n"
        "  graphcl run recipes/quickstart.yaml --set evaluate.train.epochs=10\n"
        "  graphcl circuits info my_ota.sp --json\n"
        "Environment: GRAPHCL_HOME (cache, default ~/.cache/graphcl), "
        "GRAPHCL_DATA_MIRROR (local copy of the data, searched before downloading).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"graphcl {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 usage or input error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.handler(args))
    except GraphclError as exc:
        print(f"graphcl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
