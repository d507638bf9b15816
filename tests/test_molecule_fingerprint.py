"""``molecule_fingerprint``: Morgan-bit prediction from the graph embedding (molecules only)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from rdkit import Chem, DataStructs
from rdkit.Chem import AllChem

from graphcl.errors import RecipeError
from graphcl.methods import StepContext, build
from graphcl.training import TrainConfig, Trainer

TINY_ENCODER = {"name": "gin", "num_layers": 2, "hidden": 16}


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def molecules(nci_molecules):
    return nci_molecules.subset(range(64))


def _method(**options):
    torch.manual_seed(0)
    return build("molecule_fingerprint", encoder=TINY_ENCODER, **options)


def _context() -> StepContext:
    return StepContext.single(torch.Generator().manual_seed(0))


def _reference_bits(smiles: str, radius: int, bits: int) -> np.ndarray:
    """Morgan bits through RDKit's older API (a different code path from the method's)."""
    vector = AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smiles), radius, nBits=bits)
    out = np.zeros(bits)
    DataStructs.ConvertToNumpyArray(vector, out)
    return out


def test_loss_is_the_mean_bce_of_the_morgan_bits(molecules) -> None:
    batch = molecules.collate(range(16))
    method = _method(radius=1, bits=256)
    before = batch.x.clone()
    loss = method(batch, _context())
    assert torch.equal(batch.x, before)  # the input batch is not changed
    with torch.no_grad():
        logits = method.head(method.encoder(batch)).double()
    total, count = 0.0, 0
    for g, text in enumerate(batch.smiles):
        for b, y in enumerate(_reference_bits(text, 1, 256)):
            p = 1 / (1 + math.exp(-float(logits[g, b])))
            total -= y * math.log(p) + (1 - y) * math.log(1 - p)
            count += 1
    assert float(loss) == pytest.approx(total / count, rel=1e-5)
    assert count == 16 * 256


def test_trains_through_the_trainer_and_saves_only_the_encoder(molecules, tmp_path) -> None:
    method = _method(bits=512)
    config = TrainConfig(epochs=5, batch_size=32, lr=5e-3, seed=1, checkpoint_every=0)
    result = Trainer(config, tmp_path, progress=False).fit(method, molecules)
    losses = [row["loss"] for row in result.history]
    assert losses[-1] < losses[0], losses
    assert method.modules_to_save() == {"encoder": method.encoder}
    assert method.config == {"radius": 2, "bits": 512}
    assert (tmp_path / "encoder.pt").is_file()


def test_refuses_graphs_that_are_not_molecules(molecules) -> None:
    batch = molecules.collate(range(4))
    batch.smiles = ["", "", "", ""]
    with pytest.raises(ValueError, match="molecule_fingerprint needs molecules"):
        _method()(batch, _context())


@pytest.mark.parametrize(
    ("options", "message"), [({"radius": -1}, "radius must be >= 0"), ({"bits": 0}, "bits")]
)
def test_bad_options_name_the_key(options, message) -> None:
    with pytest.raises((RecipeError, ValueError), match=message):
        _method(**options)
