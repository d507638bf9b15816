"""Settings of an evaluation (the recipe's ``evaluate`` section) and of each training run in it
(``evaluate.train``, the same optimisation keys as pre-training's ``pretrain.train``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

from graphcl.data.splits import SPLITS, split_choices
from graphcl.errors import RecipeError
from graphcl.evaluation.protocols.registry import PROTOCOLS
from graphcl.signature import check_kwargs, check_types
from graphcl.training.train_config import OptimConfig

SELECTIONS = {
    "best_val": "test at the best-validation epoch (pretrain-gnns parse_result)",
    "last_epoch": "test at the last epoch (GraphCL transfer scripts)",
}
SAVE_POLICIES = ("none", "first", "all")


@dataclass(frozen=True)
class FinetuneConfig(OptimConfig):
    """Optimisation of one fine-tuning (or probing) run: :class:`OptimConfig`'s keys with
    fine-tuning defaults, plus early stopping and the evaluation batch size.

    Attributes:
        epochs: training epochs (100 in pretrain-gnns).
        batch_size: examples per step (32).
        amp: bfloat16 autocast (off by default, as the published protocols).
        patience: stop after this many epochs without validation improvement (None: never).
        encoder_lr: learning rate of the encoder's parameters (None: ``lr``, as the head). A
            lower one keeps more of a pre-trained encoder's features (discriminative
            fine-tuning); it applies to the scratch encoder alike.
        eval_batch_size: examples per evaluation step (does not change results).
        given: the keys the recipe set (protocols fill the others with their own defaults, see
            :meth:`with_defaults`).
    """

    section: ClassVar[str] = "evaluate.train"

    epochs: int = 100
    batch_size: int = 32
    amp: bool | str = False
    patience: int | None = None
    encoder_lr: float | None = None
    eval_batch_size: int = 512
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def from_recipe(cls, keys: dict[str, Any]) -> FinetuneConfig:
        """The settings of a recipe's ``evaluate.train`` mapping (its keys recorded as given)."""
        check_kwargs(cls, keys, cls.section, exclude=("given",))
        return cls(**keys, given=frozenset(keys))

    def with_defaults(self, defaults: dict[str, Any]) -> FinetuneConfig:
        """These settings with ``defaults`` for every key the recipe did not set."""
        missing = {k: v for k, v in defaults.items() if k not in self.given}
        return replace(self, **missing) if missing else self

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.pop("given")
        return out

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.eval_batch_size < 1:
            raise RecipeError(f"{self.section}.eval_batch_size must be >= 1")
        if self.encoder_lr is not None and self.encoder_lr <= 0:
            raise RecipeError(f"{self.section}.encoder_lr must be > 0, got {self.encoder_lr}")
        if self.patience is not None and self.patience < 1:
            raise RecipeError(f"{self.section}.patience must be >= 1 or null, got {self.patience}")


