"""``load_dataset``: a dataset name or a file path in, a dataset out: featurized molecules
(:class:`~graphcl.data.dataset.GraphDataset`), graphs read from their files (TU sets), or one
large graph (:class:`~graphcl.data.node_dataset.NodeDataset`).

Processed datasets are cached in ``$GRAPHCL_HOME/processed/<name>/`` under a key made of the
source files' SHA-256 digests, the reading options and the featurizer's name and version (or the
format, for graphs with their own features), so a second load reads one file instead of
featurizing again, and any change to the data or the featurizer produces a fresh cache.
Unparsable SMILES are skipped, counted, warned about and listed (row, line, SMILES, reason) in
``rejects.csv`` next to the cache.
"""

from __future__ import annotations

import csv
import hashlib
import json
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from graphcl.data.card import DatasetCard, FileSpec, get_card
from graphcl.data.dataset import DatasetInfo, GraphDataset
from graphcl.data.featurize import Reject, featurize_smiles
from graphcl.data.fetch import fetch_file
from graphcl.data.formats import GRAPH_FORMATS, RawTable, format_kind, read_table
from graphcl.data.node_dataset import NodeDataset
from graphcl.data.paths import processed_dir
from graphcl.data.tasks import get_task
from graphcl.errors import DatasetError
from graphcl.featurization import build as build_featurizer
from graphcl.featurization.base import DEFAULT_MAX_ATOMS
from graphcl.runtime.atomic import atomic_open
from graphcl.typing import PathType

_SMILES_SUFFIXES = (".smi", ".smiles", ".txt")
_DESIGN_SUFFIXES = (".npz", ".pt")
#: Featurizer names that mean "the dataset's own features" (graphcl 0.1 recorded ``tu``).
OWN_FEATURES = (None, "tu")
#: Bumped whenever the cached payload changes.
CACHE_FORMAT = 3


