"""Baselines by name (``ecfp_rf``, ``mean``), and what a baseline is.

A baseline is a model that needs no graph encoder: it is fitted on the training rows of the very
split a protocol uses, and scored on its valid and test rows with the same metric functions
(:mod:`graphcl.evaluation.metrics`: per task, missing labels ignored, ROC-AUC skipping tasks with
one class), so that its :class:`~graphcl.evaluation.seed_result.SeedResult` sits beside the
protocols' in a table. There is no training loop and no model selection: ``selection`` is
``none``, ``selected_epoch`` 0 and the history empty.

Each baseline registers itself where it is defined (``@BASELINES.register("ecfp_rf")``); modules
of :mod:`graphcl.evaluation.baselines` are discovered on first use.

Example:
    >>> from graphcl.evaluation.baselines import BASELINES
    >>> BASELINES.available()
    ['ecfp_rf', 'mean']
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from graphcl.data.splits import Split
from graphcl.errors import RecipeError
from graphcl.evaluation.metrics import METRICS, TaskScores
from graphcl.evaluation.protocols.base import standardizer
from graphcl.evaluation.seed_result import SeedResult
from graphcl.registry import Registry
from graphcl.signature import check_kwargs
from graphcl.typing import FloatArray

#: ``SeedResult.selection`` of every baseline: nothing is selected on validation.
NO_SELECTION = "none"

#: Tasks a baseline predicts (graph-level labels).
BASELINE_TASKS = ("classification", "regression")


class Baseline(ABC):
    """A model scored on a protocol's split without a graph encoder.

    Subclasses implement :meth:`predict`; :meth:`run` fits, predicts the valid and test rows and
    scores them as the protocols do.

    Attributes:
        name: registry name.
        description: one line for tables and help texts.
    """

    name: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def predict(
        self, dataset: Any, train: Sequence[int], rows: Sequence[int], seed: int
    ) -> FloatArray:
        """Fit on the labelled ``train`` rows of ``dataset`` and predict ``rows``.

        Args:
            dataset: a graph-level dataset (``y``, ``info``; ``smiles`` for molecules).
            train: dataset indices to fit on.
            rows: dataset indices to predict.
            seed: seed of any randomness of the fit.

        Returns:
            Classification: probability of class 1 per task; regression: predictions in label
            units (pIC50, log solubility ...). Shape: (len(rows), T).
        """

    def check(self, dataset: Any) -> None:
        """Refuse a dataset this baseline cannot score.

        Raises:
            RecipeError: its labels are not graph-level classification or regression.
        """
        task = dataset.info.task
        if task not in BASELINE_TASKS:
            raise RecipeError(
                f"baseline {self.name!r}: {dataset.name} is {task}; baselines predict "
                f"graph-level labels ({' or '.join(BASELINE_TASKS)})"
            )

    def run(self, dataset: Any, split: Split, seed: int) -> SeedResult:
        """Fit on ``split.train``, score ``split.valid`` and ``split.test``.

        Args:
            dataset: a graph-level dataset with labels (NaN = missing).
            split: the indices, as the protocols receive them (:func:`~graphcl.data.splits.
                make_split`).
            seed: the run's seed (also the split seed for seeded splits).

        Returns:
            Scores as a protocol reports them: ``selection`` ``none``, ``selected_epoch`` 0,
            empty history; ``target_mean``/``target_std`` are the per-task training statistics
            the protocols report for the same split (the baselines themselves predict in label
            units and standardize nothing).

        Raises:
            RecipeError: the dataset cannot be scored by this baseline (the message says why).
        """
        self.check(dataset)
        started = time.perf_counter()
        task, metric = dataset.info.task, dataset.info.metric
        score_fn = METRICS.get(metric)
        names = list(dataset.info.label_names)
        y = dataset.y.detach().cpu().numpy().astype(np.float64)
        valid, test = list(split.valid), list(split.test)
        rows = valid + test
        outputs = (
            self.predict(dataset, list(split.train), rows, seed)
            if rows
            else np.zeros((0, y.shape[1]))
        )

        def scored(indices: list[int], out: FloatArray) -> TaskScores:
            if not indices:
                return TaskScores(float("nan"), [None] * y.shape[1], names)
            return score_fn(y[indices], metric_input(out, task, metric), names)

        valid_scores = scored(valid, outputs[: len(valid)])
        test_scores = scored(test, outputs[len(valid) :])
        train_index = torch.tensor(list(split.train), dtype=torch.long)
        mean, std = standardizer(dataset.y[train_index], task)
        return SeedResult(
            dataset=dataset.name,
            seed=seed,
            metric=metric,
            selection=NO_SELECTION,
            selected_epoch=0,
            valid=valid_scores.value,
            test=test_scores.value,
            test_per_task=test_scores.per_task,
            skipped_tasks=test_scores.skipped,
            split=split,
            history=[],
            seconds=time.perf_counter() - started,
            target_mean=mean.tolist(),
            target_std=std.tolist(),
        )


def training_prior(labels: FloatArray, task: str) -> float:
    """The constant a task falls back to: the training positive rate (classification) or mean
    (regression) of its present labels; 0.5 (classification) or 0.0 (regression) when the
    training split holds no label of the task (0.0 is what the protocols' standardizer uses).

    Shape: labels (n,), NaN = missing.
    """
    present = labels[~np.isnan(labels)]
    if present.size == 0:
        return 0.5 if task == "classification" else 0.0
    return float(present.mean())


def metric_input(outputs: FloatArray, task: str, metric: str) -> FloatArray:
    """What the metric function expects of a baseline's outputs: probabilities as they are for
    ROC-AUC (a rank metric), logits for accuracy (which reads ``score > 0`` as class 1), label
    units for regression."""
    if task == "classification" and metric == "accuracy":
        with np.errstate(divide="ignore"):
            logits: FloatArray = np.log(outputs) - np.log1p(-outputs)
        return logits
    return outputs


BASELINES: Registry[type[Baseline]] = Registry("baseline", package="graphcl.evaluation.baselines")


def get_baseline(name: str, **kwargs: Any) -> Baseline:
    """An instance of the baseline ``name`` built from ``kwargs`` (``n_jobs`` ...).

    Raises:
        UnknownNameError: no baseline has that name (the message lists them).
        RecipeError: a keyword it does not take, or a value of the wrong type (named).
    """
    constructor = BASELINES.get(name)
    check_kwargs(constructor, kwargs, f"baseline {name!r}")
    return constructor(**kwargs)
