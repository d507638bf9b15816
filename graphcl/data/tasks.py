"""The task vocabulary: what a dataset's labels are, at which level, and how they are scored.

Cards name their task (``task: classification``), datasets carry it in ``info.task``, and the
evaluation protocols pick their loss and metric from it. New tasks are new entries:

| task | level | labels | default metric |
|---|---|---|---|
| ``classification`` | graph | binary, one or more tasks, NaN = missing | ``roc_auc`` |
| ``regression`` | graph | real values, NaN = missing | ``rmse`` |
| ``unlabeled`` | - | none (pre-training sets) | ``none`` |
| ``node_classification`` | node | one class id per node, -1 = unlabeled | ``accuracy`` |
| ``edge_regression`` | edge | a real value per labelled edge | ``rmse`` |

Example:
    >>> get_task("classification").level, get_task("node_classification").metric
    ('graph', 'accuracy')
"""

from __future__ import annotations

from dataclasses import dataclass

from graphcl.registry import Registry


@dataclass(frozen=True)
class Task:
    """One kind of prediction problem.

    Attributes:
        name: vocabulary name (what cards and recipes say).
        level: what one example is: ``graph``, ``node``, ``edge`` (``none`` for unlabeled sets).
        labels: ``binary``, ``multiclass``, ``continuous`` or ``none``.
        metric: default metric name.
        description: one line for listings.
        frac: default (train, valid, test) fractions of a random split: 80/10/10 for graphs,
            10/10/80 for nodes (the GRACE/GCA/BGRL protocol).
    """

    name: str
    level: str
    labels: str
    metric: str
    description: str
    frac: tuple[float, float, float] = (0.8, 0.1, 0.1)

    @property
    def labelled(self) -> bool:
        return self.labels != "none"


TASKS: Registry[Task] = Registry("task")

for _task in (
    Task("classification", "graph", "binary", "roc_auc", "binary graph labels, multi-task"),
    Task("regression", "graph", "continuous", "rmse", "real-valued graph labels, multi-task"),
    Task("unlabeled", "none", "none", "none", "no labels (pre-training)"),
    Task(
        "node_classification",
        "node",
        "multiclass",
        "accuracy",
        "one class per node",
        (0.1, 0.1, 0.8),
    ),
    Task("edge_regression", "edge", "continuous", "rmse", "a real value per labelled edge"),
):
    TASKS.register(_task.name)(_task)


def get_task(name: str) -> Task:
    """The task ``name``.

    Raises:
        UnknownNameError: not in the vocabulary (the message lists it).
    """
    return TASKS.get(name)
