"""gCooL's losses (DeCA, ReSC) and joint schedule against slow float64 references written from
the paper's formulas: DeCA's sparse edge sums against the dense ``R^T A R``, ReSC against loops
over nodes and communities (value and gradient), plus their properties and argument errors."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch.nn import functional as F

from graphcl import losses
from graphcl.losses.deca import DeCA, soft_assignment
from graphcl.losses.gcool_schedule import gcool_objective, gcool_weights
from graphcl.losses.resc import ReSC


def randn(*shape, seed=0, grad=True, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=dtype, requires_grad=grad)


def assert_same(ours, theirs, inputs):
    torch.testing.assert_close(ours, theirs)
    for a, b in zip(
        torch.autograd.grad(ours, inputs, retain_graph=True),
        torch.autograd.grad(theirs, inputs, retain_graph=True),
        strict=True,
    ):
        torch.testing.assert_close(a, b)


# --- DeCA -----------------------------------------------------------------------------------


def dense_adjacency(edge_index, n, self_loops, coalesce):
    """A from the edge list, entry by entry: 1 per listed pair (once if ``coalesce``)."""
    A = torch.zeros(n, n, dtype=torch.float64)
    for u, v in edge_index.T.tolist():
        if u == v and not self_loops:
            continue
        A[u, v] = 1.0 if coalesce else A[u, v] + 1.0
    return A


def dense_deca(R, A, lam):  # noqa: N803 (the paper's names)
    """The paper's matrix form, with the dense n x n adjacency (as gCooL's code)."""
    n = R.shape[0]
    DF = R.T @ A @ R
    return (lam * DF.sum() - (n - 1 + lam) * DF.trace()) / (n * (n - 1)) + (R.T @ R).trace() / (
        2 * n
    )


def random_graph(n, e, seed):
    """Edges among the first n - 2 nodes (the last two are isolated), both directions, with
    duplicates and self-loops added on purpose."""
    generator = torch.Generator().manual_seed(seed)
    half = torch.randint(0, n - 2, (2, e), generator=generator)
    edges = torch.cat([half, half.flip(0), half[:, :3], torch.tensor([[0, 1, 1], [0, 1, 1]])], 1)
    return edges[:, torch.randperm(edges.shape[1], generator=generator)]


OPTIONS = list(itertools.product([False, True], [True, False], [None, 1, 5]))


@pytest.mark.parametrize(("self_loops", "coalesce", "chunk_size"), OPTIONS)
def test_deca_sparse_equals_dense_value_and_gradient(self_loops, coalesce, chunk_size) -> None:
    n, k = 9, 3
    edge_index = random_graph(n, 14, seed=1)
    R = torch.softmax(randn(n, k, seed=2, grad=False), 1).requires_grad_()
    A = dense_adjacency(edge_index, n, self_loops, coalesce)
    assert A.diagonal().any() == self_loops and (A.max() > 1) == (not coalesce)
    loss = DeCA(0.7, self_loops=self_loops, coalesce=coalesce, chunk_size=chunk_size)
    assert_same(loss(R, edge_index, n), dense_deca(R, A, 0.7), [R])
    # any matrix, not only softmax rows: sum(DF) is then not the edge count
    M = randn(n, k, seed=3)
    assert_same(loss(M, edge_index), dense_deca(M, A, 0.7), [M])


@pytest.mark.parametrize("similarity", ["cosine", "rbf"])
def test_deca_gradient_through_soft_assignment(similarity) -> None:
    n = 11
    edge_index = random_graph(n, 20, seed=4)
    h, centres = randn(n, 5, seed=5), randn(4, 5, seed=6)
    A = dense_adjacency(edge_index, n, self_loops=False, coalesce=True)
    ours = DeCA(0.9)(soft_assignment(h, centres, 0.5, similarity), edge_index)
    unit_h, unit_c = h / h.norm(dim=1, keepdim=True), centres / centres.norm(dim=1, keepdim=True)
    if similarity == "cosine":
        logits = unit_h @ unit_c.T / 0.5
    else:
        logits = -((unit_h[:, None] - unit_c[None]) ** 2).sum(-1) / 0.25
    assert_same(ours, dense_deca(torch.softmax(logits, 1), A, 0.9), [h, centres])


def test_deca_closed_form_uniform_assignment_and_no_edges() -> None:
    n, k = 10, 4
    edge_index = torch.tensor([[0, 1, 2, 3, 4, 5], [1, 0, 3, 2, 5, 4]])  # 3 undirected edges
    uniform = torch.full((n, k), 1 / k, dtype=torch.float64)
    e, lam = 6, 0.5  # tr(DF) = E / K, sum(DF) = E, tr(R^T R) = n / K
    expected = (lam * e - (n - 1 + lam) * e / k) / (n * (n - 1)) + 1 / (2 * k)
    assert DeCA(lam)(uniform, edge_index).item() == pytest.approx(expected, rel=1e-12)
    no_edges = torch.zeros(2, 0, dtype=torch.long)
    assert DeCA(lam)(uniform, no_edges).item() == pytest.approx(1 / (2 * k), rel=1e-12)


def test_deca_prefers_the_true_communities() -> None:
    """Two 4-cliques joined by one edge: their one-hot partition beats a mixed one."""
    clique = [(u, v) for u in range(4) for v in range(4) if u != v]
    pairs = clique + [(u + 4, v + 4) for u, v in clique] + [(3, 4), (4, 3)]
    edge_index = torch.tensor(pairs).T
    truth = F.one_hot(torch.tensor([0, 0, 0, 0, 1, 1, 1, 1]), 2).double()
    mixed = F.one_hot(torch.tensor([0, 1, 0, 1, 0, 1, 0, 1]), 2).double()
    loss = DeCA(1.0)
    assert loss(truth, edge_index) < loss(mixed, edge_index)


def test_deca_node_permutation_invariance_and_float32() -> None:
    n = 12
    edge_index = random_graph(n, 25, seed=7)
    R = torch.softmax(randn(n, 3, seed=8, grad=False), 1)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(9))
    inverse = torch.empty_like(order)
    inverse[order] = torch.arange(n)
    loss = DeCA(0.3)
    torch.testing.assert_close(loss(R[order], inverse[edge_index]), loss(R, edge_index))
    single = loss(R.float(), edge_index)
    assert single.dtype == torch.float32
    torch.testing.assert_close(single.double(), loss(R, edge_index), rtol=1e-5, atol=1e-6)


def test_deca_never_builds_a_node_by_node_matrix() -> None:
    """200,000 nodes: a dense float32 A would need 160 GB."""
    n = 200_000
    edge_index = torch.randint(0, n, (2, 1000), generator=torch.Generator().manual_seed(0))
    R = torch.softmax(torch.randn(n, 4), 1).requires_grad_()
    value = DeCA(chunk_size=256)(R, edge_index)
    value.backward()
    assert torch.isfinite(value) and R.grad is not None and torch.isfinite(R.grad).all()


def test_soft_assignment_forms() -> None:
    h, c = randn(6, 3, seed=1, grad=False), randn(4, 3, seed=2, grad=False)
    R = soft_assignment(h, c, 0.3)
    torch.testing.assert_close(R.sum(1), torch.ones(6, dtype=torch.float64))
    # on the unit sphere ||h - c||^2 = 2 - 2 h.c: RBF at T is cosine at T^2 / 2
    torch.testing.assert_close(soft_assignment(h, c, 0.3, "rbf"), soft_assignment(h, c, 0.045))
    torch.testing.assert_close(soft_assignment(5 * h, 0.1 * c, 0.3), R)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: DeCA(lam=-1), "lam must be >= 0, got -1"),
        (lambda: DeCA(chunk_size=0), "chunk_size must be >= 1"),
        (lambda: DeCA()(torch.rand(3), torch.zeros(2, 0, dtype=torch.long)), r"\(n, K\) matrix"),
        (lambda: DeCA()(torch.rand(1, 2), torch.zeros(2, 0, dtype=torch.long)), "at least 2"),
        (lambda: DeCA()(torch.rand(3, 2), torch.tensor([[0, 3], [1, 0]])), r"outside 0\.\.2"),
        (lambda: DeCA()(torch.rand(3, 2), torch.tensor([[0, 1, 2]])), r"shape \(2, E\)"),
        (lambda: DeCA()(torch.rand(3, 2), torch.ones(2, 2)), "integer node ids"),
        (
            lambda: DeCA()(torch.rand(3, 2), torch.tensor([[0], [1]]), num_nodes=4),
            "num_nodes is 4 but the assignment has 3 rows",
        ),
        (lambda: DeCA()(torch.full((3, 2), math.nan), torch.tensor([[0], [1]])), "non-finite"),
        (lambda: soft_assignment(torch.rand(3, 2), torch.rand(2, 2), 0.0), "temperature"),
        (lambda: soft_assignment(torch.rand(3, 2), torch.rand(2, 3), 1.0), r"\(n, D\) and"),
        (lambda: soft_assignment(torch.rand(3, 2), torch.rand(2, 2), 1.0, "l1"), "similarity"),
    ],
)
def test_deca_bad_arguments_say_what_is_wrong(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- ReSC -----------------------------------------------------------------------------------


def resc_reference(z1, z2, ids1, ids2, k, t, gamma, similarity, symmetric, keep_empty, detach):
    """The paper's ReSC term with loops over nodes and communities (float64)."""
    u1 = [z / z.norm() for z in z1]
    u2 = [z / z.norm() for z in z2]

    def direction(anchors, others, ids):
        ids = ids.tolist()
        centroids, present = [], []
        for c in range(k):
            members = [others[j] for j in range(len(ids)) if ids[j] == c]
            present.append(bool(members))
            mean = sum(members) / len(members) if members else torch.zeros_like(others[0])
            centroids.append(mean.detach() if detach else mean)

        def s(u, c):
            if similarity == "cosine":
                return u @ c / (c.norm().clamp(min=1e-12) * t)  # 0 for an empty community
            if similarity == "dot":
                return u @ c / t
            return -((u - c) ** 2).sum() / t**2

        terms = []
        for i, u in enumerate(anchors):
            p = ids[i]
            positive = torch.exp(s(u, centroids[p]))
            denominator = positive
            for c in range(k):
                if c != p and (present[c] or keep_empty):
                    w = torch.exp(-gamma * ((centroids[p] - centroids[c]) ** 2).sum())
                    denominator = denominator + w * torch.exp(s(u, centroids[c]))
            terms.append(-torch.log(positive / denominator))
        return torch.stack(terms).mean()

    total = direction(u1, u2, ids2)
    if symmetric:
        total = (total + direction(u2, u1, ids1)) / 2
    return total


