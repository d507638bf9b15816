"""The split registry: ``split(dataset, frac, seed) -> (train, valid, test)`` by name.

Splits take a dataset (anything with ``len``; molecular splits also read its ``smiles``) and
register themselves where they are defined (``@SPLITS.register("scaffold")``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from graphcl.errors import DatasetError
from graphcl.registry import Registry

SplitFn = Callable[..., tuple[list[int], list[int], list[int]]]
SPLITS: Registry[SplitFn] = Registry("split", package="graphcl.data.splits")


def require_smiles(dataset: object, split: str) -> list[str]:
    """The SMILES of ``dataset`` (or ``dataset`` itself, a list of SMILES).

    Raises:
        DatasetError: it has none: the split needs molecules.
    """
    if isinstance(dataset, Sequence) and not isinstance(dataset, str):
        smiles = list(dataset)
    else:
        smiles = getattr(dataset, "smiles", None) or []
    if (not smiles or not any(smiles)) and len(dataset) > 0:  # type: ignore[arg-type]
        name = getattr(dataset, "name", "this dataset")
        raise DatasetError(
            f"the {split!r} split groups molecules by their Bemis-Murcko scaffold and needs "
            f"SMILES; {name} has none (its graphs are not molecules); use split: random"
        )
    return [str(s) for s in smiles]
