"""Property-prediction evaluation: fine-tuning and linear protocols, metrics, reports, plots."""

from graphcl.evaluation.finetune import (
    OPTIMIZERS,
    PROTOCOLS,
    SELECTIONS,
    FinetuneConfig,
    SeedResult,
    run_seed,
)
from graphcl.evaluation.metrics import METRICS, TaskScores, rmse, roc_auc
from graphcl.evaluation.predictor import Predictor
from graphcl.evaluation.protocol import EvaluationConfig, EvaluationResult, evaluate
from graphcl.evaluation.published import TRANSFER_ROWS, PublishedRow, published_rows
from graphcl.evaluation.task_loss import masked_bce_with_logits, masked_mse

__all__ = [
    "METRICS",
    "OPTIMIZERS",
    "PROTOCOLS",
    "SELECTIONS",
    "TRANSFER_ROWS",
    "EvaluationConfig",
    "EvaluationResult",
    "FinetuneConfig",
    "Predictor",
    "PublishedRow",
    "SeedResult",
    "TaskScores",
    "evaluate",
    "masked_bce_with_logits",
    "masked_mse",
    "published_rows",
    "rmse",
    "roc_auc",
    "run_seed",
]
