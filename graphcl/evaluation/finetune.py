"""Training and selecting one property predictor on one split with one seed.

Two protocols: ``finetune`` trains encoder and head together; ``linear`` freezes the encoder
(embeddings are computed once) and trains only the head. Every epoch the validation and test
metrics are recorded, so both selection rules can be reported from the same run:

- ``best_val``: the epoch with the best validation score (first one on ties), its test score and
  weights. This is model selection on validation, and it is what pretrain-gnns' ``parse_result``
  reports ("test at best validation epoch").
- ``last_epoch``: the final epoch, as GraphCL's transfer scripts report.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from graphcl.data.dataset import MoleculeDataset
from graphcl.data.splits import Split
from graphcl.encoders.head import PropertyModel
from graphcl.errors import RecipeError
from graphcl.evaluation.metrics import METRICS, TaskScores, is_better
from graphcl.evaluation.task_loss import TASK_LOSSES
from graphcl.progress import progress_bar
from graphcl.training.optim import OPTIMIZERS

PROTOCOLS = ("finetune", "linear")
SELECTIONS = {
    "best_val": "test at the best-validation epoch (pretrain-gnns parse_result)",
    "last_epoch": "test at the last epoch (GraphCL transfer scripts)",
}


@dataclass(frozen=True)
class FinetuneConfig:
    """Optimisation settings of one fine-tuning run (the recipe's ``train`` section).

    Attributes:
        epochs: training epochs (100 in pretrain-gnns).
        batch_size: molecules per step (32).
        lr: learning rate (1e-3).
        weight_decay: L2 penalty (0).
        optimizer: ``adam``, ``adamw`` or ``sgd``.
        patience: stop after this many epochs without validation improvement (None: never).
        grad_clip: clip the gradient norm to this value (None: no clipping).
        eval_batch_size: molecules per evaluation step (does not change results).
    """

    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    patience: int | None = None
    grad_clip: float | None = None
    eval_batch_size: int = 512

    def __post_init__(self) -> None:
        for key in ("epochs", "batch_size", "eval_batch_size"):
            if getattr(self, key) < 1:
                raise RecipeError(f"train.{key} must be >= 1, got {getattr(self, key)}")
        if self.lr <= 0:
            raise RecipeError(f"train.lr must be > 0, got {self.lr}")
        if self.patience is not None and self.patience < 1:
            raise RecipeError(f"train.patience must be >= 1 or null, got {self.patience}")
        OPTIMIZERS.get(self.optimizer)


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (split sizes only; indices are saved separately)."""
        out = asdict(self)
        out["split"] = {
            "name": self.split.name,
            "seed": self.split.seed,
            "sizes": [len(self.split.train), len(self.split.valid), len(self.split.test)],
        }
        return out


def _standardizer(y: Tensor, task: str) -> tuple[Tensor, Tensor]:
    """Per-task mean and std of training labels (identity for classification)."""
    if task != "regression":
        return torch.zeros(y.shape[1]), torch.ones(y.shape[1])
    mean = torch.nanmean(y, dim=0)
    std = torch.sqrt(torch.nanmean((y - mean) ** 2, dim=0))
    return torch.nan_to_num(mean), torch.where(std > 0, std, torch.ones_like(std)).nan_to_num(1.0)


@torch.no_grad()
def encode_all(
    model: PropertyModel, dataset: MoleculeDataset, device: torch.device, batch_size: int
) -> Tensor:
    """Graph embeddings of every molecule with the encoder in eval mode. Shape: (N, D)."""
    model.encoder.eval()
    chunks = []
    for start in range(0, len(dataset), batch_size):
        index = torch.arange(start, min(start + batch_size, len(dataset)))
        chunks.append(model.encoder(dataset.collate(index).to(device)))
    return torch.cat(chunks)


def run_seed(
    dataset: MoleculeDataset,
    split: Split,
    model: PropertyModel,
    *,
    config: FinetuneConfig,
    seed: int,
    device: torch.device,
    protocol: str = "finetune",
    selection: str = "best_val",
    progress: bool = True,
) -> SeedResult:
    """Train ``model`` on ``split.train``, score valid and test every epoch, and select.

    Args:
        dataset: labelled molecules (classification or regression).
        split: train/valid/test indices into ``dataset``.
        model: encoder + head (its initial weights are the starting point).
        config: optimisation settings.
        seed: seed of the batch order (the caller seeds model initialisation).
        device: where to train.
        protocol: ``finetune`` or ``linear`` (frozen encoder).
        selection: ``best_val`` or ``last_epoch``.
        progress: show an epoch progress bar.

    Returns:
        The selected scores and the per-epoch history; ``model`` is left holding the weights of
        the selected epoch.
    """
    if protocol not in PROTOCOLS:
        raise RecipeError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    if selection not in SELECTIONS:
        raise RecipeError(f"selection must be one of {', '.join(SELECTIONS)}, got {selection!r}")
    task, metric = dataset.info.task, dataset.info.metric
    if task not in TASK_LOSSES:
        raise RecipeError(f"{dataset.name} is {task}; property prediction needs labels")
    started = time.perf_counter()
    model = model.to(device)
    train_index = torch.tensor(split.train, dtype=torch.long)
    mean, std = _standardizer(dataset.y[train_index], task)
    targets = ((dataset.y - mean) / std).to(device)
    loss_fn = TASK_LOSSES[task]
    score_fn = METRICS.get(metric)

    if protocol == "linear":
        model.encoder.requires_grad_(False)
        features = encode_all(model, dataset, device, config.eval_batch_size)

        def forward(index: Tensor) -> Tensor:
            out: Tensor = model.head(features[index.to(device)])
            return out

        parameters = list(model.head.parameters())
    else:

        def forward(index: Tensor) -> Tensor:
            out: Tensor = model(dataset.collate(index).to(device))
            return out

        parameters = list(model.parameters())

    def set_train_mode() -> None:
        model.train()
        if protocol == "linear":
            model.encoder.eval()

    @torch.no_grad()
    def evaluate(indices: Sequence[int]) -> TaskScores:
        model.eval()
        if not indices:
            return TaskScores(
                float("nan"), [None] * dataset.num_tasks, list(dataset.info.label_names)
            )
        index = torch.tensor(indices, dtype=torch.long)
        outputs = torch.cat([forward(chunk).cpu() for chunk in index.split(config.eval_batch_size)])
        if task == "regression":
            outputs = outputs * std + mean
        return score_fn(dataset.y[index].numpy(), outputs.numpy(), dataset.info.label_names)

    optimizer = OPTIMIZERS.get(config.optimizer)(
        parameters, lr=config.lr, weight_decay=config.weight_decay
    )
    generator = torch.Generator().manual_seed(seed)
    atoms = dataset.store.num_nodes
    history: list[dict[str, float]] = []
    best: tuple[float, int, TaskScores, TaskScores, dict[str, Tensor]] | None = None
    last: tuple[TaskScores, TaskScores] | None = None
    bar = progress_bar(
        range(1, config.epochs + 1),
        desc=f"{dataset.name} seed {seed}",
        unit="epoch",
        enabled=progress,
    )
    for epoch in bar:
        tick = time.perf_counter()
        set_train_mode()
        losses = []
        for index in train_index[torch.randperm(len(train_index), generator=generator)].split(
            config.batch_size
        ):
            if protocol == "finetune" and int(atoms[index].sum()) < 2:
                continue  # batch norm needs two atoms; only a trailing one-atom batch is smaller
            out = forward(index)
            loss = loss_fn(out, targets[index.to(device)])
            optimizer.zero_grad()
            loss.backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(parameters, config.grad_clip)
            optimizer.step()
            losses.append(loss.item())
        valid, test = evaluate(split.valid), evaluate(split.test)
        last = (valid, test)
        history.append(
            {
                "epoch": epoch,
                "train_loss": float(np.mean(losses)) if losses else float("nan"),
                "valid": valid.value,
                "test": test.value,
                "seconds": time.perf_counter() - tick,
            }
        )
        bar.set_postfix(
            loss=f"{history[-1]['train_loss']:.3f}",
            valid=f"{valid.value:.3f}",
            test=f"{test.value:.3f}",
            refresh=False,  # shown at the next refresh, with the current count
        )
        if best is None or is_better(metric, valid.value, best[0]):
            state = copy.deepcopy(model.state_dict()) if selection == "best_val" else {}
            best = (valid.value, epoch, valid, test, state)
        elif config.patience and epoch - best[1] >= config.patience:
            break

    assert best is not None and last is not None
    if selection == "best_val":
        _, epoch, valid, test, state = best
        model.load_state_dict(state)
    else:
        epoch, (valid, test) = len(history), last
    return SeedResult(
        dataset=dataset.name,
        seed=seed,
        metric=metric,
        selection=selection,
        selected_epoch=epoch,
        valid=valid.value,
        test=test.value,
        test_per_task=test.per_task,
        skipped_tasks=test.skipped,
        split=split,
        history=history,
        seconds=time.perf_counter() - started,
        target_mean=mean.tolist(),
        target_std=std.tolist(),
    )
