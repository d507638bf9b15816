"""Results tables: Markdown with mean ± std per dataset, the average, and published rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graphcl.evaluation.metrics import DISPLAY
from graphcl.evaluation.published import PublishedRow


def format_score(metric: str, values: Sequence[float]) -> str:
    """``mean ± std`` (ROC-AUC and accuracy in percent, one decimal; RMSE three decimals)."""
    display = DISPLAY[metric]
    digits = display.digits
    array = np.asarray(values, dtype=float) * display.scale
    array = array[~np.isnan(array)]
    if array.size == 0:
        return "n/a"
    if array.size == 1:
        return f"{array[0]:.{digits}f}"
    return f"{array.mean():.{digits}f} ± {array.std():.{digits}f}"


def metric_table(
    metric: str,
    rows: dict[str, dict[str, list[float]]],
    published: Sequence[PublishedRow] = (),
) -> str:
    """One Markdown table for the datasets scored with ``metric``.

    Args:
        metric: ``roc_auc``, ``accuracy`` or ``rmse``.
        rows: row label -> dataset -> per-seed test scores (datasets of the first row are the
            columns).
        published: rows to print below ours (only their scores for these datasets).
    """
    datasets = list(next(iter(rows.values())))
    with_avg = len(datasets) > 1
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
    digits = DISPLAY[metric].digits  # published scores are already in display units
    for entry in published:
        if not any(d in entry.scores for d in datasets):
            continue
        cells = [f"{entry.scores[d]:.{digits}f}" if d in entry.scores else "–" for d in datasets]
        if with_avg:
            known = [entry.scores[d] for d in datasets if d in entry.scores]
            cells.append(f"{np.mean(known):.{digits}f}" if len(known) == len(datasets) else "–")
        lines.append(f"| published: {entry.method} ({entry.source}) | {' | '.join(cells)} |")
    return f"Test {DISPLAY[metric].label}:\n\n" + "\n".join(lines)
