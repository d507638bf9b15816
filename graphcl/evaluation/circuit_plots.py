"""Plots of circuit-parasitic evaluations: a parity plot of coupling capacitances and the confusion
matrix of ground-capacitance classes, written as PNG files (matplotlib's Agg backend, no
display needed).

Example:
    >>> import numpy as np
    >>> true = np.array([1e-19, 2e-18, 3e-17]); pred = np.array([2e-19, 1e-18, 5e-17])
    >>> plot_parity(true, pred, "parity.png")  # doctest: +SKIP
    PosixPath('parity.png')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from graphcl.circuits.dataset import COUPLING_KINDS
from graphcl.circuits.labels import CapacitanceTransform
from graphcl.runtime.atomic import savefig_atomic
from graphcl.typing import PathType


def _si(farads: float) -> str:
    """``1.6e-20`` -> ``16 zF``."""
    for scale, prefix in ((1e-15, "f"), (1e-18, "a"), (1e-21, "z"), (1e-24, "y")):
        if farads >= scale:
            return f"{farads / scale:.3g} {prefix}F"
    return f"{farads:.2g} F"


def capacitance_class_names(transform: CapacitanceTransform | None = None) -> list[str]:
    """One label per class with its range in farads (``"0: <15.8 zF"``, ...)."""
    ranges = (transform or CapacitanceTransform()).class_ranges()
    last = len(ranges) - 1
    names = []
    for index, (low, high) in enumerate(ranges):
        if index == 0:
            names.append(f"0: <{_si(high)}")
        elif index == last:
            names.append(f"{index}: >={_si(low)}")
        else:
            names.append(f"{index}: {_si(low)}-{_si(high)}")
    return names


def plot_parity(
    true_farads: np.ndarray,
    pred_farads: np.ndarray,
    path: PathType,
    *,
    kind: np.ndarray | None = None,
    title: str = "coupling capacitance",
    floor: float = 1e-21,
) -> Path:
    """Predicted against true capacitance on log-log axes, with the identity line.

    Args:
        true_farads: true capacitances in farads (values below ``floor`` are drawn at it).
        pred_farads: predictions in farads.
        path: the PNG to write (parent folders created).
        kind: coupling kind index per point (0 pin-net, 1 pin-pin, 2 net-net), one colour each.
        title: plot title.
        floor: smallest value drawn (log axes cannot show zeros).

    Shape:
        true_farads, pred_farads, kind: (B,).

    Returns:
        ``path``.
    """
    true = np.maximum(np.asarray(true_farads, dtype=float), floor)
    pred = np.maximum(np.asarray(pred_farads, dtype=float), floor)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(5, 5))
    groups = [(None, np.ones(true.shape, dtype=bool))] if kind is None else [
        (name, np.asarray(kind) == index) for index, name in enumerate(COUPLING_KINDS)
    ]  # fmt: skip
    for name, chosen in groups:
        if chosen.any():
            axes.scatter(true[chosen], pred[chosen], s=3, alpha=0.4, label=name)
    if true.size:
        low = float(min(true.min(), pred.min()))
        high = float(max(true.max(), pred.max()))
        axes.plot([low, high], [low, high], color="black", linewidth=1)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("true capacitance (F)")
    axes.set_ylabel("predicted capacitance (F)")
    axes.set_title(title)
    if kind is not None:
        axes.legend(loc="upper left", markerscale=4)
    figure.tight_layout()
    savefig_atomic(figure, out, dpi=120)
    plt.close(figure)
    return out


def plot_confusion(
    confusion: np.ndarray,
    path: PathType,
    class_names: Sequence[str] | None = None,
    *,
    title: str = "ground capacitance",
) -> Path:
    """A confusion matrix (rows: true class, columns: predicted), each row normalised to 1
    for the colours and annotated with its counts.

    Shape:
        confusion: (C, C) counts.

    Returns:
        ``path`` (parent folders created).
    """
    counts = np.asarray(confusion, dtype=float)
    rows = counts.sum(1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(counts))]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(6, 5))
    image = axes.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            colour = "white" if share[i, j] > 0.5 else "black"
            axes.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", color=colour)
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=7)
    axes.set_yticks(range(len(names)), names, fontsize=7)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    savefig_atomic(figure, out, dpi=120)
    plt.close(figure)
    return out
