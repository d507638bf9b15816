"""KMPNN and the KCL method (knowledge-augmented view against the molecular graph)."""

from __future__ import annotations

import random
import warnings

import pytest
import torch
from rdkit import Chem

import graphcl
from graphcl.cli.main import main
from graphcl.data import featurize_smiles, load_dataset
from graphcl.encoders import build as build_encoder
from graphcl.encoders.checkpoint import encoder_name
from graphcl.encoders.kmpnn import KMPNN
from graphcl.errors import RecipeError
from graphcl.methods import build as build_method
from graphcl.training import TrainConfig, Trainer

SMILES = ["CC(=O)Oc1ccccc1C(=O)O", "[Na+].[Cl-]", "C", "c1ccc2ccccc2c1", "CCN(CC)CCO"]
SMALL_KMPNN = {"name": "kmpnn", "hidden": 16, "steps": 2, "kg": "rdkit"}


def _batch(smiles):
    store = featurize_smiles(smiles, workers=0, progress=False).store
    return store.collate(torch.arange(len(smiles)))


def _kmpnn(**kwargs) -> KMPNN:
    torch.manual_seed(0)
    spec = {**SMALL_KMPNN, **kwargs}
    encoder = build_encoder(spec.pop("name"), "ogb", **spec)
    assert isinstance(encoder, KMPNN)
    return encoder.eval()


def test_kmpnn_embeds_plain_and_augmented_batches_alike() -> None:
    encoder = _kmpnn()
    batch = _batch(SMILES)
    plain = encoder(batch)
    assert plain.shape == (len(SMILES), 32)  # Set2Set: 2 * hidden
    torch.testing.assert_close(encoder(encoder.augment(batch)), plain)


def test_kmpnn_is_invariant_to_atom_order() -> None:
    encoder = _kmpnn()
    molecule = Chem.MolFromSmiles(SMILES[0])
    order = list(range(molecule.GetNumAtoms()))
    random.Random(0).shuffle(order)
    shuffled = Chem.MolToSmiles(Chem.RenumberAtoms(molecule, order), canonical=False)
    both = encoder(_batch([SMILES[0], shuffled]))
    torch.testing.assert_close(both[0], both[1], atol=1e-5, rtol=1e-5)


def test_kmpnn_trains_its_kg_tables() -> None:
    encoder = _kmpnn().train()
    encoder(_batch(SMILES)).sum().backward()
    entity_grad = encoder.entity_embedding.weight.grad
    assert entity_grad is not None and entity_grad.abs().sum() > 0
    assert encoder.relation_embedding.weight.grad.abs().sum() > 0


@pytest.mark.dataset
def test_kmpnn_tables_start_from_the_rotate_embeddings(mirror) -> None:
    encoder = _kmpnn(kg="kcl")
    table = encoder.entity_embedding[0].weight
    assert table.shape == (225, 128)
    torch.testing.assert_close(table, torch.from_numpy(encoder.augment.kg.entity_embeddings))
    plain = _kmpnn(kg="kcl", pretrained_kg_embeddings=False)
    assert isinstance(plain.entity_embedding, torch.nn.Embedding)


@pytest.mark.parametrize("kept", ["kmpnn", "gcn"])
def test_kcl_method_both_variants_train(kept) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        molecules = load_dataset("nci5k", progress=False).subset(range(64))
    torch.manual_seed(0)
    if kept == "kmpnn":
        method = build_method(
            "kcl", encoder=SMALL_KMPNN, partner={"name": "gcn", "num_layers": 2, "hidden": 16}
        )
    else:
        method = build_method(
            "kcl", encoder={"name": "gcn", "num_layers": 2, "hidden": 16}, partner=SMALL_KMPNN
        )
    assert encoder_name(method.encoder) == kept
    config = TrainConfig(epochs=3, batch_size=16, lr=0.01, seed=0, checkpoint_every=0)
    result = Trainer(config, None, progress=False).fit(method, molecules)
    assert result.history[-1]["loss"] < result.history[0]["loss"]


def test_kcl_needs_exactly_one_kmpnn_and_names_the_reference_scale() -> None:
    with pytest.raises(RecipeError, match="exactly one KMPNN"):
        build_method("kcl", encoder={"name": "gcn", "hidden": 8}, partner={"name": "gin"})
    method = build_method("kcl", encoder=SMALL_KMPNN, loss="kcl_reference")
    assert method.config["loss"] == {"name": "nt_xent", "temperature": 0.05}
    with pytest.raises(RecipeError, match="unknown loss preset 'kcl'"):
        build_method("kcl", encoder=SMALL_KMPNN, loss="kcl")


def test_pretrained_kmpnn_checkpoint_embeds_smiles_and_evaluates(
    tmp_path, chembl_csv, capsys
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = graphcl.pretrain(
            "nci5k",
            method={"name": "kcl", "partner": {"name": "gcn", "num_layers": 1, "hidden": 8}},
            encoder=SMALL_KMPNN,
            train={"epochs": 1, "batch_size": 32, "checkpoint_every": 0},
            output_dir=tmp_path,
            progress=False,
        )
    embeddings = graphcl.load(result.encoder_checkpoint).embed(["CCO", "[Na+].[Cl-]"])
    assert embeddings.shape == (2, 32) and torch.isfinite(torch.as_tensor(embeddings)).all()
    partner = graphcl.load(result.encoder_checkpoint.parent / "partner_encoder.pt")  # KCL(GCN)
    assert encoder_name(partner.encoder) == "gcn" and partner.meta["role"] == "partner"
    assert partner.embed(["CCO"]).shape == (1, 8)
    # the CLI takes the architecture from the checkpoint
    argv = ["-q", "eval", "--checkpoint", str(result.encoder_checkpoint), "--protocol", "linear"]
    argv += ["--datasets", str(chembl_csv), "--seeds", "1", "--epochs", "2"]
    assert main([*argv, "--output-dir", str(tmp_path / "eval")]) == 0
    assert "graphcl kmpnn (pre-trained: kcl on nci5k)" in capsys.readouterr().out
