"""Coupling-capacitance regression on a circuit design: CircuitGCL's edge-level downstream task.

For each labelled coupling pair ``(u, v)`` of a :class:`~graphcl.circuits.dataset.CircuitDataset`
(pin-net, pin-pin, net-net), a head reads the two endpoint embeddings and predicts the scaled
capacitance ``y = log10(C / 1 zF) / 6`` in [0, 1] (:class:`~graphcl.circuits.CapacitanceTransform`).
The head is symmetric in the pair: an MLP of ``[h_u * h_v, |h_u - h_v|, h_u + h_v,
one_hot(kind)]`` with a sigmoid output, so predictions stay on the labels' [0, 1] axis (the
balancing terms of Balanced MSE otherwise reward predictions outside the labels' support).

* **Frozen** (``edge_regression``, ``edge_regression_gai``, ``edge_regression_bni``,
  ``edge_regression_mse``): the encoder embeds every node once (eval mode; the whole design, or
  neighbour-sampled batches for designs above :data:`FULL_GRAPH_NODES`), the head is trained on
  the training pairs.
* **Fine-tuned** (``edge_regression_finetune``): encoder and head are trained together on
  link-level neighbour-sampled batches (4 hops x 64 by default; the dataset's fanouts).

Losses: Balanced MSE (Ren et al., CVPR 2022; :class:`~graphcl.losses.BalancedMSE`) in its
``bmc`` (batch Monte-Carlo, the default), ``gai`` (GMM prior fitted on the training labels) and
``bni`` (histogram prior) forms, each with a learnable noise ``sigma``; or plain ``mse``.

Each seed is a seeded held-out-pair split (:meth:`CircuitDataset.edge_split`, the shared
``random`` split); the validation RMSE (scaled axis) selects the epoch. The test scores at the
selected epoch are reported in ``SeedResult.extra``: ``mae``, ``mse``, ``r2`` on the scaled
axis, ``mae_f``, ``mse_f``, ``r2_f`` in farads (predictions inverted with
:meth:`CapacitanceTransform.inverse`, so in [1 zF, 1 fF]), and ``r2_p2n``/``r2_p2p``/``r2_n2n``
per coupling kind (scaled axis). :meth:`EdgeRegression.write_plots` draws a parity plot per seed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Data

from graphcl.circuits.dataset import COUPLING_KINDS, CircuitDataset
from graphcl.data.plans import BatchPlan, GraphSetPlan
from graphcl.data.splits import Split
from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.head import PropertyModel
from graphcl.errors import RecipeError
from graphcl.evaluation.metrics import TaskScores
from graphcl.evaluation.protocols.base import EvaluationProtocol, select_over_epochs
from graphcl.evaluation.protocols.registry import PROTOCOLS
from graphcl.evaluation.seed_result import SeedResult
from graphcl.losses import BalancedMSE
from graphcl.methods.base import TrainingObjective
from graphcl.runtime.step_context import StepContext

if TYPE_CHECKING:
    from graphcl.evaluation.config import FinetuneConfig

#: Designs with at most this many nodes are embedded whole; larger ones in sampled batches.
FULL_GRAPH_NODES = 200_000
#: Loss names of the edge-regression protocols.
REGRESSION_LOSSES = ("bmc", "gai", "bni", "mse")
#: ``evaluate.train`` defaults of the circuit protocols (keys a recipe sets win).
CIRCUIT_DEFAULTS: dict[str, Any] = {"batch_size": 1024, "lr": 0.003, "epochs": 50}


def check_circuit(dataset: Any, protocol: str) -> CircuitDataset:
    """``dataset`` if it is a circuit design.

    Raises:
        RecipeError: it is not (the protocol needs coupling/ground labels).
    """
    if not isinstance(dataset, CircuitDataset):
        raise RecipeError(
            f"the {protocol!r} protocol evaluates circuit designs (graphcl.circuits."
            f"CircuitDataset, e.g. digtime); {getattr(dataset, 'name', dataset)!r} is not one"
        )
    return dataset


def index_plan(dataset: CircuitDataset, train: Tensor, batch_size: int, seed: int) -> BatchPlan:
    """Seeded shuffled batches of the training positions themselves (pair positions or node
    ids), for heads trained on fixed embeddings. Shape: each batch (B,) int64."""
    return GraphSetPlan(
        dataset,  # type: ignore[arg-type]
        min(batch_size, max(train.numel(), 1)),
        seed=seed,
        indices=train,
        order="stream",
        drop_last=False,
        collate=lambda index: index,
    )


@torch.no_grad()
def circuit_embeddings(
    encoder: GraphEncoder,
    dataset: CircuitDataset,
    device: torch.device,
    batch_size: int = 4096,
) -> Tensor:
    """Node embeddings of the whole design by ``encoder`` in eval mode: one pass over the whole
    view up to :data:`FULL_GRAPH_NODES` nodes, neighbour-sampled seed batches (the dataset's
    fanouts, a fixed seed) above. Shape: (n, node_dim), on ``device``."""
    was_training = encoder.training
    encoder.eval()
    if dataset.num_nodes <= FULL_GRAPH_NODES:
        out: Tensor = encoder.node_embeddings(dataset.data.to(device))
    else:
        out = torch.empty((dataset.num_nodes, encoder.node_dim), device=device)
        for batch in dataset.node_plan(None, batch_size, seed=0).batches(0):
            size = int(batch.batch_size)
            h = encoder.node_embeddings(batch.to(device))
            out[batch.n_id[:size].to(device)] = h[:size]
    encoder.train(was_training)
    return out.detach()


class EdgeHead(nn.Module):
    """A symmetric pair regressor: ``sigmoid(MLP([h_u * h_v, |h_u - h_v|, h_u + h_v,
    one_hot(kind)]))`` on layer-normalised endpoint embeddings (so that the scale of a frozen
    encoder's embeddings, e.g. scattered ones, does not saturate the sigmoid).

    Args:
        node_dim: width of the node embeddings.
        hidden: hidden width.
        num_kinds: coupling kinds (pin-net, pin-pin, net-net).
        dropout: dropout before the last layer.

    Shape:
        ``head(h_u, h_v, kind)``: (B, D), (B, D), (B,) -> (B,) scaled capacitances.
    """

    def __init__(
        self, node_dim: int, hidden: int = 128, num_kinds: int = 3, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "node_dim": node_dim, "hidden": hidden, "num_kinds": num_kinds, "dropout": dropout
        }  # fmt: skip
        self.num_kinds = num_kinds
        self.norm = nn.LayerNorm(node_dim)
        self.mlp = nn.Sequential(
            nn.Linear(3 * node_dim + num_kinds, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),
        )

    def forward(self, h_u: Tensor, h_v: Tensor, kind: Tensor) -> Tensor:
        h_u, h_v = self.norm(h_u), self.norm(h_v)
        kinds = F.one_hot(kind.long(), self.num_kinds).to(h_u.dtype)
        pair = torch.cat([h_u * h_v, (h_u - h_v).abs(), h_u + h_v, kinds], 1)
        out: Tensor = torch.sigmoid(self.mlp(pair).squeeze(1))
        return out


def regression_loss(
    name: str, train_targets: Tensor, noise_sigma: float = 0.05, learn_sigma: bool = False
) -> nn.Module:
    """The loss ``name`` (:data:`REGRESSION_LOSSES`); the ``gai``/``bni`` priors are fitted on
    ``train_targets`` (scaled labels). Shape: ``loss(pred, target)`` (B,), (B,) -> scalar."""
    if name == "mse":
        return nn.MSELoss()
    if name not in REGRESSION_LOSSES:
        raise RecipeError(f"loss must be one of {', '.join(REGRESSION_LOSSES)}, got {name!r}")
    return BalancedMSE.from_labels(
        train_targets, mode=name, noise_sigma=noise_sigma, learn_sigma=learn_sigma
    )


def r2_score(true: np.ndarray, pred: np.ndarray) -> float:
    """``1 - SS_res / SS_tot`` (NaN for fewer than two values or constant truth)."""
    if true.size < 2:
        return float("nan")
    total = float(((true - true.mean()) ** 2).sum())
    if total == 0:
        return float("nan")
    return 1.0 - float(((true - pred) ** 2).sum()) / total


def regression_metrics(
    true_scaled: np.ndarray,
    pred_scaled: np.ndarray,
    true_farads: np.ndarray,
    pred_farads: np.ndarray,
    kind: np.ndarray | None = None,
) -> dict[str, float]:
    """MAE, MSE and R² on the scaled axis (``mae``, ``mse``, ``r2``) and in farads (``mae_f``
    in F, ``mse_f`` in F², ``r2_f``), and R² per coupling kind (``r2_p2n`` ...).

    Shape:
        every array (B,).
    """
    error, error_f = pred_scaled - true_scaled, pred_farads - true_farads
    out = {
        "mae": float(np.abs(error).mean()) if error.size else float("nan"),
        "mse": float((error**2).mean()) if error.size else float("nan"),
        "r2": r2_score(true_scaled, pred_scaled),
        "mae_f": float(np.abs(error_f).mean()) if error.size else float("nan"),
        "mse_f": float((error_f**2).mean()) if error.size else float("nan"),
        "r2_f": r2_score(true_farads, pred_farads),
    }
    if kind is not None:
        for index, name in enumerate(COUPLING_KINDS):
            chosen = kind == index
            out[f"r2_{name}"] = r2_score(true_scaled[chosen], pred_scaled[chosen])
    return out


def laid_out_as(circuit: CircuitDataset, trained: CircuitDataset) -> CircuitDataset:
    """``circuit``'s view built with the feature layout and scaling of the design a model was
    trained on (``trained``), so that the model reads a new design the same way.

    Raises:
        DatasetError: ``circuit`` lacks a feature the model reads.
    """
    if (
        circuit.blocks == trained.blocks
        and circuit.transform.to_dict() == trained.transform.to_dict()
    ):
        return circuit
    return CircuitDataset(
        circuit.graph, circuit.name, transform=trained.transform, blocks=trained.blocks,
        fanouts=circuit.fanouts,
    )  # fmt: skip


@torch.no_grad()
def predict_pairs(
    head: EdgeHead, h: Tensor, pairs: Tensor, kind: Tensor, chunk: int = 1 << 16
) -> Tensor:
    """Scaled coupling predictions of ``pairs`` (2, L) of kinds (L,) from node embeddings
    ``h`` (n, D), ``chunk`` pairs at a time, in eval mode. Shape: (L,), on the CPU."""
    was_training = head.training
    head.eval()
    out = []
    for start in range(0, pairs.shape[1], chunk):
        ends = pairs[:, start : start + chunk].to(h.device)
        out.append(head(h[ends[0]], h[ends[1]], kind[start : start + chunk].to(h.device)).cpu())
    head.train(was_training)
    return torch.cat(out) if out else torch.empty(0)


class HeadObjective(TrainingObjective):
    """The loss of a circuit protocol's head: on the fixed embeddings of a frozen encoder, or,
    with ``encoder``, on sampled batches (fine-tuning).

    :meth:`current` gives the whole design's embeddings for scoring: the fixed ones, or, when
    fine-tuning, the encoder's, recomputed only after training steps have changed it (set
    :attr:`stale` after restoring other weights).
    """

    def __init__(
        self,
        head: nn.Module,
        loss: nn.Module,
        circuit: CircuitDataset,
        device: torch.device,
        embeddings: Tensor | None = None,
        encoder: GraphEncoder | None = None,
    ) -> None:
        super().__init__()
        self.head = head
        self.loss = loss
        self.circuit = circuit
        self.embedding_device = device
        self.embeddings = embeddings
        self.encoder = encoder
        self.stale = True
        self._embedded: Tensor | None = None

    def current(self) -> Tensor:
        """Node embeddings of the whole design. Shape: (n, node_dim), on the device."""
        if self.embeddings is not None:
            return self.embeddings
        if self.stale or self._embedded is None:
            assert self.encoder is not None
            self._embedded = circuit_embeddings(self.encoder, self.circuit, self.embedding_device)
            self.stale = False
        return self._embedded


class EdgeObjective(HeadObjective):
    """The regression loss of the pair head (batches are pair positions on fixed embeddings,
    or link-level sampled batches when fine-tuning)."""

    unit = "edges"

    def forward(self, batch: Any, context: StepContext) -> Tensor:
        if self.encoder is None:
            assert self.embeddings is not None
            positions = batch.to(self.embeddings.device)
            pairs = self.circuit.edge_label_index.to(positions.device)[:, positions]
            h = self.embeddings
            kinds = self.circuit.edge_kind.to(positions.device)[positions]
            targets = self.circuit.edge_y.to(positions.device)[positions]
        else:
            assert isinstance(batch, Data)
            self.stale = True
            h = self.encoder.node_embeddings(batch)
            pairs = batch.edge_label_index
            targets, kinds = batch.edge_label[:, 0].float(), batch.edge_label[:, 1].long()
        pred = self.head(h[pairs[0]], h[pairs[1]], kinds)
        out: Tensor = self.loss(pred, targets)
        return out


class EdgeRegression(EvaluationProtocol):
    """Coupling-capacitance regression of circuit designs (see the module docstring).

    Args:
        loss: ``bmc``, ``gai``, ``bni`` (Balanced MSE) or ``mse``.
        frozen: train the head on frozen embeddings (else fine-tune encoder and head on
            link-level sampled batches).
        hidden: width of the pair head.
        noise_sigma: the noise ``sigma`` of Balanced MSE on the scaled axis (labels have a
            spread of about 0.14 on digtime).
        learn_sigma: learn ``sigma`` with the head (Ren et al.). Off by default: trained at the
            head's learning rate, ``sigma`` drifts upwards on digtime (0.05 -> flatter
            predictions, validation RMSE rising from the first epochs), while a fixed 0.05 gives
            the best validation RMSE of the settings tried (0.05/0.1/0.2, fixed or learned).

    Attributes:
        predictions: per (dataset, seed), the test pairs' ``true_f``, ``pred_f`` (farads),
            ``true``, ``pred`` (scaled) and ``kind`` at the selected epoch.
        heads: the trained pair head per (dataset, seed).
    """

    name: ClassVar[str] = "edge_regression"
    description: ClassVar[str] = (
        "coupling-capacitance regression of circuit pairs, Balanced MSE (BMC), frozen encoder"
    )
    levels: ClassVar[tuple[str, ...]] = ("edge",)
    frozen_encoder: ClassVar[bool] = True
    default_loss: ClassVar[str] = "bmc"

    def __init__(
        self,
        loss: str | None = None,
        frozen: bool | None = None,
        hidden: int = 128,
        noise_sigma: float = 0.05,
        learn_sigma: bool = False,
    ) -> None:
        self.loss = loss or self.default_loss
        if self.loss not in REGRESSION_LOSSES:
            raise RecipeError(
                f"loss must be one of {', '.join(REGRESSION_LOSSES)}, got {self.loss!r}"
            )
        self.frozen = self.frozen_encoder if frozen is None else frozen
        self.hidden = hidden
        self.noise_sigma = noise_sigma
        self.learn_sigma = learn_sigma
        self.predictions: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        self.heads: dict[tuple[str, int], EdgeHead] = {}
        self.designs: dict[str, CircuitDataset] = {}

    def _plan(
        self, dataset: CircuitDataset, train: Tensor, config: FinetuneConfig, seed: int
    ) -> BatchPlan:
        if self.frozen:
            return index_plan(dataset, train, config.batch_size, seed)
        return dataset.link_plan(train, config.batch_size, seed=seed)

    def run(
        self,
        dataset: Any,
        split: Split,
        model: PropertyModel,
        *,
        config: FinetuneConfig,
        seed: int,
        device: torch.device,
        selection: str = "best_val",
        progress: bool = True,
    ) -> SeedResult:
        """Train the pair head (and, fine-tuning, the encoder) on ``split.train`` pairs; score
        valid and test RMSE (scaled) every epoch; select; report the test metrics."""
        circuit = check_circuit(dataset, self.name)
        if len(split.train) + len(split.valid) + len(split.test) != len(circuit):
            split = circuit.edge_split(seed, split.frac)
        started = time.perf_counter()
        config = config.with_defaults(CIRCUIT_DEFAULTS)
        encoder = model.encoder.to(device)
        encoder.requires_grad_(not self.frozen)
        train = torch.tensor(split.train, dtype=torch.long)
        head = EdgeHead(encoder.node_dim, self.hidden).to(device)
        loss = regression_loss(
            self.loss, circuit.edge_y[train], self.noise_sigma, self.learn_sigma
        ).to(device)
        embeddings = circuit_embeddings(encoder, circuit, device) if self.frozen else None
        objective = EdgeObjective(
            head, loss, circuit, device, embeddings, None if self.frozen else encoder
        )

        @torch.no_grad()
        def predict(positions: Sequence[int]) -> Tensor:
            head.eval()
            index = torch.tensor(list(positions), dtype=torch.long)
            pairs = circuit.edge_label_index[:, index].to(device)
            h = objective.current()
            out: Tensor = head(h[pairs[0]], h[pairs[1]], circuit.edge_kind[index].to(device))
            head.train()
            return out.cpu()

        def score(positions: Sequence[int]) -> TaskScores:
            if not positions:
                return TaskScores(float("nan"), [None], [])
            error = predict(positions) - circuit.edge_y[list(positions)]
            value = float(error.pow(2).mean().sqrt())
            return TaskScores(value, [value], [])

        outcome = select_over_epochs(
            objective, self._plan(circuit, train, config, seed), score, split, config, device,
            selection, progress, description=f"{circuit.name} seed {seed}", metric="rmse",
            model=WithHead(model, head),
        )  # fmt: skip
        objective.stale = True
        test = list(split.test)
        pred = predict(test).double().clamp(0.0, 1.0)
        record = {
            "true": circuit.edge_y[test].double().numpy(),
            "pred": pred.numpy(),
            "true_f": circuit.edge_farads[test].numpy(),
            "pred_f": circuit.transform.inverse(pred).numpy(),
            "kind": circuit.edge_kind[test].numpy(),
        }
        self.predictions[(circuit.name, seed)] = record
        self.heads[(circuit.name, seed)] = head.cpu()
        self.designs[circuit.name] = circuit
        extra = regression_metrics(
            record["true"], record["pred"], record["true_f"], record["pred_f"], record["kind"]
        )
        return SeedResult(
            dataset=circuit.name,
            seed=seed,
            metric="rmse",
            selection=selection,
            split=split,
            seconds=time.perf_counter() - started,
            target_mean=[0.0],
            target_std=[1.0],
            extra=extra,
            **outcome,
        )

    def predictor(
        self, model: PropertyModel, dataset: Any, outcome: SeedResult, featurizer: str | None
    ) -> Any:
        """A :class:`~graphcl.circuits.predict.ParasiticPredictor` with this seed's pair head."""
        from graphcl.circuits.predict import ParasiticPredictor

        head = self.heads[(dataset.name, outcome.seed)]
        return ParasiticPredictor(
            model.encoder.cpu(), head, None, dataset.blocks, dataset.transform
        )

    def transfer(
        self, trained_on: str, seed: int, model: PropertyModel, dataset: Any, device: torch.device
    ) -> dict[str, float]:
        """Every labelled pair of another design, scored by the encoder and pair head trained on
        ``trained_on`` with ``seed``: ``rmse`` (scaled axis) and :func:`regression_metrics`."""
        circuit = laid_out_as(check_circuit(dataset, self.name), self.designs[trained_on])
        head = self.heads[(trained_on, seed)].to(device)
        h = circuit_embeddings(model.encoder.to(device), circuit, device)
        pred = predict_pairs(head, h, circuit.edge_label_index, circuit.edge_kind)
        head.cpu()
        pred = pred.double().clamp(0.0, 1.0)
        true = circuit.edge_y.double()
        out = {"rmse": float((pred - true).pow(2).mean().sqrt()) if len(true) else float("nan")}
        out.update(
            regression_metrics(
                true.numpy(),
                pred.numpy(),
                circuit.edge_farads.numpy(),
                circuit.transform.inverse(pred).numpy(),
                circuit.edge_kind.numpy(),
            )
        )
        return out

    def write_plots(self, directory: Path | str) -> list[Path]:
        """A parity plot (``parity-<dataset>-seed<k>.png``, log axes in farads) per seed run."""
        from graphcl.evaluation.circuit_plots import plot_parity

        paths = []
        for (name, seed), record in self.predictions.items():
            path = Path(directory) / f"parity-{name}-seed{seed}.png"
            plot_parity(record["true_f"], record["pred_f"], path, kind=record["kind"],
                        title=f"{name} seed {seed}: coupling capacitance")  # fmt: skip
            paths.append(path)
        return paths


