"""Feature masking for node-level contrastive learning: zero whole feature dimensions (columns),
uniformly (GRACE) or by their importance (GCA)."""

from __future__ import annotations

import copy
import warnings
from typing import cast

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from graphcl.augmentation.base import Augmentation, check_ratio, uniform
from graphcl.augmentation.batch_ops import with_node_values
from graphcl.augmentation.centrality import Centrality, adaptive_weights, node_centrality
from graphcl.augmentation.edge_drop import MODES
from graphcl.augmentation.registry import AUGMENTATIONS


def feature_mask_weights(
    x: Tensor,
    edge_index: Tensor,
    batch: Tensor | None = None,
    mode: Centrality = "degree",
    binarize: bool = False,
    undirected: bool = True,
) -> Tensor:
    """GCA's normalised feature weights, per graph: feature ``f`` of graph ``g`` is masked with
    probability ``min(p_f * weight_gf, p_tau)``.

    ``w_gf = sum_{i in g} |x_if| * phi(i)`` (``1[x_if != 0]`` instead of ``|x_if|`` with
    ``binarize``), ``s_gf = log w_gf``, ``weight_gf = (s_max - s_gf) / (s_max - mu_s)`` with
    ``s_max`` and ``mu_s`` over the features of graph ``g`` (Zhu et al. 2021, Sec. 3.2.2), ``phi``
    the node centrality of :func:`~graphcl.augmentation.centrality.node_centrality`. A feature
    that often takes large values at central nodes is important and masked less. The paper
    writes the sum with ``x_if in {0, 1}`` for sparse one-hot (bag-of-words) features and with
    ``|x_if|`` for dense continuous ones; for 0/1 features the two agree. ``binarize=True`` counts
    non-zero entries whatever their value, as the GCA code does for every dataset but WikiCS
    (count features then weigh by presence only). A feature with ``w_gf = 0`` (zero on the
    whole graph, or only at nodes of centrality 0) gets weight ``inf``: always at the cap.

    Code observation (GCA repository): it uses ``log(w + 1)``, not the paper's ``log w``; graphcl
    follows the paper.

    Args:
        x: float node features. Shape: (N, F).
        edge_index: Shape: (2, E).
        batch: graph of each node, sorted (None: one graph). Shape: (N,).
        mode: node centrality, ``"degree"``, ``"pagerank"`` or ``"evc"``.
        binarize: weigh by presence (``x != 0``) instead of magnitude.
        undirected: compute the centrality on the undirected version of the graph.

    Returns:
        The finite weights of each graph average 1. Shape: (G, F), float32.

    Raises:
        ValueError: ``x`` is not a 2-D floating-point tensor.

    Example:
        >>> x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
        >>> path = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
        >>> feature_mask_weights(x, path).tolist()  # feature 0 at the hub too: kept
        [[0.0, 2.0]]
    """
    _check_features(x)
    num_nodes = x.shape[0]
    phi = node_centrality(mode, edge_index, num_nodes, batch, undirected)
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    values = (x != 0).to(dtype) if binarize else x.abs().to(dtype)
    if batch is None:
        ptr = torch.tensor([0, num_nodes], device=x.device)
    else:
        counts = torch.bincount(batch, minlength=int(batch.max()) + 1 if batch.numel() else 1)
        ptr = torch.cat([counts.new_zeros(1), counts.cumsum(0)])
    num_graphs = ptr.numel() - 1
    # (G, N) sparse matrix of centralities, row g holding the nodes of graph g: one product
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Sparse CSR tensor support is in beta.*")
        weighted_rows = torch.sparse_csr_tensor(
            ptr,
            torch.arange(num_nodes, device=x.device),
            phi.to(dtype),
            (num_graphs, num_nodes),
            check_invariants=False,
        )
    totals = (weighted_rows @ values).to(torch.float64)
    rows = torch.arange(num_graphs, device=x.device).repeat_interleave(x.shape[1])
    weights = adaptive_weights(totals.flatten(), rows, num_graphs)
    return weights.view(num_graphs, x.shape[1]).to(torch.float32)


