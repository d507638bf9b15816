"""``graphcl eval``: fine-tune and score property predictors."""

from __future__ import annotations

import argparse
from typing import Any

from graphcl.config.recipe import apply_overrides, validate
from graphcl.data.splits import SPLIT_RULES, split_choices
from graphcl.encoders import available as available_encoders
from graphcl.errors import RecipeError
from graphcl.evaluation import PROTOCOLS, SELECTIONS, evaluate
from graphcl.evaluation.baselines import BASELINES


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "eval",
        help="train and evaluate property predictors (from scratch or a checkpoint)",
        description="For each dataset and seed: split, train, select on validation, report test. "
        "Writes a run directory with the resolved settings, environment, split indices, per-seed "
        "metrics, a Markdown table and learning curves, and prints the table.",
    )
    parser.add_argument("--datasets", required=True, help="comma-separated names or CSV paths")
    parser.add_argument(
        "--protocol",
        default="finetune",
        choices=PROTOCOLS.available(),
        help="; ".join(f"{name}: {cls.description}" for name, cls in PROTOCOLS.items())
        + " (default finetune)",
    )
    parser.add_argument("--checkpoint", help="pre-trained encoder checkpoint to start from")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument(
        "--split",
        default="default",
        choices=split_choices(),
        help="; ".join(f"{rule.name}: {rule.description}" for _, rule in SPLIT_RULES.items())
        + "; or a split by name",
    )
    parser.add_argument(
        "--selection",
        default="best_val",
        choices=list(SELECTIONS),
        help="best_val: test at best validation epoch; last_epoch: GraphCL style",
    )
    parser.add_argument(
        "--encoder",
        choices=available_encoders(),
        help="architecture (default: the checkpoint's, else gin)",
    )
    parser.add_argument("--featurizer", default="ogb")
    parser.add_argument(
        "--epochs", type=int, help="training epochs (default: the protocol's, 100 for graphs)"
    )
    parser.add_argument("--batch-size", type=int, help="default: the protocol's (32 for graphs)")
    parser.add_argument("--lr", type=float, help="default: the protocol's (0.001 for graphs)")
    parser.add_argument(
        "--baselines",
        default="",
        help="comma-separated baselines scored on the same splits: "
        + "; ".join(f"{name}: {cls.description}" for name, cls in BASELINES.items()),
    )
    parser.add_argument(
        "--label-fractions",
        default="1",
        help="comma-separated fractions of each training split to train on, e.g. 0.1,1 (the "
        "low-label setting; columns <dataset>@10%%)",
    )
    parser.add_argument(
        "--transfer",
        default="",
        help="comma-separated datasets (circuit designs) to score each trained model on, unseen",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--output-dir", default="runs", help="parent of the run directory")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any evaluate setting, e.g. encoder.hidden=128 or train.patience=20",
    )
    parser.set_defaults(handler=run)


def _fractions(text: str) -> list[float]:
    try:
        return [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise RecipeError(
            f"--label-fractions: expected numbers such as 0.1,1, got {text!r}"
        ) from None


def run(args: argparse.Namespace) -> int:
    section: dict[str, Any] = {
        "datasets": args.datasets.split(","),
        "protocol": args.protocol,
        "checkpoint": args.checkpoint,
        "seeds": args.seeds,
        "split": args.split,
        "selection": args.selection,
        "featurizer": args.featurizer,
        "device": args.device,
        "encoder": {"name": args.encoder} if args.encoder else {},
        "train": {
            key: value
            for key, value in (
                ("epochs", args.epochs),
                ("batch_size", args.batch_size),
                ("lr", args.lr),
            )
            if value is not None
        },
        "baselines": [name for name in args.baselines.split(",") if name],
        "label_fractions": _fractions(args.label_fractions),
        "transfer": [name for name in args.transfer.split(",") if name],
    }
    recipe = {"name": "eval", "output_dir": args.output_dir, "evaluate": section}
    recipe = apply_overrides(recipe, [f"evaluate.{item}" for item in args.overrides])
    validate(recipe)
    result = evaluate(
        output_dir=args.output_dir,
        run_name="eval",
        progress=not args.quiet,
        recipe=recipe,
        **recipe["evaluate"],
    )
    print(result.table())
    print(f"run directory: {result.run_dir}")
    return 0
