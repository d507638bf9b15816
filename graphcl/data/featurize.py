"""Featurizing many SMILES strings, in parallel processes, with rejected rows reported.

Workers run RDKit and numpy only (never torch, whose thread pools do not survive ``fork``); the
parent packs their arrays into one :class:`GraphStore`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import torch
from torch_geometric.data import Batch

from graphcl.data.dataset import with_smiles
from graphcl.data.store import GraphStore
from graphcl.errors import InvalidSmilesError
from graphcl.featurization import Featurized, GraphArrays, MoleculeFeaturizer
from graphcl.featurization import build as build_featurizer
from graphcl.featurization.base import DEFAULT_MAX_ATOMS
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
class FeaturizedSmiles:
    """Graphs of the valid records (in input order), their row indices, and the rejects."""

    store: GraphStore
    kept: list[int]
    rejects: list[Reject]


def _work(job: tuple[MoleculeFeaturizer, Sequence[str], int | None]) -> Featurized:
    featurizer, smiles, max_atoms = job
    return featurizer.featurize_many(smiles, max_atoms)


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
    max_atoms: int | None = DEFAULT_MAX_ATOMS,
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
        max_atoms: reject molecules with more heavy atoms (None: no limit).

    Raises:
        ValueError: ``featurizer`` is ``tu``, the graphs of a TU dataset (not made from SMILES).
    """
    if featurizer == "tu":
        raise ValueError(
            "this model was trained on TU graphs (features read from the dataset files), so it "
            "cannot featurize SMILES; feed it batches of that dataset's graphs instead"
        )
    feat = build_featurizer(featurizer)
    starts = range(0, len(smiles), chunk_size)
    jobs = [(feat, smiles[start : start + chunk_size], max_atoms) for start in starts]
    workers = (os.cpu_count() or 1) if workers is None else workers
    chunks: list[Featurized] = []
    with ExitStack() as stack:
        bar = stack.enter_context(
            progress_bar(total=len(smiles), desc=desc, unit="mol", enabled=progress)
        )
        results: Iterable[Featurized] = map(_work, jobs)
        if workers > 1 and len(jobs) > 1:
            pool = stack.enter_context(_context().Pool(min(workers, len(jobs))))
            results = pool.imap(_work, jobs)
        for job, chunk in zip(jobs, results, strict=True):
            chunks.append(chunk)
            bar.update(len(job[1]))
    if not chunks:
        chunks.append(feat.featurize_many([], max_atoms))
    kept = [start + i for start, chunk in zip(starts, chunks, strict=False) for i in chunk.kept]
    rejects = [
        Reject(start + i, smiles[start + i], reason)
        for start, chunk in zip(starts, chunks, strict=False)
        for i, reason in chunk.rejects
    ]
    graphs = GraphArrays.concat([chunk.graphs for chunk in chunks])
    return FeaturizedSmiles(GraphStore.from_arrays(graphs), kept, rejects)


def smiles_batches(
    smiles: Sequence[str],
    featurizer: str | MoleculeFeaturizer,
    batch_size: int = 256,
    max_atoms: int | None = DEFAULT_MAX_ATOMS,
) -> Iterator[Batch]:
    """Mini-batches of the molecules of ``smiles``, in order, featurized in this process (for
    inference on a user's list).

    Raises:
        InvalidSmilesError: a SMILES cannot be used (the first bad one is named, with its
            position in the list).
    """
    featurized = featurize_smiles(
        smiles, featurizer, workers=0, progress=False, max_atoms=max_atoms
    )
    if featurized.rejects:
        bad = featurized.rejects[0]
        where = f" (input {bad.row + 1} of {len(smiles)})" if len(smiles) > 1 else ""
        raise InvalidSmilesError(bad.smiles, bad.reason + where, index=bad.row)
    for index in torch.arange(len(smiles)).split(batch_size):
        yield with_smiles(featurized.store.collate(index), [smiles[i] for i in index.tolist()])