class WithHead(nn.Module):
    """A model plus a protocol's own head, so that epoch selection saves and restores both."""

    def __init__(self, model: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.head = head


@PROTOCOLS.register("edge_regression")
class EdgeRegressionBMC(EdgeRegression):
    """Frozen encoder, Balanced MSE with batch Monte-Carlo (BMC)."""


@PROTOCOLS.register("edge_regression_gai")
class EdgeRegressionGAI(EdgeRegression):
    """Frozen encoder, Balanced MSE with a GMM prior (GAI)."""

    name = "edge_regression_gai"
    description = "coupling-capacitance regression, Balanced MSE (GAI), frozen encoder"
    default_loss = "gai"


@PROTOCOLS.register("edge_regression_bni")
class EdgeRegressionBNI(EdgeRegression):
    """Frozen encoder, Balanced MSE with a histogram prior (BNI)."""

    name = "edge_regression_bni"
    description = "coupling-capacitance regression, Balanced MSE (BNI), frozen encoder"
    default_loss = "bni"


@PROTOCOLS.register("edge_regression_mse")
class EdgeRegressionMSE(EdgeRegression):
    """Frozen encoder, plain MSE (no rebalancing)."""

    name = "edge_regression_mse"
    description = "coupling-capacitance regression, plain MSE, frozen encoder"
    default_loss = "mse"


@PROTOCOLS.register("edge_regression_finetune")
class EdgeRegressionFinetune(EdgeRegression):
    """Encoder and head fine-tuned on link-level sampled batches, Balanced MSE (BMC)."""

    name = "edge_regression_finetune"
    description = "coupling-capacitance regression, Balanced MSE (BMC), fine-tuned encoder"
    frozen_encoder = False
