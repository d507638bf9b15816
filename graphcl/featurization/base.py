"""The featurizer interface: SMILES strings in, categorical molecular graphs out.

Every featurizer produces *categorical* atom and bond features (small non-negative integers, one
column per property), so that encoders embed them with one lookup table per column. That is the
representation OGB and pretrain-gnns use, and it is equivalent to one-hot vectors followed by a
linear layer.

Featurizers work on many molecules at once (:meth:`MoleculeFeaturizer.featurize_many`): they
collect raw RDKit values column by column over a whole chunk and map them to categories with one
vectorized table lookup per column, instead of building small arrays per molecule.

Vocabulary convention shared with augmentations and encoders: for atom column ``i`` the index
``atom_feature_dims[i]`` is reserved as the *mask token*; for bond column ``j`` the index
``bond_feature_dims[j]`` marks a *self-loop* and ``bond_feature_dims[j] + 1`` an *added* edge
(one that edge perturbation inserted). Encoders therefore allocate ``dim + ATOM_SPECIAL_TOKENS``
and ``dim + BOND_SPECIAL_TOKENS`` rows per column.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from rdkit import Chem, rdBase
from torch_geometric.data import Data

from graphcl.errors import InvalidSmilesError
from graphcl.features import EDGE_SPECIAL_TOKENS, NODE_SPECIAL_TOKENS, FeatureSpec
from graphcl.typing import IntArray

#: Extra embedding rows per atom column (the mask token); graphcl's convention for every
#: categorical node column (:data:`graphcl.features.NODE_SPECIAL_TOKENS`).
ATOM_SPECIAL_TOKENS = NODE_SPECIAL_TOKENS
#: Extra embedding rows per bond column (self-loop, added edge)
#: (:data:`graphcl.features.EDGE_SPECIAL_TOKENS`).
BOND_SPECIAL_TOKENS = EDGE_SPECIAL_TOKENS


@dataclass(frozen=True)
class GraphArrays:
    """Several molecular graphs as concatenated numpy arrays (graph after graph).

    Attributes:
        x: atom features. Shape: (total_atoms, num_atom_features), int64 categories.
        edge_index: directed edges with *local* atom indices (within their molecule); bond ``k``
            of a molecule gives its columns ``2k`` (begin -> end) and ``2k + 1`` (end -> begin).
            Shape: (2, total_edges), int64.
        edge_attr: bond features aligned with ``edge_index``.
            Shape: (total_edges, num_bond_features), int64 categories.
        node_counts: atoms per molecule. Shape: (G,).
        edge_counts: directed edges per molecule (twice its bonds). Shape: (G,).
    """

    x: IntArray
    edge_index: IntArray
    edge_attr: IntArray
    node_counts: IntArray
    edge_counts: IntArray

    def __len__(self) -> int:
        return len(self.node_counts)

    @classmethod
    def concat(cls, parts: Sequence[GraphArrays]) -> GraphArrays:
        """The graphs of ``parts``, in order (at least one part)."""
        return cls(
            np.concatenate([p.x for p in parts]),
            np.concatenate([p.edge_index for p in parts], axis=1),
            np.concatenate([p.edge_attr for p in parts]),
            np.concatenate([p.node_counts for p in parts]),
            np.concatenate([p.edge_counts for p in parts]),
        )

    def to_data(self, smiles: str) -> Data:
        """The single graph held here as a PyG ``Data`` that also carries ``smiles``."""
        if len(self) != 1:
            raise ValueError(f"to_data needs exactly one graph, this holds {len(self)}")
        return Data(
            x=torch.from_numpy(self.x),
            edge_index=torch.from_numpy(self.edge_index),
            edge_attr=torch.from_numpy(self.edge_attr),
            smiles=smiles,
        )


@dataclass(frozen=True)
class Featurized:
    """Output of :meth:`MoleculeFeaturizer.featurize_many`.

    Attributes:
        graphs: the graphs of the valid inputs, in input order.
        kept: index (into the input) of each graph.
        rejects: ``(index, reason)`` of each input RDKit could not parse.
    """

    graphs: GraphArrays
    kept: list[int]
    rejects: list[tuple[int, str]]


#: Largest molecule (heavy atoms) featurized unless a caller allows more: large enough for
#: peptides and small proteins, small enough that a pasted megabyte of SMILES is refused at once.
DEFAULT_MAX_ATOMS = 10_000

#: One atom of a SMILES string: a bracket atom, a two-letter organic-subset element, or one
#: letter (aromatic lower case, or ``*``).
_ATOM_TOKEN = re.compile(r"\[[^\]]*\]|Br|Cl|[BCNOPSFI*bcnops]")


def screen_smiles(smiles: object, max_atoms: int | None = DEFAULT_MAX_ATOMS) -> str | None:
    """Why ``smiles`` must be refused before RDKit sees it, or None.

    RDKit silently stops reading at the first character it does not know (``"ССO"`` with two
    Cyrillic ``С`` becomes water), so anything but ASCII is refused; and a string with more atoms
    than ``max_atoms`` is refused without being parsed (counted from the text).
    """
    if not isinstance(smiles, str):
        return None
    if not smiles.isascii():
        position, char = next((i, c) for i, c in enumerate(smiles) if not c.isascii())
        name = unicodedata.name(char, "unnamed")
        return (
            f"non-ASCII character {char!r} (U+{ord(char):04X} {name}) at position {position}; "
            "SMILES are ASCII (a look-alike letter pasted from a document?)"
        )
    if max_atoms is not None and len(smiles) > max_atoms:
        atoms = len(_ATOM_TOKEN.findall(smiles))
        if atoms > max_atoms:
            return (
                f"{atoms:,} atoms, more than max_atoms={max_atoms:,} (raise max_atoms to "
                "featurize larger molecules)"
            )
    return None


def parse_smiles(smiles: str, max_atoms: int | None = DEFAULT_MAX_ATOMS) -> Chem.Mol:
    """Parse and sanitize a SMILES string with RDKit's defaults.

    Args:
        smiles: the SMILES string.
        max_atoms: refuse molecules with more atoms (None: no limit).

    Returns:
        The sanitized RDKit molecule (hydrogens implicit, as ``Chem.MolFromSmiles`` gives).

    Raises:
        InvalidSmilesError: the string is empty, not ASCII, larger than ``max_atoms``, does not
            parse, fails sanitization (valence, kekulization) or yields a molecule without atoms.
            The message names the SMILES and the reason.
    """
    problem = screen_smiles(smiles, max_atoms)
    if problem is not None:
        raise InvalidSmilesError(str(smiles), problem)
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) else None
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidSmilesError(str(smiles), _rejection_reason(smiles))
    return mol


def _rejection_reason(smiles: object) -> str:
    """Why ``smiles`` gives no molecule (only called on the failure path)."""
    if not isinstance(smiles, str) or not smiles.strip():
        return "empty SMILES"
    with rdBase.BlockLogs():
        raw = Chem.MolFromSmiles(smiles, sanitize=False)
        if raw is None:
            return "SMILES syntax error"
        if raw.GetNumAtoms() == 0:
            return "the molecule has no atoms"
        try:
            Chem.SanitizeMol(raw)
        except Exception as exc:  # RDKit raises several exception types here
            return str(exc).strip() or type(exc).__name__
    return "RDKit could not build the molecule"


class MoleculeFeaturizer(ABC):
    """Turns SMILES strings into categorical molecular graphs.

    Subclasses set the class attributes and implement :meth:`featurize_mols`. ``name`` and
    ``version`` key the on-disk cache: bump ``version`` whenever the output changes.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    atom_feature_names: ClassVar[tuple[str, ...]]
    atom_feature_dims: ClassVar[tuple[int, ...]]
    bond_feature_names: ClassVar[tuple[str, ...]]
    bond_feature_dims: ClassVar[tuple[int, ...]]

    @property
    def node_features(self) -> FeatureSpec:
        """The atom columns as a neutral feature spec (what encoders are built from)."""
        return FeatureSpec.categorical(self.atom_feature_dims)

    @property
    def edge_features(self) -> FeatureSpec:
        """The bond columns as a neutral feature spec."""
        return FeatureSpec.categorical(self.bond_feature_dims)

    @property
    def cache_key(self) -> str:
        """``name-vVERSION``, part of every cache path written with this featurizer."""
        return f"{self.name}-v{self.version}"

    @abstractmethod
    def featurize_mols(self, molecules: Iterable[tuple[Chem.Mol, str]]) -> GraphArrays:
        """Graphs of parsed molecules, consumed one at a time.

        Args:
            molecules: (sanitized RDKit molecule, the SMILES it came from) pairs. Featurizers may
                use the text to skip work (no ``@`` means no chiral tags). Passing a generator
                that parses lazily keeps each molecule in cache while it is featurized.
        """

    def featurize_many(
        self, smiles: Sequence[str], max_atoms: int | None = DEFAULT_MAX_ATOMS
    ) -> Featurized:
        """Graphs of many SMILES strings; unusable ones (unparsable, not ASCII, more than
        ``max_atoms`` atoms) are reported with their reason, not raised."""
        kept: list[int] = []
        rejects: list[tuple[int, str]] = []

        def parsed() -> Iterator[tuple[Chem.Mol, str]]:
            # parse_smiles inlined, with RDKit's log silenced once: this runs once per molecule
            from_smiles = Chem.MolFromSmiles
            with rdBase.BlockLogs():
                for index, text in enumerate(smiles):
                    problem = screen_smiles(text, max_atoms)
                    if problem is not None:
                        rejects.append((index, problem))
                        continue
                    mol = from_smiles(text) if isinstance(text, str) else None
                    if mol is None or mol.GetNumAtoms() == 0:
                        rejects.append((index, _rejection_reason(text)))
                        continue
                    if max_atoms is not None and mol.GetNumAtoms() > max_atoms:
                        rejects.append(
                            (
                                index,
                                f"{mol.GetNumAtoms():,} atoms, more than max_atoms={max_atoms:,}",
                            )
                        )
                        continue
                    kept.append(index)
                    yield mol, text

        return Featurized(self.featurize_mols(parsed()), kept, rejects)

    def arrays(self, smiles: str) -> GraphArrays:
        """Numpy graph of one SMILES string.

        Raises:
            InvalidSmilesError: see :func:`parse_smiles`.
        """
        return self.featurize_mols([(parse_smiles(smiles), smiles)])

    def __call__(self, smiles: str) -> Data:
        """PyG graph of one SMILES string (``x``, ``edge_index``, ``edge_attr``, ``smiles``)."""
        return self.arrays(smiles).to_data(smiles)

    def describe(self) -> dict[str, object]:
        """Name, version and the feature columns with their vocabulary sizes."""
        return {
            "name": self.name,
            "version": self.version,
            "atom_features": dict(
                zip(self.atom_feature_names, self.atom_feature_dims, strict=True)
            ),
            "bond_features": dict(
                zip(self.bond_feature_names, self.bond_feature_dims, strict=True)
            ),
        }


