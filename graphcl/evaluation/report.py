"""Results tables: Markdown with mean ± std per dataset, the average, and the published rows of
the same protocol — printed only when the run's settings match theirs, otherwise replaced by a
note naming the settings that differ."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphcl.evaluation.metrics import DISPLAY, EXTRA_DISPLAY
from graphcl.evaluation.published import PublishedRow, describe_settings, setting_differences


def format_score(metric: str, values: Sequence[float]) -> str:
    """``mean ± std`` (ROC-AUC and accuracy in percent, one decimal; RMSE three decimals)."""
    display = DISPLAY[metric] if metric in DISPLAY else EXTRA_DISPLAY[metric]
    digits = display.digits
    array = np.asarray(values, dtype=float) * display.scale
    array = array[~np.isnan(array)]
    if array.size == 0:
        return "n/a"
    if array.size == 1:
        return f"{array[0]:.{digits}f}"
    return f"{array.mean():.{digits}f} ± {array.std():.{digits}f}"


def _published_lines(
    metric: str,
    datasets: Sequence[str],
    published: Sequence[PublishedRow],
    run: Mapping[str, Any] | None,
) -> tuple[list[str], list[str]]:
    """Table lines of the comparable published rows, and one note per group of the others."""
    digits = (DISPLAY[metric] if metric in DISPLAY else EXTRA_DISPLAY[metric]).digits
    # an average over datasets; none over low-label columns (``name@10%``) of one dataset
    with_avg = len(datasets) > 1 and not any("@" in d for d in datasets)
    lines: list[str] = []
    differing: dict[tuple[str, str, str], list[str]] = {}  # (protocol, theirs, ours) -> methods
    for entry in published:
        if not any(d in entry.scores for d in datasets):
            continue
        differ = setting_differences(entry, run) if run is not None else []
        if differ:
            theirs = describe_settings(entry.settings, differ)
            ours = describe_settings({**entry.settings, **(run or {})}, differ)
            key = (entry.protocol_name or entry.source, theirs, ours)
            differing.setdefault(key, []).append(entry.method)
            continue
        cells = [f"{entry.scores[d]:.{digits}f}" if d in entry.scores else "–" for d in datasets]
        if with_avg:
            known = [entry.scores[d] for d in datasets if d in entry.scores]
            cells.append(f"{np.mean(known):.{digits}f}" if len(known) == len(datasets) else "–")
        lines.append(f"| published: {entry.method} ({entry.source}) | {' | '.join(cells)} |")
    notes = [
        f"Published {who} rows ({', '.join(methods)}) not shown, their settings differ: "
        f"published: {theirs}; this run: {ours}."
        for (who, theirs, ours), methods in differing.items()
    ]
    return lines, notes


def metric_table(
    metric: str,
    rows: dict[str, dict[str, list[float]]],
    published: Sequence[PublishedRow] = (),
    run: Mapping[str, Any] | None = None,
    split: str = "Test",
) -> str:
    """One Markdown table for the datasets scored with ``metric``.

    Args:
        metric: ``roc_auc``, ``accuracy`` or ``rmse``.
        rows: row label -> dataset -> per-seed test scores (datasets of the first row are the
            columns).
        published: rows of the same protocol to print below ours (only their scores for these
            datasets).
        run: this run's settings (``encoder``, ``num_layers``, ``hidden``, ``epochs``, ``seeds``,
            ``batch_size``, ``lr``); published rows whose settings differ become a note. None
            prints every published row.
        split: which scores the rows hold, for the title (``Test``, ``Validation``).
    """
    datasets = list(next(iter(rows.values())))
    with_avg = len(datasets) > 1 and not any("@" in d for d in datasets)
    header = ["model", *datasets] + (["avg"] if with_avg else [])
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    for label, scores in rows.items():
        cells = [label, *(format_score(metric, scores.get(d, [])) for d in datasets)]
        if with_avg:
            means = [
                float(np.nanmean(scores[d])) if scores.get(d) else float("nan") for d in datasets
            ]
            cells.append(format_score(metric, [float(np.mean(means))]))
        lines.append(f"| {' | '.join(cells)} |")
    extra, notes = _published_lines(metric, datasets, published, run)
    label = (DISPLAY[metric] if metric in DISPLAY else EXTRA_DISPLAY[metric]).label
    text = f"{split} {label}:\n\n" + "\n".join(lines + extra)
    return text + ("\n\n" + "\n".join(notes) if notes else "")
