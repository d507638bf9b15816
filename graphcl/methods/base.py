"""The objective interface the trainer drives: self-supervised methods (views + encoder + head +
loss) and supervised fine-tuning alike.

An objective is a module whose ``forward(batch, context)`` returns the scalar loss of one batch
(so that DDP can wrap it), given a :class:`~graphcl.runtime.step_context.StepContext` (global step,
epoch, fraction of training done, generator, rank). After each optimizer step the trainer calls
:meth:`TrainingObjective.after_step` (EMA targets, schedules); at the end it saves
:meth:`TrainingObjective.modules_to_save` (``encoder`` as ``encoder.pt``, any other role as
``<role>_encoder.pt``). :attr:`TrainingObjective.unit` names what the progress bar counts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from torch import Tensor, nn

from graphcl.encoders.base import GraphEncoder
from graphcl.runtime.step_context import StepContext


def projection_head(width: int, out: int) -> nn.Module:
    """The projection head of contrastive methods, ``Linear-ReLU-Linear``. Shape: (G, width) ->
    (G, out)."""
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, out))


class TrainingObjective(nn.Module, ABC):
    """Anything the trainer optimises: ``loss = objective(batch, context)``.

    Attributes:
        unit: what a batch's size counts in progress bars and metrics (``graphs``, ``nodes``,
            ``images``); None takes the batch plan's unit.
        terms: the named parts of the last loss (objectives with several terms set it in
            ``forward``), so a non-finite loss can be traced to its term.
    """

    unit: str | None = None
    terms: dict[str, Tensor]

    def __init__(self) -> None:
        super().__init__()
        self.terms = {}

    @abstractmethod
    def forward(self, batch: Any, context: StepContext) -> Tensor:
        """Scalar loss of one batch."""

    def parameter_groups(self) -> list[dict[str, Any]]:
        """The optimizer's parameter groups: one group of every trainable parameter by default;
        a group may set its own ``lr``."""
        return [{"params": [p for p in self.parameters() if p.requires_grad]}]

    def after_step(self, context: StepContext) -> None:
        """Called after every optimizer step (EMA target updates, schedules); nothing by
        default."""

    def modules_to_save(self) -> dict[str, nn.Module]:
        """Modules to write at the end of training, by role: ``encoder`` goes to
        ``encoder.pt``, any other role to ``<role>_encoder.pt``. Graph encoders are written as
        encoder checkpoints (:func:`graphcl.encoders.save_encoder`); other modules (an image
        backbone ...) as their state dict with their ``config``."""
        return {}


class ContrastiveMethod(TrainingObjective):
    """A self-supervised objective that pre-trains :attr:`encoder`.

    Subclasses hold the encoder as :attr:`encoder`; what they learn besides it (projection
    heads, predictors, target networks ...) is discarded after pre-training unless
    :meth:`modules_to_save` names it.

    Attributes:
        encoder: the graph encoder being pre-trained.
        featurizer: molecular featurizer of the graphs it reads (recorded in checkpoints), or
            None when the data brings its own features.
        config: constructor arguments as plain data, for the run record.
    """

    encoder: GraphEncoder

    def __init__(self, featurizer: str | None, **config: Any) -> None:
        super().__init__()
        self.featurizer = featurizer
        self.config: dict[str, Any] = config

    def modules_to_save(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder}
