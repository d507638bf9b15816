"""Ground-capacitance classification of circuit nodes: CircuitGCL's node-level downstream task.

Each net and pin with a ground-capacitance label (farads) of a
:class:`~graphcl.circuits.dataset.CircuitDataset` falls in one of five magnitude classes of
:class:`~graphcl.circuits.CapacitanceTransform` (boundaries 0.2/0.4/0.6/0.8 of the log-scaled
axis: below 15.8 zF, 15.8-251 zF, 0.251-3.98 aF, 3.98-63.1 aF, above 63.1 aF; zeros count as
class 0). An MLP head reads the node embedding and predicts the class.

* **Frozen** (``ground_cap``, ``ground_cap_ce``): every node embedded once, the head trained on
  the training nodes;
* **fine-tuned** (``ground_cap_finetune``): encoder and head trained together on
  neighbour-sampled batches seeded at the training nodes.

Losses: Balanced Softmax cross-entropy (Ren et al., NeurIPS 2020; logits plus the log class
prior of the training nodes, :class:`~graphcl.losses.BalancedSoftmax`) or plain ``ce``.

Each seed is a seeded held-out-node split of the labelled nodes
(:meth:`CircuitDataset.node_split`, with the evaluation's fractions); validation accuracy selects
the epoch. ``SeedResult.extra`` holds the test ``accuracy``, ``macro_f1`` and ``micro_f1``;
:meth:`GroundCap.write_plots` draws the test confusion matrix per seed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Data

from graphcl.circuits.dataset import CircuitDataset
from graphcl.data.plans import BatchPlan
from graphcl.data.splits import Split
from graphcl.encoders.head import PropertyModel
from graphcl.errors import RecipeError
from graphcl.evaluation.metrics import TaskScores
from graphcl.evaluation.protocols.base import EvaluationProtocol, select_over_epochs
from graphcl.evaluation.protocols.edge_regression import (
    CIRCUIT_DEFAULTS,
    HeadObjective,
    WithHead,
    check_circuit,
    circuit_embeddings,
    index_plan,
    laid_out_as,
)
from graphcl.evaluation.protocols.registry import PROTOCOLS
from graphcl.evaluation.seed_result import SeedResult
from graphcl.losses import BalancedSoftmax
from graphcl.runtime.step_context import StepContext

if TYPE_CHECKING:
    from graphcl.evaluation.config import FinetuneConfig

#: Loss names of the ground-capacitance protocols.
CLASSIFICATION_LOSSES = ("balanced_softmax", "ce")


class NodeHead(nn.Module):
    """``LayerNorm-Linear-ReLU-Dropout-Linear`` from node embeddings to class logits.

    Shape:
        (B, node_dim) -> (B, num_classes).
    """

    def __init__(
        self, node_dim: int, num_classes: int, hidden: int = 128, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "node_dim": node_dim, "num_classes": num_classes, "hidden": hidden, "dropout": dropout
        }  # fmt: skip
        self.mlp = nn.Sequential(
            nn.LayerNorm(node_dim),
            nn.Linear(node_dim, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, h: Tensor) -> Tensor:
        out: Tensor = self.mlp(h)
        return out


def classification_loss(name: str, train_classes: Tensor, num_classes: int) -> nn.Module:
    """``balanced_softmax`` (prior from ``train_classes``; an absent class counts as 1) or
    ``ce``. Shape: ``loss(logits, labels)`` (B, C), (B,) -> scalar."""
    if name == "ce":
        return nn.CrossEntropyLoss()
    if name != "balanced_softmax":
        raise RecipeError(f"loss must be one of {', '.join(CLASSIFICATION_LOSSES)}, got {name!r}")
    counts = torch.bincount(train_classes, minlength=num_classes).clamp_min(1)
    return BalancedSoftmax(counts.tolist())


def classification_metrics(
    true: np.ndarray, pred: np.ndarray, num_classes: int
) -> tuple[dict[str, float], np.ndarray]:
    """Accuracy, macro- and micro-F1 (``accuracy``, ``macro_f1``, ``micro_f1``) and the
    confusion matrix (rows: true class, columns: predicted). Shape: (B,), (B,) -> (C, C)."""
    from sklearn.metrics import confusion_matrix, f1_score

    labels = list(range(num_classes))
    if true.size == 0:
        nan = float("nan")
        return {"accuracy": nan, "macro_f1": nan, "micro_f1": nan}, np.zeros(
            (num_classes, num_classes), dtype=np.int64
        )
    scores = {
        "accuracy": float((true == pred).mean()),
        "macro_f1": float(f1_score(true, pred, labels=labels, average="macro", zero_division=0)),
        "micro_f1": float(f1_score(true, pred, labels=labels, average="micro", zero_division=0)),
    }
    return scores, confusion_matrix(true, pred, labels=labels)


class NodeObjective(HeadObjective):
    """The classification loss of the node head (batches are node ids on fixed embeddings, or
    neighbour-sampled batches when fine-tuning)."""

    unit = "nodes"

    def forward(self, batch: Any, context: StepContext) -> Tensor:
        if self.encoder is None:
            assert self.embeddings is not None
            h = self.embeddings[batch]
            labels = self.circuit.node_class.to(h.device)[batch]
        else:
            assert isinstance(batch, Data)
            self.stale = True
            size = int(batch.batch_size)
            h = self.encoder.node_embeddings(batch)[:size]
            labels = self.circuit.node_class.to(h.device)[batch.n_id[:size]]
        out: Tensor = self.loss(self.head(h), labels)
        return out


class GroundCap(EvaluationProtocol):
    """Five-class ground-capacitance classification of nets and pins (module docstring).

    Args:
        loss: ``balanced_softmax`` or ``ce``.
        frozen: train the head on frozen embeddings (else fine-tune on sampled batches).
        hidden: width of the head.

    Attributes:
        predictions: per (dataset, seed), the test nodes' ``true`` and ``pred`` classes and the
            ``confusion`` matrix at the selected epoch.
        heads: the trained head per (dataset, seed).
    """

    name: ClassVar[str] = "ground_cap"
    description: ClassVar[str] = (
        "5-class ground-capacitance classification of nets and pins, Balanced Softmax, frozen "
        "encoder"
    )
    levels: ClassVar[tuple[str, ...]] = ("edge", "node")
    frozen_encoder: ClassVar[bool] = True
    default_loss: ClassVar[str] = "balanced_softmax"

    def __init__(self, loss: str | None = None, frozen: bool | None = None, hidden: int = 128):
        self.loss = loss or self.default_loss
        if self.loss not in CLASSIFICATION_LOSSES:
            raise RecipeError(
                f"loss must be one of {', '.join(CLASSIFICATION_LOSSES)}, got {self.loss!r}"
            )
        self.frozen = self.frozen_encoder if frozen is None else frozen
        self.hidden = hidden
        self.predictions: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        self.heads: dict[tuple[str, int], NodeHead] = {}
        self.designs: dict[str, CircuitDataset] = {}

    def _plan(
        self, dataset: CircuitDataset, train: Tensor, config: FinetuneConfig, seed: int
    ) -> BatchPlan:
        if self.frozen:
            return index_plan(dataset, train, config.batch_size, seed)
        return dataset.node_plan(train, config.batch_size, seed=seed)

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
        """Train the head (and, fine-tuning, the encoder) on a seeded split of the labelled
        nodes (``split``'s fractions); score valid and test accuracy every epoch; select."""
        circuit = check_circuit(dataset, self.name)
        split = circuit.node_split(seed, split.frac)
        started = time.perf_counter()
        config = config.with_defaults(CIRCUIT_DEFAULTS)
        num_classes = circuit.transform.num_classes
        encoder = model.encoder.to(device)
        encoder.requires_grad_(not self.frozen)
        train = torch.tensor(split.train, dtype=torch.long)
        head = NodeHead(encoder.node_dim, num_classes, self.hidden).to(device)
        loss = classification_loss(self.loss, circuit.node_class[train], num_classes).to(device)
        embeddings = circuit_embeddings(encoder, circuit, device) if self.frozen else None
        objective = NodeObjective(
            head, loss, circuit, device, embeddings, None if self.frozen else encoder
        )

        @torch.no_grad()
        def predict(nodes: Sequence[int]) -> Tensor:
            head.eval()
            out = head(objective.current()[torch.tensor(list(nodes), dtype=torch.long)]).argmax(1)
            head.train()
            return out.cpu()

        def score(nodes: Sequence[int]) -> TaskScores:
            if not nodes:
                return TaskScores(float("nan"), [None], [])
            value = float((predict(nodes) == circuit.node_class[list(nodes)]).float().mean())
            return TaskScores(value, [value], [])

        outcome = select_over_epochs(
            objective, self._plan(circuit, train, config, seed), score, split, config, device,
            selection, progress, description=f"{circuit.name} seed {seed}", metric="accuracy",
            model=WithHead(model, head),
        )  # fmt: skip
        objective.stale = True
        test = list(split.test)
        true = circuit.node_class[test].numpy()
        pred = predict(test).numpy()
        extra, confusion = classification_metrics(true, pred, num_classes)
        self.predictions[(circuit.name, seed)] = {
            "true": true,
            "pred": pred,
            "confusion": confusion,
        }
        self.heads[(circuit.name, seed)] = head.cpu()
        self.designs[circuit.name] = circuit
        return SeedResult(
            dataset=circuit.name,
            seed=seed,
            metric="accuracy",
            selection=selection,
            split=split,
            seconds=time.perf_counter() - started,
            target_mean=[0.0],
            target_std=[1.0],
            extra=extra,
            **outcome,
        )

    def predictor(
        self, model: PropertyModel, dataset: Any, outcome: SeedResult, featurizer: str | None
    ) -> Any:
        """A :class:`~graphcl.circuits.predict.ParasiticPredictor` with this seed's class head."""
        from graphcl.circuits.predict import ParasiticPredictor

        head = self.heads[(dataset.name, outcome.seed)]
        return ParasiticPredictor(
            model.encoder.cpu(), None, head, dataset.blocks, dataset.transform
        )

    def transfer(
        self, trained_on: str, seed: int, model: PropertyModel, dataset: Any, device: torch.device
    ) -> dict[str, float]:
        """Every ground-labelled node of another design, classified by the encoder and head
        trained on ``trained_on`` with ``seed``: ``accuracy``, ``macro_f1``, ``micro_f1``."""
        circuit = laid_out_as(check_circuit(dataset, self.name), self.designs[trained_on])
        head = self.heads[(trained_on, seed)].to(device).eval()
        with torch.no_grad():
            h = circuit_embeddings(model.encoder.to(device), circuit, device)
            pred = head(h[circuit.labelled_nodes.to(device)]).argmax(1).cpu().numpy()
        head.cpu().train()
        true = circuit.node_class[circuit.labelled_nodes].numpy()
        scores, _ = classification_metrics(true, pred, circuit.transform.num_classes)
        return scores

    def write_plots(self, directory: Path | str) -> list[Path]:
        """The test confusion matrix (``confusion-<dataset>-seed<k>.png``) per seed run."""
        from graphcl.evaluation.circuit_plots import capacitance_class_names, plot_confusion

        paths = []
        for (name, seed), record in self.predictions.items():
            path = Path(directory) / f"confusion-{name}-seed{seed}.png"
            plot_confusion(
                record["confusion"], path, capacitance_class_names(),
                title=f"{name} seed {seed}: ground capacitance",
            )  # fmt: skip
            paths.append(path)
        return paths


@PROTOCOLS.register("ground_cap")
class GroundCapBalanced(GroundCap):
    """Frozen encoder, Balanced Softmax cross-entropy."""


@PROTOCOLS.register("ground_cap_ce")
class GroundCapCE(GroundCap):
    """Frozen encoder, plain cross-entropy (no rebalancing)."""

    name = "ground_cap_ce"
    description = "5-class ground-capacitance classification, plain cross-entropy, frozen encoder"
    default_loss = "ce"


@PROTOCOLS.register("ground_cap_finetune")
class GroundCapFinetune(GroundCap):
    """Encoder and head fine-tuned on neighbour-sampled batches, Balanced Softmax."""

    name = "ground_cap_finetune"
    description = "5-class ground-capacitance classification, Balanced Softmax, fine-tuned encoder"
    frozen_encoder = False
