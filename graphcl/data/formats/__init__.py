"""Dataset formats: table readers (SMILES + labels, featurized by graphcl) and graph formats
(datasets whose features come from their files). See :mod:`graphcl.data.formats.registry`."""

from graphcl.data.formats.registry import GRAPH_FORMATS, READERS, RawTable, format_kind
from graphcl.data.formats.tables import open_text, read_table

__all__ = ["GRAPH_FORMATS", "READERS", "RawTable", "format_kind", "open_text", "read_table"]
