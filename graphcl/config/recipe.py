"""Loading, overriding, validating and running recipes.

A recipe is a YAML mapping::

    name: quickstart                 # names the run directory
    description: ...                 # free text
    output_dir: runs                 # parent of run directories
    pretrain:                        # graphcl.training.PretrainConfig fields (optional)
      dataset: nci5k
      method: {name: graphcl}
      encoder: {name: gin, hidden: 128}
      train: {epochs: 20, batch_size: 128}
    evaluate:                        # graphcl.evaluation.EvaluationConfig fields (optional)
      datasets: [chembl2321810]
      train: {epochs: 40}
    compare: [pretrained, scratch]   # starting points of the evaluation, one table
    also_evaluate:                   # more protocols on the same encoders, by name (optional):
      transfer: {split: scaffold}    #   each overrides keys of ``evaluate`` (nested ones merge)

Every key is checked before anything runs (the method is even built, tiny, to check its
augmentations and loss): an unknown or misspelt key raises
:class:`~graphcl.errors.RecipeError` naming the full key path and the valid keys.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from copy import deepcopy
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graphcl.data.card import get_card
from graphcl.encoders.head import PredictionHead
from graphcl.encoders.registry import DATA_ARGUMENTS, ENCODERS
from graphcl.errors import RecipeError, UnknownNameError
from graphcl.evaluation.config import EvaluationConfig, FinetuneConfig
from graphcl.methods.registry import build as build_method
from graphcl.signature import accepted_keys, check_kwargs
from graphcl.training.pretrain import PretrainConfig
from graphcl.training.train_config import TrainConfig
from graphcl.typing import PathType

TOP_LEVEL_KEYS = (
    "name",
    "description",
    "output_dir",
    "pretrain",
    "evaluate",
    "compare",
    "also_evaluate",
)


def recipe_dir() -> Path:
    """Directory of the recipes shipped with graphcl."""
    packaged = Path(str(resources.files("graphcl.config").joinpath("recipes")))
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "recipes"


def available() -> list[str]:
    """Names of the shipped recipes."""
    return sorted(p.stem for p in recipe_dir().glob("*.yaml"))


def find_recipe(path_or_name: PathType) -> Path:
    """A recipe file by path, or a shipped recipe by bare name (``quickstart``).

    Anything that looks like a path (a directory separator, or a ``.yaml``/``.yml`` suffix) must
    be an existing file: a missing file or a directory is an error, never silently replaced by
    the shipped recipe of the same name.

    Raises:
        RecipeError: a path that is missing or a directory.
        UnknownNameError: a bare name that is not a shipped recipe; lists the shipped ones.
    """
    text = str(path_or_name)
    path = Path(text)
    looks_like_path = "/" in text or os.sep in text or path.suffix.lower() in (".yaml", ".yml")
    if looks_like_path or path.is_dir():
        if path.is_dir():
            raise RecipeError(f"{path} is a directory, not a recipe file")
        if not path.is_file():
            raise RecipeError(f"no such recipe file: {path}")
        return path
    candidate = recipe_dir() / f"{text}.yaml"
    if candidate.is_file():
        return candidate
    raise UnknownNameError(
        "recipe", text, available(), hint=f"or a YAML file path, e.g. ./{text}.yaml"
    )


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"evaluate.train.epochs=5"`` -> (["evaluate", "train", "epochs"], 5); values are YAML.

    Raises:
        RecipeError: no ``=`` or an empty key.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise RecipeError(f"--set expects key=value (e.g. evaluate.train.epochs=5), got {text!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError as exc:
        raise RecipeError(f"--set {key}: value {value!r} is not valid YAML ({exc})") from exc
    return key.strip().split("."), parsed


def apply_overrides(recipe: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``recipe`` with each ``key.path=value`` set (intermediate mappings created)."""
    out = deepcopy(recipe)
    for text in overrides:
        path, value = parse_override(text)
        node = out
        for depth, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(path[: depth + 1])
                raise RecipeError(f"--set {'.'.join(path)}: {where} is not a mapping")
            node = child
        node[path[-1]] = value
    return out


#: Settings that make an encoder cheap to build when a recipe is only being checked.
_TINY = {"hidden": 8, "num_layers": 1, "steps": 1, "kg": "rdkit", "functional_groups": False}