N, D, K = 9, 4, 4
IDS1 = torch.tensor([0, 1, 1, 2, 0, 2, 1, 0, 2])  # community 3 is empty in both views
IDS2 = torch.tensor([1, 1, 0, 2, 0, 2, 2, 0, 1])


@pytest.mark.parametrize(
    ("similarity", "symmetric", "keep_empty"),
    list(itertools.product(["cosine", "dot", "rbf"], [True, False], [False, True])),
)
def test_resc_matches_reference_value_and_gradient(similarity, symmetric, keep_empty) -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    loss = ReSC(0.5, 0.7, similarity, symmetric, keep_empty=keep_empty, num_communities=K)
    expected = resc_reference(
        z1, z2, IDS1, IDS2, K, 0.5, 0.7, similarity, symmetric, keep_empty, True
    )
    # detached centroids: view 2 gets a gradient only as anchors of the symmetric term
    assert_same(loss(z1, z2, IDS1, IDS2), expected, [z1, z2] if symmetric else [z1])


@pytest.mark.parametrize("similarity", ["cosine", "dot", "rbf"])
def test_resc_with_gradient_through_the_centroids(similarity) -> None:
    z1, z2 = randn(N, D, seed=3), randn(N, D, seed=4)
    loss = ReSC(0.4, 2.0, similarity, detach_centroids=False)
    expected = resc_reference(z1, z2, IDS1, IDS2, 3, 0.4, 2.0, similarity, True, False, False)
    assert_same(loss(z1, z2, IDS1, IDS2), expected, [z1, z2])


