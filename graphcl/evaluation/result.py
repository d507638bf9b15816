"""What an evaluation returns: every (dataset, seed) score, how it was obtained, tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graphcl.data.splits import FIXED_SPLITS
from graphcl.evaluation.config import SELECTIONS, EvaluationConfig
from graphcl.evaluation.metrics import DISPLAY, EXTRA_DISPLAY
from graphcl.evaluation.published import describe_settings, published_rows
from graphcl.evaluation.report import metric_table
from graphcl.evaluation.seed_result import SeedResult


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
        architecture: the encoder evaluated: ``encoder`` name and its width settings
            (``num_layers``, ``hidden`` ...), as compared with published rows.
        baselines: the ``evaluate.baselines`` runs on the same splits, by baseline name.
    """

    config: EvaluationConfig
    results: list[SeedResult]
    splits: dict[str, str]
    start: str = "scratch"
    run_dir: Path | None = None
    predictors: dict[tuple[str, int], Any] = field(default_factory=dict)
    architecture: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, list[SeedResult]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Row name of this result in tables: encoder and starting point."""
        return f"graphcl {self.config.encoder_name} ({self.start})"

    @property
    def settings(self) -> dict[str, Any]:
        """What published rows are compared on: architecture, epochs, seeds, batch size, lr."""
        train = self.config.train
        return {
            "encoder": self.config.encoder_name,
            **self.architecture,
            "epochs": train.epochs,
            "seeds": len(self.config.seed_list),
            "batch_size": train.batch_size,
            "lr": train.lr,
        }

    def describe(self, with_start: bool = True) -> str:
        """The protocol in one line: what was trained, how wide, how long, on which split, how
        many seeds, selected how."""
        cfg = self.config
        splits = ", ".join(sorted(set(self.splits.values())))
        fracs = {tuple(r.split.frac) for r in self.results if r.split.name not in FIXED_SPLITS} or (
            {cfg.frac} if cfg.frac and not self.results else set()
        )
        frac = " " + ", ".join("/".join(f"{f * 100:g}" for f in each) for each in sorted(fracs))
        frac = frac if fracs else ""
        seeds = cfg.seed_list
        start = f" from {self.start}" if with_start else ""
        model = describe_settings({"encoder": cfg.encoder_name, **self.architecture})
        epochs = f"{cfg.train.epochs} epoch{'' if cfg.train.epochs == 1 else 's'}"
        return (
            f"protocol: {cfg.protocol} ({model}{start}), {splits} split{frac}, {epochs} "
            f"(batch {cfg.train.batch_size}, lr {cfg.train.lr:g}), seeds {seeds[0]}..{seeds[-1]} "
            f"({len(seeds)}); selection: {SELECTIONS[cfg.selection]}"
        )

    @property
    def scores(self) -> dict[str, list[float]]:
        """Per-seed (per-split) test scores by dataset, in metric units (accuracy and ROC-AUC
        as fractions)."""
        out: dict[str, list[float]] = {}
        for r in self.results:
            out.setdefault(r.dataset, []).append(r.test)
        return out

    def extra_scores(self, key: str) -> dict[str, list[float]]:
        """Per-seed values of a further score (``macro_f1`` ...) by dataset, where reported."""
        out: dict[str, list[float]] = {}
        for r in self.results:
            if key in r.extra:
                out.setdefault(r.dataset, []).append(r.extra[key])
        return out

    def summary(self) -> dict[str, dict[str, Any]]:
        """Mean, std, number of seeds and metric by dataset."""
        out = {}
        for dataset, values in self.scores.items():
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
        for dataset in self.scores:
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

    def predictor(self, dataset: str, seed: int | None = None) -> Any:
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
            "settings": self.settings,
            "summary": self.summary(),
            "results": [r.to_dict() for r in self.results],
            "baselines": {k: [r.to_dict() for r in v] for k, v in self.baselines.items()},
        }


def baseline_runs(results: Sequence[EvaluationResult]) -> dict[str, list[SeedResult]]:
    """The baseline runs of a comparison: those of the first result that has any (a recipe
    scores them once, with its first starting point)."""
    return next((r.baselines for r in results if r.baselines), {})


def baseline_rows(
    results: Sequence[EvaluationResult], datasets: Sequence[str], split: str = "test"
) -> dict[str, dict[str, list[float]]]:
    """Table rows of the baselines (run once, by the first result that has them): ``baseline:
    <name>`` -> dataset -> per-seed ``test`` (or ``valid``) scores."""
    rows: dict[str, dict[str, list[float]]] = {}
    for name, runs in baseline_runs(results).items():
        scores = _split_scores(runs, datasets, split)
        if any(scores.values()):
            rows[f"baseline: {name}"] = scores
    return rows


def transfer_tables(results: Sequence[EvaluationResult]) -> list[str]:
    """``evaluate.transfer`` tables: one per score (the metric, then the further scores), a
    column per ``trained on -> scored on`` pair, a row per result."""
    keys: dict[str, None] = {}
    for result in results:
        for run in result.results:
            for scores in run.transfer.values():
                keys.update(dict.fromkeys(k for k in scores if k in DISPLAY or k in EXTRA_DISPLAY))
    parts = []
    for key in keys:
        rows: dict[str, dict[str, list[float]]] = {}
        for result in results:
            row = rows.setdefault(f"{result.label} (transfer)", {})
            for run in result.results:
                for other, scores in run.transfer.items():
                    if key in scores:
                        row.setdefault(f"{run.dataset} → {other}", []).append(scores[key])
        rows = {label: row for label, row in rows.items() if row}
        if rows:
            parts.append(metric_table(key, rows))
    return parts


def comparison_table(results: Sequence[EvaluationResult]) -> str:
    """Results of several starting points under one protocol: the protocol line, one table per
    metric with a row per result (and the published rows of the protocol when the settings
    match), then the details."""
    first = results[0]
    cfg = first.config
    parts = [first.describe(with_start=len(results) == 1)]
    summary = first.summary()
    for metric in DISPLAY:
        datasets = [d for d in first.scores if summary[d]["metric"] == metric]
        if not datasets:
            continue
        rows = {r.label: {d: r.scores[d] for d in datasets} for r in results}
        rows.update(baseline_rows(results, datasets))
        splits = {first.splits[d] for d in datasets}
        split = splits.pop() if len(splits) == 1 else "mixed"
        published = published_rows(metric, cfg.protocol, split)
        parts.append(metric_table(metric, rows, published, first.settings))
    for key in EXTRA_DISPLAY:
        rows = {r.label: r.extra_scores(key) for r in results if r.extra_scores(key)}
        if rows:
            parts.append(metric_table(key, rows))
    parts += transfer_tables(results)
    source = baseline_runs(results)
    if source:
        from graphcl.evaluation.baselines import get_baseline

        described = "; ".join(f"{name}: {get_baseline(name).description}" for name in source)
        parts.append(
            f"Baselines (no graph encoder, fitted on each seed's training rows): {described}."
        )
    for result in results:
        parts.append((f"{result.label}:\n\n" if len(results) > 1 else "") + result.details())
    return "\n\n".join(parts) + "\n"


def summary_tables(sections: Sequence[tuple[str, Sequence[EvaluationResult]]]) -> str:
    """Every protocol's rows in one table per metric, test scores and then validation scores
    (what selection and model choice go by), for a recipe with more than one protocol.

    Args:
        sections: ``(name, results)`` per protocol, in recipe order (``evaluate`` first, then
            each ``also_evaluate`` name). Rows are ``<result label>, <protocol>`` (the section
            name where two sections share a protocol), then the baselines once.

    Returns:
        The tables, or ``""`` when the sections do not score the same datasets with the same
        metrics (a circuit recipe's capacitance regression and node classification).
    """
    everything = [r for _, results in sections for r in results]
    scored = {frozenset((d, s["metric"]) for d, s in r.summary().items()) for r in everything}
    if len(scored) != 1:
        return ""
    protocols = [results[0].config.protocol for _, results in sections]
    unique = len(set(protocols)) == len(protocols)
    first = everything[0]
    summary = first.summary()
    parts = []
    for metric in DISPLAY:
        datasets = [d for d in first.scores if summary[d]["metric"] == metric]
        if not datasets:
            continue
        for split in ("test", "valid"):
            rows: dict[str, dict[str, list[float]]] = {}
            for (name, results), protocol in zip(sections, protocols, strict=True):
                for result in results:
                    rows[f"{result.label}, {protocol if unique else name}"] = _split_scores(
                        result.results, datasets, split
                    )
            rows.update(baseline_rows(everything, datasets, split))
            parts.append(
                metric_table(metric, rows, split="Test" if split == "test" else "Validation")
            )
    return "\n\n".join(parts) + "\n" if parts else ""


def _split_scores(
    runs: Sequence[SeedResult], datasets: Sequence[str], split: str
) -> dict[str, list[float]]:
    """Dataset -> per-seed ``test`` or ``valid`` scores of ``runs``."""
    return {d: [getattr(r, split) for r in runs if r.dataset == d] for d in datasets}
