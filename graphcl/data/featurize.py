"""Featurizing many SMILES strings, in parallel processes, with rejected rows reported.

Workers run RDKit and numpy only (never torch, whose thread pools do not survive ``fork``); the
parent packs their arrays into one :class:`GraphStore`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graphcl.data.store import GraphStore
from graphcl.errors import InvalidSmilesError
from graphcl.featurization import MoleculeFeaturizer
from graphcl.featurization import build as build_featurizer
from graphcl.progress import progress_bar


@dataclass(frozen=True)
class Reject:
    """A record that could not be featurized.

    Attributes:
        row: 0-based index of the record in the source table.
        smiles: the SMILES text as read.
        reason: why RDKit rejected it.
    """

    row: int
    smiles: str
    reason: str


@dataclass(frozen=True)
class ArrayChunk:
    """Graphs of consecutive records as concatenated numpy arrays (see ``GraphStore.from_numpy``),
    the rows they came from and the rows rejected."""

    x: np.ndarray
    edge_index: np.ndarray
    edge_attr: np.ndarray
    node_counts: np.ndarray
    edge_counts: np.ndarray
    kept: list[int]
    rejects: list[Reject]


@dataclass(frozen=True)
class FeaturizedSmiles:
    """Graphs of the valid records (in input order), their row indices, and the rejects."""

    store: GraphStore
    kept: list[int]
    rejects: list[Reject]


def featurize_chunk(
    featurizer: MoleculeFeaturizer, smiles: Sequence[str], first_row: int = 0
) -> ArrayChunk:
    """Featurize ``smiles`` in this process; row numbers start at ``first_row``."""
    xs, edge_indices, edge_attrs, kept, rejects = [], [], [], [], []
    for offset, text in enumerate(smiles):
        try:
            arrays = featurizer.arrays(text)
        except InvalidSmilesError as exc:
            rejects.append(Reject(first_row + offset, text, exc.reason))
            continue
        xs.append(arrays.x)
        edge_indices.append(arrays.edge_index)
        edge_attrs.append(arrays.edge_attr)
        kept.append(first_row + offset)
    num_atom = len(featurizer.atom_feature_dims)
    num_bond = len(featurizer.bond_feature_dims)
    return ArrayChunk(
        x=np.concatenate(xs) if xs else np.zeros((0, num_atom), np.int64),
        edge_index=np.concatenate(edge_indices, 1) if xs else np.zeros((2, 0), np.int64),
        edge_attr=np.concatenate(edge_attrs) if xs else np.zeros((0, num_bond), np.int64),
        node_counts=np.array([len(x) for x in xs], dtype=np.int64),
        edge_counts=np.array([e.shape[1] for e in edge_indices], dtype=np.int64),
        kept=kept,
        rejects=rejects,
    )


def _work(job: tuple[MoleculeFeaturizer, Sequence[str], int]) -> ArrayChunk:
    return featurize_chunk(*job)


def _context() -> multiprocessing.context.BaseContext:
    # Forking is cheap (nothing to re-import) and safe because workers never touch torch.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def featurize_smiles(
    smiles: Sequence[str],
    featurizer: str | MoleculeFeaturizer = "ogb",
    *,
    workers: int | None = None,
    chunk_size: int = 1000,
    progress: bool = True,
    desc: str = "featurizing",
) -> FeaturizedSmiles:
    """Featurize many SMILES strings into one :class:`GraphStore`.

    Args:
        smiles: the molecules, in order.
        featurizer: registered name or instance.
        workers: processes to use; None uses every core, 0 or 1 runs in this process.
            Inputs of a single chunk always run in this process.
        chunk_size: records per task sent to a worker.
        progress: show a progress bar (molecules).
        desc: progress bar label.
    """
    feat = build_featurizer(featurizer)
    jobs = [(feat, smiles[i : i + chunk_size], i) for i in range(0, len(smiles), chunk_size)]
    workers = (os.cpu_count() or 1) if workers is None else workers
    chunks: list[ArrayChunk] = []
    with progress_bar(total=len(smiles), desc=desc, unit="mol", enabled=progress) as bar:
        if workers <= 1 or len(jobs) < 2:
            for job in jobs:
                chunks.append(_work(job))
                bar.update(len(job[1]))
        else:
            with _context().Pool(min(workers, len(jobs))) as pool:
                for job, chunk in zip(jobs, pool.imap(_work, jobs), strict=True):
                    chunks.append(chunk)
                    bar.update(len(job[1]))
    if not chunks:
        chunks.append(featurize_chunk(feat, []))
    store = GraphStore.from_numpy(
        np.concatenate([c.x for c in chunks]),
        np.concatenate([c.edge_index for c in chunks], 1),
        np.concatenate([c.edge_attr for c in chunks]),
        np.concatenate([c.node_counts for c in chunks]),
        np.concatenate([c.edge_counts for c in chunks]),
    )
    return FeaturizedSmiles(
        store, [r for c in chunks for r in c.kept], [r for c in chunks for r in c.rejects]
    )
