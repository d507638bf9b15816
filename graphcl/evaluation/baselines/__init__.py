"""Baselines scored on a protocol's split: ``ecfp_rf`` (random forest on Morgan fingerprints)
and ``mean`` (training mean or positive rate), each returning a
:class:`~graphcl.evaluation.seed_result.SeedResult` like the protocols do."""

from graphcl.evaluation.baselines.ecfp_rf import EcfpRF
from graphcl.evaluation.baselines.mean import MeanBaseline
from graphcl.evaluation.baselines.registry import (
    BASELINE_TASKS,
    BASELINES,
    NO_SELECTION,
    Baseline,
    get_baseline,
    metric_input,
    training_prior,
)

__all__ = [
    "BASELINES",
    "BASELINE_TASKS",
    "NO_SELECTION",
    "Baseline",
    "EcfpRF",
    "MeanBaseline",
    "get_baseline",
    "metric_input",
    "training_prior",
]
