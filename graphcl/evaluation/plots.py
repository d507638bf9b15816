"""Learning-curve figures of evaluation runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from graphcl.evaluation.metrics import DISPLAY
from graphcl.evaluation.seed_result import SeedResult
from graphcl.runtime.atomic import savefig_atomic
from graphcl.typing import PathType


def _stack(histories: Sequence[list[dict[str, float]]], key: str) -> np.ndarray:
    """(seeds, epochs) array padded with NaN where a run stopped early."""
    length = max(len(h) for h in histories)
    out = np.full((len(histories), length), np.nan)
    for i, history in enumerate(histories):
        out[i, : len(history)] = [record[key] for record in history]
    return out


def plot_learning_curves(results: Sequence[SeedResult], path: PathType) -> None:
    """One panel per dataset: validation and test score per epoch (mean and band of ±1 std over
    seeds) and the training loss on a second axis; the mean selected epoch is marked."""
    by_dataset: dict[str, list[SeedResult]] = defaultdict(list)
    for result in results:
        by_dataset[result.dataset].append(result)
    count = len(by_dataset)
    columns = min(count, 3)
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.6 * rows), squeeze=False)
    for ax, (dataset, runs) in zip(axes.flat, by_dataset.items(), strict=False):
        metric = runs[0].metric
        histories = [r.history for r in runs]
        epochs = np.arange(1, max(len(h) for h in histories) + 1)
        scale = DISPLAY[metric].scale
        for key, color in (("valid", "tab:blue"), ("test", "tab:orange")):
            values = _stack(histories, key) * scale
            mean, std = np.nanmean(values, 0), np.nanstd(values, 0)
            ax.plot(epochs, mean, color=color, label=key)
            ax.fill_between(epochs, mean - std, mean + std, color=color, alpha=0.2)
        ax.axvline(float(np.mean([r.selected_epoch for r in runs])), color="gray", ls=":", lw=1)
        ax.set_title(f"{dataset} ({len(runs)} seeds)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(DISPLAY[metric].label)
        loss_ax = ax.twinx()
        loss = np.nanmean(_stack(histories, "train_loss"), 0)
        loss_ax.plot(epochs, loss, color="tab:green", lw=1, alpha=0.7, label="train loss")
        loss_ax.set_ylabel("train loss")
        handles = ax.get_legend_handles_labels()[0] + loss_ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles, fontsize=8, loc="best")
    for ax in list(axes.flat)[count:]:
        ax.set_visible(False)
    figure.tight_layout()
    savefig_atomic(figure, path, dpi=120)
    plt.close(figure)