#: Molecules with more bonds than this read their bonds by walking the atoms (linear time):
#: RDKit's bond access by index walks the bond list, so ``GetBonds``/``GetBondWithIdx`` over a
#: whole molecule is quadratic (40,000 bonds: 3.2 s; by atoms: 0.27 s).
LARGE_MOLECULE_BONDS = 1000


def bonds_of(mol: Chem.Mol) -> list[Chem.Bond]:
    """The bonds of ``mol`` in index order, in time linear in its size."""
    count = mol.GetNumBonds()
    if count <= LARGE_MOLECULE_BONDS:
        return list(map(mol.GetBondWithIdx, range(count)))
    found: list[Chem.Bond] = []
    for atom in mol.GetAtoms():
        index = atom.GetIdx()
        found.extend(b for b in atom.GetBonds() if b.GetBeginAtomIdx() == index)
    found.sort(key=Chem.Bond.GetIdx)
    return found


def pack_graphs(
    x: IntArray, bonds: IntArray, node_counts: Sequence[int], bond_counts: Sequence[int]
) -> GraphArrays:
    """Build :class:`GraphArrays` from per-atom rows and per-bond rows of many molecules.

    Args:
        x: atom categories of all molecules. Shape: (total_atoms, F).
        bonds: per bond ``(begin, end, feature_0, ..., feature_k)`` with local atom indices.
            Shape: (total_bonds, 2 + B).
        node_counts: atoms per molecule.
        bond_counts: bonds per molecule.

    Returns:
        Both directions of every bond, bond ``k`` of a molecule at its edge columns ``2k`` and
        ``2k + 1``.
    """
    both_directions = bonds[:, [0, 1, 1, 0]].reshape(-1, 2)  # (b0, e0), (e0, b0), (b1, e1) ...
    return GraphArrays(
        x=x,
        edge_index=both_directions.T.copy(),
        edge_attr=np.repeat(bonds[:, 2:], 2, axis=0),
        node_counts=np.asarray(node_counts, dtype=np.int64),
        edge_counts=2 * np.asarray(bond_counts, dtype=np.int64),
    )


def enum_table(enum: type, names: list[str], default: int) -> IntArray:
    """Lookup table from an RDKit enum's integer values to the index of their name in ``names``
    (``default`` for names not listed), built once at import time."""
    values: dict[int, object] = enum.values  # type: ignore[attr-defined]
    table = np.full(max(values) + 1, default, dtype=np.int64)
    for value, member in values.items():
        if str(member) in names:
            table[value] = names.index(str(member))
    return table


def bucket(values: IntArray, low: int, high: int) -> IntArray:
    """``values - low`` inside ``[low, high]``, else ``high - low + 1`` (vectorized)."""
    return np.where((values >= low) & (values <= high), values - low, high - low + 1)
