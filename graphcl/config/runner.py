"""Running a recipe: pre-train (if asked), then evaluate from each starting point, one table.

One run directory holds everything: ``recipe.yaml``, ``pretrain/`` (the training run and its
``encoder.pt``), ``evaluate-<start>/`` per starting point (``evaluate-<name>-<start>/`` for each
``also_evaluate`` protocol), and ``results.md`` comparing them, one table per protocol.
Under ``torchrun`` every process pre-trains; only rank 0 evaluates and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphcl.config.recipe import evaluation_sections
from graphcl.errors import RecipeError
from graphcl.evaluation.evaluate import evaluate
from graphcl.evaluation.result import EvaluationResult, comparison_table, summary_tables
from graphcl.runtime.atomic import write_text_atomic
from graphcl.runtime.run_dir import create_run_dir, write_yaml
from graphcl.training.distributed import broadcast, init_distributed
from graphcl.training.pretrain import PretrainResult, pretrain

STARTS = ("pretrained", "scratch")


@dataclass
class RecipeRun:
    """What a recipe produced (on rank 0; other ranks get only the pre-training result)."""

    run_dir: Path | None
    pretrain: PretrainResult | None = None
    evaluations: list[EvaluationResult] = field(default_factory=list)
    table: str = ""


def _starts(recipe: dict[str, Any]) -> list[str]:
    section = recipe.get("evaluate") or {}
    default = "pretrained" if "pretrain" in recipe or section.get("checkpoint") else "scratch"
    starts = list(recipe.get("compare") or [default])
    for start in starts:
        if start not in STARTS:
            raise RecipeError(f"compare: unknown starting point {start!r}; use {', '.join(STARTS)}")
    if "pretrained" in starts and "pretrain" not in recipe and not section.get("checkpoint"):
        raise RecipeError("compare: 'pretrained' needs a pretrain section or evaluate.checkpoint")
    return starts


def run_recipe(recipe: dict[str, Any], progress: bool = True) -> RecipeRun:
    """Run a validated recipe (see :func:`graphcl.config.recipe.load_recipe`)."""
    starts = _starts(recipe) if "evaluate" in recipe else []
    pretrain_section = dict(recipe.get("pretrain") or {})
    context = init_distributed((pretrain_section.get("train") or {}).get("device", "auto"))
    directory: Path | None = None
    if context.is_main:
        directory = create_run_dir(recipe.get("output_dir", "runs"), recipe["name"])
        write_yaml(directory / "recipe.yaml", recipe)
    directory = broadcast(directory, context)
    run = RecipeRun(directory)
    checkpoint = (recipe.get("evaluate") or {}).get("checkpoint")
    if pretrain_section:
        run.pretrain = pretrain(
            run_dir=directory / "pretrain" if directory else None,
            recipe=recipe,
            progress=progress,
            **pretrain_section,
        )
        checkpoint = (
            str(run.pretrain.encoder_checkpoint) if run.pretrain.encoder_checkpoint else None
        )
    if not context.is_main or "evaluate" not in recipe:
        return run
    assert directory is not None
    tables = []
    sections: list[tuple[str, list[EvaluationResult]]] = []
    for where, section in evaluation_sections(recipe):
        name = where.removeprefix("also_evaluate.")
        results = []
        for index, start in enumerate(starts):
            settings = dict(section)
            if index:  # baselines do not depend on the starting point: score them once
                settings["baselines"] = []
            if start == "pretrained":
                settings["checkpoint"] = checkpoint
            else:
                # from scratch with the architecture the pre-trained encoder has
                settings["checkpoint"] = None
                settings["encoder"] = {
                    **(pretrain_section.get("encoder") or {}),
                    **(settings.get("encoder") or {}),
                }
                settings.setdefault("featurizer", pretrain_section.get("featurizer", "ogb"))
            label = start if where == "evaluate" else f"{name}-{start}"
            results.append(
                evaluate(
                    run_dir=directory / f"evaluate-{label}",
                    recipe=recipe,
                    progress=progress,
                    **settings,
                )
            )
        run.evaluations += results
        sections.append((name, results))
        table = comparison_table(results)
        tables.append(table if where == "evaluate" else f"## {name}\n\n{table}")
    summary = summary_tables(sections) if len(sections) > 1 else ""
    if summary:  # every protocol's rows side by side first, then each protocol in full
        tables.insert(0, f"## All protocols\n\n{summary}")
    run.table = "\n".join(tables)
    write_text_atomic(directory / "results.md", run.table)
    return run
