"""Molecules to graphs: SMILES in, PyG ``Data`` with categorical atom and bond features out.

Example:
    >>> from graphcl.featurization import smiles_to_graph
    >>> g = smiles_to_graph("c1ccccc1O")
    >>> g.num_nodes, g.num_edges, g.smiles
    (7, 14, 'c1ccccc1O')
"""

from __future__ import annotations

from torch_geometric.data import Data

from graphcl.featurization.base import (
    ATOM_SPECIAL_TOKENS,
    BOND_SPECIAL_TOKENS,
    Featurized,
    GraphArrays,
    MoleculeFeaturizer,
    parse_smiles,
)
from graphcl.featurization.ogb import OGBFeaturizer
from graphcl.featurization.registry import FEATURIZERS, available, build
from graphcl.featurization.rich import RichFeaturizer


def smiles_to_graph(smiles: str, featurizer: str | MoleculeFeaturizer = "ogb") -> Data:
    """One SMILES string as a PyG graph.

    Args:
        smiles: the molecule.
        featurizer: a registered featurizer name (``"ogb"``, the default, matches
            ``ogb.utils.smiles2graph`` exactly; ``"rich"`` adds hybridization and ring columns)
            or a featurizer instance.

    Returns:
        ``Data`` with ``x`` (num_atoms, F) int64, ``edge_index`` (2, 2 * num_bonds) int64,
        ``edge_attr`` (2 * num_bonds, B) int64 and ``smiles``.

    Raises:
        InvalidSmilesError: the SMILES cannot be parsed; the message names it.
    """
    return build(featurizer)(smiles)


__all__ = [
    "ATOM_SPECIAL_TOKENS",
    "BOND_SPECIAL_TOKENS",
    "FEATURIZERS",
    "Featurized",
    "GraphArrays",
    "MoleculeFeaturizer",
    "OGBFeaturizer",
    "RichFeaturizer",
    "available",
    "build",
    "parse_smiles",
    "smiles_to_graph",
]
