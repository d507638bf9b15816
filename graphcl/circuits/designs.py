"""The labelled CirGPS / CircuitGCL circuit designs: the npz mirror and the published ``.pt`` files.

CircuitGCL (Shen et al., 2025, arXiv 2507.06535) and CirGPS publish their SRAM and mixed-signal
designs as ``torch.save`` files of a list with one PyG ``HeteroData``, extracted by the authors
with a commercial parasitic-extraction tool. Power and ground nets are removed. The layout,
checked on ``digtime`` (``DIGITAL_CLK_GEN``, cell ``8T_digitized_timing_top_fast``):

``graph['net']``
    ``x`` float32 (1048, 17): per-net circuit statistics (counts, non-negative, up to 3666;
    column meanings are not documented by the authors); ``y`` float32 (1048, 1): lumped ground
    capacitance of the net in farads, 0 to 8.63e-15 F (366 nets are exactly 0, 3 are >= 1 fF).
``graph['device']``
    ``x`` float32 (4133, 16): per-device features (0 to 4; undocumented columns).
``graph['pin']``
    ``x`` int64 (12399, 1): pin type code 0, 1 or 2, each present once per device (4133 each:
    every device has three terminals; which code is drain, gate or source is not documented);
    ``y`` float32 (12399, 1): lumped ground capacitance of the pin in farads, 0 to 7.54e-17 F
    (7517 pins are exactly 0).
Structural edges (int64 ``edge_index``, one direction only)
    ``('device', 'device-net', 'net')`` (2, 11825); ``('device', 'device-pin', 'pin')``
    (2, 12399); ``('pin', 'pin-net', 'net')`` (2, 12399), one net per pin.
Labelled coupling-capacitance edges (``edge_index`` int64 (2, E), ``y`` float32 (E,) in farads)
    ``('pin', 'cc_p2n', 'net')`` E = 19840, 3.10e-25 to 9.77e-17 F;
    ``('pin', 'cc_p2p', 'pin')`` E = 22259, 3.10e-25 to 9.40e-17 F;
    ``('net', 'cc_n2n', 'net')`` E = 2252, 4.91e-21 to 4.62e-14 F.
    Each unordered pair appears once, in no particular orientation; no label is 0 or NaN.

:func:`load_cirgps_npz` reads the npz mirror (``np.load(allow_pickle=False)``; keys
``node__<type>__<attr>`` and ``edge__<src>__<rel>__<dst>__<attr>``), :func:`load_cirgps_pt`
the published ``.pt`` files without arbitrary unpickling, :func:`load_cirgps` either by
extension. Both return the graph exactly as stored (relation names ``cc_p2n`` ...; node
``y`` of shape (N, 1)). :func:`cirgps_to_graphcl` renames it to the layout that
:func:`~graphcl.circuits.parasitics.attach_parasitics` writes for a user's own netlist and
parasitics (``('pin', 'cc', 'net')`` with ``edge_label``, ``y_ground`` ...), so models and
label transforms see one layout whatever the source.

:data:`PUBLISHED_DESIGNS` lists the canonical URLs (CircuitGCL's README) and what is known of
each file.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from graphcl.errors import DatasetError
from graphcl.typing import PathType

if TYPE_CHECKING:
    from torch_geometric.data import HeteroData


@dataclass(frozen=True)
class PublishedDesign:
    """One labelled design of CircuitGCL / CirGPS.

    Attributes:
        name: the design's name in the paper (``DIGITAL_CLK_GEN``).
        key: the file stem (``digtime``).
        url: the canonical download URL (CircuitGCL's README).
        sha256: SHA-256 of the file, when a copy has been checked; None otherwise.
        sha256_of: which copy ``sha256`` was computed on.
        mirror: path of a copy under the data mirror (``GRAPHCL_DATA_MIRROR``), or None.
        npz_mirror: path of the npz conversion under the mirror (read without unpickling).
        npz_sha256: SHA-256 of that npz.
        note: provenance and caveats.
    """

    name: str
    key: str
    url: str
    sha256: str | None = None
    sha256_of: str = ""
    mirror: str | None = None
    npz_mirror: str | None = None
    npz_sha256: str | None = None
    note: str = ""


_S3 = "https://circuitgcl-sram.s3.ap-southeast-2.amazonaws.com/raw/{}.pt"
_NOT_OBTAINED = "hosted outside git (S3); not obtained, no checksum known"

#: The published designs by file stem. Only ``digtime`` has a known checksum and a mirror copy
#: (``shared/data/circuits/cirgps_digtime``, from ShenShan123/CirGPS @ 5f07ad8f61fe, MIT).
PUBLISHED_DESIGNS: Mapping[str, PublishedDesign] = {
    design.key: design
    for design in (
        PublishedDesign("SSRAM", "ssram", _S3.format("ssram"), note=_NOT_OBTAINED),
        PublishedDesign(
            "DIGITAL_CLK_GEN",
            "digtime",
            _S3.format("digtime"),
            sha256="c29ed514c585fb0c287ac54778193d64cdb95b437e0ea1d18ae88611b9ec12a7",
            sha256_of=(
                "datasets/sram/raw/digtime.pt of ShenShan123/CirGPS @ "
                "5f07ad8f61fee69068239804abb29292173b96ea (git blob 69f15748b710); the S3 copy "
                "is the same design but was not checked byte for byte"
            ),
            mirror="circuits/cirgps_digtime/digtime.pt",
            npz_mirror="circuits/cirgps_digtime/digtime.npz",
            npz_sha256="3077ada2a56380f72c744eaba941b1f598413d8de738c45996f19159f6e39692",
            note="cell 8T_digitized_timing_top_fast; a CircuitGCL test design; MIT (CirGPS)",
        ),
        PublishedDesign(
            "TIMING_CTRL", "timing_ctrl", _S3.format("timing_ctrl"), note=_NOT_OBTAINED
        ),
        PublishedDesign(
            "ARRAY_128_32", "array_128_32_8t", _S3.format("array_128_32_8t"), note=_NOT_OBTAINED
        ),
        PublishedDesign("ULTRA8T", "ultra8t", _S3.format("ultra8t"), note=_NOT_OBTAINED),
        PublishedDesign("SANDWICH-RAM", "sandwich", _S3.format("sandwich"), note=_NOT_OBTAINED),
        PublishedDesign("SP8192W", "sp8192w", _S3.format("sp8192w"), note=_NOT_OBTAINED),
    )
}

#: The labelled coupling relations of the CirGPS files.
CIRGPS_COUPLING_TYPES: tuple[tuple[str, str, str], ...] = (
    ("pin", "cc_p2n", "net"),
    ("pin", "cc_p2p", "pin"),
    ("net", "cc_n2n", "net"),
)
#: The structural relations of the CirGPS files (one direction each).
CIRGPS_STRUCTURAL_TYPES: tuple[tuple[str, str, str], ...] = (
    ("device", "device-net", "net"),
    ("device", "device-pin", "pin"),
    ("pin", "pin-net", "net"),
)
#: CirGPS relation -> the relation graphcl uses (as built by ``to_graph`` and
#: ``attach_parasitics``).
CIRGPS_TO_GRAPHCL: Mapping[tuple[str, str, str], tuple[str, str, str]] = {
    ("pin", "cc_p2n", "net"): ("pin", "cc", "net"),
    ("pin", "cc_p2p", "pin"): ("pin", "cc", "pin"),
    ("net", "cc_n2n", "net"): ("net", "cc", "net"),
    ("device", "device-net", "net"): ("device", "connects", "net"),
    ("device", "device-pin", "pin"): ("device", "has", "pin"),
    ("pin", "pin-net", "net"): ("pin", "connects", "net"),
}
_REVERSE: Mapping[tuple[str, str, str], tuple[str, str, str]] = {
    ("device", "connects", "net"): ("net", "connects", "device"),
    ("device", "has", "pin"): ("pin", "of", "device"),
    ("pin", "connects", "net"): ("net", "connects", "pin"),
}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


# -- the npz mirror --------------------------------------------------------------------------------


def _parse_key(key: str, path: str) -> tuple[str | tuple[str, str, str], str]:
    parts = key.split("__")
    if parts[0] == "node" and len(parts) == 3 and all(_NAME.match(p) for p in parts[1:]):
        return parts[1], parts[2]
    if parts[0] == "edge" and len(parts) == 5 and all(_NAME.match(p) for p in parts[1:]):
        return (parts[1], parts[2], parts[3]), parts[4]
    raise DatasetError(
        f"{path}: unexpected key {key!r}; a CirGPS npz has keys node__<type>__<attr> and "
        "edge__<src>__<rel>__<dst>__<attr>"
    )


def load_cirgps_npz(path: PathType) -> HeteroData:
    """Read a CirGPS design converted to npz (``digtime.npz``) as a PyG ``HeteroData``.

    The file is read with ``np.load(allow_pickle=False)``: it holds only numeric arrays, so
    nothing in it can run code. Keys ``node__<type>__<attr>`` become node attributes and
    ``edge__<src>__<rel>__<dst>__<attr>`` edge attributes, unchanged (see the module docstring
    for digtime's layout: labels ``y`` in farads).

    Args:
        path: the ``.npz`` file.

    Returns:
        The design; tensors share nothing with the file (``torch.from_numpy`` of loaded arrays).

    Raises:
        DatasetError: the file is missing or not an npz of plain arrays, a key is not of the two
            forms, an ``edge_index`` is not int (2, E) or points past its node type, an edge
            attribute's length differs from E, or a node type's attributes disagree on N.

    Example:
        >>> graph = load_cirgps_npz("cirgps_digtime/digtime.npz")  # doctest: +SKIP
        >>> graph["net", "cc_n2n", "net"].y.shape                  # doctest: +SKIP
        torch.Size([2252])
    """
    from torch_geometric.data import HeteroData

    shown = os.fspath(path)
    try:
        with np.load(shown, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise DatasetError(f"{shown}: file not found") from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{shown}: not an npz of plain arrays ({exc})") from exc
    nodes: dict[str, dict[str, np.ndarray]] = {}
    edges: dict[tuple[str, str, str], dict[str, np.ndarray]] = {}
    for key, array in arrays.items():
        owner, attr = _parse_key(key, shown)
        if isinstance(owner, str):
            nodes.setdefault(owner, {})[attr] = array
        else:
            edges.setdefault(owner, {})[attr] = array
    counts: dict[str, int] = {}
    for node_type, attrs in nodes.items():
        sizes = {name: int(a.shape[0]) if a.ndim else -1 for name, a in attrs.items()}
        if len(set(sizes.values())) != 1 or -1 in sizes.values():
            raise DatasetError(f"{shown}: node type {node_type!r} attributes disagree on N {sizes}")
        counts[node_type] = next(iter(sizes.values()))
    graph = HeteroData()
    for node_type, attrs in nodes.items():
        for name, array in attrs.items():
            graph[node_type][name] = torch.from_numpy(array)
    for edge_type, attrs in edges.items():
        source, _, target = edge_type
        where = f"edge__{'__'.join(edge_type)}"
        index = attrs.get("edge_index")
        if index is None:
            raise DatasetError(f"{shown}: {where} has attributes but no edge_index")
        if index.ndim != 2 or index.shape[0] != 2 or index.dtype.kind not in "iu":
            raise DatasetError(
                f"{shown}: {where}__edge_index must be an int (2, E) array, got "
                f"{index.dtype} {index.shape}"
            )
        for end, node_type in ((0, source), (1, target)):
            if node_type not in counts:
                raise DatasetError(
                    f"{shown}: {where} refers to node type {node_type!r} with no data"
                )
            if index.shape[1] and (index[end].min() < 0 or index[end].max() >= counts[node_type]):
                raise DatasetError(
                    f"{shown}: {where}__edge_index row {end} leaves 0..{counts[node_type] - 1} "
                    f"({node_type!r} nodes)"
                )
        for name, array in attrs.items():
            if name != "edge_index" and (array.ndim == 0 or array.shape[0] != index.shape[1]):
                raise DatasetError(
                    f"{shown}: {where}__{name} has shape {array.shape}, expected "
                    f"({index.shape[1]}, ...) like its edge_index"
                )
            graph[edge_type][name] = torch.from_numpy(
                array.astype(np.int64) if name == "edge_index" else array
            )
    return graph


# -- the published .pt files ---------------------------------------------------------------------


class UnsafePickleError(DatasetError):
    """A design file whose pickle names a global outside the allow-list (it is not loaded).

    Attributes:
        path: the file, as given.
        global_name: the refused ``module.name``.
    """

    def __init__(self, path: str, global_name: str) -> None:
        self.path = path
        self.global_name = global_name
        super().__init__(
            f"{path}: refusing to unpickle the global {global_name} (not on graphcl's allow-list "
            "for CirGPS/CircuitGCL design files: "
            + ", ".join(sorted(f"{m}.{n}" for m, n in _allowed_names()))
            + "); the file may be corrupt, malicious or written by another torch_geometric"
        )


@dataclass(frozen=True)
class _StorageKind:
    """Stand-in for a ``torch.<Type>Storage`` global: only a dtype, not callable."""

    dtype: torch.dtype


_STORAGE_KINDS: Mapping[str, torch.dtype] = {
    "FloatStorage": torch.float32,
    "DoubleStorage": torch.float64,
    "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}

_PYG_CLASSES: tuple[tuple[str, str], ...] = (
    ("torch_geometric.data.hetero_data", "HeteroData"),
    ("torch_geometric.data.storage", "BaseStorage"),
    ("torch_geometric.data.storage", "NodeStorage"),
    ("torch_geometric.data.storage", "EdgeStorage"),
    ("torch_geometric.data.graph_store", "EdgeAttr"),
    ("torch_geometric.data.feature_store", "TensorAttr"),
)


def _allowed_names() -> list[tuple[str, str]]:
    return [
        *_PYG_CLASSES,
        ("torch._utils", "_rebuild_tensor_v2"),
        ("collections", "OrderedDict"),
        *(("torch", name) for name in _STORAGE_KINDS),
    ]


def _rebuild_tensor(
    storage: Any,
    offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any = False,
    hooks: Any = None,
    metadata: Any = None,
) -> torch.Tensor:
    """``torch._utils._rebuild_tensor_v2`` limited to a plain CPU tensor view of a storage."""
    if not isinstance(storage, torch.Tensor) or storage.dim() != 1:
        raise pickle.UnpicklingError("_rebuild_tensor_v2 needs a storage from this file")
    if not (
        isinstance(offset, int)
        and isinstance(size, tuple | torch.Size)
        and isinstance(stride, tuple)
        and all(isinstance(v, int) and v >= 0 for v in (offset, *size, *stride))
        and len(size) == len(stride)
    ):
        raise pickle.UnpicklingError("_rebuild_tensor_v2 with a malformed offset, size or stride")
    if hooks and len(hooks):
        raise pickle.UnpicklingError("tensors with backward hooks are not allowed")
    if metadata:
        raise pickle.UnpicklingError("tensors with metadata are not allowed")
    # as_strided checks the view stays inside the storage
    return torch.as_strided(storage, tuple(size), stride, offset)


class _DesignUnpickler(pickle.Unpickler):
    """Unpickles ``data.pkl`` of a torch zip file, resolving only the allow-listed globals and
    reading storages from the zip itself (never through ``torch.load``)."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str, source: str) -> None:
        self._archive = archive
        self._prefix = prefix
        self._source = source
        self._storages: dict[str, torch.Tensor] = {}
        names = set(archive.namelist())
        order = f"{prefix}byteorder"
        self._big_endian = order in names and archive.read(order).strip() == b"big"
        with archive.open(f"{prefix}data.pkl") as handle:
            self._data = handle.read()
        super().__init__(io.BytesIO(self._data), encoding="utf-8")
        from torch_geometric.data import feature_store, graph_store, hetero_data, storage

        modules = {
            "torch_geometric.data.hetero_data": hetero_data,
            "torch_geometric.data.storage": storage,
            "torch_geometric.data.graph_store": graph_store,
            "torch_geometric.data.feature_store": feature_store,
        }
        self._allowed: dict[tuple[str, str], Any] = {
            (module, name): getattr(modules[module], name) for module, name in _PYG_CLASSES
        }
        self._allowed[("torch._utils", "_rebuild_tensor_v2")] = _rebuild_tensor
        self._allowed[("collections", "OrderedDict")] = collections.OrderedDict
        for name, dtype in _STORAGE_KINDS.items():
            self._allowed[("torch", name)] = _StorageKind(dtype)

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(self._source, f"{module}.{name}") from None

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80}")
        _, kind, key, _location, numel = pid
        if not isinstance(kind, _StorageKind) or not isinstance(key, str) or not key.isdigit():
            raise pickle.UnpicklingError(f"unsupported storage reference {pid!r:.80}")
        if key in self._storages:
            return self._storages[key]
        try:
            raw = bytearray(self._archive.read(f"{self._prefix}data/{key}"))
        except KeyError:
            raise pickle.UnpicklingError(f"storage {key} is missing from the archive") from None
        itemsize = torch.empty(0, dtype=kind.dtype).element_size()
        if not isinstance(numel, int) or len(raw) != numel * itemsize:
            raise pickle.UnpicklingError(
                f"storage {key} holds {len(raw)} bytes, expected {numel} x {itemsize}"
            )
        if self._big_endian and itemsize > 1:
            raw = bytearray(np.frombuffer(raw, np.uint8).reshape(-1, itemsize)[:, ::-1].tobytes())
        tensor = (
            torch.frombuffer(raw, dtype=kind.dtype) if raw else torch.empty(0, dtype=kind.dtype)
        )
        self._storages[key] = tensor
        return tensor


def load_cirgps_pt(path: PathType) -> HeteroData:
    """Read a published CirGPS / CircuitGCL design (``digtime.pt`` ...) without running its code.

    **Which loader, and why it is safe.** These files are ``torch.save`` zip archives of a list
    with one PyG ``HeteroData``; ``torch.load(weights_only=False)`` would unpickle them with the
    standard unpickler, which imports and calls any ``module.name`` the file names (a crafted
    file can run ``os.system``), and ``weights_only=True`` refuses PyG's storage classes. This
    function opens the zip itself and unpickles ``data.pkl`` with a ``pickle.Unpickler``
    subclass whose ``find_class`` resolves exactly these globals and refuses every other one
    with :class:`UnsafePickleError` (naming the file and the global):

    * ``torch_geometric.data.hetero_data.HeteroData``, ``torch_geometric.data.storage.
      BaseStorage`` / ``NodeStorage`` / ``EdgeStorage``, ``torch_geometric.data.graph_store.
      EdgeAttr``, ``torch_geometric.data.feature_store.TensorAttr``: data containers whose
      unpickling only fills attribute dicts (``__setstate__`` stores the values);
    * ``torch._utils._rebuild_tensor_v2``: replaced by a stand-in that only makes a strided
      view of a storage read from this archive (bounds checked; hooks and metadata refused);
    * ``torch.FloatStorage``, ``LongStorage`` ... (the ten numeric storage types): replaced by
      non-callable dtype markers; the storage bytes come from ``data/<key>`` in the zip via
      ``torch.frombuffer`` (never through ``torch.load``), checked against the declared size;
    * ``collections.OrderedDict`` (the empty backward-hook dict of each tensor).

    digtime needs exactly these PyG classes, ``_rebuild_tensor_v2``, ``FloatStorage``,
    ``LongStorage`` and ``OrderedDict``; the other published designs come from the same code
    and are expected to need the same (an unexpected global is refused, never resolved).
    Tensors are always loaded on the CPU; big-endian archives (a ``byteorder`` record) are
    byte-swapped.

    Args:
        path: the ``.pt`` file.

    Returns:
        The design's ``HeteroData``, as stored (see the module docstring for the layout).

    Raises:
        UnsafePickleError: the pickle names a global outside the allow-list.
        DatasetError: the file is missing, not a torch zip archive (the legacy pre-1.6 format is
            not read), malformed, or does not hold a list with one ``HeteroData``.

    Example:
        >>> graph = load_cirgps_pt("cirgps_digtime/digtime.pt")  # doctest: +SKIP
        >>> graph["pin", "cc_p2p", "pin"].y.dtype                # doctest: +SKIP
        torch.float32
    """
    from torch_geometric.data import HeteroData

    shown = os.fspath(path)
    if not Path(shown).is_file():
        raise DatasetError(f"{shown}: file not found")
    try:
        archive = zipfile.ZipFile(shown)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DatasetError(
            f"{shown}: not a torch zip archive ({exc}); the legacy (pre-1.6) torch.save format is "
            "not read, re-save it with a current torch in a trusted environment"
        ) from None
    with archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise DatasetError(f"{shown}: expected one <archive>/data.pkl, found {pickles}")
        prefix = pickles[0][: -len("data.pkl")]
        try:
            obj = _DesignUnpickler(archive, prefix, shown).load()
        except UnsafePickleError:
            raise
        except Exception as exc:  # a malformed stream fails in many ways; all are the file's
            raise DatasetError(
                f"{shown}: not a readable CirGPS design ({type(exc).__name__}: {exc})"
            ) from exc
    if isinstance(obj, list | tuple) and len(obj) == 1:
        obj = obj[0]
    if not isinstance(obj, HeteroData):
        raise DatasetError(
            f"{shown}: expected a list with one HeteroData, got {type(obj).__name__}"
            + (f" of length {len(obj)}" if isinstance(obj, list | tuple) else "")
        )
    for store in obj.stores:
        for key, value in store.items():
            # a pickle can BUILD state onto a tensor: refuse gradients and hooks it may have set
            if isinstance(value, torch.Tensor) and (
                value.requires_grad or getattr(value, "_backward_hooks", None)
            ):
                raise DatasetError(f"{shown}: tensor {key!r} carries gradient state or hooks")
    return obj


def load_cirgps(path: PathType) -> HeteroData:
    """:func:`load_cirgps_npz` for ``.npz`` files, :func:`load_cirgps_pt` otherwise."""
    if os.fspath(path).lower().endswith(".npz"):
        return load_cirgps_npz(path)
    return load_cirgps_pt(path)


def cirgps_to_graphcl(graph: HeteroData) -> HeteroData:
    """A CirGPS design in graphcl's circuit-graph layout (a new object; the input is kept).

    * coupling relations ``cc_p2n`` / ``cc_p2p`` / ``cc_n2n`` become ``('pin', 'cc', 'net')``,
      ``('pin', 'cc', 'pin')``, ``('net', 'cc', 'net')`` with the labels (farads) as 1-D
      ``edge_label``, as :func:`~graphcl.circuits.parasitics.attach_parasitics` writes them;
    * node ``y`` (N, 1) ground capacitances become 1-D ``y_ground`` (farads);
    * structural relations become graphcl's names (:data:`CIRGPS_TO_GRAPHCL`), and their
      reverse directions are added as :func:`~graphcl.circuits.graph.to_graph` builds them
      (coupling edges stay one direction per pair);
    * ``x`` and every other attribute are kept as they are (the feature columns differ from
      graphcl's own ``NET_FEATURES``/``DEVICE_FEATURES``).

    Raises:
        DatasetError: an edge type outside :data:`CIRGPS_TO_GRAPHCL`.
    """
    from torch_geometric.data import HeteroData

    out = HeteroData()
    for node_type in graph.node_types:
        for key, value in graph[node_type].items():
            if key == "y" and isinstance(value, torch.Tensor):
                out[node_type].y_ground = value.reshape(-1)
            else:
                out[node_type][key] = value
    for edge_type in graph.edge_types:
        target = CIRGPS_TO_GRAPHCL.get(edge_type)
        if target is None:
            raise DatasetError(
                f"unexpected CirGPS edge type {edge_type}; known: "
                + ", ".join(str(t) for t in CIRGPS_TO_GRAPHCL)
            )
        for key, value in graph[edge_type].items():
            if key == "y" and isinstance(value, torch.Tensor):
                out[target].edge_label = value.reshape(-1)
            else:
                out[target][key] = value
        reverse = _REVERSE.get(target)
        if reverse is not None:
            out[reverse].edge_index = graph[edge_type].edge_index.flip(0)
    return out
