"""Metrics of molecular property prediction, per task with missing labels ignored.

ROC-AUC follows pretrain-gnns: a task counts only if the evaluated molecules hold both classes
for it; the score is the mean over counted tasks, and the skipped tasks are reported. RMSE is
computed per task over present labels and averaged over tasks (chemprop's convention).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from graphcl.registry import Registry
from graphcl.typing import FloatArray


@dataclass(frozen=True)
class TaskScores:
    """A metric over all tasks.

    Attributes:
        value: mean over scored tasks (NaN when no task could be scored).
        per_task: one score per task, None where the task was skipped.
        skipped: names of skipped tasks (one class only, or no labels, in the evaluated set).
    """

    value: float
    per_task: list[float | None]
    skipped: list[str]


def _mean(scores: Sequence[float | None]) -> float:
    present = [s for s in scores if s is not None]
    return float(np.mean(present)) if present else float("nan")


def _per_task(
    y_true: FloatArray,
    y_out: FloatArray,
    task_names: Sequence[str],
    score: Callable[[FloatArray, FloatArray], float],
    both_classes: bool = False,
) -> TaskScores:
    """``score(labels, outputs)`` of each task over its present labels; a task without labels
    (or, with ``both_classes``, with one class only) is skipped."""
    per_task: list[float | None] = []
    skipped = []
    for t, name in enumerate(task_names):
        present = ~np.isnan(y_true[:, t])
        labels = y_true[present, t]
        if labels.size == 0 or (both_classes and labels.min() == labels.max()):
            per_task.append(None)
            skipped.append(name)
        else:
            per_task.append(float(score(labels, y_out[present, t])))
    return TaskScores(_mean(per_task), per_task, skipped)


def roc_auc(y_true: FloatArray, y_score: FloatArray, task_names: Sequence[str]) -> TaskScores:
    """Mean ROC-AUC over tasks that have both classes among present labels.

    Args:
        y_true: labels in {0, 1}, NaN = missing. Shape: (N, T).
        y_score: scores (logits or probabilities). Shape: (N, T).
        task_names: T names, for the skipped list.
    """
    return _per_task(y_true, y_score, task_names, roc_auc_score, both_classes=True)


def rmse(y_true: FloatArray, y_pred: FloatArray, task_names: Sequence[str]) -> TaskScores:
    """Root-mean-square error per task over present labels, averaged over tasks.

    Shape: y_true, y_pred (N, T), in label units; NaN in ``y_true`` = missing.
    """
    return _per_task(
        y_true, y_pred, task_names, lambda labels, pred: np.sqrt(np.mean((pred - labels) ** 2))
    )


def accuracy(y_true: FloatArray, y_score: FloatArray, task_names: Sequence[str]) -> TaskScores:
    """Fraction of present labels predicted right (logit > 0 means class 1), averaged over tasks
    (the usual metric of TU graph classification).

    Shape: y_true (N, T) in {0, 1}, NaN = missing; y_score (N, T) logits.
    """
    return _per_task(
        y_true, y_score, task_names, lambda labels, score: np.mean((score > 0) == labels)
    )


METRICS: Registry[Callable[..., TaskScores]] = Registry("metric")
METRICS.register("roc_auc")(roc_auc)
METRICS.register("accuracy")(accuracy)
METRICS.register("rmse")(rmse)

#: Whether a larger value of the metric is better.
HIGHER_IS_BETTER = {"roc_auc": True, "accuracy": True, "rmse": False}


@dataclass(frozen=True)
class MetricDisplay:
    """How a metric is printed: column label, scale factor and decimals."""

    label: str
    scale: float
    digits: int


DISPLAY = {
    "roc_auc": MetricDisplay("ROC-AUC (%)", 100.0, 1),
    "accuracy": MetricDisplay("accuracy (%)", 100.0, 1),
    "rmse": MetricDisplay("RMSE", 1.0, 3),
}
#: Further scores some protocols report beside their metric (``SeedResult.extra``) that tables
#: show; micro-F1 is also recorded, but with one label per node it equals the accuracy. The
#: circuit protocols report R² and MAE (in attofarads) beside their RMSE on the scaled axis.
EXTRA_DISPLAY = {
    "macro_f1": MetricDisplay("macro-F1 (%)", 100.0, 1),
    "r2": MetricDisplay("R² (log-scaled capacitance)", 1.0, 3),
    "r2_f": MetricDisplay("R² (farads)", 1.0, 3),
    "mae_f": MetricDisplay("MAE (aF)", 1e18, 3),
}


def is_better(metric: str, candidate: float, best: float | None) -> bool:
    """Whether ``candidate`` improves on ``best`` (NaN never does; anything beats None)."""
    if np.isnan(candidate):
        return False
    if best is None or np.isnan(best):
        return True
    return candidate > best if HIGHER_IS_BETTER[metric] else candidate < best
