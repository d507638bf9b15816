"""Property-based tests of every reader: whatever the input, the outcome is a named graphcl error
that points at the file and row, line or key, or a documented and counted skip; never an
uncaught exception, a hang, or output built from partly read input.

Each property runs a few dozen generated inputs in the default suite; ``pytest -m fuzz`` runs the
same properties with many more. The number of inputs each property tried is printed at the end
of the session (``generated inputs per property``).
"""

from __future__ import annotations

import io
import math
import os
import string
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml
from fuzz_counts import count
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import graphcl
from graphcl.circuits import parse_netlist
from graphcl.data import DatasetCard, load_dataset
from graphcl.encoders import build as build_encoder
from graphcl.encoders import load_encoder, save_encoder
from graphcl.errors import (
    CheckpointError,
    DatasetError,
    GraphclError,
    InvalidSmilesError,
    NetlistError,
)
from graphcl.evaluation import Predictor
from graphcl.featurization import smiles_to_graph
from graphcl.kg.sources import KGCard
from graphcl.training import load_training_state

DEFAULT = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FUZZ = settings(DEFAULT, max_examples=1500)

SMILES_ALPHABET = string.ascii_letters + string.digits + "()[]=#@+-\\/%.:*$~ "
REAL_SMILES = ["CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "[Na+].[Cl-]", "C[C@H](N)C(=O)O"]
smiles_text = st.one_of(
    st.sampled_from(REAL_SMILES),
    st.text(alphabet=SMILES_ALPHABET, max_size=40),
    st.text(max_size=20),  # any unicode: look-alike letters, control characters ...
)


def both(body: Any, **strategies: Any) -> tuple[Any, Any]:
    """The property ``body`` over ``strategies`` at the default size, and a ``fuzz``-marked copy
    with many more inputs."""
    default = DEFAULT(given(**strategies)(body))
    fuzz = pytest.mark.fuzz(FUZZ(given(**strategies)(body)))
    return default, fuzz


# --- SMILES strings -------------------------------------------------------------------------
def _smiles_strings(smiles: str) -> None:
    count("SMILES strings")
    try:
        graph = smiles_to_graph(smiles)
    except InvalidSmilesError as exc:
        assert exc.smiles == smiles and exc.reason
        return
    assert smiles.isascii(), "a non-ASCII SMILES must never give a molecule"
    from rdkit import Chem

    assert graph.x.shape[0] == Chem.MolFromSmiles(smiles).GetNumAtoms()


test_smiles_strings, test_smiles_strings_fuzz = both(_smiles_strings, smiles=smiles_text)


# --- SMILES files -----------------------------------------------------------------------------
one_line = smiles_text.map(lambda text: text.replace("\n", " ").replace("\r", " "))
lines = st.lists(st.one_of(one_line, st.just(""), st.just("# comment")), max_size=12)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])
endings = st.sampled_from(["\n", "\r\n"])


