"""Each objective of the loss core against a slow float64 reference written from its formula
(value and gradient), plus the properties that hold for it and its argument errors."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch.nn import functional as F

from graphcl import losses
from graphcl.losses.gmm import fit_gmm
from graphcl.losses.prototypical import prototype_contrast

N, D = 6, 4


def unit(v):
    return v / v.norm(dim=-1, keepdim=True)


def randn(*shape, seed=0, grad=True):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=grad)


def ce(scores, target):
    """-log softmax(scores)[target] for a list of scalar tensors."""
    return -scores[target] + torch.log(sum(torch.exp(s) for s in scores))


def assert_same(ours, theirs, inputs):
    torch.testing.assert_close(ours, theirs)
    for a, b in zip(
        torch.autograd.grad(ours, inputs, retain_graph=True, allow_unused=True),
        torch.autograd.grad(theirs, inputs, retain_graph=True, allow_unused=True),
        strict=True,
    ):
        if a is None or b is None:
            assert (a is None and b is None) or (a if a is not None else b).abs().max() == 0
        else:
            torch.testing.assert_close(a, b)


def clip_reference(a, b, t):
    a, b = unit(a), unit(b)
    n = a.shape[0]
    rows = [ce([a[i] @ b[j] / t for j in range(n)], i) for i in range(n)]
    cols = [ce([b[j] @ a[i] / t for i in range(n)], j) for j in range(n)]
    return (torch.stack(rows).mean() + torch.stack(cols).mean()) / 2


# --- soft contrastive -------------------------------------------------------------------------


def soft_reference(views, labels, t, tl):
    z = [unit(v) for v in views]
    n = len(labels)
    if labels.dim() == 1:
        sim = [[float(labels[i] == labels[j]) for j in range(n)] for i in range(n)]
    else:
        lab = unit(labels.double())
        sim = [[lab[i] @ lab[j] for j in range(n)] for i in range(n)]
    pairs = [(z[0], z[0])] if len(z) == 1 else [(z[0], z[1]), (z[1], z[0])]
    total = 0
    for anchors, others in pairs:
        terms = []
        for i in range(n):
            js = [j for j in range(n) if len(z) == 2 or j != i]
            q = torch.softmax(torch.tensor([float(sim[i][j]) / tl for j in js]), 0).double()
            logits = torch.stack([anchors[i] @ others[j] / t for j in js])
            terms.append(-(q * torch.log_softmax(logits, 0)).sum())
        total = total + torch.stack(terms).mean()
    return total / len(pairs)


@pytest.mark.parametrize("num_views", [1, 2])
@pytest.mark.parametrize("embedded", [False, True])
def test_soft_contrastive_matches_reference(num_views, embedded) -> None:
    views = [randn(N, D, seed=s) for s in range(num_views)]
    labels = randn(N, 3, seed=9, grad=False) if embedded else torch.tensor([0, 1, 0, 2, 1, 1])
    loss = losses.build("soft_contrastive", temperature=0.3, label_temperature=0.5)
    assert_same(loss(*views, labels=labels), soft_reference(views, labels, 0.3, 0.5), views)


def test_soft_contrastive_with_distinct_labels_and_sharp_targets_is_clip() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    soft = losses.build("soft_contrastive", temperature=0.2, label_temperature=1e-4)
    torch.testing.assert_close(
        soft(z1, z2, labels=torch.arange(N)), losses.build("clip", temperature=0.2)(z1, z2)
    )


# --- momentum distillation --------------------------------------------------------------------


def albef_reference(a, b, am, bm, t, alpha):
    a, b, am, bm = unit(a), unit(b), unit(am), unit(bm)
    n = a.shape[0]
    total = 0
    for online, own_m, other_m in ((a, am, bm), (b, bm, am)):
        terms = []
        for i in range(n):
            log_p = torch.log_softmax(
                torch.stack([online[i] @ other_m[j] / t for j in range(n)]), 0
            )
            soft = torch.softmax(torch.stack([own_m[i] @ other_m[j] / t for j in range(n)]), 0)
            target = alpha * soft + (1 - alpha) * F.one_hot(torch.tensor(i), n).double()
            terms.append(-(target * log_p).sum())
        total = total + torch.stack(terms).mean()
    return total / 2


def test_momentum_distillation_matches_reference_and_is_clip_without_distillation() -> None:
    a, b, am, bm = (randn(N, D, seed=s) for s in range(4))
    loss = losses.build("momentum_distillation", temperature=0.2, alpha=0.4)
    ours = loss(a, b, momentum=(am, bm))
    assert_same(ours, albef_reference(a, b, am.detach(), bm.detach(), 0.2, 0.4), [a, b])
    plain = losses.build("momentum_distillation", temperature=0.2, alpha=0.0)
    clip = losses.build("clip", temperature=0.2)
    torch.testing.assert_close(plain(a, b, momentum=(a, b)), clip(a, b))
    with pytest.raises(ValueError, match="alpha must be in"):
        losses.build("momentum_distillation", alpha=1.5)


# --- CACR ---------------------------------------------------------------------------------------


def cacr_reference(views, tp, tn, alpha, beta):
    z = [unit(v) for v in views]
    v, n = len(z), z[0].shape[0]
    attraction = []
    for x in range(v):
        for i in range(n):
            costs = torch.stack([(z[x][i] - z[y][i]).pow(2).sum() for y in range(v) if y != x])
            attraction.append(alpha * (torch.softmax(tp * costs, 0) * costs).sum())
    repulsion = 0
    for x, y in itertools.permutations(range(v), 2):
        terms = []
        for i in range(n):
            costs = torch.stack([(z[x][i] - z[y][j]).pow(2).sum() for j in range(n) if j != i])
            terms.append(-beta * (torch.softmax(-tn * costs, 0) * costs).sum())
        repulsion = repulsion + torch.stack(terms).mean()
    return torch.stack(attraction).mean() + repulsion / (v * (v - 1))


@pytest.mark.parametrize("num_views", [2, 3])
def test_cacr_matches_reference(num_views) -> None:
    views = [randn(N, D, seed=s) for s in range(num_views)]
    loss = losses.build("cacr", pos_temperature=1.5, neg_temperature=2.0, alpha=1.0, beta=0.5)
    assert_same(loss(*views), cacr_reference(views, 1.5, 2.0, 1.0, 0.5), views)


def test_cacr_properties() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    loss = losses.build("cacr")
    torch.testing.assert_close(loss(z1, z2), loss(z2, z1))
    torch.testing.assert_close(loss(4 * z1, z2), loss(z1, z2))
    order = torch.randperm(N)
    torch.testing.assert_close(loss(z1[order], z2[order]), loss(z1, z2))
    same = torch.ones(N, D)  # identical embeddings: no attraction, no repulsion
    assert loss(same, same).item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="at least 2 views"):
        loss(z1)


# --- reweighted InfoNCE -------------------------------------------------------------------------


def reweighted_reference(z1, z2, t, gamma, centres, positives):
    a, c = unit(z1), unit(z2)
    terms = []
    for i in range(a.shape[0]):
        p = int(positives[i])
        numerator = torch.exp(a[i] @ c[p] / t)
        denominator = numerator
        for candidate in range(c.shape[0]):
            if candidate != p:
                w = torch.exp(-gamma * (centres[p] - centres[candidate]).pow(2).sum())
                denominator = denominator + w * torch.exp(a[i] @ c[candidate] / t)
        terms.append(-torch.log(numerator / denominator))
    return torch.stack(terms).mean()


def test_reweighted_infonce_sample_level_and_node_to_community() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    groups = torch.tensor([0, 1, 1, 2, 0, 2])
    centres = randn(3, 5, seed=3, grad=False)
    loss = losses.build("reweighted_infonce", temperature=0.4, gamma=0.7)
    expected = reweighted_reference(z1, z2, 0.4, 0.7, centres[groups], torch.arange(N))
    assert_same(loss(z1, z2, groups=groups, centres=centres), expected, [z1, z2])
    # ReSC: nodes against 3 community centres of the other view
    communities = randn(3, D, seed=4)
    assignment = torch.tensor([2, 0, 1, 1, 0, 2])
    expected = reweighted_reference(
        z1, communities, 0.4, 0.7, unit(communities.detach()), assignment
    )
    assert_same(loss(z1, communities, positives=assignment), expected, [z1, communities])


def test_reweighted_infonce_without_reweighting_is_one_directional_nt_xent() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    plain = losses.build("nt_xent", temperature=0.3, intra_view_negatives=False, symmetric=False)
    ours = losses.build("reweighted_infonce", temperature=0.3, gamma=0.0)
    torch.testing.assert_close(ours(z1, z2, groups=torch.tensor([0, 0, 1, 1, 2, 2])), plain(z1, z2))
    with pytest.raises(ValueError, match="has no centre"):
        ours(z1, z2, groups=torch.tensor([0, 0, 1, 1, 2, 5]), centres=torch.zeros(3, 2))


# --- hierarchical -------------------------------------------------------------------------------


def supcon_reference(views, labels, t):
    z = torch.cat([unit(v) for v in views])
    y = labels.repeat(len(views)).tolist()
    terms = []
    for i in range(len(y)):
        positives = [p for p in range(len(y)) if p != i and y[p] == y[i]]
        if positives:
            scores = [z[i] @ z[a] / t for a in range(len(y)) if a != i]
            lse = torch.logsumexp(torch.stack(scores), 0)
            terms.append(sum(lse - z[i] @ z[p] / t for p in positives) / len(positives))
    return torch.stack(terms).mean() if terms else torch.zeros((), dtype=torch.float64)


def test_hierarchical_is_the_weighted_sum_of_level_supcon_terms() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    labels = torch.tensor([[0, 0], [0, 1], [1, 2], [1, 3], [2, 4], [2, 5]])  # level 2: singletons
    loss = losses.build("hierarchical", temperature=0.5, weights=[1.0, 0.3, 2.0])
    expected = (
        supcon_reference([z1, z2], torch.arange(N), 0.5)
        + 0.3 * supcon_reference([z1, z2], labels[:, 0], 0.5)
        + 2.0 * supcon_reference([z1, z2], labels[:, 1], 0.5)
    )
    assert_same(loss(z1, z2, labels=labels), expected, [z1, z2])
    # one view: the instance level has no positive and contributes 0
    single = losses.build("hierarchical", temperature=0.5)(z1, labels=labels[:, 0])
    assert_same(single, supcon_reference([z1], labels[:, 0], 0.5), [z1])
    with pytest.raises(ValueError, match="2 weights for 3 levels"):
        losses.build("hierarchical", weights=[1, 1])(z1, z2, labels=labels)


# --- prototypical -------------------------------------------------------------------------------


def test_prototype_contrast_matches_reference() -> None:
    z, prototypes = randn(N, D, seed=1), randn(3, D, seed=2)
    targets = torch.softmax(randn(N, 3, seed=3, grad=False), 1)
    terms = []
    for i in range(N):
        scores = [unit(z)[i] @ unit(prototypes)[k] / 0.2 for k in range(3)]
        terms.append(sum(targets[i, k] * ce(scores, k) for k in range(3)))
    assert_same(prototype_contrast(z, prototypes, targets, 0.2), torch.stack(terms).mean(), [z])


def test_semi_supervised_gmm_finds_clusters_and_keeps_labels() -> None:
    generator = torch.Generator().manual_seed(0)
    centres = torch.tensor([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0]], dtype=torch.float64)
    truth = torch.arange(3).repeat_interleave(20)
    x = centres[truth] + 0.3 * torch.randn(60, 2, generator=generator, dtype=torch.float64)
    labels = torch.full((60,), -1)
    labels[[0, 20, 40]] = torch.tensor([0, 1, 2])
    mixture = fit_gmm(x, 3, labels, iterations=20, generator=generator)
    assert torch.equal(mixture.responsibilities.argmax(1), truth)
    torch.testing.assert_close(mixture.means, centres, atol=0.3, rtol=0)
    torch.testing.assert_close(mixture.weights.sum(), torch.tensor(1.0, dtype=torch.float64))
    with pytest.raises(ValueError, match="cannot fill"):
        fit_gmm(x[:2], 3)


def test_prototypical_loss_is_deterministic_and_decreases_with_clusters() -> None:
    z = randn(12, D, seed=1)
    loss = losses.build("prototypical", num_prototypes=3)
    torch.testing.assert_close(loss(z), loss(z))
    clustered = torch.eye(D, dtype=torch.float64)[torch.arange(12) % 3] + 0.01 * z.detach()
    assert loss(clustered) < loss(z)


# --- MLCD ---------------------------------------------------------------------------------------


def test_mlcd_matches_reference_with_given_and_nearest_positives() -> None:
    z, centres = randn(N, D, seed=1), randn(5, D, seed=2)
    positives = torch.tensor([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [0, 2]])
    loss = losses.build("mlcd", num_positive=2, temperature=0.5)

    def reference(pos):
        terms = []
        for i in range(N):
            s = [unit(z)[i] @ unit(centres)[j] / 0.5 for j in range(5)]
            neg = sum(torch.exp(s[j]) for j in range(5) if j not in pos[i])
            posi = sum(torch.exp(-s[j]) for j in pos[i])
            terms.append(torch.log(1 + neg) + torch.log(1 + posi))
        return torch.stack(terms).mean()

    assert_same(loss(z, centres, positives), reference(positives.tolist()), [z, centres])
    nearest = (unit(z) @ unit(centres).T).topk(2, dim=1).indices.tolist()
    assert_same(loss(z, centres), reference(nearest), [z, centres])
    with pytest.raises(ValueError, match="leave no negative"):
        losses.build("mlcd", num_positive=5)(z, centres)


# --- reliability-weighted InfoNCE --------------------------------------------------------------


def test_reliability_infonce_scales_each_nt_xent_term() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    r = torch.tensor([1.0, 0.5, 0.0, 1.0, 0.25, 0.75], dtype=torch.float64)
    loss = losses.build("reliability_infonce", temperature=0.3)
    terms = losses.build("nt_xent", temperature=0.3).terms(z1, z2)  # checked in test_losses
    expected = []
    a, b = unit(z1), unit(z2)
    for anchors, others in ((a, b), (b, a)):
        for i in range(N):
            scores = [anchors[i] @ others[j] / 0.3 for j in range(N)]
            scores += [anchors[i] @ anchors[j] / 0.3 for j in range(N) if j != i]
            expected.append(r[i] * ce(scores, i))
    assert_same(loss(z1, z2, reliability=r), torch.stack(expected).mean(), [z1, z2])
    torch.testing.assert_close(loss(z1, z2, reliability=torch.ones(N)), terms.mean())
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        loss(z1, z2, reliability=torch.full((N,), 2.0))


# --- CLIP ---------------------------------------------------------------------------------------


def test_clip_fixed_matches_reference_and_nt_xent_without_intra_view_negatives() -> None:
    a, b = randn(N, D, seed=1), randn(N, D, seed=2)
    loss = losses.build("clip", temperature=0.2)
    assert_same(loss(a, b), clip_reference(a, b, 0.2), [a, b])
    nt_xent = losses.build("nt_xent", temperature=0.2, intra_view_negatives=False)
    torch.testing.assert_close(loss(a, b), nt_xent(a, b))
    torch.testing.assert_close(loss(a, b), loss(b, a))


def test_clip_learnable_and_adaptive_temperatures() -> None:
    a, b = randn(N, D, seed=1), randn(N, D, seed=2)
    learnable = losses.build("clip", temperature=0.2, temperature_mode="learnable").double()
    value = learnable(a, b)
    torch.testing.assert_close(value, clip_reference(a, b, 0.2))
    value.backward()
    assert learnable.log_scale.grad is not None and learnable.log_scale.grad != 0
    adaptive = losses.build(
        "clip", temperature=0.1, temperature_mode="adaptive", max_temperature=0.5
    )
    ua, ub = unit(a), unit(b)

    def temperature(i, j):
        s = float(ua[i].detach() @ ub[j].detach())
        return 0.1 + 0.2 * (1 + math.cos(math.pi * (1 + s)))

    rows = [ce([ua[i] @ ub[j] / temperature(i, j) for j in range(N)], i) for i in range(N)]
    cols = [ce([ub[j] @ ua[i] / temperature(i, j) for i in range(N)], j) for j in range(N)]
    expected = (torch.stack(rows).mean() + torch.stack(cols).mean()) / 2
    torch.testing.assert_close(adaptive(a, b), expected)
    with pytest.raises(ValueError, match="temperature_mode must be one of"):
        losses.build("clip", temperature_mode="auto")


# --- Symile -------------------------------------------------------------------------------------


def mip(*vectors):
    return torch.stack(vectors).prod(0).sum()


def test_symile_n_squared_matches_reference_over_all_tuples() -> None:
    views = [randn(4, D, seed=s) for s in range(3)]
    z = [unit(v) for v in views]
    terms = []
    for m in range(3):
        others = [z[k] for k in range(3) if k != m]
        tuples = list(itertools.product(range(4), repeat=2))
        for i in range(4):
            scores = [mip(z[m][i], others[0][j], others[1][k]) / 0.3 for j, k in tuples]
            terms.append(ce(scores, tuples.index((i, i))) / 4)
    expected = sum(terms) / 3
    loss = losses.build("symile", temperature=0.3, negative_sampling="n_squared")
    assert_same(loss(*views), expected, views)
    # two modalities: CLIP
    torch.testing.assert_close(loss(*views[:2]), clip_reference(*views[:2], 0.3))


def test_symile_n_scheme_matches_reference_with_the_same_permutations() -> None:
    views = [randn(5, D, seed=s) for s in range(3)]
    z = [unit(v) for v in views]
    generator = torch.Generator().manual_seed(7)
    orders = [[torch.randperm(5, generator=generator) for _ in range(2)] for _ in range(3)]
    total = 0
    for m in range(3):
        others = [z[k] for k in range(3) if k != m]
        rows = []
        for i in range(5):
            scores = []
            for j in range(5):
                if j == i:
                    scores.append(mip(z[m][i], others[0][i], others[1][i]) / 0.3)
                else:
                    o1, o2 = orders[m][0][j], orders[m][1][j]
                    scores.append(mip(z[m][i], others[0][o1], others[1][o2]) / 0.3)
            rows.append(ce(scores, i))
        total = total + torch.stack(rows).mean()
    loss = losses.build("symile", temperature=0.3, negative_sampling="n")
    ours = loss(*views, generator=torch.Generator().manual_seed(7))
    assert_same(ours, total / 3, views)
    with pytest.raises(ValueError, match="at least 2 views"):
        loss(views[0])


# --- GRAM ---------------------------------------------------------------------------------------


def test_gram_volumes_match_reference_determinants() -> None:
    views = [randn(N, D, seed=s) for s in range(3)]
    z = [unit(v) for v in views]

    def volume(i, j):
        vectors = torch.stack([z[0][i], z[1][j], z[2][j]])
        return torch.sqrt(torch.linalg.det(vectors @ vectors.T).clamp(min=1e-6))

    rows = [ce([-volume(i, j) / 0.2 for j in range(N)], i) for i in range(N)]
    cols = [ce([-volume(i, j) / 0.2 for i in range(N)], j) for j in range(N)]
    expected = (torch.stack(rows).mean() + torch.stack(cols).mean()) / 2
    assert_same(losses.build("gram", temperature=0.2)(*views), expected, views)
    # two modalities: the volume is the sine of the angle
    from graphcl.losses.gram import volumes

    cos = z[0] @ z[1].T
    torch.testing.assert_close(volumes(z[0], [z[1]], 1e-12), (1 - cos**2).clamp(min=1e-12).sqrt())


# --- TCL ----------------------------------------------------------------------------------------


def test_tcl_is_the_weighted_sum_of_its_three_terms() -> None:
    a, b, a2, b2 = (randn(N, D, seed=s) for s in range(4))
    local = randn(N, 3, D, seed=5)
    t = 0.3
    lmi = []
    for i in range(N):
        for p in range(3):
            lmi.append(ce([unit(local[i, p]) @ unit(a)[j] / t for j in range(N)], i))
    expected = (
        1.0 * clip_reference(a, b, t)
        + 0.5 * (clip_reference(a, a2, t) + clip_reference(b, b2, t)) / 2
        + 2.0 * torch.stack(lmi).mean()
    )
    loss = losses.build("tcl", temperature=t, weights=[1.0, 0.5, 2.0])
    assert_same(loss(a, b, a2, b2, local_a=local), expected, [a, b, a2, b2, local])
    only_cma = losses.build("tcl", temperature=t)
    torch.testing.assert_close(only_cma(a, b), clip_reference(a, b, t))


# --- Mod-X --------------------------------------------------------------------------------------


def test_modx_distils_the_old_contrastive_rows() -> None:
    a, b, ao, bo = (randn(N, D, seed=s) for s in range(4))
    t, lam = 0.2, 0.7
    kd = 0
    for x, y, xo, yo in ((a, b, ao, bo), (b, a, bo, ao)):
        rows = []
        for i in range(N):
            p = torch.softmax(torch.stack([unit(x)[i] @ unit(y)[j] / t for j in range(N)]), 0)
            q = torch.softmax(torch.stack([unit(xo)[i] @ unit(yo)[j] / t for j in range(N)]), 0)
            rows.append((q * (q.log() - p.log())).sum())
        kd = kd + torch.stack(rows).mean()
    expected = clip_reference(a, b, t) + lam * kd / 2
    loss = losses.build("modx", temperature=t, distill_weight=lam)
    assert_same(loss(a, b, old=(ao.detach(), bo.detach())), expected, [a, b])
    torch.testing.assert_close(loss(a, b, old=(a, b)), clip_reference(a, b, t))


# --- Hydra --------------------------------------------------------------------------------------


def test_hydra_contrasts_in_class_pair_gated_subspaces() -> None:
    u, v = randn(N, D, seed=1), randn(N, D, seed=2)
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    pairs = torch.tensor([3, 4, 5, 0, 1, 2])  # an arbitrary partner of the same class
    loss = losses.build("hydra", num_classes=3, dim=D, temperature=0.5, sparsity=0.1).double()
    with torch.no_grad():
        loss.gates.copy_(randn(3, 3, D, seed=3, grad=False))
    g = torch.sigmoid((loss.gates + loss.gates.transpose(0, 1)) / 2)
    terms = []
    for i in range(N):
        scores = []
        for j in range(N):
            gate = g[labels[i], labels[j]]
            scores.append(unit(gate * u[i]) @ unit(gate * v[j]) / 0.5)
        terms.append(ce(scores, int(pairs[i])))
    gate_mean = torch.stack([g[labels[i], labels[j]] for i in range(N) for j in range(N)]).mean()
    expected = torch.stack(terms).mean() + 0.1 * gate_mean
    ours = loss(u, v, labels=labels, pairs=pairs)
    assert_same(ours, expected, [u, v, loss.gates])
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
        loss(u, v, labels=labels + 1)


# --- Hallucinator -------------------------------------------------------------------------------


def test_hallucinator_adds_a_smoothed_extrapolated_positive() -> None:
    z1, z2 = randn(N, D, seed=1), randn(N, D, seed=2)
    loss = losses.build("hallucinator", dim=D, step=0.2, temperature=0.5).double()
    nt_xent = losses.build("nt_xent", temperature=0.5)
    probe = z1.detach().clone().requires_grad_(True)
    (direction,) = torch.autograd.grad(nt_xent(probe, z2.detach()), probe)
    z3 = z1 + 0.2 * z1.detach().norm(dim=1, keepdim=True) * unit(direction)  # W2 = 0 at start
    expected = nt_xent(z1, z2) + (nt_xent(z1, z3) + nt_xent(z2, z3)) / 2
    ours = loss(z1, z2)
    assert_same(ours, expected, [z1, z2])
    ours.backward()
    assert loss.smooth_out.weight.grad.abs().sum() > 0  # the smoothing network learns


# --- SepCLR -------------------------------------------------------------------------------------


def test_sepclr_combines_common_salient_background_and_leak_terms() -> None:
    c1, c2, s1, s2 = (randn(N, D, seed=s) for s in range(4))
    target = torch.tensor([1, 1, 0, 1, 0, 0])
    nt_xent = losses.build("nt_xent", temperature=0.4)
    t = target.bool()
    background = torch.stack(
        [(s1[i].pow(2).sum() + s2[i].pow(2).sum()) / 2 for i in range(N) if not t[i]]
    ).mean()
    common, salient = (c1 + c2) / 2, (s1 + s2) / 2
    leak = 0
    for d in range(D):
        for e in range(D):
            x = (common[:, d] - common[:, d].mean()) / (common[:, d].std() + 1e-6)
            y = (salient[:, e] - salient[:, e].mean()) / (salient[:, e].std() + 1e-6)
            leak = leak + ((x * y).sum() / N) ** 2
    expected = nt_xent(c1, c2) + nt_xent(s1[t], s2[t]) + 0.5 * background + 2.0 * leak / D
    loss = losses.build("sepclr", background_weight=0.5, leak_weight=2.0, temperature=0.4)
    assert_same(loss(c1, c2, s1, s2, labels=target), expected, [c1, c2, s1, s2])
    with pytest.raises(ValueError, match="at least 2 target samples"):
        loss(c1, c2, s1, s2, labels=torch.tensor([1, 0, 0, 0, 0, 0]))


# --- PixPro -------------------------------------------------------------------------------------


def test_pixpro_propagates_within_each_graph_and_matches_reference() -> None:
    x1, x2 = randn(N, D, seed=1), randn(N, D, seed=2)
    batch = torch.tensor([0, 0, 0, 1, 1, 1])
    loss = losses.build("pixpro", dim=D, gamma=2.0).double()
    g = loss.transform
    total = 0
    for source, target in ((x1, x2), (x2, x1)):
        terms = []
        for i in range(N):
            y = sum(
                torch.clamp(unit(source[i]) @ unit(source[j]), min=0) ** 2 * g(source[j])
                for j in range(N)
                if batch[j] == batch[i]
            )
            terms.append(F.cosine_similarity(y, target[i].detach(), dim=0))
        total = total - torch.stack(terms).mean()
    assert_same(loss(x1, x2, batch=batch), total / 2, [x1, x2])
    # no propagation across graphs: changing graph 1 leaves graph 0's propagated features alone
    moved = x1.detach().clone()
    moved[3:] += 1.0
    torch.testing.assert_close(loss.propagate(moved, batch)[:3], loss.propagate(x1, batch)[:3])


# --- scattering, BYOL ---------------------------------------------------------------------------


def test_scattering_matches_reference_and_closed_form() -> None:
    z = randn(N, D, seed=1)
    u = unit(z)
    mean = sum(u[i] for i in range(N)) / N
    expected = -torch.stack([(u[i] - mean).pow(2).sum() for i in range(N)]).mean()
    ours = losses.build("scattering")(z)
    assert_same(ours, expected, [z])
    torch.testing.assert_close(ours, mean.pow(2).sum() - 1)
    assert losses.build("scattering")(torch.eye(4)).item() == pytest.approx(-0.75)


def test_byol_negative_cosine_and_ema() -> None:
    p, z = randn(N, D, seed=1), randn(N, D, seed=2)
    expected = torch.stack([2 - 2 * unit(p[i]) @ unit(z[i]).detach() for i in range(N)]).mean()
    ours = losses.build("byol")(p, z)
    assert_same(ours, expected, [p])
    ours.backward()
    assert z.grad is None  # stop-gradient on the target
    online, target = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = target.weight.detach().clone()
    losses.update_ema(target, online, 0.9)
    torch.testing.assert_close(target.weight, 0.9 * before + 0.1 * online.weight)
    with pytest.raises(ValueError, match="different parameters"):
        losses.update_ema(target, torch.nn.Linear(3, 2, bias=False), 0.9)


# --- balanced MSE and balanced softmax ----------------------------------------------------------


def normal_log(x, mean, var):
    return -0.5 * ((x - mean) ** 2 / var + math.log(2 * math.pi) + torch.log(var))


def test_balanced_mse_bmc_matches_reference() -> None:
    pred, target = randn(N, 2, seed=1), randn(N, 2, seed=2, grad=False)
    loss = losses.build("balanced_mse", mode="bmc", noise_sigma=0.8).double()
    var = torch.tensor(0.64, dtype=torch.float64)
    terms = [
        ce([-(pred[i] - target[j]).pow(2).sum() / (2 * var) for j in range(N)], i) for i in range(N)
    ]
    assert_same(loss(pred, target), torch.stack(terms).mean() * 2 * var, [pred])


def test_balanced_mse_gai_and_bni_match_reference() -> None:
    pred, target = randn(N, seed=1), randn(N, seed=2, grad=False)
    weights, means, variances = [0.2, 0.8], [-1.0, 0.5], [0.3, 1.5]
    gai = losses.build(
        "balanced_mse",
        mode="gai",
        noise_sigma=0.5,
        prior_weights=weights,
        prior_means=means,
        prior_variances=variances,
    ).double()
    var = torch.tensor(0.25, dtype=torch.float64)
    terms = []
    for i in range(N):
        balance = sum(
            w * torch.exp(normal_log(pred[i], m, v + var))
            for w, m, v in zip(weights, means, variances, strict=True)
        )
        terms.append(-normal_log(target[i], pred[i], var) + torch.log(balance))
    assert_same(gai(pred, target), torch.stack(terms).mean() * 2 * var, [pred])
    bni = losses.build(
        "balanced_mse", mode="bni", noise_sigma=0.5, prior_weights=[1, 3], prior_means=means
    ).double()
    terms = []
    for i in range(N):
        balance = 0.25 * torch.exp(normal_log(pred[i], -1.0, var))
        balance = balance + 0.75 * torch.exp(normal_log(pred[i], 0.5, var))
        terms.append(-normal_log(target[i], pred[i], var) + torch.log(balance))
    assert_same(bni(pred, target), torch.stack(terms).mean() * 2 * var, [pred])
    fitted = losses.BalancedMSE.from_labels(torch.randn(200), mode="bni", size=10)
    assert fitted.prior_weights.sum().item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="needs prior_weights and prior_means"):
        losses.build("balanced_mse", mode="gai")


def test_balanced_softmax_adds_the_log_prior() -> None:
    logits = randn(N, 3, seed=1)
    labels = torch.tensor([0, 1, 2, 2, 2, 1])
    counts = [10, 30, 60]
    loss = losses.build("balanced_softmax", class_counts=counts).double()
    prior = [math.log(c / 100) for c in counts]
    terms = [ce([logits[i, k] + prior[k] for k in range(3)], int(labels[i])) for i in range(N)]
    assert_same(loss(logits, labels), torch.stack(terms).mean(), [logits])
    uniform = losses.build("balanced_softmax", class_counts=[5, 5, 5]).double()
    torch.testing.assert_close(uniform(logits, labels), F.cross_entropy(logits, labels))
    with pytest.raises(ValueError, match="at least two counts > 0"):
        losses.build("balanced_softmax", class_counts=[3, 0])


# --- shared properties and argument errors ------------------------------------------------------


TWO_VIEW_CALLS = {
    "soft_contrastive": lambda loss, a, b: loss(a, b, labels=torch.arange(a.shape[0])),
    "cacr": lambda loss, a, b: loss(a, b),
    "clip": lambda loss, a, b: loss(a, b),
    "gram": lambda loss, a, b: loss(a, b, a),
    "symile": lambda loss, a, b: loss(a, b, a),
    "modx": lambda loss, a, b: loss(a, b, old=(a, a)),
    "momentum_distillation": lambda loss, a, b: loss(a, b, momentum=(a, a)),
    "hallucinator": lambda loss, a, b: loss(a, b),
    "byol": lambda loss, a, b: loss(a, b),
}


@pytest.mark.parametrize("name", sorted(TWO_VIEW_CALLS))
def test_losses_reject_nan_and_mismatched_shapes(name) -> None:
    loss = losses.build(name, **({"dim": 6} if name == "hallucinator" else {}))
    bad = torch.randn(8, 6)
    bad[2, 3] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        TWO_VIEW_CALLS[name](loss, bad, torch.randn(8, 6))
    with pytest.raises(ValueError, match="one shape"):
        TWO_VIEW_CALLS[name](loss, torch.randn(8, 6), torch.randn(7, 6))


@pytest.mark.parametrize("name", ["soft_contrastive", "clip", "symile", "gram", "cacr", "modx"])
def test_bad_temperatures_are_named(name) -> None:
    key = "pos_temperature" if name == "cacr" else "temperature"
    message = "must be >= 0" if name == "cacr" else "temperature must be > 0"
    with pytest.raises(ValueError, match=message):
        losses.build(name, **{key: -1.0})
