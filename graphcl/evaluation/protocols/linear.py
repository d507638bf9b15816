"""``linear``: a head trained on a frozen encoder's embeddings (KCL's linear rows, linear probes
of TU graph classification)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from graphcl.data.dataset import GraphDataset
from graphcl.data.plans import GraphSetPlan
from graphcl.data.splits import Split
from graphcl.encoders.head import PropertyModel
from graphcl.evaluation.protocols.base import GraphProtocol, Prepared
from graphcl.evaluation.protocols.node_linear import PROBE_DEFAULTS, run_node_linear
from graphcl.evaluation.protocols.registry import PROTOCOLS
from graphcl.evaluation.seed_result import SeedResult
from graphcl.evaluation.task_loss import TASK_LOSSES
from graphcl.methods.base import TrainingObjective
from graphcl.runtime.step_context import StepContext

if TYPE_CHECKING:
    from graphcl.evaluation.config import FinetuneConfig


@torch.no_grad()
def encode_all(
    model: PropertyModel, dataset: GraphDataset, device: torch.device, batch_size: int
) -> Tensor:
    """Graph embeddings of every graph with the encoder in eval mode. Shape: (N, D)."""
    model.encoder.eval()
    chunks = []
    for start in range(0, len(dataset), batch_size):
        index = torch.arange(start, min(start + batch_size, len(dataset)))
        chunks.append(model.encoder(dataset.collate(index).to(device)))
    return torch.cat(chunks)


class ProbeObjective(TrainingObjective):
    """The task loss of a head on fixed embeddings; batches are index tensors into them. The
    encoder stays in eval mode and frozen."""

    unit = "graphs"

    def __init__(self, model: PropertyModel, features: Tensor, targets: Tensor, task: str) -> None:
        super().__init__()
        self.model = model
        self.features = features
        self.targets = targets
        self.loss = TASK_LOSSES[task]

    def train(self, mode: bool = True) -> ProbeObjective:
        super().train(mode)
        self.model.encoder.eval()
        return self

    def forward(self, batch: Any, context: StepContext) -> Tensor:
        out: Tensor = self.loss(self.model.head(self.features[batch]), self.targets[batch])
        return out


@PROTOCOLS.register("linear")
class Linear(GraphProtocol):
    """Frozen encoder (embeddings computed once), head trained in a seeded batch order: on graph
    embeddings for graph-level tasks, on node embeddings (logistic regression,
    :func:`~graphcl.evaluation.protocols.node_linear.run_node_linear`) for node datasets."""

    name = "linear"
    description = "head on a frozen encoder"
    levels = ("graph", "node")
    frozen_encoder = True

    def train_defaults(self, level: str) -> dict[str, Any]:
        return dict(PROBE_DEFAULTS) if level == "node" else {}

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
        if dataset.info.level == "node":
            return run_node_linear(
                dataset, split, model, config=config, seed=seed, device=device,
                selection=selection, progress=progress,
            )  # fmt: skip
        return super().run(
            dataset, split, model, config=config, seed=seed, device=device,
            selection=selection, progress=progress,
        )  # fmt: skip

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
        model.encoder.requires_grad_(False)
        features = encode_all(model, dataset, device, config.eval_batch_size)
        plan = GraphSetPlan(
            dataset,
            config.batch_size,
            seed=seed,
            indices=train,
            order="stream",
            drop_last=False,
            collate=lambda index: index,
        )

        def predict(index: Tensor) -> Tensor:
            out: Tensor = model.head(features[index.to(device)])
            return out

        objective = ProbeObjective(model, features, targets, dataset.info.task)
        return Prepared(objective, plan, predict)
