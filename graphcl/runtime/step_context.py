"""What a training objective learns about the step it is computing."""

from __future__ import annotations

from dataclasses import dataclass

import torch

CPU = torch.device("cpu")


@dataclass(frozen=True)
class StepContext:
    """Where training stands when an objective computes a loss (and after the optimizer step).

    Attributes:
        step: optimizer steps completed before this one (0 at the first step of a run).
        epoch: the current epoch, 1-based.
        epochs: epochs of the whole run.
        total_steps: optimizer steps of the whole run (on this process).
        generator: source of this epoch's randomness (views, masks, negatives), seeded from
            (seed, epoch, rank).
        rank: this process's rank (0 in single-process runs).
        world_size: number of processes.
        device: where the batch and the model are.
    """

    step: int
    epoch: int
    epochs: int
    total_steps: int
    generator: torch.Generator
    rank: int = 0
    world_size: int = 1
    device: torch.device = CPU

    @property
    def progress(self) -> float:
        """Fraction of training done before this step, in [0, 1)."""
        return self.step / max(self.total_steps, 1)

    @classmethod
    def single(cls, generator: torch.Generator | None = None) -> StepContext:
        """A context for calling an objective outside the trainer (tests, notebooks)."""
        return cls(0, 1, 1, 1, generator if generator is not None else torch.Generator())
