"""Knowledge-guided augmentation (KCL): add element-attribute nodes from an element KG.

Fang et al., AAAI 2022, sec. 3.1. Every molecule of the batch gains one node per distinct
attribute entity linked (in the KG) to any element among its atoms -- shared by all atoms of that
element, so two carbons link to the same ``Period2`` node -- and one edge per (atom, triple),
typed by the triple's relation. Atoms that share an attribute but no bond become two hops apart.

The result keeps the atoms first in each graph (in their order), then the graph's attribute nodes
(sorted by entity id), and marks them:

- ``node_type``: 0 atom, 1 attribute, 2 functional group;
- ``node_entity``: the KG entity id of attribute nodes, ``num_entities + g`` for functional
  group ``g``, -1 for atoms;
- ``edge_type``: 0 bond, ``1 + relation id`` for KG edges, ``1 + num_relations`` for
  functional-group membership edges.

With ``functional_groups=True`` (a KG with SMARTS, e.g. KANO's) every molecule also gains one node
per functional group it contains, linked to each atom of each match. Memberships come from a
``fg_bits`` node column when the batch has one (see :mod:`graphcl.kg.functional_groups`), else
they are matched from the batch's ``smiles`` once per distinct SMILES and remembered.

Atom-level attributes (``x`` ...) are zero on attribute nodes and bond-level ones (``edge_attr``
...) zero on KG edges. Deterministic: the same batch always gives the same graph. The KG is turned
into per-atomic-number lookup tables once; a batch is expanded with a handful of tensor
operations (no loop over molecules), on the batch's device.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation
from graphcl.augmentation.batch_ops import attribute_levels, counts_to_ptr, rebuild
from graphcl.augmentation.registry import AUGMENTATIONS
from graphcl.kg import ElementKG, load_element_kg
from graphcl.kg.element_kg import SYMBOLS
from graphcl.kg.functional_groups import FG_COLUMN, FunctionalGroupMatcher, unpack_bits

DIRECTIONS = ("attribute_to_atom", "atom_to_attribute", "both")


@AUGMENTATIONS.register("element_kg")
class ElementKGAugmentation(Augmentation):
    """Turn molecular graphs into their element-KG-augmented graphs.

    Args:
        kg: an :class:`~graphcl.kg.ElementKG`, or a name/path for
            :func:`~graphcl.kg.load_element_kg` (``kcl``, ``rdkit``, a triples file).
        direction: KG edges ``attribute_to_atom`` (KCL's code), ``atom_to_attribute`` or
            ``both``.
        atomic_number_column: column of ``x`` that holds the atomic number.
        atomic_number_offset: added to that column to get the atomic number (graphcl's and OGB's
            featurizers store ``Z - 1``).
        functional_groups: add functional-group nodes (the KG must list groups with SMARTS).
        smiles_cache: distinct SMILES whose group matches are remembered (batches without
            ``fg_bits``).

    Shape:
        batch of N atoms, E bond edges -> batch of N + A nodes, E + K edges.
    """

    def __init__(
        self,
        kg: ElementKG | str = "kcl",
        direction: str = "attribute_to_atom",
        atomic_number_column: int = 0,
        atomic_number_offset: int = 1,
        functional_groups: bool = False,
        smiles_cache: int = 1_000_000,
    ) -> None:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
        self.kg = kg if isinstance(kg, ElementKG) else load_element_kg(kg)
        self.direction = direction
        self.atomic_number_column = atomic_number_column
        self.atomic_number_offset = atomic_number_offset
        self.matcher: FunctionalGroupMatcher | None = None
        if functional_groups:
            if not self.kg.functional_groups:
                raise ValueError(
                    f"knowledge graph {self.kg.name!r} lists no functional groups "
                    "(use kg='kano' or set functional_groups=False)"
                )
            self.matcher = FunctionalGroupMatcher(self.kg.functional_groups)
        self.smiles_cache = smiles_cache
        self._matches: dict[str, Tensor] = {}
        self._tables: dict[torch.device, tuple[Tensor, Tensor, Tensor]] = {}

    @property
    def num_groups(self) -> int:
        """Functional groups that can become nodes (0 without ``functional_groups``)."""
        return 0 if self.matcher is None else self.matcher.num_groups

    def __repr__(self) -> str:
        return (
            f"ElementKGAugmentation(kg={self.kg.name!r}, direction={self.direction!r}, "
            f"atomic_number_column={self.atomic_number_column}, "
            f"atomic_number_offset={self.atomic_number_offset}, "
            f"functional_groups={self.matcher is not None})"
        )

    def tables(self, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
        """The KG's per-atomic-number lookup tables on ``device`` (built once per device)."""
        if device not in self._tables:
            self._tables[device] = tuple(t.to(device) for t in self.kg.lookup())  # type: ignore[assignment]
        return self._tables[device]

    def group_bits(self, batch: Batch) -> Tensor:
        """The batch's packed functional-group memberships. Shape: (N, ceil(G / 8)) uint8.

        Raises:
            ValueError: the batch has neither ``fg_bits`` nor ``smiles``.
        """
        assert self.matcher is not None
        if FG_COLUMN in batch:
            bits: Tensor = batch[FG_COLUMN]
            return bits
        smiles = getattr(batch, "smiles", None)
        if smiles is None:
            raise ValueError(
                "functional-group nodes need the batch's SMILES or an 'fg_bits' node column "
                "(graphcl datasets and smiles_batches provide SMILES)"
            )
        counts = dict(zip(smiles, torch.diff(batch.ptr).tolist(), strict=True))
        new = [text for text in counts if text not in self._matches]
        if new:  # match the molecules not seen yet in one call
            if len(self._matches) + len(new) > self.smiles_cache:
                self._matches.clear()
                new = list(counts)
            sizes = [counts[text] for text in new]
            bits = self.matcher.bits_of_smiles(new, sizes).split(sizes)
            self._matches.update(zip(new, bits, strict=True))
        return torch.cat([self._matches[text] for text in smiles]).to(batch.x.device)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        device = batch.x.device
        ptr, attribute, relation = self.tables(device)
        n, graphs = batch.num_nodes, batch.num_graphs
        z = batch.x[:, self.atomic_number_column].long() + self.atomic_number_offset
        z = z.clamp(0, ptr.shape[0] - 2)  # unknown elements: no KG edges
        # one row per (atom, triple of its element)
        first, count = ptr[z], ptr[z + 1] - ptr[z]
        atom = torch.repeat_interleave(torch.arange(n, device=device), count)
        start = torch.repeat_interleave(torch.cumsum(count, 0) - count, count)
        row = torch.arange(atom.shape[0], device=device) - start + first[atom]
        entity, rel = attribute[row], relation[row]
        if self.matcher is not None:  # group g is entity num_entities + g, one more relation
            member_atom, group = unpack_bits(self.group_bits(batch), self.num_groups).nonzero().T
            atom = torch.cat([atom, member_atom])
            entity = torch.cat([entity, self.kg.num_entities + group])
            rel = torch.cat([rel, torch.full_like(group, self.kg.num_relations)])
        # one KG node per (graph, entity), sorted by graph then entity
        graph_of_atom = batch.batch
        width = self.kg.num_entities + self.num_groups
        keys, node_of_row = torch.unique(graph_of_atom[atom] * width + entity, return_inverse=True)
        attribute_graph, attribute_entity = keys // width, keys % width
        atoms = torch.diff(batch.ptr)
        extra = torch.bincount(attribute_graph, minlength=graphs)
        new_ptr = counts_to_ptr(atoms + extra)
        atom_index = torch.arange(n, device=device) + (new_ptr[:-1] - batch.ptr[:-1])[graph_of_atom]
        rank = torch.arange(keys.shape[0], device=device) - counts_to_ptr(extra)[attribute_graph]
        attribute_index = new_ptr[attribute_graph] + atoms[attribute_graph] + rank
        # edges: bonds, then KG edges in the requested direction(s), regrouped by graph
        bonds = atom_index[batch.edge_index]
        kg_source, kg_target = attribute_index[node_of_row], atom_index[atom]
        kg_edges = {
            "attribute_to_atom": [torch.stack([kg_source, kg_target])],
            "atom_to_attribute": [torch.stack([kg_target, kg_source])],
            "both": [torch.stack([kg_source, kg_target]), torch.stack([kg_target, kg_source])],
        }[self.direction]
        edge_index = torch.cat([bonds, *kg_edges], dim=1)
        edge_type = torch.cat(
            [torch.zeros(bonds.shape[1], dtype=torch.long, device=device)]
            + [rel + 1 for _ in kg_edges]
        )
        total = int(new_ptr[-1])
        new_graph = torch.repeat_interleave(torch.arange(graphs, device=device), atoms + extra)
        edge_graph = new_graph[edge_index[0]]
        order = torch.argsort(edge_graph, stable=True)
        node_keys, edge_keys, _ = attribute_levels(batch)
        node_values = {}
        for key in node_keys:
            value = batch[key]
            node_values[key] = value.new_zeros((total, *value.shape[1:])).index_copy_(
                0, atom_index, value
            )
        node_type = torch.zeros(total, dtype=torch.long, device=device)
        kind = 1 + (attribute_entity >= self.kg.num_entities).long()
        node_values["node_type"] = node_type.index_copy_(0, attribute_index, kind)
        node_entity = torch.full((total,), -1, dtype=torch.long, device=device)
        node_values["node_entity"] = node_entity.index_copy_(0, attribute_index, attribute_entity)
        edge_values = {}
        for key in edge_keys:
            value = batch[key]
            padded = value.new_zeros((edge_index.shape[1], *value.shape[1:]))
            padded[: value.shape[0]] = value
            edge_values[key] = padded[order]
        edge_values["edge_type"] = edge_type[order]
        return rebuild(
            batch,
            ptr=new_ptr,
            graph=new_graph,
            edge_index=edge_index[:, order],
            eptr=counts_to_ptr(torch.bincount(edge_graph, minlength=graphs)),
            node_values=node_values,
            edge_values=edge_values,
        )


def augment_molecule_reference(
    atomic_numbers: list[int],
    bonds: list[tuple[int, int]],
    kg: ElementKG,
    direction: str,
    groups: list[list[int]] | None = None,
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """The augmentation of one molecule, written plainly (for tests and the benchmark baseline).

    Args:
        groups: with functional groups, the groups of each atom.

    Returns:
        node entities (-1 for the atoms, then the KG entity ids in increasing order, functional
        group ``g`` as ``num_entities + g``) and edges ``(source, target, edge_type)``: the bonds
        as given, then the attribute edges atom by atom, then the group edges atom by atom.
    """
    triples = [(int(a), int(r), kg.entities[int(e)]) for a, r, e in kg.triples]
    symbols = [SYMBOLS.get(z, "") for z in atomic_numbers]
    groups = groups or [[] for _ in atomic_numbers]
    group_entity = [[kg.num_entities + g for g in sorted(of)] for of in groups]
    linked = sorted(
        {a for a, _, e in triples if e in symbols} | {g for of in group_entity for g in of}
    )
    node_of = {a: len(atomic_numbers) + k for k, a in enumerate(linked)}
    edges = [(u, v, 0) for u, v in bonds]
    kg_edges = []
    for atom, symbol in enumerate(symbols):
        for a, r, e in triples:
            if e == symbol:
                kg_edges.append((node_of[a], atom, r + 1))
    for atom, of in enumerate(group_entity):
        kg_edges += [(node_of[g], atom, kg.num_relations + 1) for g in of]
    if direction in ("attribute_to_atom", "both"):
        edges += kg_edges
    if direction in ("atom_to_attribute", "both"):
        edges += [(v, u, t) for u, v, t in kg_edges]
    return [-1] * len(atomic_numbers) + linked, edges
