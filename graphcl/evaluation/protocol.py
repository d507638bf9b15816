"""``graphcl.evaluate``: train and score property predictors on datasets x seeds, write a run
directory, and return the results as a Python object.

Run directory contents: ``recipe.yaml`` (resolved settings), ``environment.json`` (versions,
device, git commit), ``splits/<dataset>/seed<k>.json`` (indices), ``metrics.json`` (per-seed
scores and histories), ``results.md`` (the tables), ``learning_curves.png`` and, depending on
``save_predictors``, ``predictors/<dataset>-seed<k>.pt``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from graphcl.config.signature import check_kwargs
from graphcl.data.dataset import MoleculeDataset
from graphcl.data.load import load_dataset
from graphcl.data.splits import SPLITS, make_split
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.checkpoint import encoder_name, load_encoder
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import RecipeError
from graphcl.evaluation.finetune import PROTOCOLS, SELECTIONS, FinetuneConfig, SeedResult, run_seed
from graphcl.evaluation.metrics import DISPLAY
from graphcl.evaluation.plots import plot_learning_curves
from graphcl.evaluation.predictor import Predictor
from graphcl.evaluation.published import published_rows
from graphcl.evaluation.report import metric_table
from graphcl.training import prepare_run_dir, resolve_device, seed_everything, write_json
from graphcl.typing import PathType

_SAVE_POLICIES = ("none", "first", "all")


#: Split names that depend on the dataset: the card's default, or KCL's per-dataset choice.
_SPLIT_RULES: dict[str, Callable[[MoleculeDataset], str]] = {
    "default": lambda dataset: dataset.info.default_split,
    "kcl": lambda dataset: "balanced_scaffold" if dataset.name in ("bbbp", "bace") else "random",
}


@dataclass(frozen=True)
class EvaluationConfig:
    """Settings of an evaluation (the recipe's ``evaluate`` section).

    Attributes:
        datasets: dataset names or CSV paths.
        protocol: ``finetune`` (train everything) or ``linear`` (frozen encoder).
        split: ``scaffold``, ``balanced_scaffold``, ``random``, ``default`` (each dataset
            card's default split) or ``kcl`` (KCL's protocol: balanced scaffold for BBBP and
            BACE, random for the others).
        frac: (train, valid, test) fractions.
        seeds: number of seeds (0 .. n-1) or an explicit list.
        selection: ``best_val`` or ``last_epoch`` (see :mod:`graphcl.evaluation.finetune`).
        featurizer: featurizer name (a checkpoint's own featurizer wins).
        encoder: ``name`` (default ``gin``) plus constructor arguments; with a checkpoint, keys
            given here override the checkpoint's (e.g. ``dropout``).
        head: :class:`~graphcl.encoders.head.PredictionHead` arguments (``hidden``, ``dropout``).
        train: :class:`~graphcl.evaluation.finetune.FinetuneConfig` fields.
        checkpoint: encoder checkpoint to start from (None: train from scratch).
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        workers: featurization processes (None: all cores).
        save_predictors: which trained predictors to write: ``none``, ``first`` seed, ``all``.
    """

    datasets: tuple[str, ...]
    protocol: str = "finetune"
    split: str = "default"
    frac: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seeds: int | tuple[int, ...] = 3
    selection: str = "best_val"
    featurizer: str = "ogb"
    encoder: dict[str, Any] = field(default_factory=dict)
    head: dict[str, Any] = field(default_factory=dict)
    train: FinetuneConfig = field(default_factory=FinetuneConfig)
    checkpoint: str | None = None
    device: str = "auto"
    workers: int | None = None
    save_predictors: str = "first"

    def __post_init__(self) -> None:
        if isinstance(self.datasets, str):
            object.__setattr__(self, "datasets", tuple(self.datasets.split(",")))
        else:
            object.__setattr__(self, "datasets", tuple(self.datasets))
        if not self.datasets:
            raise RecipeError("evaluate.datasets: give at least one dataset")
        if isinstance(self.train, dict):
            check_kwargs(FinetuneConfig, self.train, "evaluate.train")
            object.__setattr__(self, "train", FinetuneConfig(**self.train))
        if isinstance(self.seeds, list):
            object.__setattr__(self, "seeds", tuple(self.seeds))
        object.__setattr__(self, "frac", tuple(float(f) for f in self.frac))
        if self.protocol not in PROTOCOLS:
            raise RecipeError(
                f"evaluate.protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}"
            )
        if self.selection not in SELECTIONS:
            raise RecipeError(
                f"evaluate.selection must be one of {', '.join(SELECTIONS)}, got {self.selection!r}"
            )
        if self.split not in _SPLIT_RULES and self.split not in SPLITS:
            raise RecipeError(
                f"evaluate.split must be one of default, kcl, "
                f"{', '.join(SPLITS.available())}, got {self.split!r}"
            )
        if self.save_predictors not in _SAVE_POLICIES:
            raise RecipeError(
                f"evaluate.save_predictors must be one of "
                f"{', '.join(_SAVE_POLICIES)}, got {self.save_predictors!r}"
            )
        if isinstance(self.seeds, int) and self.seeds < 1:
            raise RecipeError(f"evaluate.seeds must be >= 1, got {self.seeds}")

    @property
    def encoder_name(self) -> str:
        return str(self.encoder.get("name", "gin"))

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["datasets"] = list(self.datasets)
        out["frac"] = list(self.frac)
        out["seeds"] = self.seeds if isinstance(self.seeds, int) else list(self.seeds)
        return out


@dataclass
class EvaluationResult:
    """Scores of every (dataset, seed), how they were obtained, and the trained predictors.

    Attributes:
        config: the settings used.
        results: one entry per (dataset, seed).
        splits: split name used for each dataset.
        start: where the encoder started: ``scratch`` or a description of the checkpoint.
        run_dir: where the run was written (None for in-memory runs).
        predictors: trained predictors kept according to ``save_predictors``.
    """

    config: EvaluationConfig
    results: list[SeedResult]
    splits: dict[str, str]
    start: str = "scratch"
    run_dir: Path | None = None
    predictors: dict[tuple[str, int], Predictor] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Row name of this result in tables: encoder and starting point."""
        return f"graphcl {self.config.encoder_name} ({self.start})"

    def describe(self, with_start: bool = True) -> str:
        """The protocol in one line: what was trained, on which split, selected how."""
        cfg = self.config
        splits = ", ".join(sorted(set(self.splits.values())))
        frac = "/".join(f"{f * 100:g}" for f in cfg.frac)
        seeds = cfg.seed_list
        start = f" from {self.start}" if with_start else ""
        return (
            f"protocol: {cfg.protocol} ({cfg.encoder_name}{start}), {splits} split "
            f"{frac}, seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); selection: "
            f"{SELECTIONS[cfg.selection]}"
        )

    def scores(self) -> dict[str, list[float]]:
        """Per-seed test scores by dataset."""
        out: dict[str, list[float]] = {}
        for r in self.results:
            out.setdefault(r.dataset, []).append(r.test)
        return out

    def summary(self) -> dict[str, dict[str, Any]]:
        """Mean, std, number of seeds and metric by dataset."""
        out = {}
        for dataset, values in self.scores().items():
            metric = next(r.metric for r in self.results if r.dataset == dataset)
            array = np.asarray(values)
            out[dataset] = {
                "metric": metric,
                "mean": float(np.nanmean(array)),
                "std": float(np.nanstd(array)),
                "seeds": len(values),
                "split": self.splits[dataset],
            }
        return out

    def details(self) -> str:
        """Markdown table of split sizes, selected epochs, skipped tasks and time per dataset."""
        lines = [
            "| dataset | split | train/valid/test | selected epoch | skipped test tasks "
            "| minutes |",
            "|---|---|---|---|---|---|",
        ]
        for dataset in self.scores():
            runs = [r for r in self.results if r.dataset == dataset]
            split = runs[0].split
            sizes = f"{len(split.train)}/{len(split.valid)}/{len(split.test)}"
            epochs = np.mean([r.selected_epoch for r in runs])
            skipped = np.mean([len(r.skipped_tasks) for r in runs])
            minutes = sum(r.seconds for r in runs) / 60
            lines.append(
                f"| {dataset} | {self.splits[dataset]} | {sizes} | {epochs:.1f} | {skipped:g} | "
                f"{minutes:.1f} |"
            )
        return "\n".join(lines)

    def table(self) -> str:
        """Markdown results: protocol line, one table per metric, per-dataset details."""
        return comparison_table([self])

    def predictor(self, dataset: str, seed: int | None = None) -> Predictor:
        """A kept predictor (the first seed's by default)."""
        for (name, s), predictor in self.predictors.items():
            if name == dataset and (seed is None or s == seed):
                return predictor
        kept = ", ".join(f"{d} seed {s}" for d, s in self.predictors) or "none"
        raise KeyError(
            f"no predictor for {dataset!r} seed {seed}; kept: {kept} (see save_predictors)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.describe(),
            "config": self.config.to_dict(),
            "summary": self.summary(),
            "results": [r.to_dict() for r in self.results],
        }


def comparison_table(results: Sequence[EvaluationResult]) -> str:
    """Results of several starting points under one protocol: the protocol line, one table per
    metric with a row per result (and the published rows of the protocol), then the details."""
    first = results[0]
    cfg = first.config
    parts = [first.describe(with_start=len(results) == 1)]
    summary = first.summary()
    for metric in DISPLAY:
        datasets = [d for d in first.scores() if summary[d]["metric"] == metric]
        if not datasets:
            continue
        rows = {r.label: {d: r.scores()[d] for d in datasets} for r in results}
        splits = {first.splits[d] for d in datasets}
        split = splits.pop() if len(splits) == 1 else "mixed"
        published = published_rows(metric, cfg.protocol, split, cfg.encoder_name)
        parts.append(metric_table(metric, rows, published))
    for result in results:
        parts.append((f"{result.label}:\n\n" if len(results) > 1 else "") + result.details())
    return "\n\n".join(parts) + "\n"


class _ModelFactory:
    """Fresh encoder + head per seed, from scratch or from a checkpoint."""

    def __init__(self, config: EvaluationConfig) -> None:
        self.config = config
        self.encoder_kwargs = {k: v for k, v in config.encoder.items() if k != "name"}
        self.pretrained: GraphEncoder | None = None
        self.featurizer = config.featurizer
        self.start = "scratch"
        if config.checkpoint:
            self.pretrained, self.featurizer, meta = load_encoder(
                config.checkpoint, **self.encoder_kwargs
            )
            name = encoder_name(self.pretrained)
            method, dataset = meta.get("method", {}).get("name"), meta.get("dataset")
            if method and meta.get("role"):  # e.g. KCL's partner GCN
                method = f"{method} {meta['role']}"
            origin = (
                f"{method} on {dataset}" if method and dataset else Path(config.checkpoint).name
            )
            self.start = f"pre-trained: {origin}"
            if config.encoder.get("name", name) != name:
                raise RecipeError(
                    f"evaluate.encoder.name is {config.encoder['name']!r} but the "
                    f"checkpoint holds a {name!r} encoder"
                )
            self.config = replace(config, encoder={**config.encoder, "name": name})
        check_kwargs(PredictionHead, config.head, "evaluate.head", exclude=("in_dim", "num_tasks"))

    def __call__(self, dataset: MoleculeDataset) -> PropertyModel:
        dims = dataset.info.dims
        if self.pretrained is not None:
            own = (self.pretrained.atom_feature_dims, self.pretrained.bond_feature_dims)
            if own != dims:
                raise RecipeError(
                    f"the checkpoint's encoder reads features of sizes {own}, but "
                    f"{dataset.name} has {dims}; pre-train on graphs featurized the same way"
                )
            encoder = copy.deepcopy(self.pretrained)
        else:
            encoder = build_encoder(
                self.config.encoder_name, self.featurizer, dims=dims, **self.encoder_kwargs
            )
        head = PredictionHead(encoder.out_dim, dataset.num_tasks, **self.config.head)
        return PropertyModel(encoder, head)


def evaluate(
    datasets: Sequence[str] | str,
    *,
    output_dir: PathType | None = None,
    run_dir: PathType | None = None,
    run_name: str = "eval",
    progress: bool = True,
    recipe: dict[str, Any] | None = None,
    **settings: Any,
) -> EvaluationResult:
    """Fine-tune (or linearly probe) property predictors and score them, dataset x seed.

    Args:
        datasets: names (``"bbbp,bace"`` or a list) or CSV paths.
        output_dir: parent of a new timestamped run directory; None keeps everything in memory.
        run_dir: an exact directory to write into instead (created if needed).
        run_name: suffix of the run directory name.
        progress: show progress bars.
        recipe: the full recipe to save as ``recipe.yaml`` (default: these settings).
        **settings: any :class:`EvaluationConfig` field (``protocol``, ``split``, ``seeds``,
            ``selection``, ``encoder``, ``train`` ...).

    Returns:
        The results, with per-seed scores, histories and (some) trained predictors.

    Raises:
        RecipeError: an unknown setting or a bad value; the message names it.

    Example:
        >>> import graphcl
        >>> result = graphcl.evaluate("chembl2321810", seeds=1, train={"epochs": 2},
        ...                           progress=False)  # doctest: +SKIP
        >>> print(result.table())  # doctest: +SKIP
    """
    check_kwargs(EvaluationConfig, settings, "evaluate", exclude=("datasets",))
    names = datasets.split(",") if isinstance(datasets, str) else datasets
    config = EvaluationConfig(datasets=tuple(names), **settings)
    device = resolve_device(config.device)
    factory = _ModelFactory(config)
    config = factory.config  # names the checkpoint's encoder when the settings do not
    record = recipe or {"evaluate": config.to_dict()}
    directory = prepare_run_dir(run_dir, output_dir, run_name, record, device)

    result = EvaluationResult(config, [], {}, factory.start, directory)
    for name in config.datasets:
        dataset: MoleculeDataset = load_dataset(
            name, factory.featurizer, workers=config.workers, progress=progress
        )
        if dataset.info.task not in ("classification", "regression"):
            raise RecipeError(f"evaluate.datasets: {dataset.name} has no labels to predict")
        rule = _SPLIT_RULES.get(config.split)
        split_name = rule(dataset) if rule is not None else config.split
        result.splits[dataset.name] = split_name
        for index, seed in enumerate(config.seed_list):
            split = make_split(split_name, dataset.smiles, config.frac, seed)
            seed_everything(seed)
            model = factory(dataset)
            outcome = run_seed(
                dataset,
                split,
                model,
                config=config.train,
                seed=seed,
                device=device,
                protocol=config.protocol,
                selection=config.selection,
                progress=progress,
            )
            result.results.append(outcome)
            keep = config.save_predictors == "all" or (
                config.save_predictors == "first" and index == 0
            )
            if keep:
                result.predictors[(dataset.name, seed)] = Predictor(
                    model.cpu(),
                    factory.featurizer,
                    dataset.info,
                    outcome.target_mean,
                    outcome.target_std,
                )
            if directory is not None:
                split_dir = directory / "splits" / dataset.name
                split_dir.mkdir(parents=True, exist_ok=True)
                write_json(split_dir / f"seed{seed}.json", split.to_dict())
                if keep:
                    (directory / "predictors").mkdir(exist_ok=True)
                    result.predictors[(dataset.name, seed)].save(
                        directory / "predictors" / f"{dataset.name}-seed{seed}.pt"
                    )
                write_json(
                    directory / "metrics.json", result.to_dict()
                )  # kept current as seeds end
    if directory is not None:
        (directory / "results.md").write_text(result.table(), encoding="utf-8")
        plot_learning_curves(result.results, directory / "learning_curves.png")
    return result