@dataclass(frozen=True)
class EvaluationConfig:
    """Settings of an evaluation (the recipe's ``evaluate`` section).

    Attributes:
        datasets: dataset names or CSV paths.
        protocol: a registered protocol: ``finetune`` (train everything) or ``linear`` (frozen
            encoder) ...
        split: a split (``scaffold``, ``balanced_scaffold``, ``random`` ...) or a split rule
            (``default``: each dataset card's split; ``kcl``: KCL's per-dataset choice).
        frac: (train, valid, test) fractions of seeded splits; default: the task's (80/10/10
            for graph-level tasks, 10/10/80 for node classification).
        seeds: number of seeds (0 .. n-1) or an explicit list.
        selection: ``best_val`` or ``last_epoch``.
        featurizer: featurizer name (a checkpoint's own featurizer wins).
        encoder: ``name`` (default ``gin``) plus constructor arguments; with a checkpoint, keys
            given here override the checkpoint's (e.g. ``dropout``).
        head: :class:`~graphcl.encoders.head.PredictionHead` arguments (``hidden``, ``dropout``).
        train: :class:`FinetuneConfig` fields.
        checkpoint: encoder checkpoint to start from (None: train from scratch).
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        workers: featurization processes (None: all cores).
        save_predictors: which trained predictors to write: ``none``, ``first`` seed, ``all``.
        baselines: models without a graph encoder scored on the same splits and printed beside
            the encoder's rows (``ecfp_rf``: random forest on Morgan fingerprints, ``mean``: the
            training mean or positive rate; graph-level labels only).
        label_fractions: train on these fractions of each split's training rows (the
            low-label setting; valid and test unchanged), each a column ``<dataset>@10%`` (1:
            the dataset's own column). Default ``[1.0]``.
        transfer: datasets on which each seed's trained model is also scored, without further
            training (train on one circuit design, test on others; the circuit protocols).
        embedding_map: for node datasets, save a 2-D map of the first seed's embeddings
            (``embedding_map_<dataset>.png``: t-SNE, coloured by class and by community).
    """

    datasets: tuple[str, ...]
    protocol: str = "finetune"
    split: str = "default"
    frac: tuple[float, float, float] | None = None
    seeds: int | tuple[int, ...] = 3
    selection: str = "best_val"
    featurizer: str = "ogb"
    encoder: dict[str, Any] = field(default_factory=dict)
    head: dict[str, Any] = field(default_factory=dict)
    train: FinetuneConfig = field(default_factory=FinetuneConfig)
    checkpoint: str | None = None
    device: str = "auto"
    workers: int | None = None
    save_predictors: str = "first"
    baselines: tuple[str, ...] = ()
    label_fractions: tuple[float, ...] = (1.0,)
    transfer: tuple[str, ...] = ()
    embedding_map: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.datasets, str):
            object.__setattr__(self, "datasets", tuple(self.datasets.split(",")))
        if not isinstance(self.datasets, (list, tuple)):
            raise RecipeError(f"evaluate.datasets: expected a list of names, got {self.datasets!r}")
        object.__setattr__(self, "datasets", tuple(self.datasets))
        if not self.datasets:
            raise RecipeError("evaluate.datasets: give at least one dataset")
        if isinstance(self.train, dict):
            object.__setattr__(self, "train", FinetuneConfig.from_recipe(self.train))
        for key in ("baselines", "transfer"):  # "a,b" as well as a list
            if isinstance(getattr(self, key), str):
                object.__setattr__(self, key, tuple(getattr(self, key).split(",")))
        if isinstance(self.seeds, (list, tuple)) and not self.seeds:
            raise RecipeError("evaluate.seeds: give a number of seeds or a non-empty list")
        check_types(self, "evaluate")
        if self.protocol not in PROTOCOLS:
            raise RecipeError(
                f"evaluate.protocol must be one of {', '.join(PROTOCOLS.available())}, "
                f"got {self.protocol!r}"
            )
        from graphcl.evaluation.baselines import BASELINES

        unknown = [b for b in self.baselines if b not in BASELINES]
        if unknown:
            raise RecipeError(
                f"evaluate.baselines: unknown {', '.join(map(repr, unknown))}; choose from "
                f"{', '.join(BASELINES.available())}"
            )
        fractions = self.label_fractions  # a tuple of floats after check_types
        if not fractions or any(not 0 < f <= 1 for f in fractions):
            raise RecipeError(
                f"evaluate.label_fractions: give fractions in (0, 1], got {list(fractions)}"
            )
        if len(set(fractions)) != len(fractions):
            raise RecipeError(f"evaluate.label_fractions: repeated values in {list(fractions)}")
        both = sorted(set(self.transfer) & set(self.datasets))
        if both:
            raise RecipeError(
                f"evaluate.transfer: {', '.join(both)} is also trained on (evaluate.datasets); "
                "transfer scores designs the model has not seen"
            )
        if self.selection not in SELECTIONS:
            raise RecipeError(
                f"evaluate.selection must be one of {', '.join(SELECTIONS)}, got {self.selection!r}"
            )
        if self.split not in split_choices():
            raise RecipeError(
                f"evaluate.split must be one of {', '.join(split_choices())}, got {self.split!r}"
            )
        if self.save_predictors not in SAVE_POLICIES:
            raise RecipeError(
                f"evaluate.save_predictors must be one of "
                f"{', '.join(SAVE_POLICIES)}, got {self.save_predictors!r}"
            )
        if isinstance(self.seeds, int) and self.seeds < 1:
            raise RecipeError(f"evaluate.seeds must be >= 1, got {self.seeds}")

    @property
    def encoder_name(self) -> str:
        return str(self.encoder.get("name", "gin"))

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    @property
    def is_split_rule(self) -> bool:
        return self.split not in SPLITS

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["train"] = self.train.to_dict()
        out["datasets"] = list(self.datasets)
        out["frac"] = None if self.frac is None else list(self.frac)
        out["seeds"] = self.seeds if isinstance(self.seeds, int) else list(self.seeds)
        out["baselines"] = list(self.baselines)
        out["transfer"] = list(self.transfer)
        out["label_fractions"] = list(self.label_fractions)
        return out
