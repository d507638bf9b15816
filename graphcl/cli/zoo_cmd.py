"""``graphcl zoo list|info|fetch``: published pre-trained encoders by name."""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from graphcl.zoo import fetch_model, get_model, git_blob_id, list_models, locate_model


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "zoo",
        help="list, describe and download published pre-trained encoders",
        description="Model cards live in graphcl/zoo/cards/*.yaml; files come from the local "
        "mirror ($GRAPHCL_DATA_MIRROR), the cache ($GRAPHCL_HOME/zoo) or their canonical URL, "
        "checked against the card's git blob id (and SHA-256 where known). Use a name with "
        "graphcl.load(NAME) or graphcl eval --checkpoint NAME.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="all published encoders with architecture, method and source")
    info = sub.add_parser("info", help="the card of one encoder and where its file is")
    info.add_argument("name")
    fetch = sub.add_parser("fetch", help="download (or find in the mirror) and verify a file")
    fetch.add_argument("name")
    fetch.add_argument("--no-verify", action="store_true", help="accept an id mismatch")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        rows = [("name", "architecture", "method", "source", "local")]
        for card in list_models():
            arch = card.architecture
            rows.append(
                (
                    card.name,
                    f"{card.gnn_type} {arch.num_layers}x{arch.hidden}",
                    card.method,
                    f"{card.repository}@{card.commit[:12]}",
                    "yes" if locate_model(card) is not None else "no",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        return 0
    card = get_model(args.name)
    if args.action == "info":
        print(yaml.safe_dump(card.summary(), sort_keys=False, width=100).rstrip())
        found = locate_model(card)
        where = found if found is not None else f"not here yet (graphcl zoo fetch {card.name})"
        print(f"local copy: {where}")
        return 0
    path = fetch_model(card, verify=not args.no_verify, progress=not getattr(args, "quiet", False))
    print(f"{path}  git_blob={git_blob_id(path)}")
    return 0
