from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from graphcl.evaluation.metrics import is_better, rmse, roc_auc
from graphcl.evaluation.task_loss import masked_bce_with_logits, masked_mse

NAN = float("nan")


def _reference_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Slow reference: mean over present labels of -[y log s(z) + (1-y) log(1-s(z))]."""
    terms = []
    for z, y in zip(logits.flatten().tolist(), labels.flatten().tolist(), strict=True):
        if math.isnan(y):
            continue
        p = 1 / (1 + math.exp(-z))
        terms.append(-(y * math.log(p) + (1 - y) * math.log(1 - p)))
    return torch.tensor(sum(terms) / len(terms))


def test_masked_bce_matches_reference_and_ignores_missing() -> None:
    torch.manual_seed(0)
    logits = torch.randn(6, 3, requires_grad=True)
    labels = torch.tensor(
        [[1, NAN, 0], [0, 1, NAN], [NAN, NAN, 1], [1, 1, 1], [0, NAN, 0], [NAN, 0, 1]]
    )
    loss = masked_bce_with_logits(logits, labels)
    torch.testing.assert_close(loss.detach(), _reference_bce(logits.detach(), labels).float())
    loss.backward()
    assert (logits.grad[torch.isnan(labels)] == 0).all()
    # changing logits where labels are missing does not change the loss
    shifted = logits.detach().clone()
    shifted[torch.isnan(labels)] += 100.0
    torch.testing.assert_close(masked_bce_with_logits(shifted, labels), loss.detach())


def test_masked_losses_with_no_labels_are_zero() -> None:
    logits = torch.randn(2, 2, requires_grad=True)
    empty = torch.full((2, 2), NAN)
    assert masked_bce_with_logits(logits, empty).item() == 0.0
    assert masked_mse(logits, empty).item() == 0.0


def test_masked_mse() -> None:
    predictions = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    targets = torch.tensor([[2.0, NAN], [1.0, 4.0]])
    assert masked_mse(predictions, targets).item() == pytest.approx((1 + 4 + 0) / 3)


def test_roc_auc_skips_single_class_tasks_and_reports_them() -> None:
    y = np.array([[1, 0, 1], [0, 0, NAN], [1, 0, 0], [0, NAN, NAN]], dtype=float)
    score = np.array([[0.9, 0.1, 0.7], [0.2, 0.3, 0.1], [0.6, 0.4, 0.8], [0.7, 0.5, 0.2]])
    result = roc_auc(y, score, ["a", "b", "c"])
    assert result.skipped == ["b"]
    assert result.per_task[1] is None
    expected_a = roc_auc_score([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.7])
    expected_c = roc_auc_score([1, 0], [0.7, 0.8])
    assert result.per_task[0] == pytest.approx(expected_a)
    assert result.value == pytest.approx((expected_a + expected_c) / 2)


def test_all_tasks_skipped_gives_nan() -> None:
    result = roc_auc(np.ones((3, 1)), np.zeros((3, 1)), ["only_positive"])
    assert math.isnan(result.value) and result.skipped == ["only_positive"]


def test_rmse_per_task_mean() -> None:
    y = np.array([[1.0, NAN], [3.0, 2.0]])
    pred = np.array([[2.0, 5.0], [3.0, 0.0]])
    result = rmse(y, pred, ["u", "v"])
    assert result.per_task == pytest.approx([math.sqrt(0.5), 2.0])
    assert result.value == pytest.approx((math.sqrt(0.5) + 2.0) / 2)


def test_is_better_direction() -> None:
    assert is_better("roc_auc", 0.8, 0.7) and not is_better("roc_auc", 0.7, 0.8)
    assert is_better("rmse", 0.5, 0.7) and not is_better("rmse", NAN, 0.7)
    assert is_better("rmse", 0.9, None)
