"""How to optimise: the settings every training run shares (:class:`OptimConfig`) and those of
pre-training runs (:class:`TrainConfig`, the recipe's ``pretrain.train`` section). Fine-tuning's
:class:`~graphcl.evaluation.config.FinetuneConfig` extends the same base, so pre-training and
fine-tuning read the same optimizer, schedule, clipping and precision keys and run the same loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from graphcl.data.samplers import SAMPLERS
from graphcl.errors import RecipeError, UnknownNameError
from graphcl.signature import accepted_keys, check_kwargs, check_types
from graphcl.training.optim import OPTIMIZERS, SCHEDULES


@dataclass(frozen=True)
class OptimConfig:
    """Optimisation settings shared by every objective.

    Attributes:
        epochs: passes over the data.
        batch_size: examples per step *per process* (graphs, or nodes of one large graph).
        lr: learning rate.
        weight_decay: L2 penalty.
        optimizer: ``adam``, ``adamw`` or ``sgd``.
        schedule: learning-rate schedule (``constant``, ``cosine``, ``warmup_cosine``, ``step``,
            ``exponential``), stepped every optimizer step.
        schedule_args: its arguments (``warmup_steps``, ``step_size``, ``gamma``, ``min_lr``).
        grad_clip: clip the gradient norm to this value (None: off).
        amp: bfloat16 autocast: ``auto`` on CUDA only; ``true`` on any device (about twice the
            throughput on CPUs with native bfloat16, such as AVX-512 BF16; slower on others).
    """

    #: the recipe section, for messages (``pretrain.train.lr must be > 0``)
    section: ClassVar[str] = "train"

    epochs: int = 100
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    schedule: str = "constant"
    schedule_args: dict[str, Any] = field(default_factory=dict)
    grad_clip: float | None = None
    amp: bool | str = "auto"

    def __post_init__(self) -> None:
        where = self.section
        check_types(self, where)
        for key in ("epochs", "batch_size"):
            if getattr(self, key) < 1:
                raise RecipeError(f"{where}.{key} must be >= 1, got {getattr(self, key)}")
        if self.lr <= 0:
            raise RecipeError(f"{where}.lr must be > 0, got {self.lr}")
        if self.amp not in (True, False, "auto"):
            raise RecipeError(f"{where}.amp must be true, false or auto, got {self.amp!r}")
        OPTIMIZERS.get(self.optimizer)
        SCHEDULES.get(self.schedule)
        check_kwargs(
            SCHEDULES.get(self.schedule),
            self.schedule_args,
            f"{where}.schedule_args of schedule {self.schedule!r}",
            exclude=("optimizer", "total_steps"),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrainConfig(OptimConfig):
    """How to run a pre-training: :class:`OptimConfig` plus the engine's own settings.

    Attributes:
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
        batching: how one large graph is walked: ``auto`` (= ``full``), ``full`` (the whole graph
            every step), ``nodes`` (seeded batches of ``batch_size`` nodes, each its induced
            subgraph), ``communities`` (whole communities of at most ``batch_size`` nodes with a
            halo of neighbours) or ``neighbors`` (``batch_size`` seed nodes with their sampled
            neighbourhood); sets of graphs take ``auto``.
        batching_args: the chosen plan's arguments: for ``communities`` ``method``
            (``louvain``, ``deca``), ``resolution``, ``num_communities``, ``halo_hops``,
            ``halo_fanout``, ``packing`` (``whole``, ``spread``); for ``neighbors`` ``fanouts``
            (default ``[10, 10]``), ``replace``, ``drop_last``; for ``nodes`` ``drop_last``.
    """

    section: ClassVar[str] = "pretrain.train"

    num_workers: int = 0
    pin_memory: bool | str = "auto"
    checkpoint_every: int = 10
    seed: int = 0
    device: str = "auto"
    sync_batchnorm: bool = True
    sampler: str = "random"
    sampler_args: dict[str, Any] = field(default_factory=dict)
    batching: str = "auto"
    batching_args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_workers < 0 or self.checkpoint_every < 0:
            raise RecipeError(f"{self.section}.num_workers and checkpoint_every must be >= 0")
        self._check_batching()
        if self.sampler != "random":
            try:
                sampler = SAMPLERS.get(self.sampler)
            except UnknownNameError as error:
                raise RecipeError(f"{self.section}.sampler: {error} (or random)") from None
            check_kwargs(
                sampler,
                self.sampler_args,
                f"{self.section}.sampler_args of sampler {self.sampler!r}",
                exclude=("smiles", "batch_size"),
            )

    def _check_batching(self) -> None:
        """``batching`` is known and ``batching_args`` fit its plan's constructor and checks."""
        from graphcl.data.node_dataset import BATCHINGS, PLAN_CONTEXT, PLANS

        where = f"{self.section}.batching"
        if self.batching not in BATCHINGS:
            raise RecipeError(
                f"{where} must be one of {', '.join(BATCHINGS)}, got {self.batching!r}"
            )
        if not self.batching_args:
            return
        if self.batching == "auto":
            raise RecipeError(
                f"{where}_args needs a batching of one large graph ({', '.join(PLANS)}); "
                "batching auto takes no arguments"
            )
        plan = PLANS[self.batching]
        label = f"{where}_args of batching {self.batching!r}"
        check_kwargs(plan, self.batching_args, label, exclude=PLAN_CONTEXT)
        check = getattr(plan, "check_args", None)
        if check is not None:
            known = set(accepted_keys(check))
            try:
                check(**{k: v for k, v in self.batching_args.items() if k in known})
            except ValueError as error:
                raise RecipeError(f"{where}_args.{error}") from None

    def plan_options(self, cuda: bool) -> dict[str, Any]:
        """What the dataset's batch plan needs from these settings (only non-defaults, so a
        dataset that cannot use an option can refuse it by name)."""
        options: dict[str, Any] = {}
        if self.sampler != "random":
            options.update(sampler=self.sampler, sampler_args=dict(self.sampler_args))
        if self.num_workers:
            options["num_workers"] = self.num_workers
        if cuda and self.pin_memory in (True, "auto"):
            options["pin_memory"] = True
        if self.batching != "auto":
            options["batching"] = self.batching
        options.update(self.batching_args)
        return options
