"""Masked-attribute objectives: AttrMasking, GraphMAE and GraphCL + masking."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch_geometric.data import Batch, Data

from graphcl.errors import RecipeError
from graphcl.features import FeatureSpec
from graphcl.methods import StepContext, build
from graphcl.methods.attr_masking import AttrMasking, MaskedAtomPrediction
from graphcl.methods.graphcl_masking import GraphCLMasking
from graphcl.methods.graphcl_method import GraphCL
from graphcl.methods.graphmae import GraphMAE, scaled_cosine_error
from graphcl.methods.masking import choose_masked_nodes, mask_counts, with_masked_features
from graphcl.training import TrainConfig, Trainer

TINY_ENCODER = {"name": "gin", "num_layers": 2, "hidden": 16}
METHOD_NAMES = ["attr_masking", "graphmae", "graphcl_masking"]
#: methods and options covering every masking path (bond masking, learnable [DMASK], GCN decoder)
VARIANTS = [
    ("attr_masking", {}),
    ("attr_masking", {"mask_edges": True}),
    ("graphmae", {}),
    ("graphmae", {"remask": "learnable", "decoder": "gcn"}),
    ("graphcl_masking", {}),
    ("graphcl_masking", {"masking": {"name": "graphmae", "mask_rate": 0.3}, "mask_weight": 0.5}),
]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def molecules(nci_molecules):
    return nci_molecules.subset(range(64))


@pytest.fixture(scope="module")
def batch(molecules) -> Batch:
    return molecules.collate(range(64))


def _method(name: str, seed: int = 0, **options):
    torch.manual_seed(seed)
    return build(name, encoder=TINY_ENCODER, **options)


def _context(seed: int) -> StepContext:
    return StepContext.single(torch.Generator().manual_seed(seed))


def _snapshot(batch: Batch) -> dict:
    return {k: v.clone() if torch.is_tensor(v) else copy.copy(v) for k, v in batch}


def _spy(method) -> list[Batch]:
    """Record every batch the method's encoder embeds."""
    seen: list[Batch] = []
    original = method.encoder.node_embeddings

    def recording(view: Batch) -> torch.Tensor:
        seen.append(view)
        return original(view)

    method.encoder.node_embeddings = recording
    return seen


def _reference_count(n: int, rate: float) -> int:
    """pretrain-gnns ``MaskAtom``: ``int(num_atoms * mask_rate + 1)``."""
    return int(n * rate + 1)


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_trains_through_the_trainer_and_saves_only_the_encoder(name, molecules, tmp_path) -> None:
    method = _method(name)
    config = TrainConfig(epochs=6, batch_size=32, lr=5e-3, seed=1, checkpoint_every=0)
    result = Trainer(config, tmp_path, progress=False).fit(method, molecules)
    losses = [row["loss"] for row in result.history]
    assert all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0], losses
    assert result.unit == "graphs" and result.history[0]["graphs_per_s"] > 0
    assert method.modules_to_save() == {"encoder": method.encoder}
    assert (tmp_path / "encoder.pt").is_file()
    assert not list(tmp_path.glob("*_encoder.pt"))


@pytest.mark.parametrize("rate", [0.0, 0.15, 0.25, 0.5, 0.9])
def test_mask_counts_follow_mask_atom_per_graph(batch, rate) -> None:
    masked = choose_masked_nodes(batch, rate, torch.Generator().manual_seed(0))
    sizes = batch.ptr.diff().tolist()
    per_graph = torch.bincount(batch.batch[masked], minlength=batch.num_graphs).tolist()
    assert per_graph == [_reference_count(n, rate) for n in sizes]
    assert all(1 <= c <= n for c, n in zip(per_graph, sizes, strict=True))
    # float32 would round 20 * 0.15 below 3; the count is computed as the reference does
    assert mask_counts(torch.tensor([0, 20]), 0.15).tolist() == [4]


