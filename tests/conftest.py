"""Shared fixtures: an isolated cache per test session, and the local data mirror.

Dataset tests use the mirror (``$GRAPHCL_DATA_MIRROR``, else ``../shared/data`` beside the
checkout) and skip with a reason when it is absent; nothing here touches the network.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphcl.threads import single_threaded

_REPO = Path(__file__).resolve().parents[1]
_DEFAULT_MIRROR = _REPO.parent / "shared" / "data"


def _mirror() -> Path | None:
    env = os.environ.get("GRAPHCL_DATA_MIRROR")
    candidate = Path(env) if env else _DEFAULT_MIRROR
    return candidate if (candidate / "moleculenet").is_dir() else None


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test session gets its own GRAPHCL_HOME and sees the mirror when there is one."""
    os.environ["GRAPHCL_HOME"] = str(tmp_path_factory.mktemp("graphcl_home"))
    mirror = _mirror()
    if mirror is not None:
        os.environ["GRAPHCL_DATA_MIRROR"] = str(mirror)
    else:
        os.environ.pop("GRAPHCL_DATA_MIRROR", None)


@pytest.fixture
def mirror() -> Path:
    """The data mirror directory; skips the test when it is absent."""
    path = _mirror()
    if path is None:
        pytest.skip(
            "data mirror not found: set GRAPHCL_DATA_MIRROR to a directory laid out like "
            f"shared/data (looked at {_DEFAULT_MIRROR})"
        )
    return path


@pytest.fixture(scope="session")
def chembl_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small user CSV (120 real ChEMBL2321810 molecules with pIC50) for fast end-to-end tests."""
    from graphcl.data import load_dataset

    dataset = load_dataset("chembl2321810", progress=False)
    path = tmp_path_factory.mktemp("csv") / "chembl_small.csv"
    lines = ["smiles,pIC50"]
    lines += [
        f"{s},{float(y):.3f}" for s, y in zip(dataset.smiles[:120], dataset.y[:120, 0], strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def nci_smiles() -> list[str]:
    """The SMILES of the NCI-5K set shipped inside RDKit (real molecules, no download)."""
    import rdkit

    path = Path(rdkit.__file__).parent / "Data" / "NCI" / "first_5K.smi"
    return [line.split()[0] for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def nci_molecules():
    """NCI-5K featurized with the default featurizer (its 8 unparsable records skipped
    quietly); tests take a ``subset``."""
    from graphcl.data import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset("nci5k", progress=False)


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One intra-op thread for a test of tiny encoders: more threads only add synchronisation
    (tens of times slower on a busy 2-core machine)."""
    with single_threaded():
        yield


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The number of generated inputs each property-based test tried."""
    try:
        from fuzz_counts import COUNTS
    except ImportError:
        return
    if COUNTS:
        terminalreporter.section("generated inputs per property")
        for name, number in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {number}")
