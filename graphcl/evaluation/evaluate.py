"""``graphcl.evaluate``: train and score predictors on datasets x seeds with a registered protocol,
write a run directory, and return the results as a Python object.

Run directory contents: ``recipe.yaml`` (resolved settings), ``environment.json`` (versions,
device, git commit), ``splits/<dataset>/seed<k>.json`` (indices), ``metrics.json`` (per-seed
scores and histories), ``results.md`` (the tables), ``learning_curves.png`` and, depending on
``save_predictors``, ``predictors/<dataset>-seed<k>.pt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from graphcl.data.load import load_dataset
from graphcl.data.splits import make_split, resolve_split
from graphcl.data.tasks import get_task
from graphcl.errors import RecipeError
from graphcl.evaluation.baselines import get_baseline
from graphcl.evaluation.config import EvaluationConfig
from graphcl.evaluation.model_factory import ModelFactory
from graphcl.evaluation.plots import plot_learning_curves
from graphcl.evaluation.protocols.registry import get_protocol
from graphcl.evaluation.result import EvaluationResult
from graphcl.runtime import prepare_run_dir, resolve_device, seed_everything, write_json
from graphcl.runtime.atomic import write_text_atomic
from graphcl.signature import check_kwargs
from graphcl.typing import PathType

#: Encoder settings compared with the published rows.
_ARCHITECTURE_KEYS = ("num_layers", "hidden")


def embedding_map(model: Any, dataset: Any, directory: Path, start: str) -> None:
    """``embedding_map_<dataset>.png``: the frozen encoder's node embeddings in 2-D, by class and
    by community (see :mod:`graphcl.evaluation.node_plots`)."""
    from graphcl.evaluation.node_plots import plot_embedding_map

    model.encoder.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        embeddings = model.encoder.node_embeddings(dataset.graph.to(device))
    plot_embedding_map(
        embeddings.cpu(),
        dataset.graph,
        dataset.y,
        directory / f"embedding_map_{dataset.name}.png",
        title=f"{dataset.name}, {start}",
    )


def labelled_column(dataset: str, fraction: float) -> str:
    """The table column of ``dataset`` trained on ``fraction`` of its training labels:
    the name itself at 1, ``name@10%`` below."""
    return dataset if fraction == 1 else f"{dataset}@{fraction:.0%}"


def evaluate(
    datasets: Sequence[str] | str,
    *,
    output_dir: PathType | None = None,
    run_dir: PathType | None = None,
    run_name: str = "eval",
    progress: bool = True,
    recipe: dict[str, Any] | None = None,
    **settings: Any,
) -> EvaluationResult:
    """Fine-tune (or linearly probe) predictors and score them, dataset x seed.

    Args:
        datasets: names (``"bbbp,bace"`` or a list) or CSV paths.
        output_dir: parent of a new timestamped run directory; None keeps everything in memory.
        run_dir: an exact directory to write into instead (created if needed).
        run_name: suffix of the run directory name.
        progress: show progress bars.
        recipe: the full recipe to save as ``recipe.yaml`` (default: these settings).
        **settings: any :class:`~graphcl.evaluation.config.EvaluationConfig` field
            (``protocol``, ``split``, ``seeds``, ``selection``, ``encoder``, ``train`` ...).

    Returns:
        The results, with per-seed scores, histories and (some) trained predictors.

    Raises:
        RecipeError: an unknown setting or a bad value; the message names it.

    Example:
        >>> import graphcl
        >>> result = graphcl.evaluate("chembl2321810", seeds=1, train={"epochs": 2},
        ...                           progress=False)  # doctest: +SKIP
        >>> print(result.table())  # doctest: +SKIP
    """
    check_kwargs(EvaluationConfig, settings, "evaluate", exclude=("datasets",))
    names = datasets.split(",") if isinstance(datasets, str) else datasets
    config = EvaluationConfig(datasets=tuple(names), **settings)
    protocol = get_protocol(config.protocol)
    device = resolve_device(config.device)
    factory = ModelFactory(config)
    config = factory.config  # names the checkpoint's encoder when the settings do not
    record = recipe or {"evaluate": config.to_dict()}
    directory = prepare_run_dir(run_dir, output_dir, run_name, record, device)

    result = EvaluationResult(config, [], {}, factory.start, directory)
    targets: dict[str, Any] = {}  # evaluate.transfer datasets, loaded once
    for name in config.datasets:
        dataset = load_dataset(name, factory.featurizer, workers=config.workers, progress=progress)
        if dataset.info.level not in protocol.levels:
            labels = "labels to predict" if dataset.info.level != "none" else "labels"
            raise RecipeError(
                f"evaluate.datasets: {dataset.name} ({dataset.info.task}) has no {labels} for "
                f"the {config.protocol!r} protocol, which evaluates "
                f"{'/'.join(protocol.levels)}-level tasks"
            )
        train = config.train.with_defaults(protocol.train_defaults(dataset.info.level))
        if train != result.config.train:  # the protocol's defaults for this level: reported
            result.config = replace(result.config, train=train)
        split_name = resolve_split(config.split, dataset.name, dataset.info.default_split)
        frac = config.frac or get_task(dataset.info.task).frac
        for fraction in config.label_fractions:
            column = labelled_column(dataset.name, fraction)
            result.splits[column] = split_name
            for index, seed in enumerate(config.seed_list):
                split = make_split(split_name, dataset, frac, seed).with_labels(fraction, seed)
                seed_everything(seed)
                model = factory(dataset)
                if not result.architecture:
                    result.architecture = {
                        k: model.encoder.config[k]
                        for k in _ARCHITECTURE_KEYS
                        if k in model.encoder.config
                    }
                outcome = protocol.run(
                    dataset,
                    split,
                    model,
                    config=train,
                    seed=seed,
                    device=device,
                    selection=config.selection,
                    progress=progress,
                )
                outcome.dataset = column
                for other in config.transfer:
                    if other not in targets:
                        targets[other] = load_dataset(
                            other, factory.featurizer, workers=config.workers, progress=progress
                        )
                    outcome.transfer[targets[other].name] = protocol.transfer(
                        dataset.name, seed, model, targets[other], device
                    )
                result.results.append(outcome)
                for baseline in config.baselines if dataset.info.level == "graph" else ():
                    run = get_baseline(baseline).run(dataset, split, seed)
                    run.dataset = column
                    result.baselines.setdefault(baseline, []).append(run)
                if (
                    directory is not None
                    and index == 0
                    and fraction == 1
                    and dataset.info.level == "node"
                    and config.embedding_map
                ):
                    embedding_map(model, dataset, directory, factory.start)
                keep = config.save_predictors == "all" or (
                    config.save_predictors == "first" and index == 0
                )
                if keep:
                    result.predictors[(column, seed)] = protocol.predictor(
                        model, dataset, outcome, factory.featurizer
                    )
                if directory is not None:
                    split_dir = directory / "splits" / column
                    split_dir.mkdir(parents=True, exist_ok=True)
                    write_json(split_dir / f"seed{seed}.json", outcome.split.to_dict())
                    if keep:
                        (directory / "predictors").mkdir(exist_ok=True)
                        result.predictors[(column, seed)].save(
                            directory / "predictors" / f"{column}-seed{seed}.pt"
                        )
                    write_json(directory / "metrics.json", result.to_dict())  # as seeds end
    if directory is not None:
        write_text_atomic(directory / "results.md", result.table())
        plot_learning_curves(result.results, directory / "learning_curves.png")
        protocol.write_plots(directory)
    return result
