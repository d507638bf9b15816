"""The loss core: every loss against a slow reference from its formula, properties, contracts."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import pytest
import torch
from loss_calls import CALLS

from graphcl import losses
from graphcl.errors import UnknownNameError
from graphcl.losses import NTXent, SupCon


def reference_nt_xent(z1, z2, temperature, intra, positive_in_denominator, symmetric):
    """NT-Xent written straight from the formula with Python loops (float64, autograd-able)."""
    z1 = z1 / z1.norm(dim=1, keepdim=True)
    z2 = z2 / z2.norm(dim=1, keepdim=True)
    n = z1.shape[0]
    terms = []
    for anchors, others in [(z1, z2), (z2, z1)][: 2 if symmetric else 1]:
        for i in range(n):
            positive = torch.exp(anchors[i] @ others[i] / temperature)
            denominator = positive if positive_in_denominator else torch.zeros((), dtype=z1.dtype)
            for j in range(n):
                if j == i:
                    continue
                denominator = denominator + torch.exp(anchors[i] @ others[j] / temperature)
                if intra:
                    denominator = denominator + torch.exp(anchors[i] @ anchors[j] / temperature)
            terms.append(-torch.log(positive / denominator))
    return torch.stack(terms).mean()


OPTIONS = list(itertools.product([True, False], repeat=3))


@pytest.mark.parametrize("chunk_size", [None, 1, 5, 64])
@pytest.mark.parametrize(("intra", "positive", "symmetric"), OPTIONS)
def test_nt_xent_matches_reference_value_and_gradient(
    intra, positive, symmetric, chunk_size
) -> None:
    """Dense and chunked (rows recomputed in backward; uneven and oversized chunks) forms."""
    generator = torch.Generator().manual_seed(0)
    z1 = torch.randn(6, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(6, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    loss = NTXent(0.3, intra, positive, symmetric, chunk_size=chunk_size)(z1, z2)
    expected = reference_nt_xent(z1, z2, 0.3, intra, positive, symmetric)
    torch.testing.assert_close(loss, expected)
    ours = torch.autograd.grad(loss, (z1, z2))
    theirs = torch.autograd.grad(expected, (z1, z2))
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b)


def test_nt_xent_closed_form_identical_embeddings() -> None:
    for n in (2, 5, 64):
        z = torch.ones(n, 16)
        assert NTXent(0.1)(z, z).item() == pytest.approx(math.log(2 * n - 1), rel=1e-5)
    # without intra-view negatives: N candidates remain, log(N)
    z = torch.ones(8, 3)
    assert NTXent(0.5, intra_view_negatives=False)(z, z).item() == pytest.approx(math.log(8))


def test_nt_xent_symmetry_scale_and_permutation() -> None:
    generator = torch.Generator().manual_seed(1)
    z1, z2 = torch.randn(10, 8, generator=generator), torch.randn(10, 8, generator=generator)
    loss = NTXent(0.2)
    torch.testing.assert_close(loss(z1, z2), loss(z2, z1))
    torch.testing.assert_close(loss(3.0 * z1, 0.5 * z2), loss(z1, z2))
    order = torch.randperm(10, generator=generator)
    torch.testing.assert_close(loss(z1[order], z2[order]), loss(z1, z2))


def test_graphcl_variant_matches_graphcl_formula() -> None:
    """GraphCL's code: mean_i -log(e^{s_ii/T} / sum_{j != i} e^{s_ij/T}), view 1 anchors."""
    generator = torch.Generator().manual_seed(2)
    x, x_aug = torch.randn(7, 5, generator=generator), torch.randn(7, 5, generator=generator)
    sim = torch.einsum("ik,jk->ij", x, x_aug) / torch.outer(x.norm(dim=1), x_aug.norm(dim=1))
    sim = torch.exp(sim / 0.1)
    positive = sim.diagonal()
    expected = -torch.log(positive / (sim.sum(dim=1) - positive)).mean()
    ours = NTXent(0.1, intra_view_negatives=False, positive_in_denominator=False, symmetric=False)
    torch.testing.assert_close(ours(x, x_aug), expected)


def test_every_registered_loss_has_a_contract_call() -> None:
    assert set(CALLS) == set(losses.available())


