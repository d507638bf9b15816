"""Per-epoch metrics of a training run: CSV, JSON and a PNG of the loss curve."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from graphcl.runtime.atomic import atomic_open, savefig_atomic, write_json_atomic


class MetricsLog:
    """Appends one row per epoch and rewrites ``metrics.csv``, ``metrics.json`` and
    ``loss_curve.png`` in ``directory`` (nothing is written when it is None)."""

    def __init__(self, directory: Path | None, history: list[dict[str, Any]] | None = None) -> None:
        self.directory = directory
        self.history: list[dict[str, Any]] = list(history or [])

    def append(self, row: dict[str, Any]) -> None:
        self.history.append(row)
        if self.directory is None:
            return
        fields = list(dict.fromkeys(key for row in self.history for key in row))
        with atomic_open(self.directory / "metrics.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.history)
        write_json_atomic(self.directory / "metrics.json", self.history)
        self.plot(self.directory / "loss_curve.png")

    def plot(self, path: Path) -> None:
        figure, ax = plt.subplots(figsize=(5, 3.2))
        epochs = [row["epoch"] for row in self.history]
        ax.plot(epochs, [row["loss"] for row in self.history], marker="o", ms=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.grid(alpha=0.3)
        figure.tight_layout()
        savefig_atomic(figure, path, dpi=110)
        plt.close(figure)
