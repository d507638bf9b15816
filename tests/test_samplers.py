"""Batch samplers: Butina cluster batches (KCL) and pseudo-label batches (G-SimCLR)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import rdkit
from rdkit import Chem, DataStructs, RDLogger
from rdkit.ML.Cluster import Butina

from graphcl.data.samplers import (
    ClusterBatchSampler,
    PseudoLabelBatchSampler,
    build_sampler,
    butina_clusters,
    morgan_fingerprints,
)
from graphcl.errors import UnknownNameError


@pytest.fixture(scope="module")
def nci_smiles() -> list[str]:
    RDLogger.DisableLog("rdApp.*")
    path = os.path.join(os.path.dirname(rdkit.__file__), "Data", "NCI", "first_5K.smi")
    with open(path) as handle:
        smiles = [line.split()[0] for line in handle][:400]
    return [s for s in smiles if Chem.MolFromSmiles(s) is not None]


@pytest.mark.parametrize("threshold", [0.4, 0.6, 0.85])
def test_butina_clusters_equal_rdkit(nci_smiles, threshold) -> None:
    fingerprints = morgan_fingerprints(nci_smiles, radius=2, n_bits=1024)
    distances = []
    for i in range(1, len(fingerprints)):
        similarity = DataStructs.BulkTanimotoSimilarity(fingerprints[i], fingerprints[:i])
        distances.extend(1 - s for s in similarity)
    expected = Butina.ClusterData(distances, len(fingerprints), threshold, isDistData=True)
    assert butina_clusters(fingerprints, threshold) == [list(c) for c in expected]


def test_cluster_batches_keep_clusters_together(nci_smiles) -> None:
    sampler = ClusterBatchSampler.from_smiles(nci_smiles, batch_size=16, threshold=0.6)
    batches = sampler.batches(epoch=1, seed=0)
    assert len(batches) == len(sampler) == len(nci_smiles) // 16
    flat = [i for b in batches for i in b]
    assert len(flat) == len(set(flat)) and all(len(b) == 16 for b in batches)
    # clusters are laid out contiguously: each cluster spans as few batches as its size allows
    where = {i: k for k, b in enumerate(batches) for i in b}
    for cluster in sampler.clusters:
        spans = {where[i] for i in cluster if i in where}
        assert len(spans) <= len(cluster) // 16 + 2
    assert sampler.batches(1, 0) == batches and sampler.batches(2, 0) != batches
    # same-batch molecules are more similar than random pairs: hard negatives
    fingerprints = morgan_fingerprints(nci_smiles)
    within = np.mean(
        [
            DataStructs.TanimotoSimilarity(fingerprints[b[0]], fingerprints[j])
            for b in batches
            for j in b[1:]
        ]
    )
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(nci_smiles), size=(500, 2))
    random = np.mean(
        [DataStructs.TanimotoSimilarity(fingerprints[a], fingerprints[b]) for a, b in pairs]
    )
    assert within > random


def test_pseudo_label_batches_never_repeat_a_cluster(nci_smiles) -> None:
    sampler = PseudoLabelBatchSampler.from_smiles(nci_smiles, num_clusters=24, batch_size=16)
    batches = sampler.batches(epoch=0, seed=1)
    assert batches and all(len(b) == 16 for b in batches)
    for batch in batches:
        assert len(set(sampler.labels[batch].tolist())) == 16
    flat = [i for b in batches for i in b]
    assert len(flat) == len(set(flat))
    assert len(flat) >= 0.8 * len(nci_smiles)  # greedy largest-first leaves little unplaced
    assert sampler.batches(0, 1) == batches


def test_pseudo_label_sampler_on_given_features() -> None:
    labels = np.repeat(np.arange(5), [10, 3, 3, 2, 2])  # one big cluster
    sampler = PseudoLabelBatchSampler(labels, batch_size=3)
    batches = sampler.batches(0)
    assert all(len(set(labels[b].tolist())) == 3 for b in batches)
    # optimal: a batch takes at most one of the big cluster, so two of the 10 others: 5 batches
    assert len(batches) == 5
    features = np.concatenate([np.zeros((5, 2)), np.ones((5, 2)) * 10, -np.ones((5, 2)) * 10])
    fitted = PseudoLabelBatchSampler.from_features(features, num_clusters=3, batch_size=3)
    assert len(set(fitted.labels[:5].tolist())) == 1 and len(set(fitted.labels.tolist())) == 3


def test_sampler_errors_are_clear(nci_smiles) -> None:
    with pytest.raises(ValueError, match="at most one sample per cluster"):
        PseudoLabelBatchSampler([0, 0, 1], batch_size=3)
    with pytest.raises(ValueError, match="cannot fingerprint SMILES 'C1CC' \\(row 1\\)"):
        morgan_fingerprints(["CCO", "C1CC"])
    with pytest.raises(ValueError, match="Tanimoto distance in"):
        butina_clusters(morgan_fingerprints(["CCO"]), threshold=1.5)
    with pytest.raises(UnknownNameError, match="unknown batch sampler 'kmeans'"):
        build_sampler("kmeans", nci_smiles, 8)


def test_sharded_butina_covers_every_molecule_once(nci_smiles) -> None:
    sampler = ClusterBatchSampler.from_smiles(nci_smiles, batch_size=8, shard_size=100)
    members = sorted(i for cluster in sampler.clusters for i in cluster)
    assert members == list(range(len(nci_smiles)))
    with pytest.raises(ValueError, match="shard_size must be >= 2"):
        ClusterBatchSampler.from_smiles(nci_smiles[:10], batch_size=2, shard_size=1)