@pytest.mark.parametrize(("name", "options"), VARIANTS)
def test_masked_view_respects_graphs_and_the_batch_is_unchanged(name, options, batch) -> None:
    method = _method(name, **options)
    before = _snapshot(batch)
    seen = _spy(method)
    method(batch, _context(3)).backward()
    for key, value in before.items():
        if torch.is_tensor(value):
            assert torch.equal(batch[key], value), key
        else:
            assert batch[key] == value, key
    view = seen[-1]  # the masking pass comes last in the combined method
    dims = torch.tensor(method.encoder.node_features.dims)
    is_token = (view.x == dims).all(dim=1)
    rate = method.masking.mask_rate
    counts = torch.bincount(batch.batch[is_token], minlength=batch.num_graphs)
    expected = [_reference_count(n, rate) for n in batch.ptr.diff().tolist()]
    assert counts.tolist() == expected
    assert torch.equal(view.x[~is_token], batch.x[~is_token])
    assert torch.equal(view.batch, batch.batch) and torch.equal(view.ptr, batch.ptr)
    assert torch.equal(view.edge_index, batch.edge_index)
    assert view.smiles == batch.smiles
    if options.get("mask_edges"):
        touched = is_token[batch.edge_index[0]] | is_token[batch.edge_index[1]]
        unknown = torch.tensor([d + 1 for d in method.encoder.edge_features.dims])
        assert torch.equal((view.edge_attr == unknown).all(dim=1), touched)
        assert torch.equal(view.edge_attr[~touched], batch.edge_attr[~touched])
    else:
        assert torch.equal(view.edge_attr, batch.edge_attr)


@pytest.mark.parametrize(("name", "options"), VARIANTS)
def test_same_generator_state_gives_the_same_masks(name, options, batch) -> None:
    method = _method(name, **options)
    seen = _spy(method)
    first = method(batch, _context(7))
    second = method(batch, _context(7))
    other = method(batch, _context(8))
    views = len(seen) // 3
    assert torch.equal(seen[views - 1].x, seen[2 * views - 1].x)
    assert not torch.equal(seen[views - 1].x, seen[3 * views - 1].x)
    torch.testing.assert_close(first, second)
    assert not torch.equal(first, other)


def _sce_reference(prediction: torch.Tensor, target: torch.Tensor, gamma: float) -> torch.Tensor:
    """(1/M) sum_i (1 - <p_i, x_i> / (|p_i| |x_i|))^gamma, row by row."""
    total = torch.zeros((), dtype=torch.float64)
    for p, x in zip(prediction, target, strict=True):
        dot = sum(float(a) * float(b) for a, b in zip(p, x, strict=True))
        norms = math.sqrt(sum(float(a) ** 2 for a in p)) * math.sqrt(sum(float(b) ** 2 for b in x))
        total = total + (1.0 - dot / norms) ** gamma
    return total / len(prediction)


@pytest.mark.parametrize("gamma", [1.0, 2.0, 3.0])
def test_scaled_cosine_error_matches_the_formula(gamma) -> None:
    generator = torch.Generator().manual_seed(0)
    prediction = torch.randn(12, 7, dtype=torch.float64, generator=generator)
    labels = torch.randint(0, 7, (12,), generator=generator)
    one_hot = torch.nn.functional.one_hot(labels, 7).double()
    expected = _sce_reference(prediction, one_hot, gamma)
    torch.testing.assert_close(scaled_cosine_error(prediction, labels, gamma), expected)
    torch.testing.assert_close(scaled_cosine_error(prediction, one_hot, gamma), expected)
    dense = torch.randn(12, 7, dtype=torch.float64, generator=generator)
    torch.testing.assert_close(
        scaled_cosine_error(prediction, dense, gamma), _sce_reference(prediction, dense, gamma)
    )
    # the fast one-hot path and the dense path have the same gradient
    a = prediction.clone().requires_grad_(True)
    b = prediction.clone().requires_grad_(True)
    scaled_cosine_error(a, labels, gamma).backward()
    scaled_cosine_error(b, one_hot, gamma).backward()
    torch.testing.assert_close(a.grad, b.grad)
    # identical directions cost nothing; orthogonal ones 1
    assert float(scaled_cosine_error(one_hot * 3, labels, gamma)) == pytest.approx(0.0, abs=1e-12)
    assert float(scaled_cosine_error(1 - one_hot, labels, gamma)) == pytest.approx(1.0)


