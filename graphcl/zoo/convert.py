"""pretrain-gnns state dicts -> graphcl conv-stack encoders.

pretrain-gnns (and GraphCL's and GraphMAE's chemistry code, which reuse its model) saves the
``state_dict`` of its ``GNN`` module. Its parameters map onto a
:class:`~graphcl.encoders.conv_stack.ConvStackEncoder` built for the ``pretrain_gnns`` featurizer
(atom columns (119, 3), bond columns (4, 3)) as follows, for every layer ``i``:

===========================================  ==================================================
pretrain-gnns                                 graphcl
===========================================  ==================================================
``x_embedding1.weight`` (120, D)              ``node_embedding.embedding.tables.0.weight``
``x_embedding2.weight`` (3, D)                ``node_embedding.embedding.tables.1.weight`` (4, D)
``gnns.i.edge_embedding1.weight`` (6, W)      ``convs.i.edge_embedding.embedding.tables.0.weight``
``gnns.i.edge_embedding2.weight`` (3, W)      ``convs.i.edge_embedding.embedding.tables.1.weight``
                                              (5, W)
``batch_norms.i.*``                           ``norms.i.*``
gin: ``gnns.i.mlp.{0,2}.*``                   ``convs.i.mlp.{0,2}.*``
gcn, graphsage: ``gnns.i.linear.*``           ``convs.i.linear.*``
gat: ``gnns.i.weight_linear.*``,              ``convs.i.weight_linear.*``, ``convs.i.att``,
``gnns.i.att``, ``gnns.i.bias``               ``convs.i.bias``
===========================================  ==================================================

(``W`` is ``D`` except for GAT, whose edge tables have ``heads * D`` columns.) Where graphcl has
rows that pretrain-gnns lacks, they get the row pretrain-gnns uses in their place: pretrain-gnns
writes chirality 0 for a masked atom and bond direction 0 for self-loops and masked bonds, so
graphcl's chirality mask token (row 3) and its bond-direction self-loop and added-edge tokens
(rows 3 and 4) are copies of row 0. The converted encoder then computes the published function
(a test compares it with a forward pass written from the paper's equations).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from graphcl.errors import CheckpointError

#: Parameters of one pretrain-gnns layer, by ``gnn_type`` (besides its two edge tables).
LAYER_PARAMETERS = {
    "gin": ("mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"),
    "gcn": ("linear.weight", "linear.bias"),
    "graphsage": ("linear.weight", "linear.bias"),
    "gat": ("weight_linear.weight", "weight_linear.bias", "att", "bias"),
}
_NORM = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
_EDGE = ("edge_embedding1.weight", "edge_embedding2.weight")
_LAYER_KEY = re.compile(r"^gnns\.(\d+)\.")
#: rows that graphcl adds after a published table, and the published row they copy
_CHIRALITY_ROWS = 4  # 3 tags + mask token
_DIRECTION_ROWS = 5  # 3 directions + self-loop + added edge


def expected_keys(gnn_type: str, num_layers: int) -> list[str]:
    """The state-dict keys of a pretrain-gnns ``GNN`` with ``num_layers`` layers of
    ``gnn_type``."""
    keys = ["x_embedding1.weight", "x_embedding2.weight"]
    for i in range(num_layers):
        keys += [f"gnns.{i}.{name}" for name in (*LAYER_PARAMETERS[gnn_type], *_EDGE)]
    for i in range(num_layers):
        keys += [f"batch_norms.{i}.{name}" for name in _NORM]
    return keys


def _looks_like(keys: set[str]) -> list[str]:
    """The gnn_types whose layer parameters ``keys`` hold."""
    return [
        name
        for name, parameters in LAYER_PARAMETERS.items()
        if all(f"gnns.0.{p}" in keys for p in parameters)
    ]


def _listing(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" ... ({len(keys)} in all)" if len(keys) > limit else "")


def describe_state(state: Mapping[str, Any], gnn_type: str, source: str) -> dict[str, int]:
    """Sizes of the pretrain-gnns ``GNN`` a state dict holds: ``num_layers``, ``hidden`` and
    (``gat``) ``heads``, checked against the keys that architecture has.

    Raises:
        CheckpointError: the keys are not those of a pretrain-gnns ``GNN`` of ``gnn_type``; the
            message names ``source`` and lists the missing and unexpected keys.
    """
    if gnn_type not in LAYER_PARAMETERS:
        raise CheckpointError(
            f"{source}: gnn_type must be one of {', '.join(LAYER_PARAMETERS)}, got {gnn_type!r}"
        )
    keys = set(state)
    layers = {int(m.group(1)) for k in keys if (m := _LAYER_KEY.match(k))}
    num_layers = max(layers) + 1 if layers else 0
    expected = expected_keys(gnn_type, num_layers)
    missing = [k for k in expected if k not in keys]
    unexpected = sorted(keys - set(expected))
    if missing or unexpected or num_layers == 0:
        problems = []
        if missing:
            problems.append(f"missing keys: {_listing(missing)}")
        if unexpected:
            problems.append(f"unexpected keys: {_listing(unexpected)}")
        hint = ""
        kinds = [k for k in _looks_like(keys) if k != gnn_type]
        if kinds and gnn_type not in _looks_like(keys):
            hint = f" (its layers look like pretrain-gnns {' or '.join(kinds)} layers)"
        elif unexpected and all(k.startswith(("gnn.", "graph_pred_linear.")) for k in unexpected):
            hint = (
                " (keys under 'gnn.': a fine-tuned GNN_graphpred; save its .gnn's state_dict "
                "instead)"
            )
        raise CheckpointError(
            f"{source}: not a pretrain-gnns {gnn_type} GNN state dict{hint}; "
            + "; ".join(problems or ["no layers (no 'gnns.<i>.' keys)"])
        )
    embedding = state["x_embedding1.weight"]
    sizes = {"num_layers": num_layers, "hidden": int(embedding.shape[1])}
    if gnn_type == "gat":
        sizes["heads"] = int(state["gnns.0.att"].shape[1])
    return sizes


def _padded(table: Tensor, rows: int, key: str, source: str) -> Tensor:
    """``table`` with copies of its row 0 appended up to ``rows`` rows."""
    if table.dim() != 2 or table.shape[0] > rows:
        raise CheckpointError(
            f"{source}: {key} has shape {tuple(table.shape)}; expected at most {rows} rows"
        )
    extra = table[:1].expand(rows - table.shape[0], -1)
    return torch.cat([table, extra]).contiguous()


def convert_pretrain_gnns_state(
    state: Mapping[str, Any], gnn_type: str, *, source: str = "<state dict>"
) -> dict[str, Tensor]:
    """Map a pretrain-gnns ``GNN`` state dict onto graphcl's conv-stack parameter names.

    Args:
        state: the published ``state_dict`` (``torch.load`` of a ``.pth`` file).
        gnn_type: pretrain-gnns' layer kind: ``gin``, ``gcn``, ``graphsage`` or ``gat``.
        source: the file, for messages.

    Returns:
        The state dict of a :class:`~graphcl.encoders.conv_stack.ConvStackEncoder` with layer
        ``gin``, ``gcn``, ``graphsage`` or ``gat_pretrain_gnns`` over the ``pretrain_gnns``
        feature specs (see the table in :mod:`graphcl.zoo.convert`).

    Raises:
        CheckpointError: the keys do not match (missing and unexpected ones are listed), or a
            table has more rows than graphcl's vocabulary gives it.

    Example:
        >>> convert_pretrain_gnns_state({}, "gin")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        graphcl.errors.CheckpointError: <state dict>: not a pretrain-gnns gin GNN state dict; ...
    """
    sizes = describe_state(state, gnn_type, source)
    out: dict[str, Tensor] = {
        "node_embedding.embedding.tables.0.weight": state["x_embedding1.weight"],
        "node_embedding.embedding.tables.1.weight": _padded(
            state["x_embedding2.weight"], _CHIRALITY_ROWS, "x_embedding2.weight", source
        ),
    }
    for i in range(sizes["num_layers"]):
        layer = f"gnns.{i}."
        for name in LAYER_PARAMETERS[gnn_type]:
            out[f"convs.{i}.{name}"] = state[layer + name]
        edge = f"convs.{i}.edge_embedding.embedding.tables."
        out[edge + "0.weight"] = state[layer + "edge_embedding1.weight"]
        out[edge + "1.weight"] = _padded(
            state[layer + "edge_embedding2.weight"],
            _DIRECTION_ROWS,
            layer + "edge_embedding2.weight",
            source,
        )
        for name in _NORM:
            out[f"norms.{i}.{name}"] = state[f"batch_norms.{i}.{name}"]
    return out
