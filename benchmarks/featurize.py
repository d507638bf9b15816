"""Featurization throughput: graphcl against ogb.utils.smiles2graph on the same molecules.

Measures, in one run, on the same N ZINC250k molecules (default 20,000):

1. ``ogb.utils.smiles2graph`` in one process (the baseline);
2. ``graphcl.featurization.smiles_to_graph`` in one process (one PyG ``Data`` per call);
3. ``graphcl.data.featurize_smiles`` (the dataset path: arrays packed into one store) with 1, 2,
   ... up to all cores;
4. ``load_dataset`` of the same molecules as a file: first load (featurize + write cache) and a
   second load (read cache).

Each timing is the best of ``--repeats`` runs. Targets (DEVELOPERS.md / issue 2): >= 2x ogb on one
process, near-linear scaling with processes, cached reload >= 50x faster than featurizing.

Usage: python benchmarks/featurize.py [--molecules 20000] [--repeats 3] [--json out.json]
The ZINC250k file comes from the mirror ($GRAPHCL_DATA_MIRROR or ../shared/data) or is
downloaded (verified) into $GRAPHCL_HOME.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from common import use_default_mirror
from ogb.utils import smiles2graph
from rdkit import Chem, rdBase

from graphcl.data import featurize_smiles, fetch_dataset, load_dataset
from graphcl.data.formats import open_text
from graphcl.featurization import OGBFeaturizer, smiles_to_graph


def zinc_smiles(count: int) -> list[str]:
    use_default_mirror()
    path, _ = fetch_dataset("zinc250k")[0]
    out = []
    with open_text(path) as handle, rdBase.BlockLogs():
        for line in handle:
            text = line.strip()
            if text and Chem.MolFromSmiles(text) is not None:
                out.append(text)
            if len(out) == count:
                break
    return out


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """Smallest wall time of ``repeats`` calls (results kept alive during timing, as in use)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
        del result
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--molecules", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    smiles = zinc_smiles(args.molecules)
    n = len(smiles)
    cores = os.cpu_count() or 1
    featurizer = OGBFeaturizer()
    for text in smiles[:200]:  # same output, checked before timing
        assert (smiles2graph(text)["node_feat"] == featurizer.arrays(text).x).all()

    rows: list[tuple[str, float]] = []
    ogb_time = best_of(args.repeats, lambda: [smiles2graph(s) for s in smiles])
    rows.append(("ogb.utils.smiles2graph, 1 process (baseline)", ogb_time))
    rows.append(
        (
            "graphcl smiles_to_graph -> Data, 1 process",
            best_of(args.repeats, lambda: [smiles_to_graph(s) for s in smiles]),
        )
    )
    workers = sorted({1, 2, cores} - {0})
    for count in workers:
        rows.append(
            (
                f"graphcl featurize_smiles (dataset path), {count} process(es)",
                best_of(
                    args.repeats,
                    lambda c=count: featurize_smiles(smiles, workers=c, progress=False),
                ),
            )
        )

    with tempfile.TemporaryDirectory() as home:
        os.environ["GRAPHCL_HOME"] = home
        source = Path(home) / "zinc_sample.smi"
        source.write_text("\n".join(smiles) + "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            load_dataset(source, progress=False)
            first = time.perf_counter() - start
            cached = best_of(args.repeats, lambda: load_dataset(source, progress=False))
    rows.append((f"load_dataset first load ({cores} processes, writes cache)", first))
    rows.append(("load_dataset cached reload", cached))

    single = rows[2][1]
    print(
        f"\nFeaturization of {n} ZINC250k molecules, best of {args.repeats} "
        f"({cores} cores, torch threads {os.environ.get('OMP_NUM_THREADS', 'default')})\n"
    )
    print(f"| {'what':<62} | {'seconds':>8} | {'mol/s':>9} | {'vs ogb':>7} |")
    print(f"|{'-' * 64}|{'-' * 10}|{'-' * 11}|{'-' * 9}|")
    for label, seconds in rows:
        print(f"| {label:<62} | {seconds:8.3f} | {n / seconds:9.0f} | {ogb_time / seconds:6.2f}x |")
    scaling = {c: single / t for c, (_, t) in zip(workers, rows[2 : 2 + len(workers)], strict=True)}
    print(
        "\nscaling with processes (featurize_smiles): "
        + ", ".join(f"{c}: {s:.2f}x" for c, s in scaling.items())
    )
    print(
        f"cached reload vs featurizing in 1 process: {single / cached:.0f}x faster; "
        f"vs the first load: {first / cached:.0f}x faster"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "molecules": n,
                    "cores": cores,
                    "seconds": dict(rows),
                    "speedup_vs_ogb": {k: ogb_time / v for k, v in rows},
                    "scaling": scaling,
                    "cached_vs_single": single / cached,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
