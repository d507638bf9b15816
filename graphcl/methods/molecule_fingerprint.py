"""``molecule_fingerprint``: predict each molecule's Morgan fingerprint bits from its graph
embedding. Molecules only (it reads the batch's SMILES).

The fingerprint pretext of GEM (Fang et al., "Geometry-enhanced molecular representation
learning for property prediction", Nature Machine Intelligence 2022, its ECFP and MACCS
prediction tasks), and the distillation of a fixed chemical descriptor into a GNN: the encoder
learns which substructures (Morgan environments up to ``radius`` bonds) a molecule holds, the
information a fingerprint random forest uses. A two-layer head maps the graph embedding ``h_G``
to one logit per bit, and the loss is the mean binary cross-entropy over molecules and bits:

``L = -1/(G n) sum_g sum_b [y_gb log s(z_gb) + (1 - y_gb) log(1 - s(z_gb))]``, ``z_g = head(h_g)``

with ``y_g`` the ``n``-bit Morgan fingerprint of molecule ``g`` (RDKit's generator, computed once
per SMILES and cached as packed bits). The head is discarded after pre-training.
"""

from __future__ import annotations

import numpy as np
import torch
from rdkit.Chem import rdFingerprintGenerator
from torch import Tensor
from torch.nn import functional as F
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder
from graphcl.featurization.base import parse_smiles
from graphcl.methods.base import ContrastiveMethod, projection_head
from graphcl.methods.registry import METHODS
from graphcl.runtime.step_context import StepContext


@METHODS.register("molecule_fingerprint")
class MoleculeFingerprint(ContrastiveMethod):
    """Morgan fingerprint prediction from the graph embedding (molecules only).

    Args:
        encoder: the graph encoder to pre-train.
        featurizer: molecular featurizer of the input graphs.
        radius: Morgan radius (2: ECFP4-like, as the ``ecfp_rf`` baseline).
        bits: fingerprint length.

    Raises:
        ValueError: ``radius < 0`` or ``bits < 1``; at training time, a batch without SMILES
            (graphs that are not molecules) or a SMILES RDKit cannot read (named).

    Shape:
        batch of G molecules -> scalar loss.

    Example:
        >>> import torch
        >>> from graphcl.methods import StepContext, build
        >>> from graphcl.data import load_dataset
        >>> batch = load_dataset("chembl2321810", progress=False).collate(range(8))
        >>> method = build("molecule_fingerprint", encoder={"name": "gin", "num_layers": 2,
        ...                                                  "hidden": 16})
        >>> method(batch, StepContext.single(torch.Generator().manual_seed(0))).shape
        torch.Size([])
    """

    unit = "graphs"

    def __init__(
        self,
        encoder: GraphEncoder,
        featurizer: str | None = "ogb",
        radius: int = 2,
        bits: int = 2048,
    ) -> None:
        if radius < 0:
            raise ValueError(f"radius must be >= 0, got {radius}")
        if bits < 1:
            raise ValueError(f"bits must be >= 1, got {bits}")
        super().__init__(featurizer, radius=radius, bits=bits)
        self.encoder = encoder
        self.head = projection_head(encoder.out_dim, bits)
        self._generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=bits)
        self._cache: dict[str, np.ndarray] = {}  # packed bits: 256 bytes a molecule at 2048

    def fingerprints(self, smiles: list[str]) -> Tensor:
        """0/1 Morgan bits of each SMILES. Shape: (G, bits), float32."""
        rows = []
        for text in smiles:
            packed = self._cache.get(text)
            if packed is None:
                molecule = parse_smiles(text, max_atoms=None)
                packed = np.packbits(self._generator.GetFingerprintAsNumPy(molecule))
                self._cache[text] = packed
            rows.append(packed)
        bits = np.unpackbits(np.stack(rows), axis=1, count=self.config["bits"])
        return torch.from_numpy(bits).float()

    def forward(self, batch: Batch, context: StepContext) -> Tensor:
        smiles = getattr(batch, "smiles", None)
        if not smiles or not all(smiles):
            raise ValueError(
                "molecule_fingerprint needs molecules: this batch carries no SMILES (graphs that "
                "are not molecules); choose a method such as graphcl or attr_masking"
            )
        targets = self.fingerprints(list(smiles)).to(batch.x.device)
        logits = self.head(self.encoder(batch)).float()
        return F.binary_cross_entropy_with_logits(logits, targets)