def test_graphmae_loss_is_the_sce_of_the_decoded_masked_atoms(batch) -> None:
    method = _method("graphmae")
    assert isinstance(method, GraphMAE)
    loss = method(batch, _context(5))
    masked = choose_masked_nodes(batch, 0.25, torch.Generator().manual_seed(5))
    view = with_masked_features(batch, masked, method.encoder.node_features)
    reconstruction = method.masking.decode(method.encoder.node_embeddings(view), masked, batch)
    assert reconstruction.shape == (batch.num_nodes, 119)  # one-hot atom types of OGB
    one_hot = torch.nn.functional.one_hot(batch.x[masked, 0], 119).double()
    expected = _sce_reference(reconstruction[masked].detach().double(), one_hot, 1.0)
    torch.testing.assert_close(loss.double(), expected, rtol=1e-5, atol=1e-6)


def test_graphmae_remasks_the_encoder_output(batch) -> None:
    """Whatever the encoder says about a masked atom, the decoder sees [DMASK] there."""
    for remask in ("zero", "learnable"):
        method = _method("graphmae", remask=remask).eval()
        masked = choose_masked_nodes(batch, 0.25, torch.Generator().manual_seed(0))
        h = torch.randn(batch.num_nodes, 16)
        noisy = h + 10 * torch.randn_like(h) * masked.unsqueeze(1)
        decode = method.masking.decode
        torch.testing.assert_close(decode(h, masked, batch), decode(noisy, masked, batch))
        assert not torch.allclose(decode(h, masked, batch), decode(h + 1, masked, batch))


def test_attr_masking_loss_is_cross_entropy_of_masked_atom_types(batch) -> None:
    method = _method("attr_masking", mask_edges=True)
    loss = method(batch, _context(2))
    masked = choose_masked_nodes(batch, 0.15, torch.Generator().manual_seed(2))
    source, target = batch.edge_index
    edges = masked[source] | masked[target]
    view = with_masked_features(
        batch,
        masked,
        method.encoder.node_features,
        edge_mask=edges,
        edge_features=method.encoder.edge_features,
    )
    h = method.encoder.node_embeddings(view).detach()
    atom_logits = method.masking.atom_head(h[masked]).detach()
    atoms = torch.nn.functional.cross_entropy(atom_logits, batch.x[masked, 0])
    bond_logits = method.masking.bond_head(h[source[edges]] + h[target[edges]]).detach()
    bonds = torch.nn.functional.cross_entropy(bond_logits, batch.edge_attr[edges, 0])
    torch.testing.assert_close(loss.detach(), atoms + bonds)
    torch.testing.assert_close(method.terms["atoms"].detach(), atoms)
    assert atom_logits.shape[1] == 119 and bond_logits.shape[1] == 5


@pytest.mark.parametrize("masking", ["attr_masking", "graphmae"])
def test_combined_loss_is_contrast_plus_weighted_masking(masking, batch) -> None:
    weight = 0.3
    method = _method("graphcl_masking", masking=masking, mask_weight=weight)
    assert isinstance(method, GraphCLMasking)
    total = method(batch, _context(11))
    assert set(method.terms) == {"contrast", "masking"}

    # the parts, computed apart with the same generator: GraphCL's loss (two views), then a
    # standalone masking method with the same weights reading the generator where it is left
    context = _context(11)
    contrast = GraphCL.forward(method, batch, context)
    standalone = build(masking, encoder=TINY_ENCODER)
    standalone.encoder = method.encoder
    standalone.masking.load_state_dict(method.masking.state_dict())
    masked = standalone(batch, context)
    torch.testing.assert_close(total, contrast + weight * masked)
    torch.testing.assert_close(method.terms["contrast"], contrast)
    torch.testing.assert_close(method.terms["masking"], masked)
    assert float(masked.detach()) > 0


def test_combined_method_holds_the_encoder_once(batch) -> None:
    method = _method("graphcl_masking")
    encoders = [m for m in method.modules() if m is method.encoder]
    assert len(encoders) == 1
    keys = method.state_dict().keys()
    assert not any(k.startswith("masking.encoder") for k in keys)
    assert method.modules_to_save() == {"encoder": method.encoder}


