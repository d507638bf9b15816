"""Element knowledge graphs (KCL's ElementKG, or one built from RDKit's periodic table).

Example:
    >>> from graphcl.kg import load_element_kg
    >>> kg = load_element_kg("rdkit")
    >>> kg.attributes_of("O")[:1]
    [('isCovalentRadiusOf', 'CovalentRadius1')]
"""

from graphcl.kg.build import build_element_kg
from graphcl.kg.element_kg import ElementKG, read_triples
from graphcl.kg.sources import kg_cards, load_element_kg

__all__ = ["ElementKG", "build_element_kg", "kg_cards", "load_element_kg", "read_triples"]
