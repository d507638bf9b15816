"""``pretrain``: a self-supervised method trained on a dataset, written as an encoder checkpoint.

Run directory: ``recipe.yaml``, ``environment.json``, ``metrics.csv``/``metrics.json``,
``loss_curve.png``, ``checkpoints/epoch<N>.pt`` + ``last.pt`` (resumable) and ``encoder.pt``
(the pre-trained encoder, for ``graphcl eval --checkpoint`` and ``graphcl.load``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from graphcl.data.load import load_dataset
from graphcl.errors import RecipeError
from graphcl.methods.registry import build as build_method
from graphcl.runtime.run_dir import prepare_run_dir
from graphcl.runtime.seed import seed_everything
from graphcl.signature import check_kwargs, check_types
from graphcl.training.distributed import broadcast, init_distributed
from graphcl.training.train_config import TrainConfig
from graphcl.training.trainer import Trainer, TrainResult
from graphcl.typing import PathType


@dataclass(frozen=True)
class PretrainConfig:
    """Settings of a pre-training run (the recipe's ``pretrain`` section).

    Attributes:
        dataset: dataset name or SMILES/CSV file (labels are ignored), or one large graph
            (``cora`` ...).
        method: ``name`` (default ``graphcl``) plus the method's arguments.
        encoder: ``name`` (default ``gin``) plus constructor arguments.
        featurizer: molecular featurizer name (ignored by datasets with their own features).
        train: :class:`~graphcl.training.TrainConfig` fields.
        max_graphs: pre-train on a seeded random subset of this many graphs (None: all).
        resume: training-state checkpoint to continue from (``runs/<run>/checkpoints/last.pt``).
    """

    dataset: str
    method: dict[str, Any] = field(default_factory=dict)
    encoder: dict[str, Any] = field(default_factory=dict)
    featurizer: str = "ogb"
    train: TrainConfig = field(default_factory=TrainConfig)
    max_graphs: int | None = None
    resume: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.train, dict):
            check_kwargs(TrainConfig, self.train, "pretrain.train")
            object.__setattr__(self, "train", TrainConfig(**self.train))
        check_types(self, "pretrain")
        if self.max_graphs is not None and self.max_graphs < 1:
            raise RecipeError(f"pretrain.max_graphs must be >= 1, got {self.max_graphs}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PretrainResult:
    """A finished pre-training run: where it is, the encoder file, the per-epoch history."""

    run_dir: Path | None
    encoder_checkpoint: Path | None
    history: list[dict[str, Any]]
    seconds: float
    unit: str = "graphs"


def pretrain(
    dataset: str,
    *,
    output_dir: PathType | None = None,
    run_dir: PathType | None = None,
    run_name: str = "pretrain",
    progress: bool = True,
    recipe: dict[str, Any] | None = None,
    **settings: Any,
) -> PretrainResult:
    """Pre-train an encoder with a self-supervised method.

    Args:
        dataset: dataset name or file.
        output_dir: parent of a new timestamped run directory.
        run_dir: an exact directory to write into instead (created if needed).
        run_name: suffix of the new run directory's name.
        progress: show progress bars.
        recipe: the recipe to save as ``recipe.yaml`` (default: these settings).
        **settings: any :class:`PretrainConfig` field (``method``, ``encoder``, ``train`` ...).

    Returns:
        The run directory, the encoder checkpoint (None without a directory) and the history.

    Example:
        >>> import graphcl.training as T
        >>> result = T.pretrain("nci5k", train={"epochs": 2}, output_dir="runs")  # doctest: +SKIP
        >>> graphcl.load(result.encoder_checkpoint).embed(["CCO"]).shape  # doctest: +SKIP
        torch.Size([1, 300])
    """
    check_kwargs(PretrainConfig, settings, "pretrain", exclude=("dataset",))
    config = PretrainConfig(dataset=dataset, **settings)
    context = init_distributed(config.train.device)
    directory: Path | None = None
    if context.is_main:
        record = recipe or {"pretrain": config.to_dict()}
        directory = prepare_run_dir(run_dir, output_dir, run_name, record, context.device)
    directory = broadcast(directory, context)

    # rank 0 featurizes (and caches) first; the others then read the cache
    if context.is_main:
        data = load_dataset(config.dataset, config.featurizer, progress=progress)
    if context.distributed:
        dist.barrier()
    if not context.is_main:
        data = load_dataset(config.dataset, config.featurizer, progress=False)
    if config.max_graphs is not None and config.max_graphs < len(data):
        if not hasattr(data, "subset"):
            raise RecipeError(
                f"pretrain.max_graphs: {data.name} is one graph, not a set of graphs to subsample"
            )
        generator = torch.Generator().manual_seed(config.train.seed)
        data = data.subset(torch.randperm(len(data), generator=generator)[: config.max_graphs])

    seed_everything(config.train.seed)
    method_spec = {"name": "graphcl", **config.method}
    method = build_method(
        method_spec.pop("name"),
        encoder=config.encoder,
        featurizer=data.info.featurizer,
        features=data.info.features,
        **method_spec,
    )
    meta = {
        "method": {"name": config.method.get("name", "graphcl"), **method.config},
        "dataset": config.dataset,
        "graphs" if data.info.level != "node" else "nodes": len(data),
    }
    trainer = Trainer(config.train, directory if context.is_main else None, progress=progress)
    result: TrainResult = trainer.fit(method, data, resume=config.resume, meta=meta)
    return PretrainResult(
        directory, result.encoder_checkpoint, result.history, result.seconds, result.unit
    )