def test_resc_soft_assignment_is_its_argmax() -> None:
    z1, z2 = randn(N, D, seed=5, grad=False), randn(N, D, seed=6, grad=False)
    R1 = torch.softmax(randn(N, K, seed=7, grad=False), 1)
    R2 = torch.softmax(randn(N, K, seed=8, grad=False), 1)
    loss = ReSC(0.3, 1.5, "rbf")
    torch.testing.assert_close(
        loss(z1, z2, R1, R2),
        ReSC(0.3, 1.5, "rbf", num_communities=K)(z1, z2, R1.argmax(1), R2.argmax(1)),
    )
    # one assignment for both views when the second is omitted
    torch.testing.assert_close(loss(z1, z2, R1), loss(z1, z2, R1, R1))


@pytest.mark.parametrize("similarity", ["cosine", "dot", "rbf"])
def test_resc_invariant_to_permuting_communities_and_nodes(similarity) -> None:
    z1, z2 = randn(N, D, seed=9, grad=False), randn(N, D, seed=10, grad=False)
    loss = ReSC(0.4, 1.0, similarity, keep_empty=True, num_communities=K)
    base = loss(z1, z2, IDS1, IDS2)
    relabel = torch.tensor([2, 3, 0, 1])  # community c becomes relabel[c]
    torch.testing.assert_close(loss(z1, z2, relabel[IDS1], relabel[IDS2]), base)
    order = torch.randperm(N, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(loss(z1[order], z2[order], IDS1[order], IDS2[order]), base)
    torch.testing.assert_close(loss(3 * z1, 0.5 * z2, IDS1, IDS2), base)


def test_resc_gamma_zero_is_unweighted_infonce_over_centroids() -> None:
    z1, z2 = randn(N, D, seed=11, grad=False), randn(N, D, seed=12, grad=False)
    u2 = F.normalize(z2, dim=1)
    centroids = torch.stack([u2[c == IDS2].mean(0) for c in range(3)])
    # the existing reweighted InfoNCE, node-to-community form, without weights
    plain = losses.build("reweighted_infonce", temperature=0.4, gamma=0.0)
    ours = ReSC(0.4, 0.0, symmetric=False)(z1, z2, IDS1, IDS2)
    torch.testing.assert_close(ours, plain(z1, centroids, positives=IDS2))
    logits = F.normalize(z1, dim=1) @ F.normalize(centroids, dim=1).T / 0.4
    torch.testing.assert_close(ours, F.cross_entropy(logits, IDS2))
    # weights <= 1 shrink the denominator: reweighting never raises the loss
    for similarity in ("cosine", "dot", "rbf"):
        weighted = ReSC(0.4, 3.0, similarity)(z1, z2, IDS1, IDS2)
        assert weighted < ReSC(0.4, 0.0, similarity)(z1, z2, IDS1, IDS2)


@pytest.mark.parametrize("similarity", ["cosine", "dot", "rbf"])
def test_resc_finite_gradients_and_float32_agrees_with_float64(similarity) -> None:
    z1, z2 = randn(200, 16, seed=13), randn(200, 16, seed=14)
    ids1 = torch.randint(0, 10, (200,), generator=torch.Generator().manual_seed(1))
    ids2 = torch.randint(0, 10, (200,), generator=torch.Generator().manual_seed(2))
    loss = ReSC(0.2, 1.0, similarity)
    double = loss(z1, z2, ids1, ids2)
    single = loss(z1.detach().float(), z2.detach().float(), ids1, ids2)
    assert single.dtype == torch.float32
    torch.testing.assert_close(single.double(), double, rtol=1e-5, atol=1e-5)
    double.backward()
    assert torch.isfinite(z1.grad).all() and torch.isfinite(z2.grad).all()
    assert z1.grad.abs().sum() > 0 and z2.grad.abs().sum() > 0  # both views are anchors


def test_resc_registered_and_built_by_name() -> None:
    assert {"deca", "resc"} <= set(losses.available())
    assert isinstance(losses.build("resc", gamma=8e-5), ReSC)
    assert isinstance(losses.build("deca", lam=0.9), DeCA)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ReSC(temperature=0), "temperature must be > 0, got 0"),
        (lambda: ReSC(gamma=-1), "gamma must be >= 0, got -1"),
        (lambda: ReSC(similarity="l2"), "similarity must be one of cosine, dot, rbf"),
        (lambda: ReSC(num_communities=0), "num_communities must be >= 1"),
        (lambda: ReSC()(torch.rand(4, 3), torch.rand(5, 3), IDS1[:4]), "views of one shape"),
        (
            lambda: ReSC()(torch.rand(4, 3), torch.rand(4, 3), IDS1[:3]),
            "communities1 must have 4 rows",
        ),
        (
            lambda: ReSC()(torch.rand(4, 3), torch.rand(4, 3), torch.tensor([0, 1, -1, 0])),
            "community ids >= 0, got -1",
        ),
        (
            lambda: ReSC()(torch.rand(4, 3), torch.rand(4, 3), torch.rand(4)),
            r"\(n, K\) float assignment or \(n,\) integer",
        ),
        (
            lambda: ReSC(num_communities=2)(torch.rand(4, 3), torch.rand(4, 3), IDS1[:4]),
            "community id 2 given but num_communities is 2",
        ),
        (
            lambda: ReSC()(torch.full((4, 3), math.nan), torch.rand(4, 3), IDS1[:4]),
            "non-finite",
        ),
    ],
)
def test_resc_bad_arguments_say_what_is_wrong(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- the joint schedule -----------------------------------------------------------------------


def test_gcool_weights_values() -> None:
    assert gcool_weights(0, 500) == (1.0, 1.0, 0.0)
    alpha, w_deca, w_resc = gcool_weights(50, 500)
    assert alpha == pytest.approx(0.5)
    assert w_deca == pytest.approx(0.5 * math.exp(-0.1))
    assert w_resc == pytest.approx(0.5 * (1 - math.exp(-0.1)))
    for t in (100, 101, 2900):  # alpha ends at t = 0.2 s
        assert gcool_weights(t, 500) == (0.0, 0.0, 0.0)
    assert gcool_weights(150, 1000, alpha_rate=0.3)[0] == pytest.approx(0.5)
    for t in range(0, 120, 7):
        alpha, w_deca, w_resc = gcool_weights(t, 500)
        assert alpha == pytest.approx(max(0.0, 1 - t / 100))
        assert w_deca + w_resc == pytest.approx(alpha)
    # ReSC's coefficient peaks near t = 0.1 s at about 0.048
    peak = max(gcool_weights(t / 10, 500)[2] for t in range(1001))
    assert peak == pytest.approx(0.0476, abs=5e-4)


def test_gcool_objective_combines_the_terms() -> None:
    node, deca, resc = (torch.tensor(v, requires_grad=True) for v in (2.0, -1.0, 3.0))
    total = gcool_objective(node, deca, resc, 50, 500)
    _, w_deca, w_resc = gcool_weights(50, 500)
    assert total.item() == pytest.approx(2.0 - w_deca + 3 * w_resc)
    total.backward()
    assert deca.grad.item() == pytest.approx(w_deca) and resc.grad.item() == pytest.approx(w_resc)
    with pytest.raises(ValueError, match="stride must be > 0, got 0"):
        gcool_weights(1, 0)
    with pytest.raises(ValueError, match="t must be >= 0, got -1"):
        gcool_weights(-1, 500)