def test_build_graphmae_from_the_registry() -> None:
    method = build(
        "graphmae", encoder={"name": "gin", "num_layers": 2, "hidden": 16}, mask_rate=0.3
    )
    assert isinstance(method, GraphMAE)
    assert method.masking.mask_rate == 0.3 and method.encoder.out_dim == 16
    assert method.config == {"mask_rate": 0.3, "gamma": 1.0, "decoder": "gin", "remask": "zero"}
    assert list(method.modules_to_save()) == ["encoder"]


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("attr_masking", {"mask_rat": 0.1}, "unknown key 'mask_rat' in method 'attr_masking'"),
        ("attr_masking", {"mask_rate": 1.5}, "mask_rate must be in"),
        ("attr_masking", {"mask_rate": "high"}, "mask_rate .*'high'"),
        ("attr_masking", {"mask_edges": "yes"}, "mask_edges .*'yes'"),
        ("graphmae", {"gamma": 0.5}, "gamma must be a number >= 1"),
        ("graphmae", {"remask": "token"}, "remask must be one of zero, learnable"),
        ("graphmae", {"decoder": "gn"}, "decoder: unknown message-passing layer 'gn'"),
        ("graphcl_masking", {"mask_weight": -1}, "mask_weight must be a number >= 0"),
        ("graphcl_masking", {"masking": "bert"}, "masking must be one of attr_masking, graphmae"),
        (
            "graphcl_masking",
            {"masking": {"name": "graphmae", "gama": 2}},
            "unknown key 'gama' in masking 'graphmae'; valid keys: name, decoder, gamma",
        ),
    ],
)
def test_bad_options_raise_recipe_errors_naming_the_key(name, options, message) -> None:
    with pytest.raises(RecipeError, match=message):
        build(name, encoder=TINY_ENCODER, **options)


def _float_batch() -> Batch:
    generator = torch.Generator().manual_seed(0)
    graphs = []
    for n in (3, 5, 8):
        ring = torch.arange(n)
        edge_index = torch.stack([ring, (ring + 1) % n])
        edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
        graphs.append(Data(x=torch.randn(n, 6, generator=generator), edge_index=edge_index))
    return Batch.from_data_list(graphs)


def test_attr_masking_needs_categorical_node_features() -> None:
    features = (FeatureSpec.float(6), FeatureSpec.none())
    with pytest.raises(RecipeError, match=r"needs categorical node features, got float \(6\)"):
        build("attr_masking", encoder=TINY_ENCODER, featurizer=None, features=features)
    with pytest.raises(RecipeError, match=r"mask_edges .* categorical edge features, got none"):
        build(
            "attr_masking",
            encoder=TINY_ENCODER,
            featurizer=None,
            features=(FeatureSpec.categorical([4]), FeatureSpec.none()),
            mask_edges=True,
        )


def test_graphmae_reconstructs_float_features_with_a_learnable_mask_token() -> None:
    torch.manual_seed(0)
    features = (FeatureSpec.float(6), FeatureSpec.none())
    method = build("graphmae", encoder=TINY_ENCODER, featurizer=None, features=features)
    graphs = _float_batch()
    before = graphs.x.clone()
    seen = _spy(method)
    loss = method(graphs, _context(0))
    loss.backward()
    assert torch.equal(graphs.x, before)
    masked = choose_masked_nodes(graphs, 0.25, torch.Generator().manual_seed(0))
    assert torch.equal(seen[0].x[masked], torch.zeros(int(masked.sum()), 6))  # [MASK] starts at 0
    assert method.masking.mask_token.grad is not None
    assert method.masking.mask_token.grad.abs().sum() > 0
    assert 0 <= float(loss.detach()) <= 2


def test_masking_term_is_independent_of_the_encoder_it_was_sized_for(batch) -> None:
    """The masking modules hold no encoder: one call reads the encoder it is given."""
    encoder = _method("attr_masking").encoder
    term = MaskedAtomPrediction(encoder)
    assert not any(m is encoder for m in term.modules())
    assert isinstance(term(encoder, batch, torch.Generator().manual_seed(0)), torch.Tensor)
    assert isinstance(_method("attr_masking"), AttrMasking)
