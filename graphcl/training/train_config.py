"""Settings of a pre-training run (the recipe's ``pretrain.train`` section)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from graphcl.config.signature import check_kwargs
from graphcl.data.samplers import SAMPLERS
from graphcl.errors import RecipeError, UnknownNameError
from graphcl.training.optim import OPTIMIZERS, SCHEDULES


@dataclass(frozen=True)
class TrainConfig:
    """How to optimise a self-supervised method.

    Attributes:
        epochs: passes over the data.
        batch_size: graphs per step *per process* (the global batch is ``batch_size * world``).
        lr: learning rate.
        weight_decay: L2 penalty.
        optimizer: ``adam``, ``adamw`` or ``sgd``.
        schedule: learning-rate schedule (``constant``, ``cosine``, ``warmup_cosine``, ``step``,
            ``exponential``), stepped every optimizer step.
        schedule_args: its arguments (``warmup_steps``, ``step_size``, ``gamma``, ``min_lr``).
        grad_clip: clip the gradient norm to this value (None: off).
        amp: bfloat16 autocast: ``auto`` on CUDA only; ``true`` on any device (about twice the
            throughput on CPUs with native bfloat16, such as AVX-512 BF16; slower on others).
        num_workers: DataLoader worker processes that collate batches.
        pin_memory: page-locked batches for faster host-to-GPU copies (``auto``: on for CUDA).
        checkpoint_every: write a resumable checkpoint every this many epochs (0: only at the end).
        seed: seed of initialisation, shuffling, augmentations and dropout.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N``.
        sync_batchnorm: under data-parallel training, normalize with statistics of all processes
            (so the run matches single-process training on the global batch).
        sampler: how molecules are grouped into batches: ``random`` (a seeded shuffle),
            ``pseudo_label`` (G-SimCLR: at most one molecule per k-means cluster of Morgan
            fingerprints; needs ``num_clusters`` >= the global batch) or ``butina`` (KCL: Butina
            clusters kept together, hard negatives). Both need SMILES.
        sampler_args: the sampler's arguments (``num_clusters``, ``radius``, ``n_bits``,
            ``threshold``).
    """

    epochs: int = 100
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    schedule: str = "constant"
    schedule_args: dict[str, Any] = field(default_factory=dict)
    grad_clip: float | None = None
    amp: bool | str = "auto"
    num_workers: int = 0
    pin_memory: bool | str = "auto"
    checkpoint_every: int = 10
    seed: int = 0
    device: str = "auto"
    sync_batchnorm: bool = True
    sampler: str = "random"
    sampler_args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ("epochs", "batch_size"):
            if getattr(self, key) < 1:
                raise RecipeError(f"pretrain.train.{key} must be >= 1, got {getattr(self, key)}")
        if self.lr <= 0:
            raise RecipeError(f"pretrain.train.lr must be > 0, got {self.lr}")
        if self.num_workers < 0 or self.checkpoint_every < 0:
            raise RecipeError("pretrain.train.num_workers and checkpoint_every must be >= 0")
        if self.amp not in (True, False, "auto"):
            raise RecipeError(f"pretrain.train.amp must be true, false or auto, got {self.amp!r}")
        OPTIMIZERS.get(self.optimizer)
        SCHEDULES.get(self.schedule)
        if self.sampler != "random":
            try:
                sampler = SAMPLERS.get(self.sampler)
            except UnknownNameError as error:
                raise RecipeError(f"pretrain.train.sampler: {error} (or random)") from None
            check_kwargs(
                sampler,
                self.sampler_args,
                f"pretrain.train.sampler_args of sampler {self.sampler!r}",
                exclude=("smiles", "batch_size"),
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
