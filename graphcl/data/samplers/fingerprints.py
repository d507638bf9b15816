"""Morgan (ECFP-like) bit fingerprints of SMILES, for clustering molecules into batches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator
from rdkit.DataStructs import ExplicitBitVect


def morgan_fingerprints(
    smiles: Sequence[str], radius: int = 2, n_bits: int = 1024
) -> list[ExplicitBitVect]:
    """Morgan bit vectors (``radius``, ``n_bits``) of each SMILES.

    Raises:
        ValueError: a SMILES RDKit cannot parse (the message names it and its row).
    """
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)
    out = []
    for row, text in enumerate(smiles):
        molecule = Chem.MolFromSmiles(text)
        if molecule is None:
            raise ValueError(
                f"cannot fingerprint SMILES {text!r} (row {row}): RDKit cannot parse it"
            )
        out.append(generator.GetFingerprint(molecule))
    return out


def fingerprint_matrix(fingerprints: Sequence[ExplicitBitVect]) -> np.ndarray:
    """0/1 matrix of the bit vectors. Shape: (N, n_bits), float32."""
    matrix = np.zeros((len(fingerprints), fingerprints[0].GetNumBits()), dtype=np.float32)
    for row, fingerprint in enumerate(fingerprints):
        DataStructs.ConvertToNumpyArray(fingerprint, matrix[row])
    return matrix
