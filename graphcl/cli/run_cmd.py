"""``graphcl run RECIPE``: run a YAML recipe."""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from graphcl.config.recipe import available, load_recipe
from graphcl.config.runner import run_recipe
from graphcl.losses.distributed import world


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run a YAML recipe",
        description="Run a recipe file (or a shipped recipe by name: "
        + ", ".join(available())
        + "). Every key is validated before anything runs.",
    )
    parser.add_argument("recipe", help="recipe YAML path or shipped recipe name")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe key, e.g. --set evaluate.seeds=1 (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the resolved recipe and exit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    recipe = load_recipe(args.recipe, args.overrides)
    if args.dry_run:
        print(yaml.safe_dump(recipe, sort_keys=False).rstrip())
        return 0
    run = run_recipe(recipe, progress=not args.quiet)
    if world()[0] != 0:  # under torchrun only rank 0 reports
        return 0
    if run.table:
        print(run.table)
    if run.pretrain is not None and run.pretrain.encoder_checkpoint is not None:
        print(f"pre-trained encoder: {run.pretrain.encoder_checkpoint}")
    if run.run_dir is not None:
        print(f"run directory: {run.run_dir}")
    return 0
