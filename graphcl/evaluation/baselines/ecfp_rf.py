"""``ecfp_rf``: a random forest on Morgan (ECFP4-like) bit fingerprints, the baseline chemists
trust.

References:
    Rogers & Hahn, "Extended-Connectivity Fingerprints", J. Chem. Inf. Model. 50 (2010) 742-754;
    Breiman, "Random Forests", Machine Learning 45 (2001) 5-32; the RF-on-ECFP rows of
    MoleculeNet (Wu et al., Chem. Sci. 2018) and chemprop (Yang et al., JCIM 2019).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rdkit.Chem import rdFingerprintGenerator
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from graphcl.errors import RecipeError
from graphcl.evaluation.baselines.registry import BASELINES, Baseline, training_prior
from graphcl.featurization.base import parse_smiles
from graphcl.typing import FloatArray


@BASELINES.register("ecfp_rf")
class EcfpRF(Baseline):
    """Random forest on Morgan bit fingerprints, one forest per task.

    Each task gets its own forest, fitted on the training molecules where that task is labelled
    (missing labels are left out, not imputed). A classification task whose training labels hold
    one class only (or none) gets the constant training prior (:func:`~graphcl.evaluation.
    baselines.registry.training_prior`), which the metric then scores as it scores any constant
    (ROC-AUC 0.5 when the evaluated set holds both classes, skipped when it does not).
    Classification outputs are the forest's probability of class 1; regression outputs are in
    label units. Forest settings other than these are scikit-learn's defaults.

    Args:
        n_estimators: trees per forest.
        radius: Morgan radius (2: ECFP4-like).
        n_bits: fingerprint length.
        n_jobs: scikit-learn workers per forest (-1: all cores; results do not depend on it).

    Raises:
        ValueError: a non-positive setting (the message names it).

    Example:
        >>> from graphcl.data import load_dataset, make_split
        >>> data = load_dataset("chembl2321810", progress=False)  # doctest: +SKIP
        >>> split = make_split("scaffold", data, seed=0)  # doctest: +SKIP
        >>> EcfpRF().run(data, split, seed=0).test  # test RMSE in pIC50  # doctest: +SKIP
    """

    name = "ecfp_rf"
    description = "random forest on Morgan fingerprints (radius 2, 2048 bits)"

    def __init__(
        self, n_estimators: int = 500, radius: int = 2, n_bits: int = 2048, n_jobs: int = -1
    ) -> None:
        for key, value in (("n_estimators", n_estimators), ("n_bits", n_bits)):
            if value < 1:
                raise ValueError(f"{key} must be >= 1, got {value}")
        if radius < 0:
            raise ValueError(f"radius must be >= 0, got {radius}")
        if n_jobs == 0:
            raise ValueError("n_jobs must be a positive number of workers or -1 (all), got 0")
        self.n_estimators = n_estimators
        self.radius = radius
        self.n_bits = n_bits
        self.n_jobs = n_jobs
        self._generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
        self._cache: dict[str, np.ndarray] = {}

    def check(self, dataset: Any) -> None:
        """Refuse datasets without molecules, then anything :class:`Baseline` refuses.

        Raises:
            RecipeError: no SMILES (TU graphs, node datasets), or labels that are not
                graph-level classification or regression.
        """
        smiles = getattr(dataset, "smiles", None)
        if not smiles or not any(smiles):
            raise RecipeError(
                f"baseline 'ecfp_rf': ecfp_rf needs molecules (SMILES); {dataset.name} has none "
                "(its graphs are not molecules); use the 'mean' baseline instead"
            )
        super().check(dataset)

    def fingerprints(self, smiles: Sequence[str]) -> np.ndarray:
        """Morgan bits of each SMILES (computed once per string). Shape: (N, n_bits), uint8.

        Raises:
            InvalidSmilesError: a SMILES RDKit cannot read (the message names it).
        """
        out = np.empty((len(smiles), self.n_bits), dtype=np.uint8)
        for row, text in enumerate(smiles):
            bits = self._cache.get(text)
            if bits is None:
                bits = self._generator.GetFingerprintAsNumPy(parse_smiles(text, max_atoms=None))
                self._cache[text] = bits
            out[row] = bits
        return out

    def predict(
        self, dataset: Any, train: Sequence[int], rows: Sequence[int], seed: int
    ) -> FloatArray:
        task = dataset.info.task
        smiles = dataset.smiles
        y = dataset.y.detach().cpu().numpy().astype(np.float64)
        if not rows:
            return np.zeros((0, y.shape[1]))
        x_train = self.fingerprints([smiles[i] for i in train])
        x_rows = self.fingerprints([smiles[i] for i in rows])
        y_train = y[list(train)]
        out = np.empty((len(rows), y.shape[1]), dtype=np.float64)
        for t in range(y.shape[1]):
            labelled = ~np.isnan(y_train[:, t])
            labels = y_train[labelled, t]
            if labels.size == 0 or (task == "classification" and labels.min() == labels.max()):
                out[:, t] = training_prior(y_train[:, t], task)
                continue
            if task == "classification":
                classifier = RandomForestClassifier(
                    self.n_estimators, random_state=seed, n_jobs=self.n_jobs
                )
                classifier.fit(x_train[labelled], labels)
                positive = list(classifier.classes_).index(1.0)
                out[:, t] = classifier.predict_proba(x_rows)[:, positive]
            else:
                regressor = RandomForestRegressor(
                    self.n_estimators, random_state=seed, n_jobs=self.n_jobs
                )
                regressor.fit(x_train[labelled], labels)
                out[:, t] = regressor.predict(x_rows)
        return out