def _tiny(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the small settings its encoder accepts (no KG download while checking)."""
    try:
        valid = accepted_keys(ENCODERS.get(spec.get("name", "gin")))
    except UnknownNameError:
        return spec  # reported by the build
    return {**spec, **{k: v for k, v in _TINY.items() if k in valid}}


def _check_encoder(encoder: dict[str, Any] | None, where: str) -> None:
    arguments = dict(encoder or {})
    name = arguments.pop("name", "gin")
    if name not in ENCODERS:
        raise UnknownNameError("encoder", name, ENCODERS.available(), hint=f"set in {where}.name")
    check_kwargs(
        ENCODERS.get(name),
        arguments,
        f"{where} ({name})",
        exclude=DATA_ARGUMENTS,
    )


def _section(recipe: dict[str, Any], key: str) -> dict[str, Any] | None:
    section = recipe.get(key)
    if section is not None and not isinstance(section, dict):
        raise RecipeError(f"{key} must be a mapping")
    return section


def _check_dataset(name: Any, where: str) -> None:
    """A dataset name must be a card (or an alias) or an existing file."""
    if not isinstance(name, str) or not name:
        raise RecipeError(f"{where}: expected a dataset name or file path, got {name!r}")
    if Path(name).expanduser().is_file():
        return
    try:
        get_card(name)
    except UnknownNameError as exc:
        raise RecipeError(f"{where}: {exc}") from None


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecipeError(f"{where} must be a mapping, got {value!r}")
    return value


def validate(recipe: dict[str, Any]) -> None:
    """Check every key and value of a recipe against the constructor it feeds, before anything
    runs: unknown keys, values of the wrong type or out of range, unknown datasets, encoders,
    methods, augmentations, losses, protocols and splits.

    Raises:
        RecipeError: the first problem, naming its full key path (with the valid keys for an
            unknown key).
        UnknownNameError: an unknown encoder, method, augmentation or schedule name.
    """
    if not isinstance(recipe, dict):
        raise RecipeError("a recipe must be a YAML mapping of sections")
    for key in recipe:
        if key not in TOP_LEVEL_KEYS:
            raise RecipeError(
                f"unknown key {key!r} at the top of the recipe; valid keys: "
                + ", ".join(TOP_LEVEL_KEYS)
            )
    for key in ("name", "description", "output_dir"):
        if key in recipe and not isinstance(recipe[key], str):
            raise RecipeError(f"{key}: expected text, got {recipe[key]!r}")
    evaluate_section = _section(recipe, "evaluate")
    pretrain_section = _section(recipe, "pretrain")
    if evaluate_section is None and pretrain_section is None:
        raise RecipeError("the recipe has no job section; add 'pretrain:' and/or 'evaluate:'")
    if pretrain_section is not None:
        check_kwargs(PretrainConfig, pretrain_section, "pretrain")
        if "dataset" not in pretrain_section:
            raise RecipeError("pretrain.dataset is required")
        train = _mapping(pretrain_section.get("train"), "pretrain.train")
        check_kwargs(TrainConfig, train, "pretrain.train")
        encoder = _mapping(pretrain_section.get("encoder"), "pretrain.encoder")
        method = dict(_mapping(pretrain_section.get("method"), "pretrain.method"))
        PretrainConfig(**pretrain_section)
        _check_dataset(pretrain_section["dataset"], "pretrain.dataset")
        _check_encoder(encoder, "pretrain.encoder")
        if isinstance(method.get("partner"), dict):
            method["partner"] = _tiny(method["partner"])
        build_method(
            method.pop("name", "graphcl"),
            encoder=_tiny(encoder),
            featurizer=pretrain_section.get("featurizer", "ogb"),
            **method,
        )
    for where, section in evaluation_sections(recipe):
        check_kwargs(EvaluationConfig, section, where)
        if "datasets" not in section:
            raise RecipeError(f"{where}.datasets is required")
        check_kwargs(
            FinetuneConfig, _mapping(section.get("train"), f"{where}.train"), f"{where}.train"
        )
        check_kwargs(
            PredictionHead,
            _mapping(section.get("head"), f"{where}.head"),
            f"{where}.head",
            exclude=("in_dim", "num_tasks"),
        )
        _check_encoder(_mapping(section.get("encoder"), f"{where}.encoder"), f"{where}.encoder")
        try:
            config = EvaluationConfig(**section)
        except RecipeError as exc:
            raise RecipeError(str(exc).replace("evaluate", where, 1)) from None
        for index, name in enumerate(config.datasets):
            _check_dataset(name, f"{where}.datasets[{index}]")
    compare = recipe.get("compare")
    if compare is not None:
        if not isinstance(compare, list) or not compare:
            raise RecipeError(f"compare: expected a list of starting points, got {compare!r}")
        for start in compare:
            if start not in ("pretrained", "scratch"):
                raise RecipeError(
                    f"compare: unknown starting point {start!r}; use pretrained, scratch"
                )


def evaluation_sections(recipe: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``("evaluate", section)``, then ``("also_evaluate.<name>", merged section)`` for each
    further protocol: its keys override ``evaluate``'s, mappings (``train``, ``encoder`` ...)
    merged key by key.

    Raises:
        RecipeError: ``also_evaluate`` without ``evaluate``, or not a mapping of mappings.
    """
    base = _section(recipe, "evaluate")
    extra = _section(recipe, "also_evaluate") or {}
    if base is None:
        if extra:
            raise RecipeError("also_evaluate needs an evaluate section to start from")
        return []
    sections = [("evaluate", base)]
    for name, overrides in extra.items():
        if not isinstance(overrides, dict):
            raise RecipeError(f"also_evaluate.{name} must be a mapping of evaluate keys")
        merged = {
            key: {**base[key], **value}
            if isinstance(value, dict) and isinstance(base.get(key), dict)
            else value
            for key, value in overrides.items()
        }
        sections.append((f"also_evaluate.{name}", {**base, **merged}))
    return sections


def load_recipe(path_or_name: PathType, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Read, override and validate a recipe.

    Args:
        path_or_name: a YAML file or the name of a shipped recipe (``quickstart``).
        overrides: ``key.path=value`` strings applied after reading.

    Returns:
        The resolved recipe (what is saved as the run's ``recipe.yaml``).
    """
    path = find_recipe(path_or_name)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeError(f"{path}: not UTF-8 text (byte offset {exc.start})") from None
    except OSError as exc:
        raise RecipeError(f"cannot read {path}: {exc.strerror}") from None
    try:
        recipe = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML ({exc})") from None
    if recipe is None:
        recipe = {}
    if not isinstance(recipe, dict):
        raise RecipeError(
            f"{path}: a recipe is a YAML mapping of sections (name, pretrain, evaluate ...), "
            f"not a {type(recipe).__name__}"
        )
    if any(not isinstance(key, str) for key in recipe):
        raise RecipeError(f"{path}: recipe keys must be names (strings)")
    recipe = apply_overrides(recipe, overrides)
    recipe.setdefault("name", path.stem)
    validate(recipe)
    return recipe
