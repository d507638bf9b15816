"""A non-editable install (a built wheel) carries its package data: KG cards, dataset cards,
recipes."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A wheel of this checkout installed into a fresh virtual environment (its dependencies
    come from the test interpreter's site-packages, through a ``.pth`` file, so nothing is
    downloaded); returns the environment's python and its site-packages."""
    root = tmp_path_factory.mktemp("wheel")
    wheels = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [wheel] = wheels.glob("graphcl-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # dependencies (torch, rdkit ...) from this interpreter; graphcl itself only from the wheel
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, site


def test_wheel_loads_kg_and_dataset_cards(installed_wheel: tuple[Path, Path], tmp_path) -> None:
    python, site = installed_wheel
    script = textwrap.dedent(
        """
        import graphcl, graphcl.data, graphcl.kg.sources as kg
        from graphcl.config.recipe import available
        print(graphcl.__file__)
        print(sorted(kg.kg_cards()))
        print(graphcl.data.get_card("bbbp").metric)
        print("quickstart" in available())
        """
    )
    run = subprocess.run(
        [str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    location, kg_names, metric, recipes = run.stdout.strip().splitlines()
    assert location.startswith(str(site)), location  # not this checkout
    assert kg_names == "['kano', 'kcl']"
    assert metric == "roc_auc" and recipes == "True"
