"""``graphcl datasets list|info|fetch``."""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from graphcl.data import fetch_dataset, get_card, list_cards, load_dataset
from graphcl.data.fetch import locate_file
from graphcl.data.tasks import get_task


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "datasets",
        help="list, describe and download datasets",
        description="Dataset cards live in datasets/*.yaml; files come from the local mirror "
        "($GRAPHCL_DATA_MIRROR), the cache ($GRAPHCL_HOME) or their canonical URL, checked "
        "against the card's SHA-256.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="all datasets with task, size and default split")
    info = sub.add_parser("info", help="the card of one dataset")
    info.add_argument("name")
    fetch = sub.add_parser("fetch", help="download (or find in the mirror) and verify a dataset")
    fetch.add_argument("name")
    fetch.add_argument("--no-verify", action="store_true", help="accept a digest mismatch")
    fetch.add_argument(
        "--featurize",
        metavar="FEATURIZER",
        nargs="?",
        const="ogb",
        help="also build the featurized cache (default featurizer: ogb)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        rows = [("name", "task", "labels", "size", "split", "metric")]
        for card in list_cards().values():
            node_level = get_task(card.task).level == "node"
            labels = str(card.num_tasks if card.num_tasks is not None else "?")
            if card.num_classes is not None:
                labels = f"{card.num_classes} classes"
            unit = "nodes" if node_level else "graphs"
            size = f"{card.num_examples} {unit}" if card.num_examples else "?"
            rows.append(
                (
                    card.name,
                    card.task,
                    labels,
                    size,
                    card.default_split,
                    card.metric,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        return 0
    if args.action == "info":
        card = get_card(args.name)
        print(yaml.safe_dump(card.summary(), sort_keys=False, width=100).rstrip())
        for spec in card.files:
            found = locate_file(spec, card.name)
            where = found[0] if found else f"not here yet (graphcl datasets fetch {card.name})"
            print(f"local copy of {spec.filename}: {where}")
        return 0
    for path, digest in fetch_dataset(
        args.name, verify=not args.no_verify, progress=not args.quiet
    ):
        print(f"{path}  sha256={digest}")
    if args.featurize:
        dataset = load_dataset(
            args.name, args.featurize, verify=not args.no_verify, progress=not args.quiet
        )
        print(dataset)
    return 0
