"""A 2-D map of a frozen encoder's node embeddings, coloured by class and by community.

Written as ``embedding_map_<dataset>.png`` in the run directory of a node-level evaluation. The map
is t-SNE from scikit-learn (UMAP when ``umap-learn`` is installed) of at most ``max_nodes`` nodes
drawn with a fixed seed; the right panel colours the same points by the DeCA communities of the
embeddings (:func:`graphcl.communities` with ``method="deca"``, K = the number of classes), the
communities a gCooL-style objective would find in them, with their modularity on the graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from graphcl.community_detection import Communities, communities
from graphcl.runtime.atomic import savefig_atomic


def project_2d(embeddings: Tensor, seed: int = 0) -> tuple[np.ndarray, str]:
    """2-D coordinates of the rows of ``embeddings``: UMAP if installed, else t-SNE.

    Shape: (N, D) -> (N, 2). Returns the coordinates and the method's name.
    """
    data = embeddings.detach().float().cpu().numpy()
    try:
        import umap

        return umap.UMAP(random_state=seed).fit_transform(data), "UMAP"
    except ImportError:
        from sklearn.manifold import TSNE

        perplexity = float(min(30, max(2, data.shape[0] // 4)))
        coordinates = TSNE(2, perplexity=perplexity, init="pca", max_iter=500, random_state=seed)
        return coordinates.fit_transform(data), "t-SNE"


def embedding_communities(embeddings: Tensor, graph: Any, k: int, seed: int = 0) -> Communities:
    """DeCA communities (100 epochs, ``k`` centres) of node embeddings, centred and scaled per
    column first: after a ReLU every embedding lies in the positive orthant, where all cosine
    similarities are high and DeCA's soft assignment collapses into one community.

    Shape:
        embeddings (N, D) -> ``assignment`` (N,).
    """
    spread = embeddings.std(0).clamp_min(1e-12)
    return communities(
        graph, "deca", embeddings=(embeddings - embeddings.mean(0)) / spread,
        num_communities=k, epochs=100, seed=seed,
    )  # fmt: skip


def plot_embedding_map(
    embeddings: Tensor,
    graph: Any,
    labels: Tensor,
    path: Path,
    *,
    title: str,
    max_nodes: int = 1500,
    seed: int = 0,
) -> Path:
    """Save the class and community map of ``embeddings`` (one row per node of ``graph``).

    Args:
        embeddings: node embeddings. Shape: (N, D).
        graph: the PyG graph they embed (its ``edge_index`` scores the communities).
        labels: class per node (-1: unlabelled, drawn grey). Shape: (N,).
        path: the PNG to write (atomically).
        title: the figure's title (dataset, encoder).
        max_nodes: nodes drawn at most (a seeded sample; the communities use every node).
        seed: seed of the sample, the projection and DeCA.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    num_classes = int(labels.max()) + 1 if labels.numel() and int(labels.max()) >= 0 else 2
    found = embedding_communities(embeddings, graph, max(num_classes, 2), seed)
    generator = torch.Generator().manual_seed(seed)
    keep = torch.randperm(embeddings.shape[0], generator=generator)[:max_nodes].sort().values
    xy, method = project_2d(embeddings[keep], seed)
    figure, axes = plt.subplots(1, 2, figsize=(11, 5))
    panels = (
        (labels[keep].numpy(), "class"),
        (found.assignment[keep].numpy(), f"DeCA community (modularity {found.modularity:.2f})"),
    )
    for axis, (colour, name) in zip(axes, panels, strict=True):
        unknown = colour < 0
        axis.scatter(xy[unknown, 0], xy[unknown, 1], s=3, c="lightgrey")
        axis.scatter(xy[~unknown, 0], xy[~unknown, 1], s=3, c=colour[~unknown], cmap="tab20")
        axis.set_title(f"coloured by {name}", fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(f"{title}: {method} of {len(keep)} of {embeddings.shape[0]} nodes")
    figure.tight_layout()
    savefig_atomic(figure, path, dpi=120)
    plt.close(figure)
    return path
