"""Per-epoch metrics of a training run: CSV, JSON and a PNG of the loss curve."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


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
        with open(self.directory / "metrics.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(self.history[0]))
            writer.writeheader()
            writer.writerows(self.history)
        with open(self.directory / "metrics.json", "w", encoding="utf-8") as handle:
            json.dump(self.history, handle, indent=2)
        self.plot(self.directory / "loss_curve.png")

    def plot(self, path: Path) -> None:
        figure, ax = plt.subplots(figsize=(5, 3.2))
        epochs = [row["epoch"] for row in self.history]
        ax.plot(epochs, [row["loss"] for row in self.history], marker="o", ms=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.grid(alpha=0.3)
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)
