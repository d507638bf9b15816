"""Model cards: one YAML file per published pre-trained encoder in ``graphcl/zoo/cards/``.

A card says where the file comes from (repository, pinned commit, path, canonical raw URL, the
path of a copy in a data mirror), how to check it (its git blob id, and its SHA-256 where it is
known), what it is (architecture, pre-training method and data, the featurizer of its inputs)
and under which terms it is published (licence, citation).

Example:
    >>> card = get_model("pretrain-gnns/gcn_contextpred")
    >>> card.gnn_type, card.layer, card.method
    ('gcn', 'gcn', 'contextpred')
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graphcl.errors import DatasetError, UnknownNameError
from graphcl.signature import check_types

#: pretrain-gnns' ``gnn_type`` -> the graphcl layer whose conv stack holds its weights.
LAYER_OF_GNN_TYPE = {
    "gin": "gin",
    "gcn": "gcn",
    "graphsage": "graphsage",
    "gat": "gat_pretrain_gnns",
}

#: Layouts of published files graphcl converts -> the featurizer whose graphs they read.
STATE_FORMATS = {"pretrain_gnns": "pretrain_gnns"}


@dataclass(frozen=True)
class Architecture:
    """The published encoder's architecture (pretrain-gnns' ``GNN`` module).

    Attributes:
        gnn_type: pretrain-gnns' layer kind: ``gin``, ``gcn``, ``graphsage`` or ``gat``.
        num_layers: message-passing layers.
        hidden: embedding width (``emb_dim``).
        jk: jumping-knowledge readout of the node states (``last``: the last layer's).
        dropout: dropout after each layer when fine-tuning (pretrain-gnns' ``finetune.py``
            default; pre-training ran without dropout). No effect in eval mode.
        pooling: graph readout used when fine-tuning.
        heads: attention heads (``gat`` only).
    """

    gnn_type: str
    num_layers: int = 5
    hidden: int = 300
    jk: str = "last"
    dropout: float = 0.5
    pooling: str = "mean"
    heads: int | None = None


@dataclass(frozen=True)
class ZooCard:
    """Everything graphcl knows about one published pre-trained encoder.

    Attributes:
        name: zoo name, ``<project>/<architecture>_<method>`` (``pretrain-gnns/gcn_contextpred``).
        title: one line for people.
        method: pre-training method (``contextpred``, ``supervised_contextpred``, ``graphcl`` ...).
        pretraining_data: what it was pre-trained on.
        architecture: see :class:`Architecture`.
        featurizer: the graphcl featurizer whose graphs it reads (``pretrain_gnns``).
        state_format: layout of the published file (``pretrain_gnns``: a ``state_dict`` of
            pretrain-gnns' ``GNN`` module).
        repository: GitHub ``owner/name`` that publishes the file.
        commit: the pinned commit (40 hex digits where known).
        path: the file's path in the repository.
        url: canonical download address (the raw file at ``commit``).
        git_blob: the file's git blob id (``git hash-object``), checked on every use.
        sha256: the file's SHA-256 where known (also checked); None for files graphcl has not
            seen, which are verified by ``git_blob`` alone.
        size: bytes, where known.
        mirror: the path of a copy inside a data mirror directory (``$GRAPHCL_DATA_MIRROR``).
        license, citation, homepage, description, notes: documentation.
    """

    name: str
    title: str
    method: str
    pretraining_data: str
    architecture: Architecture
    featurizer: str
    repository: str
    commit: str
    path: str
    url: str
    git_blob: str
    license: str
    citation: str
    state_format: str = "pretrain_gnns"
    sha256: str | None = None
    size: int | None = None
    mirror: str | None = None
    homepage: str = ""
    description: str = ""
    notes: str = ""
    source: str = field(default="", compare=False)

    @property
    def gnn_type(self) -> str:
        """pretrain-gnns' layer kind (``gin``, ``gcn``, ``graphsage``, ``gat``)."""
        return self.architecture.gnn_type

    @property
    def layer(self) -> str:
        """The graphcl layer (and encoder family) that holds the weights."""
        return LAYER_OF_GNN_TYPE[self.architecture.gnn_type]

    @property
    def filename(self) -> str:
        """File name of the cached download: the zoo name's last part plus ``.pth``."""
        return self.name.rsplit("/", 1)[-1] + ".pth"

    @property
    def project(self) -> str:
        """The zoo name's first part (``pretrain-gnns``): the cache sub-directory."""
        return self.name.split("/", 1)[0]

    @classmethod
    def from_dict(cls, raw: Any, source: str = "<dict>") -> ZooCard:
        """Validate and build a card; errors name the card file and the bad key.

        Raises:
            DatasetError: not a mapping; a missing, unknown or mistyped key; a bad id.
        """
        if not isinstance(raw, dict):
            raise DatasetError(f"{source}: a model card is a mapping, got {type(raw).__name__}")
        known = {f.name for f in fields(cls)} - {"source"}
        unknown = sorted(str(k) for k in set(raw) - known)
        if unknown:
            raise DatasetError(
                f"{source}: unknown card key(s) {', '.join(unknown)}; valid keys: "
                + ", ".join(sorted(known))
            )
        required = [f.name for f in fields(cls) if f.default is MISSING and f.name != "source"]
        for key in required:
            if key not in raw:
                raise DatasetError(f"{source}: missing required key {key!r}")
        arch = raw["architecture"]
        if not isinstance(arch, dict):
            raise DatasetError(f"{source}: architecture must be a mapping")
        arch_keys = {f.name for f in fields(Architecture)}
        bad = sorted(str(k) for k in set(arch) - arch_keys)
        if bad:
            raise DatasetError(
                f"{source}: architecture has unknown key(s) {', '.join(bad)}; valid keys: "
                + ", ".join(sorted(arch_keys))
            )
        if "gnn_type" not in arch:
            raise DatasetError(f"{source}: architecture.gnn_type is missing")
        architecture = Architecture(**arch)
        check_types(architecture, f"{source}: architecture", DatasetError)
        if architecture.gnn_type not in LAYER_OF_GNN_TYPE:
            raise DatasetError(
                f"{source}: architecture.gnn_type must be one of "
                f"{', '.join(LAYER_OF_GNN_TYPE)}, got {architecture.gnn_type!r}"
            )
        card = cls(source=source, **{**raw, "architecture": architecture})
        check_types(card, source, DatasetError)
        if card.state_format not in STATE_FORMATS:
            raise DatasetError(
                f"{source}: state_format must be one of {', '.join(STATE_FORMATS)}, "
                f"got {card.state_format!r}"
            )
        if card.featurizer != STATE_FORMATS[card.state_format]:
            raise DatasetError(
                f"{source}: {card.state_format} files read graphs of the "
                f"{STATE_FORMATS[card.state_format]!r} featurizer, got {card.featurizer!r}"
            )
        _check_hex(card.git_blob, 40, f"{source}: git_blob")
        if card.sha256 is not None:
            _check_hex(card.sha256, 64, f"{source}: sha256")
        if "/" not in card.name:
            raise DatasetError(f"{source}: name must be <project>/<model>, got {card.name!r}")
        return card

    def summary(self) -> dict[str, Any]:
        """Card fields as plain data (``graphcl zoo info``, encoder metadata)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "source":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Architecture):
                value = {k: v for k, v in vars(value).items() if v is not None}
            if value not in (None, ""):
                out[f.name] = value
        out["graphcl_layer"] = self.layer
        return out


def _check_hex(value: str, length: int, where: str) -> None:
    if len(value) != length or any(c not in "0123456789abcdef" for c in value):
        raise DatasetError(f"{where}: expected {length} lower-case hex digits, got {value!r}")


def card_dir() -> Path:
    """The directory of the shipped model cards (package data of ``graphcl.zoo``)."""
    return Path(str(resources.files("graphcl.zoo").joinpath("cards")))


@lru_cache(maxsize=4)
def _load(directory: str) -> dict[str, ZooCard]:
    folder = Path(directory)
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not paths:
        raise DatasetError(
            f"no model cards in {folder}: this build of graphcl lacks the package data of "
            "graphcl.zoo (cards/*.yaml)"
        )
    cards: dict[str, ZooCard] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            try:
                raw = yaml.safe_load(handle)
            except yaml.YAMLError as exc:
                raise DatasetError(f"{path}: not valid YAML ({exc})") from None
        card = ZooCard.from_dict(raw, source=str(path))
        if card.name in cards:
            raise DatasetError(f"{path}: model {card.name!r} is also in {cards[card.name].source}")
        cards[card.name] = card
    return cards


def list_models() -> list[ZooCard]:
    """The cards of every published encoder graphcl knows, sorted by name.

    Example:
        >>> "pretrain-gnns/gin_contextpred" in [card.name for card in list_models()]
        True
    """
    return [card for _, card in sorted(_load(str(card_dir())).items())]


def is_model_name(name: object) -> bool:
    """Whether ``name`` is a zoo name (case-insensitive), e.g. to tell it from a file path."""
    if not isinstance(name, str):
        return False
    return name.lower() in {key.lower() for key in _load(str(card_dir()))}


def get_model(name: str) -> ZooCard:
    """The card of the published encoder ``name`` (case-insensitive).

    Raises:
        UnknownNameError: no card has that name; the message lists the valid names.
    """
    cards = _load(str(card_dir()))
    for key, card in cards.items():
        if key.lower() == str(name).lower():
            return card
    raise UnknownNameError("pre-trained model", str(name), cards, hint="see graphcl zoo list")
