"""Pseudo-label batches (G-SimCLR): no two samples of one cluster in a batch.

Chakraborty et al., "G-SimCLR: Self-Supervised Contrastive Learning with Guided Projection via
Pseudo Labelling", ICDM Workshops 2020. Samples are clustered (k-means on given features, or on
Morgan fingerprints of SMILES) and every batch takes at most one sample per cluster, so fewer
in-batch negatives are really positives (false negatives).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.cluster import KMeans

from graphcl.data.samplers.fingerprints import fingerprint_matrix, morgan_fingerprints


class PseudoLabelBatchSampler:
    """Batches of ``batch_size`` samples from ``batch_size`` distinct clusters.

    Each epoch (seeded) shuffles every cluster, then fills batches greedily from the clusters
    with the most samples left (ties broken at random), which leaves as few samples unplaced as
    possible; what cannot fill a batch of distinct clusters is dropped for the epoch.

    Args:
        labels: cluster of each sample.
        batch_size: samples per batch; at most the number of clusters.
    """

    def __init__(self, labels: Sequence[int] | np.ndarray, batch_size: int) -> None:
        self.labels = np.asarray(labels, dtype=np.int64)
        clusters = np.unique(self.labels)
        if not 1 <= batch_size <= len(clusters):
            raise ValueError(
                f"batch_size {batch_size} must be between 1 and the number of clusters "
                f"({len(clusters)}): a batch takes at most one sample per cluster"
            )
        self.batch_size = batch_size
        self.members = [np.flatnonzero(self.labels == c) for c in clusters]

    @classmethod
    def from_features(
        cls, features: np.ndarray, num_clusters: int, batch_size: int, seed: int = 0
    ) -> PseudoLabelBatchSampler:
        """k-means (scikit-learn, k-means++) pseudo-labels of ``features`` (N, D)."""
        if num_clusters < 2 or num_clusters > len(features):
            raise ValueError(
                f"num_clusters must be between 2 and the number of samples ({len(features)}), "
                f"got {num_clusters}"
            )
        kmeans = KMeans(n_clusters=num_clusters, n_init=3, random_state=seed).fit(features)
        return cls(kmeans.labels_, batch_size)

    @classmethod
    def from_smiles(
        cls,
        smiles: Sequence[str],
        num_clusters: int,
        batch_size: int,
        radius: int = 2,
        n_bits: int = 1024,
        seed: int = 0,
    ) -> PseudoLabelBatchSampler:
        """k-means pseudo-labels of Morgan fingerprints."""
        features = fingerprint_matrix(morgan_fingerprints(smiles, radius, n_bits))
        return cls.from_features(features, num_clusters, batch_size, seed)

    def batches(self, epoch: int, seed: int = 0) -> list[list[int]]:
        """The batches of ``epoch`` (deterministic in ``seed`` and ``epoch``)."""
        generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
        queues = [
            m[torch.randperm(len(m), generator=generator).numpy()].tolist() for m in self.members
        ]
        ties = torch.rand(len(queues), generator=generator).tolist()
        heap = [(-len(q), ties[c], c) for c, q in enumerate(queues)]
        heapq.heapify(heap)
        batches = []
        while len(heap) >= self.batch_size:
            picked = [heapq.heappop(heap) for _ in range(self.batch_size)]
            batches.append([queues[c].pop() for _, _, c in picked])
            for _, tie, c in picked:
                if queues[c]:
                    heapq.heappush(heap, (-len(queues[c]), tie, c))
        order = torch.randperm(len(batches), generator=generator).tolist()
        return [batches[k] for k in order]

    def __len__(self) -> int:
        return len(self.batches(0))
