"""Shared by the benchmark scripts: where the molecules come from."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from graphcl.data import MoleculeDataset, load_dataset


def use_default_mirror() -> None:
    """Point ``GRAPHCL_DATA_MIRROR`` at ``../shared/data`` beside the checkout when it is unset
    and that directory exists (otherwise datasets are downloaded and verified)."""
    if "GRAPHCL_DATA_MIRROR" not in os.environ:
        default = Path(__file__).resolve().parents[2] / "shared" / "data"
        if default.is_dir():
            os.environ["GRAPHCL_DATA_MIRROR"] = str(default)


def benchmark_molecules(embedded: bool) -> MoleculeDataset:
    """ZINC250k (mirror or download), or with ``embedded`` the NCI set shipped in RDKit."""
    use_default_mirror()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset("nci5k" if embedded else "zinc250k", progress=False)
