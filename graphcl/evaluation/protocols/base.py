"""What an evaluation protocol is, and the loop every protocol of graph-level property prediction
shares.

A protocol turns (dataset, split, model, seed) into a :class:`~graphcl.evaluation.seed_result.
SeedResult`. Graph-level protocols differ only in what is trained and how a batch is embedded
(:meth:`GraphProtocol.prepare`): ``finetune`` trains encoder and head on collated batches;
``linear`` freezes the encoder, embeds every graph once and trains the head on those rows. The
training itself is :class:`~graphcl.training.Trainer`'s, the same loop, optimizer configuration
and optimisation step as pre-training, with a per-epoch callback that scores valid and test and
applies the selection rule:

- ``best_val``: the epoch with the best validation score (first one on ties), its test score and
  weights. This is model selection on validation, and it is what pretrain-gnns' ``parse_result``
  reports ("test at best validation epoch").
- ``last_epoch``: the final epoch, as GraphCL's transfer scripts report.
"""

from __future__ import annotations

import copy
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor, nn

from graphcl.data.dataset import GraphDataset
from graphcl.data.plans import BatchPlan
from graphcl.data.splits import Split
from graphcl.encoders.head import PropertyModel
from graphcl.errors import RecipeError
from graphcl.evaluation.metrics import METRICS, TaskScores, is_better
from graphcl.evaluation.seed_result import SeedResult
from graphcl.evaluation.task_loss import TASK_LOSSES
from graphcl.methods.base import TrainingObjective
from graphcl.training.trainer import Trainer

if TYPE_CHECKING:
    from graphcl.evaluation.config import FinetuneConfig

SELECTION_RULES = ("best_val", "last_epoch")


