"""Published results that graphcl's tables print beside ours — only when the run follows the
published protocol.

Each :class:`PublishedRow` carries the settings it was measured under (architecture and width,
epochs, seeds, batch size, learning rate) besides the protocol, split and metric. A table prints a
row only when the run matches every setting the row names; otherwise it says which settings
differ ("published: GIN 5×300, 100 epochs, 10 seeds; this run: GIN 2×16, 3 epochs, 1 seed"),
so a 1-epoch, 1-seed, 8-wide run never sits beside 100-epoch, 10-seed numbers. Values: ROC-AUC
in percent, RMSE in label units (see shared/reference/PROTOCOLS.md and METHODS.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PublishedRow:
    """One published method's scores per dataset under one protocol.

    Attributes:
        method: the method as the paper names it.
        source: the paper.
        scores: dataset -> score in display units.
        protocol: evaluation protocol (``finetune``, ``linear``).
        split: split name (``scaffold``, ``balanced_scaffold``, ``random``).
        metric: metric name.
        settings: what the numbers were measured with: ``encoder``, ``num_layers``, ``hidden``,
            ``epochs``, ``seeds``, ``batch_size``, ``lr`` (only those the paper states).
        protocol_name: the protocol's common name, for notes.
    """

    method: str
    source: str
    scores: dict[str, float]
    protocol: str = "finetune"
    split: str = "scaffold"
    metric: str = "roc_auc"
    settings: dict[str, Any] = field(default_factory=dict)
    protocol_name: str = ""


#: pretrain-gnns transfer protocol (Hu et al. 2020): GIN 5x300, scaffold split 80/10/10, fine-tune
#: 100 epochs at lr 1e-3 with batch 32, test ROC-AUC at the best-validation epoch, 10 seeds.
TRANSFER_SETTINGS: dict[str, Any] = {
    "encoder": "gin",
    "num_layers": 5,
    "hidden": 300,
    "epochs": 100,
    "seeds": 10,
    "batch_size": 32,
    "lr": 0.001,
}
TRANSFER_PROTOCOL = (
    "transfer (pretrain-gnns): GIN 5x300, scaffold split 80/10/10, fine-tune 100 epochs"
)
_DATASETS = ("bbbp", "tox21", "toxcast", "sider", "clintox", "muv", "hiv", "bace")
_ROWS = {
    "no pre-training (GIN)": (
        "Hu et al., ICLR 2020",
        (65.8, 74.0, 63.4, 57.3, 58.0, 71.8, 75.3, 70.1),
    ),
    "AttrMasking": ("Hu et al., ICLR 2020", (64.3, 76.7, 64.2, 61.0, 71.8, 74.7, 77.2, 79.3)),
    "GraphCL": ("You et al., NeurIPS 2020", (69.7, 73.9, 62.4, 60.5, 76.0, 69.8, 78.5, 75.4)),
    "GraphLoG": ("Xu et al., ICML 2021", (72.5, 75.7, 63.5, 61.2, 76.7, 76.0, 77.8, 83.5)),
    "GraphMAE": ("Hou et al., KDD 2022", (72.0, 75.5, 64.1, 60.3, 82.3, 76.3, 77.2, 83.1)),
    "Mole-BERT": ("Xia et al., ICLR 2023", (71.9, 76.8, 64.3, 62.8, 78.9, 78.6, 78.2, 80.8)),
}
TRANSFER_ROWS = tuple(
    PublishedRow(
        method,
        source,
        dict(zip(_DATASETS, values, strict=True)),
        settings=TRANSFER_SETTINGS,
        protocol_name="pretrain-gnns transfer",
    )
    for method, (source, values) in _ROWS.items()
)

#: KCL protocol (Fang et al., AAAI 2022, tables 2-3): 8:1:1 splits, balanced scaffold for BBBP and
#: BACE, random for the others, 3 seeds; KMPNN of width 64.
_KCL = "Fang et al., AAAI 2022"
_KCL_KMPNN: dict[str, Any] = {"encoder": "kmpnn", "hidden": 64, "seeds": 3}
_KCL_GCN: dict[str, Any] = {"encoder": "gcn", "seeds": 3}
KCL_FINETUNE_ROWS = (
    PublishedRow(
        "KCL (KMPNN)",
        _KCL,
        {"bbbp": 96.1, "bace": 92.4},
        "finetune",
        "balanced_scaffold",
        settings=_KCL_KMPNN,
        protocol_name="KCL",
    ),
    PublishedRow(
        "KCL (GCN)",
        _KCL,
        {"bbbp": 95.6, "bace": 93.4},
        "finetune",
        "balanced_scaffold",
        settings=_KCL_GCN,
        protocol_name="KCL",
    ),
)
KCL_LINEAR_ROWS = (
    PublishedRow(
        "KCL (GCN), linear",
        _KCL,
        {"bbbp": 92.9, "bace": 90.2},
        "linear",
        "balanced_scaffold",
        settings=_KCL_GCN,
        protocol_name="KCL",
    ),
)
#: KCL protocol regression, random 8:1:1, RMSE.
KCL_REGRESSION_ROWS = (
    PublishedRow(
        "KCL (KMPNN)",
        _KCL,
        {"esol": 0.732, "freesolv": 0.795},
        "finetune",
        "random",
        "rmse",
        settings=_KCL_KMPNN,
        protocol_name="KCL",
    ),
    PublishedRow(
        "KCL (GCN)",
        _KCL,
        {"esol": 0.582, "freesolv": 0.854},
        "finetune",
        "random",
        "rmse",
        settings=_KCL_GCN,
        protocol_name="KCL",
    ),
)

#: Node classification by logistic regression on frozen embeddings (shared/reference/
#: PROTOCOLS.md), accuracy in percent. Amazon/Coauthor: 20 random 10/10/80 splits; Cora and
#: CiteSeer: Planetoid's public split, except GRACE's (random splits).
_NODE = "linear evaluation of node embeddings"
_RANDOM_20: dict[str, Any] = {"seeds": 20}
NODE_ROWS = (
    PublishedRow("DGI", "Veličković et al., ICLR 2019", {"cora": 82.3, "citeseer": 71.8},
                 "linear", "public", "accuracy", protocol_name=_NODE),
    PublishedRow("MVGRL", "Hassani & Khasahmadi, ICML 2020", {"cora": 83.5, "citeseer": 73.3},
                 "linear", "public", "accuracy", protocol_name=_NODE),
    PublishedRow("BGRL", "Thakoor et al., ICLR 2022", {"cora": 82.7, "citeseer": 71.1},
                 "linear", "public", "accuracy", protocol_name=_NODE),
    PublishedRow("GraphMAE", "Hou et al., KDD 2022", {"cora": 84.2, "citeseer": 73.4},
                 "linear", "public", "accuracy", protocol_name=_NODE),
    PublishedRow("GRACE", "Zhu et al., 2020; Cora, CiteSeer: random 10/90",
                 {"cora": 83.3, "citeseer": 72.1, "amazon_computers": 89.53,
                  "amazon_photo": 92.78, "coauthor_cs": 91.12},
                 "linear", "random", "accuracy", settings=_RANDOM_20, protocol_name=_NODE),
    PublishedRow("GCA", "Zhu et al., WWW 2021",
                 {"amazon_computers": 87.85, "amazon_photo": 92.49, "coauthor_cs": 93.10},
                 "linear", "random", "accuracy", settings=_RANDOM_20, protocol_name=_NODE),
    PublishedRow("BGRL", "Thakoor et al., ICLR 2022",
                 {"amazon_computers": 90.34, "amazon_photo": 93.17, "coauthor_cs": 93.31},
                 "linear", "random", "accuracy", settings=_RANDOM_20, protocol_name=_NODE),
)  # fmt: skip

PUBLISHED_ROWS: tuple[PublishedRow, ...] = (
    *TRANSFER_ROWS,
    *KCL_FINETUNE_ROWS,
    *KCL_LINEAR_ROWS,
    *KCL_REGRESSION_ROWS,
    *NODE_ROWS,
)


def published_rows(metric: str, protocol: str, split: str) -> tuple[PublishedRow, ...]:
    """Published rows measured under the same protocol, split and metric (settings not yet
    compared: see :func:`setting_differences`)."""
    return tuple(
        row
        for row in PUBLISHED_ROWS
        if (row.metric, row.protocol, row.split) == (metric, protocol, split)
    )


def describe_settings(settings: Mapping[str, Any], keys: Sequence[str] | None = None) -> str:
    """``GIN 5×300, 100 epochs, 10 seeds, batch 32, lr 0.001`` (only ``keys`` when given)."""
    chosen = {k: v for k, v in settings.items() if keys is None or k in keys}
    parts = []
    if "encoder" in chosen or "hidden" in chosen or "num_layers" in chosen:
        name = str(chosen.get("encoder", settings.get("encoder", "?"))).upper()
        layers = chosen.get("num_layers", settings.get("num_layers"))
        hidden = chosen.get("hidden", settings.get("hidden"))
        shape = f" {layers}×{hidden}" if layers is not None and hidden is not None else ""
        if not shape and hidden is not None:
            shape = f" width {hidden}"
        parts.append(name + shape)
    for key, label in (("epochs", "epoch"), ("seeds", "seed")):
        if key in chosen:
            value = chosen[key]
            parts.append(f"{value} {label}{'' if value == 1 else 's'}")
    if "batch_size" in chosen:
        parts.append(f"batch {chosen['batch_size']}")
    if "lr" in chosen:
        parts.append(f"lr {chosen['lr']:g}")
    return ", ".join(parts)


def setting_differences(row: PublishedRow, run: Mapping[str, Any]) -> list[str]:
    """The settings ``row`` names on which ``run`` differs (empty: comparable)."""
    return [key for key, value in row.settings.items() if run.get(key) != value]
