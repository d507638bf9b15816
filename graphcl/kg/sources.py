"""Knowledge-graph cards (``graphcl/kg/cards/*.yaml``) and loading a KG by name or path.

A card lists the KG's files with their canonical URL, SHA-256 and path inside a data mirror, as
dataset cards do; files are found in the mirror (``$GRAPHCL_DATA_MIRROR``) or the download cache,
or downloaded and checked.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from graphcl.data.card import FileSpec
from graphcl.data.fetch import fetch_file
from graphcl.errors import DatasetError, UnknownNameError
from graphcl.kg.build import build_element_kg
from graphcl.kg.element_kg import ElementKG, read_triples
from graphcl.kg.kano import read_kano_owl
from graphcl.kg.safe_pickle import rotate_pickle_to_arrays

CARD_DIR = Path(__file__).parent / "cards"


@dataclass(frozen=True)
class KGCard:
    """Name, documentation and files (by role: ``triples``, ``embeddings``, ...) of a KG."""

    name: str
    title: str
    files: dict[str, FileSpec]
    format: str = "triples"
    description: str = ""
    license: str = ""
    citation: str = ""

    @classmethod
    def from_dict(cls, raw: Any, source: str = "<dict>") -> KGCard:
        """Validate and build a card; errors name the card file and the bad key.

        Raises:
            DatasetError: not a mapping, a missing or unknown key, a value of the wrong type.
        """
        if not isinstance(raw, dict):
            raise DatasetError(f"{source}: a KG card is a mapping, got {type(raw).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in raw if k not in known)
        if unknown:
            raise DatasetError(
                f"{source}: unknown KG card key(s) {', '.join(unknown)}; valid keys: "
                + ", ".join(sorted(known))
            )
        for key in ("name", "title", "files"):
            if key not in raw:
                raise DatasetError(f"{source}: missing required key {key!r}")
        for key in ("name", "title", "format", "description", "license", "citation"):
            if key in raw and not isinstance(raw[key], str):
                raise DatasetError(f"{source}: {key} must be text, got {raw[key]!r}")
        if not isinstance(raw["files"], dict) or not raw["files"]:
            raise DatasetError(f"{source}: files must map roles to file specs")
        spec_keys = {f.name for f in fields(FileSpec)}
        files = {}
        for role, spec in raw["files"].items():
            if not isinstance(spec, dict) or not set(spec) <= spec_keys:
                raise DatasetError(
                    f"{source}: files.{role} must be a mapping of {', '.join(sorted(spec_keys))}"
                )
            if any(v is not None and not isinstance(v, str) for v in spec.values()):
                raise DatasetError(f"{source}: files.{role} values must be text")
            files[str(role)] = FileSpec(**spec)
        return cls(**{**raw, "files": files})


def kg_cards() -> dict[str, KGCard]:
    """The shipped KG cards by name.

    Raises:
        DatasetError: a card that is not valid YAML or not a valid card (names the file).
    """
    cards = {}
    for path in sorted(CARD_DIR.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise DatasetError(f"{path}: not a valid YAML card ({exc})") from None
        card = KGCard.from_dict(raw, str(path))
        cards[card.name] = card
    return cards


def _embeddings(path: Path) -> dict[str, np.ndarray]:
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    return rotate_pickle_to_arrays(path)


def load_element_kg(name_or_path: str | Path = "kcl", *, progress: bool = True) -> ElementKG:
    """An element knowledge graph: ``"kcl"`` (KCL's ElementKG with its RotatE embeddings),
    ``"kano"`` (KANO's ElementKG: element relations, classes and functional groups),
    ``"rdkit"`` (built here from RDKit's
    periodic table, see :func:`graphcl.kg.build_element_kg`), or a triples file
    (``attribute relation element`` per line).

    Raises:
        UnknownNameError: not a shipped KG name nor an existing file.
        DatasetError: a malformed file (the message names the file and line).
    """
    text = str(name_or_path)
    if text == "rdkit":
        return build_element_kg()
    cards = kg_cards()
    if text not in cards:
        path = Path(text).expanduser()
        if path.is_file():
            return ElementKG.from_triples(read_triples(path), name=str(path))
        raise UnknownNameError(
            "knowledge graph", text, [*cards, "rdkit"], hint="or the path of a triples file"
        )
    card = cards[text]
    paths = {
        role: fetch_file(spec, f"kg-{card.name}", progress=progress)[0]
        for role, spec in card.files.items()
    }
    if card.format == "kano_owl":
        kg = read_kano_owl(paths["owl"], paths.get("functional_groups"))
        return replace(kg, name=card.name)
    triples_path = paths["triples"]
    triples = read_triples(triples_path)
    if "embeddings" not in card.files:
        return ElementKG.from_triples(triples, name=card.name)
    embeddings_path = paths["embeddings"]
    arrays = _embeddings(embeddings_path)
    if not {"entity", "relation", "entity_names", "relation_names"} <= set(arrays):
        raise DatasetError(f"{embeddings_path}: missing entity/relation arrays or their names")
    return ElementKG.from_triples(
        triples,
        name=card.name,
        entities=[str(n) for n in arrays["entity_names"]],
        relations=[str(n) for n in arrays["relation_names"]],
        entity_embeddings=arrays["entity"].astype(np.float32),
        relation_embeddings=arrays["relation"].astype(np.float32),
    )