def _smiles_files(tmp_path_factory: Any, records: list[str], encoding: str, ending: str) -> None:
    count("SMILES files")
    folder = tmp_path_factory.mktemp("smi")
    path = folder / "mols.smi"
    try:
        path.write_bytes(ending.join(records).encode(encoding))
    except UnicodeEncodeError:
        assume(False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load_dataset(path, cache=False, workers=0, progress=False)
    except DatasetError as exc:
        assert str(path) in str(exc)
        return
    kept = [r.split()[0] for r in records if r.strip() and not r.lstrip().startswith("#")]
    assert len(data) + data.info.rejected == len(kept)  # every record kept or counted
    assert all(s.isascii() for s in data.smiles or [])


test_smiles_files, test_smiles_files_fuzz = both(
    _smiles_files, records=lines, encoding=encodings, ending=endings
)


# --- CSV / TSV datasets ---------------------------------------------------------------------
cells = st.one_of(
    st.sampled_from(REAL_SMILES),
    st.sampled_from(["", "0", "1", "0.5", "-3e2", "inf", "-inf", "nan", "NA", "text", "1,5"]),
    st.text(max_size=6),
)
column_names = st.lists(
    st.one_of(st.sampled_from(["smiles", "y", "label", "pIC50"]), st.text(min_size=1, max_size=5)),
    min_size=1,
    max_size=4,
)


@st.composite
def tables(draw: Any) -> tuple[list[str], list[list[str]]]:
    header = draw(column_names)
    width = len(header)
    ragged = draw(st.booleans()) and draw(st.booleans())
    rows = draw(
        st.lists(
            st.lists(
                cells, min_size=1 if ragged else width, max_size=width + 1 if ragged else width
            ),
            max_size=8,
        )
    )
    return header, rows


def _csv_files(
    tmp_path_factory: Any,
    table: tuple[list[str], list[list[str]]],
    suffix: str,
    encoding: str,
    ending: str,
    bom: bool,
) -> None:
    count("CSV/TSV files")
    header, rows = table
    sep = "\t" if suffix == ".tsv" else ","
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, delimiter=sep, lineterminator=ending)
    writer.writerow(header)
    writer.writerows(rows)
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    path = tmp_path_factory.mktemp("csv") / f"table{suffix}"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        assume(False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load_dataset(path, cache=False, workers=0, progress=False)
    except DatasetError as exc:
        assert str(path) in str(exc)
        return
    records = [row for row in rows if any(cell.strip() for cell in row)]  # blank ones skipped
    assert len(data) + data.info.rejected == len(records)
    y = data.y.numpy()
    assert not np.isinf(y).any()
    # every kept label equals the number written in the file
    columns = [c for c in header if c != "smiles"]
    for position, row in zip(data.rows, y, strict=True):
        written = records[position]
        for value, name in zip(row, columns, strict=True):
            cell = written[header.index(name)].strip()
            if not math.isnan(value):
                assert value == pytest.approx(float(cell))


test_csv_files, test_csv_files_fuzz = both(
    _csv_files,
    table=tables(),
    suffix=st.sampled_from([".csv", ".tsv"]),
    encoding=encodings,
    ending=endings,
    bom=st.booleans(),
)


# --- recipes ----------------------------------------------------------------------------------
yaml_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 1000),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)
QUICKSTART = yaml.safe_load((Path(__file__).parents[1] / "recipes" / "quickstart.yaml").read_text())


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, str(key)))
    return found


RECIPE_PATHS = _paths(QUICKSTART)


def _recipes(tmp_path_factory: Any, where: tuple[str, ...], value: Any, extra: bool) -> None:
    count("recipes (any YAML value at any key)")
    import copy

    from graphcl.config.recipe import load_recipe

    recipe = copy.deepcopy(QUICKSTART)
    node = recipe
    for key in where[:-1]:
        node = node[key]
    node[where[-1] if not extra else f"{where[-1]}_x"] = value
    path = tmp_path_factory.mktemp("recipe") / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    try:
        load_recipe(path)
    except GraphclError as exc:
        assert str(exc)
        return


test_recipes, test_recipes_fuzz = both(
    _recipes, where=st.sampled_from(RECIPE_PATHS), value=yaml_values, extra=st.booleans()
)


def _recipe_documents(tmp_path_factory: Any, document: Any) -> None:
    count("recipes (any YAML document)")
    from graphcl.config.recipe import load_recipe

    path = tmp_path_factory.mktemp("recipe") / "recipe.yaml"
    path.write_text(yaml.safe_dump(document))
    try:
        load_recipe(path)
    except GraphclError as exc:
        assert str(path) in str(exc) or "recipe" in str(exc) or "." in str(exc)


test_recipe_documents, test_recipe_documents_fuzz = both(_recipe_documents, document=yaml_values)


# --- dataset and KG cards ---------------------------------------------------------------------
BBBP = yaml.safe_load((Path(__file__).parents[1] / "datasets" / "bbbp.yaml").read_text())


def _mutated(card: dict[str, Any], draw_key: str, value: Any, delete: bool) -> Any:
    mutated = dict(card)
    if delete:
        mutated.pop(draw_key, None)
    else:
        mutated[draw_key] = value
    return mutated


