"""Featurizer time against molecule size: one molecule of 1k, 10k and 100k heavy atoms.

For each size and two shapes (a linear alkane ``CCC...`` and a polystyrene-like chain of
``CC(c1ccccc1)`` units, with rings and aromatic bonds), measures in one run:

1. ``Chem.MolFromSmiles`` alone (the baseline: RDKit's parse, which every featurizer needs);
2. the OGB featurizer on the same SMILES (parse + atom and bond features + edges);

and prints the featurizer's time, its ratio to the parse, and its time per atom relative to the
1k-atom molecule (1.0 everywhere means linear in the size). Also times how fast a SMILES of
1,000,000 atoms is refused under the default ``max_atoms`` (counted from the text, never parsed).

Usage: python benchmarks/featurize_size.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from rdkit import Chem, rdBase

from graphcl.errors import InvalidSmilesError
from graphcl.featurization import OGBFeaturizer, smiles_to_graph
from graphcl.threads import single_threaded

#: Sizes per shape. RDKit's own parse of ring-rich chains grows faster than linearly (ring
#: perception: 4.7 s at 10k atoms on a 2-core EPYC, so minutes at 100k), so that shape stops at
#: 10k; ``--all`` runs it at 100k too.
SIZES = {"alkane": (1_000, 10_000, 100_000), "polystyrene": (1_000, 10_000)}


def alkane(atoms: int) -> str:
    return "C" * atoms


def polystyrene(atoms: int) -> str:
    unit = "CC(c1ccccc1)"  # 8 heavy atoms
    return unit * (atoms // 8)


def best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="polystyrene at 100k atoms too")
    args = parser.parse_args()
    featurizer = OGBFeaturizer()
    print(f"{'shape':<12} {'atoms':>8} {'parse s':>9} {'featurize s':>12} {'x parse':>8} "
          f"{'per-atom vs 1k':>15}")  # fmt: skip
    with single_threaded(), rdBase.BlockLogs():
        for shape, make in (("alkane", alkane), ("polystyrene", polystyrene)):
            per_atom_1k = None
            sizes = SIZES[shape] + ((100_000,) if args.all and shape == "polystyrene" else ())
            for size in sizes:
                smiles = make(size)
                atoms = Chem.MolFromSmiles(smiles).GetNumAtoms()
                parse = best_of(args.repeats, lambda s=smiles: Chem.MolFromSmiles(s))
                feat = best_of(
                    args.repeats, lambda s=smiles: featurizer.featurize_many([s], max_atoms=None)
                )
                per_atom = feat / atoms
                per_atom_1k = per_atom_1k or per_atom
                print(f"{shape:<12} {atoms:>8,} {parse:>9.4f} {feat:>12.4f} {feat / parse:>8.2f} "
                      f"{per_atom / per_atom_1k:>15.2f}")  # fmt: skip
        start = time.perf_counter()
        try:
            smiles_to_graph("C" * 1_000_000)
        except InvalidSmilesError as error:
            print(f"1,000,000-atom SMILES refused in {time.perf_counter() - start:.3f} s: {error}")


if __name__ == "__main__":
    main()