class EvaluationProtocol(ABC):
    """One way of scoring an encoder on a labelled dataset.

    Attributes:
        name: registry name.
        description: one line for protocol lines and help texts.
        levels: task levels it evaluates (``graph``, ``node``, ``edge``).
        frozen_encoder: whether the encoder's weights stay as they were.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    levels: ClassVar[tuple[str, ...]] = ("graph",)
    frozen_encoder: ClassVar[bool] = False

    @abstractmethod
    def run(
        self,
        dataset: Any,
        split: Split,
        model: PropertyModel,
        *,
        config: FinetuneConfig,
        seed: int,
        device: torch.device,
        selection: str = "best_val",
        progress: bool = True,
    ) -> SeedResult:
        """Train on ``split.train``, score valid and test every epoch, and select."""

    def train_defaults(self, level: str) -> dict[str, Any]:
        """``evaluate.train`` values for tasks of ``level`` where the recipe sets none."""
        return {}

    def predictor(
        self, model: PropertyModel, dataset: Any, outcome: SeedResult, featurizer: str | None
    ) -> Any:
        """What ``save_predictors`` keeps of a seed's run (an object with ``save(path)``): a
        :class:`~graphcl.evaluation.predictor.Predictor` of the model and its head."""
        from graphcl.evaluation.predictor import Predictor

        return Predictor(
            model.cpu(), featurizer, dataset.info, outcome.target_mean, outcome.target_std
        )

    def transfer(
        self, trained_on: str, seed: int, model: PropertyModel, dataset: Any, device: torch.device
    ) -> dict[str, float]:
        """Test scores on every labelled item of another ``dataset`` of the model trained on
        ``trained_on`` with ``seed``, without further training (``evaluate.transfer``): the
        protocol's metric under its name, plus further scores.

        Raises:
            RecipeError: the protocol does not score other datasets.
        """
        raise RecipeError(
            f"evaluate.transfer: the {self.name!r} protocol scores the datasets it trains on "
            "only (transfer is for the circuit protocols: train on one design, test on others)"
        )

    def write_plots(self, directory: Path) -> list[Path]:
        """Protocol-specific figures of the seeds run so far, written into ``directory``."""
        return []


@dataclass
class Prepared:
    """What a graph-level protocol trains and how it predicts.

    Attributes:
        objective: the training objective (holds the model).
        plan: batches of the training split.
        predict: model outputs for dataset indices (eval mode, no gradient). Shape: (B, T).
    """

    objective: TrainingObjective
    plan: BatchPlan
    predict: Callable[[Tensor], Tensor]


def standardizer(y: Tensor, task: str) -> tuple[Tensor, Tensor]:
    """Per-task mean and std of training labels (identity for classification)."""
    if task != "regression":
        return torch.zeros(y.shape[1]), torch.ones(y.shape[1])
    mean = torch.nanmean(y, dim=0)
    std = torch.sqrt(torch.nanmean((y - mean) ** 2, dim=0))
    return torch.nan_to_num(mean), torch.where(std > 0, std, torch.ones_like(std)).nan_to_num(1.0)


class GraphProtocol(EvaluationProtocol):
    """Graph-level property prediction (classification or regression over graphs)."""

    @abstractmethod
    def prepare(
        self,
        model: PropertyModel,
        dataset: GraphDataset,
        train: Tensor,
        targets: Tensor,
        config: FinetuneConfig,
        seed: int,
        device: torch.device,
    ) -> Prepared:
        """The objective, the batches of ``train`` and the prediction function.

        Args:
            model: encoder + head, on ``device``.
            dataset: the labelled graphs.
            train: indices of the training split.
            targets: training targets of every graph (standardized for regression), on
                ``device``. Shape: (N, T).
            config: optimisation settings.
            seed: seed of the batch order.
            device: where to train.
        """

    def run(
        self,
        dataset: GraphDataset,
        split: Split,
        model: PropertyModel,
        *,
        config: FinetuneConfig,
        seed: int,
        device: torch.device,
        selection: str = "best_val",
        progress: bool = True,
    ) -> SeedResult:
        if selection not in SELECTION_RULES:
            raise RecipeError(
                f"selection must be one of {', '.join(SELECTION_RULES)}, got {selection!r}"
            )
        task, metric = dataset.info.task, dataset.info.metric
        if task not in TASK_LOSSES:
            raise RecipeError(f"{dataset.name} is {task}; property prediction needs labels")
        started = time.perf_counter()
        model = model.to(device)
        train_index = torch.tensor(split.train, dtype=torch.long)
        mean, std = standardizer(dataset.y[train_index], task)
        targets = ((dataset.y - mean) / std).to(device)
        prepared = self.prepare(model, dataset, train_index, targets, config, seed, device)
        score_fn = METRICS.get(metric)
        names = list(dataset.info.label_names)

        @torch.no_grad()
        def evaluate(indices: Sequence[int]) -> TaskScores:
            model.eval()
            if not indices:
                return TaskScores(float("nan"), [None] * dataset.num_tasks, names)
            index = torch.tensor(indices, dtype=torch.long)
            chunks = index.split(config.eval_batch_size)
            outputs = torch.cat([prepared.predict(chunk).cpu() for chunk in chunks])
            if task == "regression":
                outputs = outputs * std + mean
            return score_fn(dataset.y[index].numpy(), outputs.numpy(), names)

        outcome = select_over_epochs(
            prepared.objective,
            prepared.plan,
            evaluate,
            split,
            config,
            device,
            selection,
            progress,
            description=f"{dataset.name} seed {seed}",
            metric=metric,
            model=model,
        )
        return SeedResult(
            dataset=dataset.name,
            seed=seed,
            metric=metric,
            selection=selection,
            split=split,
            seconds=time.perf_counter() - started,
            target_mean=mean.tolist(),
            target_std=std.tolist(),
            **outcome,
        )


def select_over_epochs(
    objective: TrainingObjective,
    plan: BatchPlan,
    evaluate: Callable[[Sequence[int]], TaskScores],
    split: Split,
    config: FinetuneConfig,
    device: torch.device,
    selection: str,
    progress: bool,
    *,
    description: str,
    metric: str,
    model: nn.Module,
) -> dict[str, Any]:
    """Train ``objective`` with the shared :class:`~graphcl.training.Trainer` (fine-tuning
    settings: single process, no reseeding per epoch), score valid and test with ``evaluate``
    after every epoch, stop early after ``config.patience`` epochs without improvement, and apply
    the selection rule (``model`` is left with the weights of the selected epoch).

    Returns:
        The :class:`~graphcl.evaluation.seed_result.SeedResult` fields ``selected_epoch``,
        ``valid``, ``test``, ``test_per_task``, ``skipped_tasks`` and ``history``.
    """
    history: list[dict[str, float]] = []
    best: tuple[float, int, TaskScores, TaskScores, dict[str, Tensor]] | None = None
    last: tuple[TaskScores, TaskScores] | None = None

    def on_epoch_end(epoch: int, row: dict[str, Any]) -> bool:
        nonlocal best, last
        valid, test = evaluate(split.valid), evaluate(split.test)
        last = (valid, test)
        row.update(valid=valid.value, test=test.value)
        history.append(
            {
                "epoch": epoch,
                "train_loss": float(row["loss"]) if row["steps"] else float("nan"),
                "valid": valid.value,
                "test": test.value,
                "seconds": float(row["seconds"]),
            }
        )
        if best is None or is_better(metric, valid.value, best[0]):
            state = copy.deepcopy(model.state_dict()) if selection == "best_val" else {}
            best = (valid.value, epoch, valid, test, state)
            return False
        return bool(config.patience and epoch - best[1] >= config.patience)

    Trainer(
        config,
        progress="epochs" if progress else False,
        description=description,
        device=device,
        distributed=False,
        seed_each_epoch=False,
    ).fit(objective, plan, on_epoch_end=on_epoch_end)

    assert best is not None and last is not None
    if selection == "best_val":
        _, epoch, valid, test, state = best
        model.load_state_dict(state)
    else:
        epoch, (valid, test) = len(history), last
    return {
        "selected_epoch": epoch,
        "valid": valid.value,
        "test": test.value,
        "test_per_task": test.per_task,
        "skipped_tasks": test.skipped,
        "history": history,
    }
