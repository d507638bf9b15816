"""``finetune``: train encoder and head together on the training split (pretrain-gnns transfer
protocol, KCL's fine-tune rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from graphcl.data.dataset import GraphDataset
from graphcl.data.plans import GraphSetPlan
from graphcl.encoders.head import PropertyModel
from graphcl.evaluation.protocols.base import GraphProtocol, Prepared
from graphcl.evaluation.protocols.registry import PROTOCOLS
from graphcl.evaluation.task_loss import TASK_LOSSES
from graphcl.methods.base import TrainingObjective
from graphcl.runtime.step_context import StepContext

if TYPE_CHECKING:
    from graphcl.evaluation.config import FinetuneConfig


class SupervisedObjective(TrainingObjective):
    """The task loss of ``model``'s outputs on a collated batch (targets gathered by the batch's
    dataset rows ``batch.rows``)."""

    unit = "graphs"

    def __init__(
        self, model: PropertyModel, targets: Tensor, task: str, encoder_lr: float | None = None
    ) -> None:
        super().__init__()
        self.model = model
        self.targets = targets
        self.loss = TASK_LOSSES[task]
        self.encoder_lr = encoder_lr

    def parameter_groups(self) -> list[dict[str, Any]]:
        """The head at the run's ``lr``; the encoder at ``encoder_lr`` when one is given."""
        if self.encoder_lr is None:
            return super().parameter_groups()
        head = [p for p in self.model.head.parameters() if p.requires_grad]
        in_head = {id(p) for p in head}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in in_head]
        return [{"params": head}, {"params": rest, "lr": self.encoder_lr}]

    def forward(self, batch: Any, context: StepContext) -> Tensor:
        out: Tensor = self.loss(self.model(batch), self.targets[batch.rows])
        return out


@PROTOCOLS.register("finetune")
class Finetune(GraphProtocol):
    """Encoder and head trained together; batches of molecules (graphs) in a seeded order; a
    trailing batch holding a single atom is skipped (batch norm cannot normalize one row)."""

    name = "finetune"
    description = "fine-tune encoder and head"

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
        nodes = dataset.store.num_nodes

        def collate(index: Tensor) -> Any:
            batch = dataset.collate(index)
            batch.rows = index
            return batch

        plan = GraphSetPlan(
            dataset,
            config.batch_size,
            seed=seed,
            indices=train,
            order="stream",
            drop_last=False,
            keep=lambda index: int(nodes[index].sum()) >= 2,
            collate=collate,
        )

        def predict(index: Tensor) -> Tensor:
            out: Tensor = model(dataset.collate(index).to(device))
            return out

        objective = SupervisedObjective(model, targets, dataset.info.task, config.encoder_lr)
        return Prepared(objective, plan, predict)
