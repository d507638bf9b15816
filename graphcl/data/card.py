"""Dataset cards: one YAML file per dataset in ``datasets/`` describing where the data comes from
(canonical URL, SHA-256 digest, mirror path), how to read it (format, SMILES and label columns)
and how to evaluate on it (task type, metric, default split), with its licence and citation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graphcl.data.tasks import TASKS, get_task
from graphcl.errors import DatasetError, UnknownNameError
from graphcl.signature import check_types


@dataclass(frozen=True)
class FileSpec:
    """One source file of a dataset.

    Attributes:
        url: canonical download address (``https://`` or ``file://``), or None.
        sha256: expected digest of the downloaded (or embedded) file; None skips verification
            (user files only).
        mirror: path of the same data inside a mirror directory (``moleculenet/BBBP.csv``).
        mirror_sha256: digest of the mirror copy when it is stored differently from the download
            (e.g. re-compressed); defaults to ``sha256``.
        embedded: package whose installed files hold the data (``"rdkit"``), with ``path``
            relative to that package.
        path: a local file (user datasets) or, with ``embedded``, a path inside the package.
    """

    url: str | None = None
    sha256: str | None = None
    mirror: str | None = None
    mirror_sha256: str | None = None
    embedded: str | None = None
    path: str | None = None

    @property
    def filename(self) -> str:
        """Base name used for the cached download."""
        source = self.url or self.path or self.mirror or "data"
        return source.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DatasetCard:
    """Everything graphcl needs to know about a dataset.

    Attributes:
        name: registry name (lower case, e.g. ``bbbp``).
        title: human-readable name.
        files: source files; most datasets have one, ``smi_activity`` sets have two.
        format: reader name (``csv``, ``smiles_lines``, ``smi_activity``, ``tu``).
        smiles_column: column holding SMILES (``csv``) .
        label_columns: label columns; ``["*"]`` means every column except the SMILES column.
        task: a name of the task vocabulary (:mod:`graphcl.data.tasks`): ``classification``
            (graph-level binary, possibly multi-task, missing labels allowed), ``regression``,
            ``unlabeled``, ``node_classification`` ...
        metric: ``roc_auc``, ``accuracy`` or ``rmse`` (``none`` for unlabeled sets); default:
            the task's.
        default_split: split used when none is asked for (``scaffold``, ``random`` ...).
        id_column: activity-table column that joins with the SMILES file's IDs (``smi_activity``).
        units: meaning and unit of regression labels (``pIC50``, ``log(mol/L)``).
        num_tasks: number of label columns (checked when the file is read).
        num_examples: examples in the source (molecules, graphs or nodes), for information.
        num_classes: classes of a node-classification task (checked when the graph is read).
        aliases: other accepted names.
        feature_processing: how raw node features are transformed as the papers do
            (``row_normalize`` for Planetoid, ``none`` for Amazon/Coauthor), for node datasets.
        description, homepage, license, citation: documentation.
    """

    name: str
    title: str
    files: tuple[FileSpec, ...]
    format: str
    task: str
    metric: str
    smiles_column: str | None = None
    label_columns: tuple[str, ...] = ()
    default_split: str = "scaffold"
    id_column: str | None = None
    units: str | None = None
    num_tasks: int | None = None
    num_examples: int | None = None
    num_classes: int | None = None
    aliases: tuple[str, ...] = ()
    feature_processing: str | None = None
    description: str = ""
    homepage: str = ""
    license: str = ""
    citation: str = ""
    source: str = field(default="", compare=False)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "<dict>") -> DatasetCard:
        """Validate and build a card; errors name the card file and the bad key.

        Raises:
            DatasetError: not a mapping; a missing, unknown or mistyped key.
        """
        if not isinstance(raw, dict):
            raise DatasetError(f"{source}: a dataset card is a mapping, got {type(raw).__name__}")
        known = {f.name for f in fields(cls)} - {"source"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise DatasetError(
                f"{source}: unknown card key(s) {', '.join(unknown)}; valid keys: "
                + ", ".join(sorted(known))
            )
        for key in ("name", "files", "format", "task"):
            if key not in raw:
                raise DatasetError(f"{source}: missing required key {key!r}")
        task = raw["task"]
        if not isinstance(task, str) or task not in TASKS:
            raise DatasetError(
                f"{source}: task must be one of {', '.join(TASKS.available())}, got {task!r}"
            )
        spec_keys = {f.name for f in fields(FileSpec)}
        files = []
        if not isinstance(raw["files"], list) or not raw["files"]:
            raise DatasetError(f"{source}: files must be a non-empty list of file specs")
        for i, entry in enumerate(raw["files"]):
            if not isinstance(entry, dict):
                raise DatasetError(f"{source}: files[{i}] must be a mapping")
            bad = sorted(str(k) for k in set(entry) - spec_keys)
            if bad:
                raise DatasetError(
                    f"{source}: files[{i}] has unknown key(s) {', '.join(bad)}; "
                    f"valid keys: {', '.join(sorted(spec_keys))}"
                )
            spec = FileSpec(**entry)
            check_types(spec, f"{source}: files[{i}]", DatasetError)
            files.append(spec)
        data = dict(raw)
        data["files"] = tuple(files)
        for key in ("label_columns", "aliases"):
            value = raw.get(key) or ()
            data[key] = tuple(value) if isinstance(value, (list, tuple)) else value
        data.setdefault("title", raw["name"])
        data.setdefault("metric", get_task(task).metric)
        card = cls(source=source, **data)
        check_types(card, source, DatasetError)
        return card

    def summary(self) -> dict[str, Any]:
        """Card fields as plain data (for ``graphcl datasets info`` and run records)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "source":
                continue
            value = getattr(self, f.name)
            if f.name == "files":
                value = [{k: v for k, v in vars(spec).items() if v is not None} for spec in value]
            elif isinstance(value, tuple):
                value = list(value)
            if value not in (None, "", []):
                out[f.name] = value
        return out


def _card_dir() -> Path:
    packaged = Path(str(resources.files("graphcl.data").joinpath("cards")))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "datasets"


def list_cards() -> dict[str, DatasetCard]:
    """All dataset cards shipped with graphcl, by name."""
    cards = {}
    for path in sorted(_card_dir().glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            card = DatasetCard.from_dict(yaml.safe_load(handle), source=str(path))
        cards[card.name] = card
    return cards


def get_card(name: str) -> DatasetCard:
    """The card of dataset ``name`` (case-insensitive; aliases accepted).

    Raises:
        UnknownNameError: no card has that name or alias; the message lists the valid names.
    """
    cards = list_cards()
    key = name.lower()
    for card in cards.values():
        if key == card.name or key in card.aliases:
            return card
    raise UnknownNameError("dataset", name, cards, hint="or give the path of a CSV or SMILES file")