@pytest.mark.parametrize("name", losses.available())
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_registered_loss_runs_forward_and_backward(name, dtype) -> None:
    kwargs, call = CALLS[name]
    loss_fn = losses.build(name, **kwargs).to(dtype)
    generator = torch.Generator().manual_seed(0)
    z1 = torch.randn(8, 6, dtype=dtype, generator=generator, requires_grad=True)
    z2 = torch.randn(8, 6, dtype=dtype, generator=generator, requires_grad=True)
    value = call(loss_fn, z1, z2, torch.tensor([0, 1, 2, 0, 1, 2, 3, 3]))
    value.backward()
    assert value.dim() == 0 and value.dtype == dtype and torch.isfinite(value)
    assert z1.grad is not None
    grads = [z1.grad, z2.grad] + [p.grad for p in loss_fn.parameters()]
    assert all(torch.isfinite(g).all() for g in grads if g is not None)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: NTXent(temperature=0), "temperature must be > 0, got 0"),
        (lambda: NTXent(chunk_size=0), "chunk_size must be >= 1"),
        (lambda: NTXent()(torch.randn(4, 3), torch.randn(5, 3)), "views of one shape"),
        (lambda: NTXent()(torch.randn(1, 3), torch.randn(1, 3)), "at least 2 samples"),
        (lambda: NTXent()(torch.full((3, 2), float("nan")), torch.randn(3, 2)), "non-finite"),
    ],
)
def test_bad_arguments_say_what_is_wrong(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_loss_lists_choices() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown loss 'ntxnet'; choose one of: .*nt_xent"):
        losses.build("ntxnet")


def test_loss_core_imports_only_torch() -> None:
    code = (
        "import sys, graphcl.losses; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('torch_geometric', 'rdkit', 'pandas', 'sklearn', 'matplotlib')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_chunked_nt_xent_equals_dense_in_float32_and_bfloat16_autocast() -> None:
    generator = torch.Generator().manual_seed(3)
    z1, z2 = (torch.randn(300, 16, generator=generator) for _ in range(2))
    dense = NTXent(0.1)(z1, z2)
    torch.testing.assert_close(NTXent(0.1, chunk_size=64)(z1, z2), dense, rtol=1e-5, atol=1e-5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        chunked = NTXent(0.1, chunk_size=64)(z1, z2)
    assert chunked.dtype == torch.float32  # the chunked rows run in float32 under autocast
    torch.testing.assert_close(chunked, dense, rtol=1e-5, atol=1e-5)


def reference_supcon(views, labels, temperature):
    """Khosla et al. eq. 2 with loops, float64."""
    z = torch.cat([torch.nn.functional.normalize(v.double(), dim=1) for v in views])
    y = labels.repeat(len(views)).tolist()
    terms = []
    for i in range(len(y)):
        positives = [p for p in range(len(y)) if p != i and y[p] == y[i]]
        if not positives:
            continue
        denominator = sum(torch.exp(z[i] @ z[a] / temperature) for a in range(len(y)) if a != i)
        total = sum(
            torch.log(torch.exp(z[i] @ z[p] / temperature) / denominator) for p in positives
        )
        terms.append(-total / len(positives))
    return torch.stack(terms).mean()


@pytest.mark.parametrize("chunk_size", [None, 4])
@pytest.mark.parametrize("num_views", [1, 2, 3])
def test_supcon_matches_reference_value_and_gradient(num_views, chunk_size) -> None:
    generator = torch.Generator().manual_seed(1)
    views = [
        torch.randn(7, 5, generator=generator, dtype=torch.float64, requires_grad=True)
        for _ in range(num_views)
    ]
    labels = torch.tensor([3, 1, 3, 9, 1, 3, 5])  # label 9 and 5 occur once
    loss = SupCon(0.2, chunk_size=chunk_size)(*views, labels=labels)
    expected = reference_supcon(views, labels, 0.2)
    torch.testing.assert_close(loss, expected)
    for ours, theirs in zip(
        torch.autograd.grad(loss, views), torch.autograd.grad(expected, views), strict=True
    ):
        torch.testing.assert_close(ours, theirs)


def test_supcon_properties() -> None:
    z = torch.ones(4, 8)
    same = torch.zeros(4, dtype=torch.long)
    assert SupCon(0.5)(z, z, labels=same).item() == pytest.approx(math.log(7), rel=1e-6)
    generator = torch.Generator().manual_seed(2)
    z1, z2 = torch.randn(6, 4, generator=generator), torch.randn(6, 4, generator=generator)
    ids = torch.arange(6)
    # each sample its own class, two views: SimCLR's NT-Xent
    torch.testing.assert_close(SupCon(0.3)(z1, z2, labels=ids), NTXent(0.3)(z1, z2))
    # permuting the batch, relabelling classes and scaling embeddings change nothing
    order = torch.randperm(6, generator=generator)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    base = SupCon(0.3)(z1, z2, labels=labels)
    torch.testing.assert_close(SupCon(0.3)(z1[order], z2[order], labels=labels[order]), base)
    torch.testing.assert_close(SupCon(0.3)(3 * z1, z2, labels=labels + 7), base)
    with pytest.raises(ValueError, match="no anchor has a positive"):
        SupCon()(z1, labels=ids)
    with pytest.raises(ValueError, match="labels must have shape"):
        SupCon()(z1, z2, labels=ids[:3])
    with pytest.raises(ValueError, match="one shape"):
        SupCon()(z1, z2[:3], labels=ids)
