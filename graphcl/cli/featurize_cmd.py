"""``graphcl featurize``: SMILES file or dataset -> graphs file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from graphcl.data import load_dataset
from graphcl.featurization import available


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "featurize",
        help="turn a SMILES/CSV file or a dataset into PyG graphs",
        description="Featurize every molecule (in parallel, cached) and write the graphs, labels "
        "and SMILES to one file readable with graphcl.data.MoleculeDataset.load. Unparsable "
        "SMILES are skipped and listed in a rejects.csv next to the cache.",
    )
    parser.add_argument("input", help="dataset name or path of a .csv/.csv.gz/.smi file")
    parser.add_argument("-o", "--output", help="output file (default: <input name>.graphs.pt)")
    parser.add_argument("--featurizer", default="ogb", choices=available())
    parser.add_argument("--smiles-column", help="SMILES column of a CSV (default: smiles)")
    parser.add_argument(
        "--label-columns",
        help="comma-separated label columns of a CSV (default: all other columns)",
    )
    parser.add_argument(
        "--task",
        choices=("classification", "regression"),
        help="label type of a CSV (default: inferred)",
    )
    parser.add_argument("--workers", type=int, help="processes (default: all cores)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    dataset = load_dataset(
        args.input,
        args.featurizer,
        smiles_column=args.smiles_column,
        label_columns=args.label_columns.split(",") if args.label_columns else None,
        task=args.task,
        workers=args.workers,
        progress=not args.quiet,
    )
    output = Path(args.output or f"{dataset.name}.graphs.pt")
    dataset.save(output)
    atoms = int(dataset.store.num_nodes.sum())
    labels = ", ".join(dataset.info.label_names) or "none"
    print(f"{dataset.name}: {len(dataset)} molecules, {atoms} atoms, labels: {labels} -> {output}")
    return 0
