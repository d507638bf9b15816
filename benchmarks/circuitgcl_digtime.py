"""CircuitGCL on digtime: does scattering pre-training help, and does label rebalancing help?

Four configurations on the one real labelled design of the mirror (digtime, DIGITAL_CLK_GEN:
17,580 device/pin/net nodes, 44,351 coupling pairs, 13,447 ground-labelled nets and pins), each
for every seed in ``--seeds``:

=========================  ============================  ==================================
configuration              encoder                       losses
=========================  ============================  ==================================
scratch                    random GCN (frozen)           MSE / cross-entropy
scratch + rebalance        random GCN (frozen)           Balanced MSE (BMC) / Balanced Softmax
scattering                 ``circuitgcl``-pre-trained    MSE / cross-entropy
scattering + rebalance     ``circuitgcl``-pre-trained    Balanced MSE (BMC) / Balanced Softmax
=========================  ============================  ==================================

The encoder is a 2-layer GCN of width ``--hidden``; pre-training runs ``--pretrain-epochs``
epochs of neighbour-sampled batches (4 hops x 64) with the shared trainer, seeded per seed (the
scratch encoder is the same initialisation, untrained). Downstream, held-out-pair coupling
regression (80/10/10 seeded split of the pairs, frozen encoder, ``--edge-epochs``) and
held-out-node ground classification (80/10/10 of the labelled nodes, ``--node-epochs``), each
selected at the best validation epoch. Printed per configuration (mean ± std over seeds): R² of
the coupling regression on the log scale (``R2``) and in farads (``R2_F``), test MAE on the log
scale, and the ground classification's macro-F1 and accuracy. One intra-op thread (the graph is
small; a shared 2-core machine runs faster so).

Usage:
    GRAPHCL_DATA_MIRROR=../shared/data python benchmarks/circuitgcl_digtime.py [--seeds 0 1]
        [--hidden 64] [--pretrain-epochs 20] [--edge-epochs 20] [--node-epochs 40]
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from graphcl.circuits.dataset import CircuitDataset, load_design
from graphcl.encoders import build as build_encoder
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.evaluation.config import FinetuneConfig
from graphcl.evaluation.protocols.edge_regression import EdgeRegression
from graphcl.evaluation.protocols.ground_cap import GroundCap
from graphcl.methods.circuitgcl import CircuitGCL
from graphcl.threads import single_threaded
from graphcl.training.train_config import TrainConfig
from graphcl.training.trainer import Trainer

try:
    from benchmarks.common import use_default_mirror
except ImportError:  # run as a script from the benchmarks folder
    from common import use_default_mirror  # type: ignore[no-redef]

CPU = torch.device("cpu")
CONFIGURATIONS = (
    ("scratch", False, False),
    ("scratch + rebalance", False, True),
    ("scattering", True, False),
    ("scattering + rebalance", True, True),
)


def encoders(
    design: CircuitDataset, seed: int, hidden: int, epochs: int
) -> tuple[GraphEncoder, GraphEncoder, float]:
    """A random GCN and the same GCN after ``circuitgcl`` pre-training, and its seconds."""
    torch.manual_seed(seed)
    scratch = build_encoder(
        "gcn", features=design.info.features, num_layers=2, hidden=hidden, dropout=0.0
    )
    method = CircuitGCL(copy.deepcopy(scratch), predictor_hidden=2 * hidden, decay=0.99)
    config = TrainConfig(
        epochs=epochs, batch_size=4096, lr=1e-3, device="cpu", checkpoint_every=0, seed=seed
    )
    started = time.perf_counter()
    Trainer(config, None, progress=False).fit(method, design.batch_plan(4096, seed=seed))
    return scratch, method.encoder, time.perf_counter() - started


def evaluate(
    design: CircuitDataset,
    encoder: GraphEncoder,
    rebalance: bool,
    seed: int,
    edge_epochs: int,
    node_epochs: int,
) -> dict[str, float]:
    """Test scores of the coupling regression and the ground classification."""
    scores: dict[str, float] = {}
    edge = EdgeRegression(loss="bmc" if rebalance else "mse")
    node = GroundCap(loss="balanced_softmax" if rebalance else "ce")
    for protocol, epochs in ((edge, edge_epochs), (node, node_epochs)):
        torch.manual_seed(seed)
        model = PropertyModel(copy.deepcopy(encoder), PredictionHead(encoder.out_dim, 1))
        config = FinetuneConfig.from_recipe({"epochs": epochs})
        result = protocol.run(
            design, design.edge_split(seed), model, config=config, seed=seed, device=CPU,
            progress=False,
        )  # fmt: skip
        scores.update(result.extra)
    return scores


def table(rows: dict[str, list[dict[str, float]]]) -> str:
    """The results, mean ± std over seeds."""
    columns = (("R2", "r2"), ("R2_F", "r2_f"), ("MAE", "mae"), ("macro-F1", "macro_f1"),
               ("accuracy", "accuracy"))  # fmt: skip
    lines = [
        "| configuration | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, runs in rows.items():
        cells = []
        for _, key in columns:
            values = np.array([run[key] for run in runs])
            cells.append(f"{values.mean():.3f} ± {values.std():.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--pretrain-epochs", type=int, default=20)
    parser.add_argument("--edge-epochs", type=int, default=20)
    parser.add_argument("--node-epochs", type=int, default=40)
    args = parser.parse_args(argv)
    use_default_mirror()
    started = time.perf_counter()
    design = load_design("digtime")
    print(design)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in CONFIGURATIONS}
    with single_threaded():
        for seed in args.seeds:
            scratch, trained, seconds = encoders(design, seed, args.hidden, args.pretrain_epochs)
            print(f"seed {seed}: circuitgcl pre-training {seconds:.0f} s")
            for name, pretrained, rebalance in CONFIGURATIONS:
                encoder = trained if pretrained else scratch
                rows[name].append(
                    evaluate(design, encoder, rebalance, seed, args.edge_epochs, args.node_epochs)
                )
    print(
        f"\ndigtime, held-out pairs / nodes 80/10/10, seeds {args.seeds}, GCN 2x{args.hidden}, "
        f"frozen encoder; R2/R2_F/MAE: coupling capacitance (log scale / farads / log scale), "
        f"macro-F1/accuracy: ground-capacitance classes\n"
    )
    print(table(rows))
    print(f"\ntotal {time.perf_counter() - started:.0f} s ({Path(__file__).name})")


if __name__ == "__main__":
    main()
