"""The trainer's contracts: any batch source, the step context, after_step, modules_to_save."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch
from torch import Tensor, nn
from torch_geometric.data import Data

from graphcl.data import FullGraphPlan, GraphSetPlan, NodeBatchPlan, NodeDataset, load_dataset
from graphcl.encoders import build as build_encoder
from graphcl.encoders import load_encoder
from graphcl.errors import DatasetError
from graphcl.features import FeatureSpec
from graphcl.losses import BYOL, update_ema
from graphcl.methods import ContrastiveMethod, StepContext
from graphcl.training import TrainConfig, Trainer

FLOAT = (FeatureSpec.float(6), FeatureSpec.none())


def _one_graph(nodes: int = 60) -> NodeDataset:
    """A random undirected graph with float features and 3 classes."""
    generator = torch.Generator().manual_seed(0)
    source = torch.randint(0, nodes, (4 * nodes,), generator=generator)
    target = torch.randint(0, nodes, (4 * nodes,), generator=generator)
    keep = source != target
    edge_index = torch.stack([source[keep], target[keep]])
    edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1).unique(dim=1)
    graph = Data(
        x=torch.rand(nodes, 6, generator=generator),
        edge_index=edge_index,
        y=torch.randint(0, 3, (nodes,), generator=generator),
    )
    return NodeDataset.from_graph(graph, "toy")


class ToyBYOL(ContrastiveMethod):
    """BYOL-style: an online encoder + predictor regresses an EMA target encoder (updated in
    ``after_step``) on node-feature-noise views; records every context it sees."""

    unit = "nodes"

    def __init__(self, decay: float = 0.9) -> None:
        encoder = build_encoder("gcn", features=FLOAT, num_layers=2, hidden=8, dropout=0.0)
        super().__init__(None, decay=decay)
        self.encoder = encoder
        self.target = copy.deepcopy(encoder).requires_grad_(False)
        self.predictor = nn.Linear(8, 8)
        self.loss = BYOL()
        self.decay = decay
        self.seen: list[StepContext] = []
        self.updates = 0

    def view(self, graph: Data, generator: torch.Generator) -> Data:
        noise = torch.randn(graph.x.shape, generator=generator) * 0.1
        return Data(x=graph.x + noise, edge_index=graph.edge_index)

    def forward(self, batch: Data, context: StepContext) -> Tensor:
        self.seen.append(context)
        one, two = self.view(batch, context.generator), self.view(batch, context.generator)
        online = self.predictor(self.encoder.node_embeddings(one))
        with torch.no_grad():
            target = self.target.node_embeddings(two)
        out: Tensor = self.loss(online, target)
        return out

    def after_step(self, context: StepContext) -> None:
        update_ema(self.target, self.encoder, self.decay)
        self.updates += 1

    def modules_to_save(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder, "target": self.target}


class Scheduled(ToyBYOL):
    """A method that follows a schedule of the fraction of training done (as gCooL's alpha(t))."""

    def __init__(self) -> None:
        super().__init__()
        self.alphas: list[float] = []

    def forward(self, batch: Data, context: StepContext) -> Tensor:
        alpha = max(0.0, 1.0 - context.progress / 0.5)
        self.alphas.append(alpha)
        return alpha * super().forward(batch, context) + self.predictor.weight.square().mean()


def test_ema_method_trains_full_batch_on_one_graph(tmp_path) -> None:
    torch.manual_seed(0)
    method = ToyBYOL()
    before = copy.deepcopy(method.target.state_dict())
    config = TrainConfig(epochs=4, lr=0.01, checkpoint_every=0, seed=1)
    result = Trainer(config, tmp_path, progress=False).fit(method, _one_graph())
    assert [c.step for c in method.seen] == [0, 1, 2, 3]  # full batch: one step per epoch
    assert [c.epoch for c in method.seen] == [1, 2, 3, 4]
    assert method.updates == 4
    # the target followed the online encoder: target <- 0.9 target + 0.1 online, 4 times
    moved = [
        float((method.target.state_dict()[k] - v).abs().max())
        for k, v in before.items()
        if v.is_floating_point()
    ]
    assert max(moved) > 0
    assert result.unit == "nodes" and result.history[0]["nodes_per_s"] > 0
    # modules_to_save: encoder.pt and target_encoder.pt
    online, _, _ = load_encoder(tmp_path / "encoder.pt")
    target, _, meta = load_encoder(tmp_path / "target_encoder.pt")
    assert meta["role"] == "target" and online.node_features == FLOAT[0]
    for key, value in method.target.state_dict().items():
        torch.testing.assert_close(target.state_dict()[key], value)


def test_schedule_values_the_method_saw() -> None:
    torch.manual_seed(0)
    method = Scheduled()
    data = _one_graph(64)
    config = TrainConfig(epochs=2, batch_size=16, batching="nodes", checkpoint_every=0)
    Trainer(config, None, progress=False).fit(method, data)
    total = 2 * 4  # 64 nodes in batches of 16, 2 epochs
    assert [c.step for c in method.seen] == list(range(total))
    assert {c.total_steps for c in method.seen} == {total}
    expected = [max(0.0, 1.0 - (step / total) / 0.5) for step in range(total)]
    assert method.alphas == pytest.approx(expected)
    assert [c.progress for c in method.seen] == pytest.approx([s / total for s in range(total)])


def test_node_mini_batches_cover_every_node_once_per_epoch() -> None:
    data = _one_graph(50)
    plan = data.batch_plan(16, seed=3, batching="nodes")
    assert isinstance(plan, NodeBatchPlan) and plan.unit == "nodes"
    batches = list(plan.batches(1))
    assert plan.steps(1) == len(batches) == 4  # 16 + 16 + 16 + 2
    seen = torch.cat([b.n_id for b in batches])
    assert sorted(seen.tolist()) == list(range(50))
    for batch in batches:  # induced subgraphs: every edge between two of its nodes, relabelled
        full = {tuple(e) for e in data.graph.edge_index.T.tolist()}
        local = {(int(batch.n_id[u]), int(batch.n_id[v])) for u, v in batch.edge_index.T.tolist()}
        members = set(batch.n_id.tolist())
        assert local == {(u, v) for u, v in full if u in members and v in members}
        torch.testing.assert_close(batch.x, data.graph.x[batch.n_id])
    assert [b.n_id.tolist() for b in plan.batches(1)] == [b.n_id.tolist() for b in batches]
    assert [b.n_id.tolist() for b in plan.batches(2)] != [b.n_id.tolist() for b in batches]
    assert isinstance(data.batch_plan(16), FullGraphPlan)


def test_one_graph_refuses_set_of_graph_options_by_name() -> None:
    with pytest.raises(DatasetError, match=r"toy is one graph; the option\(s\) sampler"):
        _one_graph().batch_plan(8, sampler="butina")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(40))
    with pytest.raises(DatasetError, match="a set of graphs; batching 'nodes'"):
        molecules.batch_plan(8, batching="nodes")


