"""Saving circuit graphs as plain data that ``torch.load(weights_only=True)`` accepts.

:func:`save_circuit_graph` writes a dict of tensors, strings, numbers and lists of strings (no
pickled classes), so loading it never runs code from the file; :func:`load_circuit_graph` rebuilds
the ``HeteroData``. Pin names are stored as device indices and label indices and rebuilt lazily.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from graphcl.circuits.netlist import PinNames
from graphcl.errors import GraphclError
from graphcl.runtime.atomic import torch_save_atomic
from graphcl.typing import PathType

if TYPE_CHECKING:
    from torch_geometric.data import HeteroData

FORMAT = "graphcl-circuit-graph"
VERSION = 1


class CircuitGraphError(GraphclError, ValueError):
    """A file that is not a saved circuit graph (or an attribute that cannot be saved)."""


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, torch.Tensor | str | int | float | bool) or value is None:
        return value
    if isinstance(value, PinNames):
        return {
            "__pin_names__": True,
            "pin_device": torch.from_numpy(np.asarray(value.pin_device, dtype=np.int64)),
            "pin_label": torch.from_numpy(np.asarray(value.pin_label, dtype=np.int64)),
            "labels": list(value.labels),
        }
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return list(value)
    raise CircuitGraphError(f"cannot save attribute {where} of type {type(value).__name__}")


def save_circuit_graph(graph: HeteroData, path: PathType) -> None:
    """Write ``graph`` (from :func:`~graphcl.circuits.graph.to_graph`) to ``path``.

    Raises:
        CircuitGraphError: an attribute that is not a tensor, a number, a string or a list of
            them.

    Example:
        >>> save_circuit_graph(graph, "design.pt")      # doctest: +SKIP
        >>> load_circuit_graph("design.pt")             # doctest: +SKIP
    """
    payload: dict[str, Any] = {"format": FORMAT, "version": VERSION, "graph": {}, "nodes": {}}
    for key, value in graph.items():
        payload["graph"][key] = _plain(value, key)
    for node_type in graph.node_types:
        payload["nodes"][node_type] = {
            key: _plain(value, f"{node_type}.{key}") for key, value in graph[node_type].items()
        }
    payload["edges"] = [
        {
            "type": list(edge_type),
            "attrs": {
                key: _plain(value, f"{'__'.join(edge_type)}.{key}")
                for key, value in graph[edge_type].items()
            },
        }
        for edge_type in graph.edge_types
    ]
    torch_save_atomic(payload, path)


def load_circuit_graph(path: PathType) -> HeteroData:
    """Read a graph written by :func:`save_circuit_graph` (with ``weights_only=True``).

    Raises:
        CircuitGraphError: the file is not a saved circuit graph.
    """
    from torch_geometric.data import HeteroData

    try:
        payload = torch.load(os.fspath(path), weights_only=True)
    except Exception as exc:  # unpickling errors have many types
        raise CircuitGraphError(f"{path}: not a saved circuit graph ({exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CircuitGraphError(f"{path}: not a saved circuit graph (format key missing)")
    if payload.get("version") != VERSION:
        raise CircuitGraphError(
            f"{path}: circuit graph version {payload.get('version')}, this graphcl reads {VERSION}"
        )
    graph = HeteroData()
    for key, value in payload["graph"].items():
        setattr(graph, key, value)
    for node_type, attrs in payload["nodes"].items():
        store = graph[node_type]
        for key, value in attrs.items():
            if isinstance(value, dict) and value.get("__pin_names__"):
                continue
            store[key] = value
    for node_type, attrs in payload["nodes"].items():
        for key, value in attrs.items():
            if isinstance(value, dict) and value.get("__pin_names__"):
                graph[node_type][key] = PinNames(
                    graph["device"].names,
                    value["pin_device"].numpy(),
                    value["pin_label"].numpy(),
                    value["labels"],
                )
    for edge in payload["edges"]:
        store = graph[tuple(edge["type"])]
        for key, value in edge["attrs"].items():
            store[key] = value
    return graph
