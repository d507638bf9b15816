from __future__ import annotations

import torch
from torch_geometric.data import Batch

from graphcl.data import load_dataset, make_loader
from graphcl.data.store import concat_ranges


def test_concat_ranges() -> None:
    out = concat_ranges(torch.tensor([5, 0, 9]), torch.tensor([2, 3, 0]))
    assert out.tolist() == [5, 6, 0, 1, 2]


def test_collate_equals_pyg_from_data_list() -> None:
    dataset = load_dataset("chembl2321810", progress=False)
    indices = [17, 3, 500, 3, 999]
    ours = dataset.collate(indices)
    reference = Batch.from_data_list([dataset[i] for i in indices])
    for key in ("x", "edge_index", "edge_attr", "batch", "ptr", "y"):
        assert torch.equal(ours[key], reference[key]), key
    assert ours.num_graphs == 5
    for mine, theirs in zip(ours.to_data_list(), reference.to_data_list(), strict=True):
        assert torch.equal(mine.edge_index, theirs.edge_index)
        assert torch.equal(mine.x, theirs.x)


def test_loader_yields_batches_in_seeded_order() -> None:
    dataset = load_dataset("chembl2321810", progress=False)
    subset = list(range(100, 170))
    first = [b.y.clone() for b in make_loader(dataset, subset, batch_size=16, shuffle=True, seed=3)]
    second = [
        b.y.clone() for b in make_loader(dataset, subset, batch_size=16, shuffle=True, seed=3)
    ]
    assert [len(b) for b in first] == [16, 16, 16, 16, 6]
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    seen = torch.cat(first).flatten().sort().values
    assert torch.equal(seen, dataset.y[subset].flatten().sort().values)


def test_loader_with_worker_process() -> None:
    dataset = load_dataset("chembl2321810", progress=False)
    batches = list(make_loader(dataset, range(40), batch_size=20, num_workers=1))
    assert [b.num_graphs for b in batches] == [20, 20]
    assert batches[0].x.dtype == torch.long
