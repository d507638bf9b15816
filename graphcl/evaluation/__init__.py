"""Evaluation: registered protocols (fine-tuning, linear probes), metrics, reports, plots, and
trained predictors."""

from graphcl.evaluation.config import SELECTIONS, EvaluationConfig, FinetuneConfig
from graphcl.evaluation.evaluate import evaluate
from graphcl.evaluation.metrics import METRICS, TaskScores, rmse, roc_auc
from graphcl.evaluation.model_factory import ModelFactory
from graphcl.evaluation.predictor import Predictor
from graphcl.evaluation.protocols import PROTOCOLS, EvaluationProtocol, get_protocol
from graphcl.evaluation.published import TRANSFER_ROWS, PublishedRow, published_rows
from graphcl.evaluation.result import EvaluationResult, comparison_table
from graphcl.evaluation.seed_result import SeedResult
from graphcl.evaluation.task_loss import masked_bce_with_logits, masked_mse

__all__ = [
    "METRICS",
    "PROTOCOLS",
    "SELECTIONS",
    "TRANSFER_ROWS",
    "EvaluationConfig",
    "EvaluationProtocol",
    "EvaluationResult",
    "FinetuneConfig",
    "ModelFactory",
    "Predictor",
    "PublishedRow",
    "SeedResult",
    "TaskScores",
    "comparison_table",
    "evaluate",
    "get_protocol",
    "masked_bce_with_logits",
    "masked_mse",
    "published_rows",
    "rmse",
    "roc_auc",
]
