"""The outcome of one (dataset, seed) run of an evaluation protocol."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from graphcl.data.splits import Split


@dataclass
class SeedResult:
    """Outcome of one (dataset, seed) run.

    Attributes:
        dataset: dataset name.
        seed: training seed (also the split seed for seeded splits).
        metric: ``roc_auc``, ``accuracy`` or ``rmse``.
        selection: ``best_val`` or ``last_epoch``.
        selected_epoch: 1-based epoch whose scores are reported.
        valid: validation score at that epoch.
        test: test score at that epoch.
        test_per_task: per-task test scores (None: skipped task).
        skipped_tasks: tasks without both classes (or any label) in the test set.
        split: the indices used.
        history: per-epoch ``epoch``, ``train_loss``, ``valid``, ``test``, ``seconds``.
        seconds: wall time.
        target_mean, target_std: per-task standardization of regression targets (train split);
            0 and 1 for classification. Predictions are ``output * std + mean``.
        extra: further test scores at the selected epoch (``macro_f1``, ``micro_f1`` of node
            classification ...), in metric units.
        transfer: scores on other datasets of the model trained here (``evaluate.transfer``),
            by dataset: the metric under its name, plus further scores.
    """

    dataset: str
    seed: int
    metric: str
    selection: str
    selected_epoch: int
    valid: float
    test: float
    test_per_task: list[float | None]
    skipped_tasks: list[str]
    split: Split
    history: list[dict[str, float]]
    seconds: float
    target_mean: list[float]
    target_std: list[float]
    extra: dict[str, float] = field(default_factory=dict)
    transfer: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (split sizes only; indices are saved separately)."""
        out = asdict(self)
        out["split"] = {
            "name": self.split.name,
            "seed": self.split.seed,
            "sizes": [len(self.split.train), len(self.split.valid), len(self.split.test)],
        }
        return out