@AUGMENTATIONS.register("feature_mask")
class FeatureMask(Augmentation):
    """Zero whole feature columns of ``x``, one column mask drawn per graph and shared by all of
    its nodes; nodes and edges are untouched.

    - ``mode="uniform"``: each feature is masked with probability ``ratio`` (GRACE, Zhu et al.,
      "Deep Graph Contrastive Representation Learning", 2020); ``cap`` is not used.
    - ``mode="degree" | "pagerank" | "evc"``: feature ``f`` of graph ``g`` is masked with
      probability ``min(ratio * weight_gf, cap)`` with GCA's normalised weights of
      :func:`feature_mask_weights`, ``min((s_max - s_f) / (s_max - mu_s) * p_f, p_tau)`` in the
      paper (Zhu et al., "Graph Contrastive Learning with Adaptive Augmentation", WWW 2021,
      Sec. 3.2.2): features that carry much weight at central nodes are masked less. The weights
      average 1 per graph, so the mean mask probability is ``ratio`` unless the cap binds.

    On one large graph (a ``Batch`` of one graph) this is one mask for all nodes, as in GRACE; on
    a ``Batch`` of several graphs every graph draws its own mask (and has its own weights), all
    graphs at once.

    Precomputed weights: :meth:`precompute` stores the ``(G, F)`` weights as the graph-level
    attribute :attr:`weight_key` (``"feature_mask_weight_<mode>"``, one row per graph) of a copy of
    the graph, so that the centralities are computed once; a batch holding it uses
    ``min(ratio * batch[weight_key], cap)``. They do not depend on ``ratio`` (GCA's two views share
    them) and collate with the graphs.

    Args:
        ratio: GRACE's mask probability, or GCA's mean mask probability ``p_f``; in [0, 1).
        mode: ``"uniform"``, ``"degree"``, ``"pagerank"`` or ``"evc"``.
        cap: GCA's truncation ``p_tau`` of the adaptive probabilities, in (0, 1].
        binarize: weigh features by presence (``x != 0``) rather than magnitude ``|x|`` (see
            :func:`feature_mask_weights`).
        undirected: compute centralities on the undirected version of the graph.

    Raises:
        ValueError: ``ratio`` outside [0, 1), unknown ``mode``, ``cap`` outside (0, 1]; at call
            time, ``x`` is not 2-D floating point (integer categorical features, such as the
            molecular ones, need ``attr_mask``).

    Example:
        >>> from torch_geometric.data import Batch, Data
        >>> ring = torch.tensor([[0, 1, 2, 1, 2, 0], [1, 2, 0, 0, 1, 2]])
        >>> graph = Data(x=torch.ones(3, 8), edge_index=ring)
        >>> batch = Batch.from_data_list([graph, graph])
        >>> view = FeatureMask(0.5)(batch, torch.Generator().manual_seed(0))
        >>> [int(g.x.sum(0).eq(0).sum()) for g in view.to_data_list()]  # masked columns per graph
        [5, 6]
    """

    def __init__(
        self,
        ratio: float = 0.2,
        mode: str = "uniform",
        cap: float = 0.7,
        binarize: bool = False,
        undirected: bool = True,
    ) -> None:
        self.ratio = check_ratio(ratio)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if not 0.0 < cap <= 1.0:
            raise ValueError(f"cap must be in (0, 1], got {cap}")
        self.mode = mode
        self.cap = float(cap)
        self.binarize = binarize
        self.undirected = undirected

    @property
    def weight_key(self) -> str:
        """Name of the graph-level attribute holding precomputed weights for this ``mode``."""
        return f"feature_mask_weight_{self.mode}"

    def precompute(self, data: Data) -> Data:
        """A shallow copy of ``data`` (a ``Data`` or a ``Batch``, left unchanged) with this
        augmentation's feature weights stored as ``data[weight_key]`` (float32, Shape: (G, F); a
        ``Data`` is one graph: (1, F)).

        For ``mode="uniform"`` there is nothing to store: the copy is returned as it is.
        """
        out = copy.copy(data)
        if self.mode == "uniform":
            return out
        out[self.weight_key] = self._weights(data)
        if isinstance(data, Batch) and getattr(data, "_slice_dict", None) is not None:
            num_graphs = data.num_graphs
            out._slice_dict = {**data._slice_dict, self.weight_key: torch.arange(num_graphs + 1)}
            out._inc_dict = {
                **data._inc_dict,
                self.weight_key: torch.zeros(num_graphs, dtype=torch.long),
            }
        return out

    def mask_probability(self, batch: Batch) -> Tensor:
        """The probability that each feature of each graph of ``batch`` is masked (from
        ``batch[weight_key]`` when present).

        Returns:
            Shape: (G, F), float32.
        """
        x = batch.x
        _check_features(x)
        if self.mode == "uniform":
            return torch.full((batch.num_graphs, x.shape[1]), self.ratio, device=x.device)
        weights = batch[self.weight_key] if self.weight_key in batch else self._weights(batch)
        return (self.ratio * weights.to(device=x.device, dtype=torch.float32)).clamp(max=self.cap)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        x = batch.x
        _check_features(x)
        if self.ratio == 0.0:
            return with_node_values(batch)
        probability = self.mask_probability(batch)
        draws = uniform(probability.numel(), x, generator).view_as(probability)
        masked = draws < probability  # (G, F): one column mask per graph
        if masked.shape[0] > 1:  # (one graph: its mask broadcasts over the nodes)
            masked = masked.index_select(0, batch.batch)
        return with_node_values(batch, x=x.masked_fill(masked, 0.0))

    def _weights(self, data: Data) -> Tensor:
        graph = data.batch if isinstance(data, Batch) else None
        mode = cast(Centrality, self.mode)
        return feature_mask_weights(
            data.x, data.edge_index, graph, mode, self.binarize, self.undirected
        )


def _check_features(x: Tensor) -> None:
    if not x.is_floating_point() or x.dim() != 2:
        raise ValueError(
            "feature_mask needs 2-D floating-point node features, x is "
            f"{x.dtype} of shape {tuple(x.shape)} (use attr_mask for categorical features)"
        )
