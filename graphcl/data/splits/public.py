"""The split a dataset's publishers fixed: Planetoid's 140/500/1000 for Cora (one split), WikiCS's
20 train/valid splits with one test set (seed k takes split k mod 20)."""

from __future__ import annotations

from collections.abc import Sequence

from graphcl.data.splits.registry import SPLITS
from graphcl.errors import DatasetError


@SPLITS.register("public")
def public_split(
    dataset: object,
    frac: Sequence[float] = (0.0, 0.0, 0.0),
    seed: int | None = 0,
) -> tuple[list[int], list[int], list[int]]:
    """The published split of ``dataset`` (its ``splits["public"]``); ``frac`` is not used.

    Args:
        dataset: a dataset carrying published splits (node datasets).
        frac: ignored (the split is fixed).
        seed: which split when there are several (``seed mod count``).

    Raises:
        DatasetError: the dataset has no published split.
    """
    runs = getattr(dataset, "splits", {}).get("public") if hasattr(dataset, "splits") else None
    if not runs:
        name = getattr(dataset, "name", "this dataset")
        raise DatasetError(f"{name} has no public split; use split: random")
    train, valid, test = runs[(seed or 0) % len(runs)]
    return train.tolist(), valid.tolist(), test.tolist()
