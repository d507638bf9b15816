"""KCL's knowledge-guided augmentation: molecules per second turned into KG-augmented graphs.

Four ways, in the same run, on the same molecules:

- augmented cache: the augmented graphs cached with the dataset
  (:func:`graphcl.augmentation.cache.cache_augmented`), batches only collated;
- featurized cache: from the featurized, cached dataset (collate a batch of 256, augment it);
- uncached: from SMILES (featurize with RDKit, collate, augment);
- reference: a per-molecule loop (RDKit atoms and bonds, the KG's triples scanned for each atom,
  one ``Data`` per molecule, then ``Batch.from_data_list``) -- the shape of KCL's own code, minus
  its re-reading of the triples file for every molecule.

Usage: python benchmarks/element_kg.py [--molecules 20000] [--threads 2] [--kg kcl]
       [--functional-groups]  (with --kg kano: functional-group nodes too)
"""

from __future__ import annotations

import argparse
import time

import torch
from common import benchmark_molecules
from rdkit import Chem
from torch_geometric.data import Batch, Data

from graphcl.augmentation.cache import cache_augmented
from graphcl.augmentation.element_kg import ElementKGAugmentation, augment_molecule_reference
from graphcl.data import featurize_smiles
from graphcl.data.dataset import with_smiles
from graphcl.kg import load_element_kg

BATCH = 256


def reference(smiles: list[str], kg, direction: str = "attribute_to_atom") -> list[Batch]:
    """The per-molecule loop."""
    out = []
    for start in range(0, len(smiles), BATCH):
        graphs = []
        for text in smiles[start : start + BATCH]:
            mol = Chem.MolFromSmiles(text)
            atomic = [atom.GetAtomicNum() for atom in mol.GetAtoms()]
            bonds = []
            for bond in mol.GetBonds():
                u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
                bonds += [(u, v), (v, u)]
            entities, edges = augment_molecule_reference(atomic, bonds, kg, direction)
            source, target, kind = zip(*edges, strict=True) if edges else ((), (), ())
            graphs.append(
                Data(
                    node_entity=torch.tensor(entities),
                    edge_index=torch.tensor([source, target], dtype=torch.long).view(2, -1),
                    edge_type=torch.tensor(kind, dtype=torch.long),
                    num_nodes=len(entities),
                )
            )
        out.append(Batch.from_data_list(graphs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--molecules", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--kg", default="kcl")
    parser.add_argument("--embedded", action="store_true", help="use NCI-5K from RDKit")
    parser.add_argument("--functional-groups", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dataset = benchmark_molecules(args.embedded)
    dataset = dataset.subset(range(min(args.molecules, len(dataset))))
    kg = load_element_kg(args.kg, progress=False)
    augment = ElementKGAugmentation(kg, functional_groups=args.functional_groups)
    count = len(dataset)
    smiles = dataset.smiles
    chunks = torch.arange(count).split(BATCH)

    timings = {}
    start = time.perf_counter()
    cached = cache_augmented(dataset, augment, progress=False)
    build = time.perf_counter() - start
    start = time.perf_counter()
    for chunk in chunks:
        cached.collate(chunk)
    timings["augmented cache (collate)"] = time.perf_counter() - start
    if augment.matcher is not None:  # time the featurized path with matches already known
        augment(dataset.collate(torch.arange(count)))
    start = time.perf_counter()
    views = [augment(dataset.collate(chunk)) for chunk in chunks]
    timings["featurized cache + augment"] = time.perf_counter() - start
    start = time.perf_counter()
    store = featurize_smiles(smiles, workers=0, progress=False).store
    fresh = ElementKGAugmentation(kg, functional_groups=args.functional_groups)
    for chunk in chunks:
        fresh(with_smiles(store.collate(chunk), [smiles[i] for i in chunk.tolist()]))
    timings["uncached (from SMILES)"] = time.perf_counter() - start
    if augment.matcher is None:  # the loop knows no functional groups
        sample = smiles[: min(count, 2_000)]
        start = time.perf_counter()
        loop = reference(sample, kg)
        timings["reference per-molecule loop"] = (time.perf_counter() - start) * count / len(sample)
        # the loop and the batched augmentation agree on the first batch
        assert torch.equal(loop[0].node_entity, views[0].node_entity)
        assert loop[0].num_edges == views[0].num_edges

    nodes = sum(v.num_nodes for v in views) / count
    edges = sum(v.num_edges for v in views) / count
    print(
        f"\nKG-augmenting {count:,} {dataset.name} molecules with the {kg.name!r} element KG "
        f"(functional groups: {augment.matcher is not None}; batches of {BATCH}, {args.threads} "
        f"threads): {nodes:.1f} nodes and {edges:.1f} edges per augmented graph; building the "
        f"augmented cache took {build:.1f} s ({count / build:,.0f} molecules/s)\n"
    )
    base = timings.get("reference per-molecule loop", timings["uncached (from SMILES)"])
    against = "vs loop" if "reference per-molecule loop" in timings else "vs SMILES"
    print(f"| {'path':<30} | {'molecules/s':>12} | {against:>9} |")
    print(f"|{'-' * 32}|{'-' * 14}|{'-' * 11}|")
    for name, seconds in timings.items():
        print(f"| {name:<30} | {count / seconds:>12,.0f} | {base / seconds:>8.1f}x |")


if __name__ == "__main__":
    main()
