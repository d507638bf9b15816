"""``mean``: predict the training split's mean label, the floor every model must clear."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphcl.evaluation.baselines.registry import BASELINES, Baseline, training_prior
from graphcl.typing import FloatArray


@BASELINES.register("mean")
class MeanBaseline(Baseline):
    """One constant per task: the mean of its present training labels (regression, in label
    units: pIC50, log solubility ...) or its training positive rate (classification).

    The RMSE of the mean is what a model scores without learning anything from the molecules
    (close to the test labels' standard deviation). For classification the constant carries no
    ranking: the metric module scores it as ROC-AUC 0.5 on every task that has both classes in
    the evaluated set (scikit-learn's ``roc_auc_score`` of tied scores) and skips the others, so
    the ``mean`` row of a ROC-AUC table reads 50.0. A task without any training label falls back
    to 0.5 (classification) or 0.0 (regression). It needs no SMILES: it also scores TU graph sets.

    Example:
        >>> from graphcl.data import load_dataset, make_split
        >>> data = load_dataset("chembl2321810", progress=False)  # doctest: +SKIP
        >>> split = make_split("scaffold", data, seed=0)  # doctest: +SKIP
        >>> MeanBaseline().run(data, split, seed=0).test  # test RMSE in pIC50  # doctest: +SKIP
    """

    name = "mean"
    description = "training mean (regression) or positive rate (classification) per task"

    def predict(
        self, dataset: Any, train: Sequence[int], rows: Sequence[int], seed: int
    ) -> FloatArray:
        y = dataset.y.detach().cpu().numpy().astype(np.float64)[list(train)]
        task = dataset.info.task
        prior = np.array([training_prior(y[:, t], task) for t in range(y.shape[1])])
        return np.tile(prior, (len(rows), 1))