class Recorder(ContrastiveMethod):
    """Remembers the SMILES of every batch; a trivial loss."""

    def __init__(self) -> None:
        super().__init__("ogb")
        self.encoder = build_encoder("gin", num_layers=1, hidden=4)
        self.batches: list[list[str]] = []

    def forward(self, batch: object, context: StepContext) -> Tensor:
        self.batches.append(list(batch.smiles))  # type: ignore[attr-defined]
        out: Tensor = self.encoder(batch).square().mean()
        return out


def test_butina_batches_reach_the_method_as_whole_clusters() -> None:
    """With ``sampler: butina`` the batches a method receives are the sampler's cluster
    batches: molecules of one Butina cluster arrive together."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(96))
    config = TrainConfig(
        epochs=1,
        batch_size=16,
        sampler="butina",
        sampler_args={"threshold": 0.6},
        checkpoint_every=0,
    )
    method = Recorder()
    Trainer(config, None, progress=False).fit(method, molecules)
    plan = molecules.batch_plan(16, sampler="butina", sampler_args={"threshold": 0.6})
    assert isinstance(plan, GraphSetPlan) and plan.sampler is not None
    expected = [[molecules.smiles[i] for i in b] for b in plan.index_batches(1)]
    assert method.batches == expected
    where = {s: k for k, batch in enumerate(method.batches) for s in batch}
    clusters = plan.sampler.clusters  # type: ignore[attr-defined]
    whole = [
        c for c in clusters if 1 < len(c) <= 16 and all(molecules.smiles[i] in where for i in c)
    ]
    assert whole, "some multi-molecule clusters fit in one batch"
    spans = [len({where[molecules.smiles[i]] for i in c}) for c in whole]
    assert sum(s == 1 for s in spans) >= 0.5 * len(spans)  # most stay within one batch


def test_stream_order_is_one_generator_epoch_after_epoch() -> None:
    """``order="stream"``: epoch k's batches come from the k-th permutation of one seeded
    generator (the pretrain-gnns fine-tuning order), whatever order epochs are asked for in."""
    dataset = _one_graph(40)
    plan = GraphSetPlan(
        dataset,  # type: ignore[arg-type]
        8, seed=3, order="stream", drop_last=False, collate=lambda index: index,
    )  # fmt: skip
    generator = torch.Generator().manual_seed(3)
    expected = [torch.randperm(len(dataset), generator=generator) for _ in range(5)]
    for epoch in (1, 2, 2, 3, 5, 1, 4):
        batches = plan.index_batches(epoch)
        order = [i for batch in batches for i in batch]
        assert torch.equal(torch.tensor(order), expected[epoch - 1])