def card_for_file(
    path: PathType,
    smiles_column: str | None = None,
    label_columns: Sequence[str] | None = None,
    task: str | None = None,
) -> DatasetCard:
    """A card for a user's own file, without writing YAML.

    ``.npz``/``.pt`` files are labelled circuit designs (a CirGPS file or a saved circuit graph
    with parasitics; the ``cirgps`` format).

    CSV/TSV files (optionally ``.gz``) need a SMILES column (default ``smiles``); labels default to
    every other column. ``.smi``/``.txt`` files hold one SMILES per line and are unlabeled. The
    task is inferred when not given: labels that are all 0/1 (or missing) mean classification.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise DatasetError(f"no such file: {path}")
    name = path.name.split(".")[0]
    if path.suffix.lower() in _DESIGN_SUFFIXES:  # one labelled circuit design
        return DatasetCard(
            name=name, title=path.name, files=(FileSpec(path=str(path)),), format="cirgps",
            task="edge_regression", metric="rmse", default_split="random", source=str(path),
        )  # fmt: skip
    stem = path.name.removesuffix(".gz")
    fmt = "smiles_lines" if stem.endswith(_SMILES_SUFFIXES) else "csv"
    return DatasetCard(
        name=name,
        title=path.name,
        files=(FileSpec(path=str(path)),),
        format=fmt,
        task=task or ("unlabeled" if fmt == "smiles_lines" else "auto"),
        metric="auto",
        smiles_column=smiles_column or "smiles",
        label_columns=tuple(label_columns) if label_columns else ("*",),
        source=str(path),
    )


def resolve_card(
    name_or_path: str | PathType,
    smiles_column: str | None = None,
    label_columns: Sequence[str] | None = None,
    task: str | None = None,
) -> DatasetCard:
    """The card of a registered dataset, or one made for a user file."""
    text = str(name_or_path)
    if Path(text).expanduser().is_file():
        return card_for_file(text, smiles_column, label_columns, task)
    card = get_card(text)
    if smiles_column or label_columns or task:
        raise DatasetError(
            f"{card.name} is a registered dataset; smiles_column, label_columns and task come "
            f"from its card (datasets/{card.name}.yaml)"
        )
    return card


def _infer_task(card: DatasetCard, table: RawTable) -> tuple[str, str]:
    task = card.task
    if task == "auto":
        if table.labels.shape[1] == 0:
            task = "unlabeled"
        else:
            values = table.labels[~np.isnan(table.labels)]
            task = "classification" if np.isin(values, (0.0, 1.0)).all() else "regression"
    return task, get_task(task).metric if card.metric == "auto" else card.metric


def _write_rejects(path: Path, rejects: Sequence[Reject], lines: Sequence[int]) -> None:
    with atomic_open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "line", "smiles", "reason"])
        for reject in rejects:
            writer.writerow([reject.row, lines[reject.row], reject.smiles, reject.reason])


def fetch_dataset(
    name_or_path: str | PathType, *, verify: bool = True, progress: bool = True
) -> list[tuple[Path, str]]:
    """Make a dataset's source files available locally (mirror, cache or download).

    Returns:
        (path, sha256) of each source file.
    """
    card = resolve_card(name_or_path)
    return [fetch_file(spec, card.name, verify=verify, progress=progress) for spec in card.files]


def _read_cache(path: Path, kind: str) -> GraphDataset | NodeDataset | None:
    """The cached dataset, or None (with a warning, the file deleted) when it is damaged:
    truncated, empty, random, checksum or structure wrong. The caller rebuilds it."""
    try:
        return NodeDataset.load(path) if kind == "node" else GraphDataset.load(path)
    except DatasetError as exc:
        warnings.warn(f"discarding a damaged cache and rebuilding it: {exc}", stacklevel=3)
        path.unlink(missing_ok=True)
        return None


def load_dataset(
    name_or_path: str | PathType,
    featurizer: str | None = "ogb",
    *,
    smiles_column: str | None = None,
    label_columns: Sequence[str] | None = None,
    task: str | None = None,
    workers: int | None = None,
    cache: bool = True,
    verify: bool = True,
    progress: bool = True,
    max_atoms: int | None = DEFAULT_MAX_ATOMS,
) -> Any:
    """Load a dataset: featurize a molecular table, or read a graph format (TU graphs, one large
    node-classification graph).

    Args:
        name_or_path: a registered dataset (``bbbp``, ``tox21``, ``chembl2321810``, ``mutag``,
            ``cora`` ...; see ``graphcl datasets list``) or the path of a CSV/SMILES file.
        featurizer: registered molecular featurizer name (``ogb`` or ``rich``); datasets whose
            features come from their files ignore it (None asks for exactly those).
        smiles_column: SMILES column of a user CSV (default ``smiles``).
        label_columns: label columns of a user CSV (default: all other columns).
        task: ``classification`` or ``regression`` for a user CSV (default: inferred).
        workers: featurization processes (None: all cores).
        cache: read and write the processed cache.
        verify: check SHA-256 digests against the card.
        progress: show progress bars.
        max_atoms: molecules with more heavy atoms are rejected (listed in ``rejects.csv``
            with the reason); None: no limit.

    Returns:
        A :class:`~graphcl.data.dataset.GraphDataset` (molecules, TU graphs) or a
        :class:`~graphcl.data.node_dataset.NodeDataset` (one large graph); its ``info`` says
        what the labels are and how to evaluate.

    Raises:
        UnknownNameError: not a registered dataset nor an existing file; lists the datasets.
        DatasetError: a column is missing or labels are not numeric; molecular featurization
            asked of a dataset that is not molecules.
        DownloadError, DigestMismatchError: the source cannot be obtained or verified.

    Example:
        >>> ds = load_dataset("chembl2321810", progress=False)  # embedded in RDKit
        >>> ds.info.task, ds.num_tasks, len(ds)
        ('regression', 1, 1017)
    """
    card = resolve_card(name_or_path, smiles_column, label_columns, task)
    kind = format_kind(card.format)
    if kind == "table" and featurizer in OWN_FEATURES:
        raise DatasetError(
            f"an encoder trained on a graph dataset's own features (not on molecules) cannot "
            f"read {card.name}, a molecular dataset; use a molecular featurizer such as 'ogb'"
        )
    # a graph format's features come from its files, whatever featurizer is asked for
    feat = build_featurizer(featurizer) if kind == "table" and featurizer is not None else None
    feature_key = card.format if feat is None else feat.cache_key
    sources = [fetch_file(spec, card.name, verify=verify, progress=progress) for spec in card.files]
    key_material = json.dumps(
        {
            "digests": [digest for _, digest in sources],
            "format": card.format,
            "smiles_column": card.smiles_column,
            "label_columns": list(card.label_columns),
            "id_column": card.id_column,
            "task": card.task,
            "featurizer": feature_key,
            "max_atoms": max_atoms if kind == "table" else None,
            "suffixes": ["".join(path.suffixes).lower() for path, _ in sources],
            "cache_format": CACHE_FORMAT,
        },
        sort_keys=True,
    )
    key = hashlib.sha256(key_material.encode()).hexdigest()[:16]
    directory = processed_dir(card.name) / f"{feature_key}-{key}"
    cached = directory / "graphs.pt"
    level = "graph" if kind == "table" else get_task(str(card.task)).level
    found = _read_cache(cached, level) if cache and cached.is_file() else None
    dataset: GraphDataset | NodeDataset
    if found is not None:
        dataset = found
    elif kind == "graph":
        dataset = GRAPH_FORMATS.get(card.format)(card, [path for path, _ in sources])
        classes = getattr(dataset, "num_classes", None)
        if card.num_classes is not None and classes != card.num_classes:
            raise DatasetError(
                f"{card.name}: the card says {card.num_classes} classes, the files hold {classes}"
            )
        record = [{"path": str(path), "sha256": digest} for path, digest in sources]
        dataset.info = replace(dataset.info, source=record)
        if cache:
            directory.mkdir(parents=True, exist_ok=True)
            dataset.save(cached)
    else:
        assert feat is not None
        table = read_table(card, [path for path, _ in sources])
        if card.num_tasks is not None and len(table.label_names) != card.num_tasks:
            raise DatasetError(
                f"{card.name}: expected {card.num_tasks} label columns, found "
                f"{len(table.label_names)} in {sources[0][0]}"
            )
        task_type, metric = _infer_task(card, table)
        result = featurize_smiles(
            table.smiles,
            feat,
            workers=workers,
            progress=progress,
            desc=f"featurizing {card.name}",
            max_atoms=max_atoms,
        )
        info = DatasetInfo(
            name=card.name,
            task=task_type,
            metric=metric,
            label_names=table.label_names,
            featurizer=feat.name,
            default_split=card.default_split,
            units=card.units,
            source=[{"path": str(path), "sha256": digest} for path, digest in sources],
            rejected=len(result.rejects),
            node_feature_dims=list(feat.atom_feature_dims),
            edge_feature_dims=list(feat.bond_feature_dims),
        )
        dataset = GraphDataset(
            result.store,
            torch.from_numpy(table.labels[result.kept]).float(),
            [table.smiles[i] for i in result.kept],
            result.kept,
            info,
        )
        directory.mkdir(parents=True, exist_ok=True)
        if result.rejects:
            _write_rejects(directory / "rejects.csv", result.rejects, table.lines)
        if cache:
            dataset.save(cached)
    if dataset.info.rejected:
        warnings.warn(
            f"{card.name}: skipped {dataset.info.rejected} of "
            f"{len(dataset) + dataset.info.rejected} records whose SMILES RDKit cannot parse; "
            f"see {directory / 'rejects.csv'}",
            stacklevel=2,
        )
    return dataset