def _dataset_cards(key: str, value: Any, delete: bool) -> None:
    count("dataset cards")
    try:
        card = DatasetCard.from_dict(_mutated(BBBP, key, value, delete), source="bbbp.yaml")
    except DatasetError as exc:
        assert "bbbp.yaml" in str(exc)
        return
    assert isinstance(card.name, str) and card.files


test_dataset_cards, test_dataset_cards_fuzz = both(
    _dataset_cards, key=st.sampled_from([*BBBP, "unknown"]), value=yaml_values, delete=st.booleans()
)


KG_CARD = yaml.safe_load(
    (Path(graphcl.__file__).parent / "kg" / "cards" / "kcl.yaml").read_text(encoding="utf-8")
)


def _kg_cards(key: str, value: Any, delete: bool) -> None:
    count("KG cards")
    try:
        card = KGCard.from_dict(_mutated(KG_CARD, key, value, delete), source="kcl.yaml")
    except DatasetError as exc:
        assert "kcl.yaml" in str(exc)
        return
    assert card.files


test_kg_cards, test_kg_cards_fuzz = both(
    _kg_cards, key=st.sampled_from([*KG_CARD, "unknown"]), value=yaml_values, delete=st.booleans()
)


# --- checkpoints ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("ckpt") / "encoder.pt"
    save_encoder(path, build_encoder("gin", num_layers=1, hidden=4), "ogb")
    return path.read_bytes()


READERS = {
    "encoder": lambda p: load_encoder(p),
    "predictor": lambda p: Predictor.load(p),
    "training state": lambda p: load_training_state(p),
    "graphcl.load": lambda p: graphcl.load(p),
}
foreign = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just(torch.zeros(2))),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=5,
)


def _checkpoints(
    tmp_path_factory: Any,
    real_checkpoint: bytes,
    kind: str,
    data: bytes,
    cut: float,
    payload: Any,
    reader: str,
) -> None:
    count("checkpoints (random, truncated, foreign)")
    path = tmp_path_factory.mktemp("bad") / "file.pt"
    if kind == "random bytes":
        path.write_bytes(data)
    elif kind == "truncated":
        path.write_bytes(real_checkpoint[: int(cut * len(real_checkpoint))])
    else:
        torch.save(payload, path)
    with pytest.raises(CheckpointError) as error:
        READERS[reader](path)
    message = str(error.value)
    assert str(path) in message and "weights_only=False" not in message


test_checkpoints, test_checkpoints_fuzz = both(
    _checkpoints,
    kind=st.sampled_from(["random bytes", "truncated", "foreign"]),
    data=st.binary(max_size=300),
    cut=st.floats(0, 1, exclude_max=True),
    payload=foreign,
    reader=st.sampled_from(sorted(READERS)),
)


# --- netlists ---------------------------------------------------------------------------------
netlist_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "M1 d g s b nmos w=1u l=0.1u",
                "R1 a b 1k",
                "C1 a 0 {2*p}",
                ".param p=3",
                ".subckt inv a y vdd vss",
                ".ends",
                "X1 a y vdd 0 inv",
                "+ w=2u",
                "* comment",
                ".end",
                "V1 vdd 0 DC 1.8",
            ]
        ),
        st.text(alphabet=string.printable, max_size=30),
    ),
    max_size=10,
)


def _netlists(lines_: list[str], strict: bool) -> None:
    count("netlists")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            netlist = parse_netlist("\n".join(lines_), path="fuzz.sp", strict=strict)
    except NetlistError as exc:
        assert exc.path == "fuzz.sp" and str(exc).startswith("fuzz.sp")
        return
    except GraphclError:
        return
    netlist.summary()


test_netlists, test_netlists_fuzz = both(_netlists, lines_=netlist_lines, strict=st.booleans())


def test_environment_is_isolated() -> None:
    """Sanity: the generated files go to a temporary GRAPHCL_HOME (conftest)."""
    assert "graphcl_home" in os.environ["GRAPHCL_HOME"]
