"""Datasets, dataset cards, download/mirror/cache, splits and mini-batching.

Example:
    >>> from graphcl.data import load_dataset, scaffold_split
    >>> ds = load_dataset("chembl2321810", progress=False)
    >>> train, valid, test = scaffold_split(ds.smiles)
    >>> len(train) + len(valid) + len(test) == len(ds)
    True
"""

from graphcl.data.card import DatasetCard, FileSpec, get_card, list_cards
from graphcl.data.community_plan import CommunityBatchPlan
from graphcl.data.dataset import DatasetInfo, DatasetProtocol, GraphDataset, MoleculeDataset
from graphcl.data.featurize import featurize_smiles
from graphcl.data.fetch import download, sha256_file
from graphcl.data.load import card_for_file, fetch_dataset, load_dataset
from graphcl.data.loader import make_loader
from graphcl.data.neighbor_plan import NeighborBatchPlan
from graphcl.data.node_dataset import NodeDataset
from graphcl.data.paths import graphcl_home, mirror_dirs
from graphcl.data.plans import BatchPlan, FullGraphPlan, GraphSetPlan, NodeBatchPlan
from graphcl.data.splits import (
    SPLIT_RULES,
    SPLITS,
    Split,
    balanced_scaffold_split,
    make_split,
    murcko_scaffold,
    random_split,
    scaffold_split,
)
from graphcl.data.store import GraphStore
from graphcl.data.tasks import TASKS, Task, get_task


def available() -> list[str]:
    """Names of the datasets with a card."""
    return sorted(list_cards())


__all__ = [
    "SPLITS",
    "SPLIT_RULES",
    "TASKS",
    "BatchPlan",
    "CommunityBatchPlan",
    "DatasetCard",
    "DatasetInfo",
    "DatasetProtocol",
    "FileSpec",
    "FullGraphPlan",
    "GraphDataset",
    "GraphSetPlan",
    "GraphStore",
    "MoleculeDataset",
    "NeighborBatchPlan",
    "NodeBatchPlan",
    "NodeDataset",
    "Split",
    "Task",
    "available",
    "balanced_scaffold_split",
    "card_for_file",
    "download",
    "featurize_smiles",
    "fetch_dataset",
    "get_card",
    "get_task",
    "graphcl_home",
    "list_cards",
    "load_dataset",
    "make_loader",
    "make_split",
    "mirror_dirs",
    "murcko_scaffold",
    "random_split",
    "scaffold_split",
    "sha256_file",
]
