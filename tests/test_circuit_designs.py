"""CirGPS / CircuitGCL labelled designs (the digtime npz and pt, the allow-list unpickler, the
published-design table) and CircuitGCL's capacitance label transform."""

from __future__ import annotations

import hashlib
import io
import math
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from graphcl.circuits.designs import (
    CIRGPS_COUPLING_TYPES,
    CIRGPS_STRUCTURAL_TYPES,
    PUBLISHED_DESIGNS,
    UnsafePickleError,
    cirgps_to_graphcl,
    load_cirgps,
    load_cirgps_npz,
    load_cirgps_pt,
)
from graphcl.circuits.labels import MISSING_CLASS, CapacitanceTransform
from graphcl.errors import DatasetError

DIGTIME = "circuits/cirgps_digtime"


# -- the label transform ------------------------------------------------------------------------


def test_transform_formula_and_round_trip() -> None:
    transform = CapacitanceTransform()
    farads = np.logspace(-21, -15, 61)
    scaled = transform.forward(farads)
    assert isinstance(scaled, np.ndarray) and scaled.dtype == np.float64
    np.testing.assert_allclose(scaled, np.log10(farads * 1e21) / 6, rtol=0, atol=1e-15)
    np.testing.assert_allclose(transform.inverse(scaled), farads, rtol=1e-13)
    grid = np.linspace(0, 1, 101)
    np.testing.assert_allclose(transform.forward(transform.inverse(grid)), grid, atol=1e-14)
    assert transform.forward(1e-18) == 0.5 and transform(1e-18) == 0.5
    assert math.isclose(transform.inverse(0.5), 1e-18, rel_tol=1e-15)


def test_transform_clips_and_handles_zero_negative_nan_inf() -> None:
    values = [1e-23, 1e-21, 1e-14, math.inf, 0.0, -2e-18, -math.inf, math.nan]
    clip = CapacitanceTransform()
    out = clip.forward(values)
    assert out[:4].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert out[4:7].tolist() == [0.0, 0.0, 0.0]  # zero and negative: below the range
    assert math.isnan(out[7])  # missing stays missing, the only NaN
    assert clip.classes(values).tolist() == [0, 0, 4, 4, 0, 0, 0, MISSING_CLASS]
    nan = CapacitanceTransform(nonpositive="nan")
    out = nan.forward(values)
    assert out[:4].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert all(math.isnan(v) for v in out[4:])
    assert nan.classes(values).tolist() == [0, 0, 4, 4, -1, -1, -1, -1]
    strict = CapacitanceTransform(nonpositive="raise")
    with pytest.raises(ValueError, match=r"2 capacitance\(s\) are zero or negative .* index 1"):
        strict.forward([1e-18, 0.0, -1e-18])
    with pytest.raises(ValueError, match="zero or negative"):
        strict.classes([0.0])
    assert strict.forward(1e-18) == 0.5
    # inverse: clipping by default, NaN kept, or an error
    assert clip.inverse([-0.5, 1.5]).tolist() == [1e-21, pytest.approx(1e-15, rel=1e-15)]
    assert math.isnan(clip.inverse(math.nan))
    with pytest.raises(ValueError, match=r"1 scaled value\(s\) outside \[0, 1\]"):
        clip.inverse([0.5, 1.2], clip=False)


def test_class_edges_in_farads() -> None:
    transform = CapacitanceTransform()
    ranges = transform.class_ranges()
    assert len(ranges) == transform.num_classes == 5
    assert ranges[0][0] == 1e-21 and ranges[-1][1] == 1e-15
    edges = [low for low, _ in ranges[1:]]
    np.testing.assert_allclose(edges, [10 ** (-21 + 6 * b) for b in (0.2, 0.4, 0.6, 0.8)])
    for k, (low, high) in enumerate(ranges):
        assert high == (ranges[k + 1][0] if k < 4 else 1e-15)
        # a value exactly on an edge belongs to the upper class
        assert transform.classes(low) == k
        assert transform.classes(np.nextafter(high, 0)) == k
        middle = math.sqrt(low * high)
        assert transform.classes(middle) == k
        assert transform.forward(middle) == pytest.approx(0.1 + 0.2 * k)
    custom = CapacitanceTransform(1e-18, 1e-12, boundaries=(0.5,))
    assert custom.classes([1e-16, 1e-15, 1e-14]).tolist() == [0, 1, 1]
    assert custom.to_dict() == {
        "low": 1e-18,
        "high": 1e-12,
        "boundaries": [0.5],
        "nonpositive": "clip",
    }
    assert CapacitanceTransform(**custom.to_dict()) == custom
    assert "boundaries=(0.5,)" in repr(custom)


def test_tensors_keep_their_dtype() -> None:
    transform = CapacitanceTransform()
    values = torch.tensor([1e-19, 1e-17, 0.0, math.nan], dtype=torch.float32)
    scaled = transform.forward(values)
    assert isinstance(scaled, torch.Tensor) and scaled.dtype == torch.float32
    assert scaled[:3].tolist() == pytest.approx([1 / 3, 2 / 3, 0.0])
    classes = transform.classes(values)
    assert classes.dtype == torch.int64 and classes.tolist() == [1, 3, 0, -1]
    assert transform.inverse(scaled).dtype == torch.float32
    assert transform.forward(torch.tensor([1, 2])).dtype == torch.float64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"low": 0.0}, "low must be a finite capacitance > 0"),
        ({"low": 1e-15, "high": 1e-18}, "high must be finite and > low"),
        ({"boundaries": (0.4, 0.2)}, "strictly increasing"),
        ({"boundaries": (0.0, 0.5)}, r"strictly inside \(0, 1\)"),
        ({"nonpositive": "zero"}, "nonpositive must be 'clip', 'nan' or 'raise'"),
    ],
)
def test_transform_checks_its_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CapacitanceTransform(**kwargs)  # type: ignore[arg-type]


# -- the safe loader on crafted files ------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _os_system_pickle(command: str) -> bytes:
    """A protocol-2 pickle calling ``os.system(command)`` through the ``GLOBAL`` opcode."""
    text = command.encode()
    return b"\x80\x02cos\nsystem\nX" + len(text).to_bytes(4, "little") + text + b"\x85R."


class _Evil:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (self.command,)


@pytest.mark.parametrize("protocol", ["GLOBAL", 2, 4, 5])
def test_other_globals_are_refused(tmp_path: Path, protocol: str | int) -> None:
    marker = tmp_path / "pwned"
    command = f"touch {marker}"
    if protocol == "GLOBAL":
        payload, name = _os_system_pickle(command), "os.system"
    else:
        payload = pickle.dumps([_Evil(command)], protocol=int(protocol))
        name = f"{os.system.__module__}.system"  # posix.system on Linux
    path = _zip(tmp_path / "evil.pt", {"evil/data.pkl": payload, "evil/version": b"3\n"})
    with pytest.raises(UnsafePickleError) as caught:
        load_cirgps_pt(path)
    assert not marker.exists()
    error = caught.value
    assert error.path == str(path) and error.global_name == name
    assert str(error).startswith(f"{path}: refusing to unpickle the global {name}")
    assert "torch_geometric.data.storage.NodeStorage" in str(error)  # the allow-list is listed
    assert isinstance(error, DatasetError)


def test_a_current_torch_save_round_trips(tmp_path: Path) -> None:
    from torch_geometric.data import HeteroData

    graph = HeteroData()
    graph["net"].x = torch.randn(3, 17)
    graph["net"].y = torch.rand(3, 1) * 1e-15
    graph["pin"].x = torch.tensor([[0], [1], [2]])
    graph["pin", "cc_p2n", "net"].edge_index = torch.tensor([[0, 1], [2, 0]])
    graph["pin", "cc_p2n", "net"].y = torch.tensor([1e-18, 2e-18], dtype=torch.float64)
    graph["pin", "cc_p2n", "net"].flag = torch.tensor([True, False])
    path = tmp_path / "mine.pt"
    torch.save([graph], path)
    loaded = load_cirgps_pt(path)
    assert isinstance(loaded, HeteroData)
    for key in ("x", "y"):
        assert torch.equal(loaded["net"][key], graph["net"][key])
    store = loaded["pin", "cc_p2n", "net"]
    assert store.y.dtype == torch.float64 and torch.equal(store.y, graph["pin", "cc_p2n", "net"].y)
    assert store.flag.tolist() == [True, False]
    assert load_cirgps(path)["pin"].x.tolist() == [[0], [1], [2]]
    # the storage of a view (a non-zero offset, strides) is rebuilt as saved
    graph["net"].x = torch.arange(20.0).reshape(4, 5)[1:, ::2]
    torch.save([graph], path)
    assert torch.equal(load_cirgps_pt(path)["net"].x, graph["net"].x)


def test_malformed_design_files(tmp_path: Path) -> None:
    from torch_geometric.data import HeteroData

    with pytest.raises(DatasetError, match="file not found"):
        load_cirgps_pt(tmp_path / "absent.pt")
    raw = tmp_path / "raw.pt"
    raw.write_bytes(_os_system_pickle(f"touch {tmp_path / 'pwned'}"))
    with pytest.raises(DatasetError, match="not a torch zip archive"):
        load_cirgps_pt(raw)
    assert not (tmp_path / "pwned").exists()
    plain = tmp_path / "dict.pt"
    torch.save({"a": torch.zeros(2)}, plain)
    with pytest.raises(DatasetError, match="expected a list with one HeteroData, got dict"):
        load_cirgps_pt(plain)
    two = tmp_path / "two.pt"
    torch.save([HeteroData(), HeteroData()], two)
    with pytest.raises(DatasetError, match="got list of length 2"):
        load_cirgps_pt(two)
    # torch globals beyond plain tensors are refused too
    with_parameter = HeteroData()
    with_parameter["net"].x = torch.nn.Parameter(torch.zeros(2))
    parameter = tmp_path / "parameter.pt"
    torch.save([with_parameter], parameter)
    with pytest.raises(UnsafePickleError, match=r"global torch\._utils\._rebuild_parameter"):
        load_cirgps_pt(parameter)
    # a storage whose bytes do not match its declared size
    graph = HeteroData()
    graph["net"].x = torch.zeros(4, 2)
    good = tmp_path / "good.pt"
    torch.save([graph], good)
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    storage = next(name for name in members if "/data/" in name)
    members[storage] = members[storage][:-4]
    with pytest.raises(DatasetError, match=r"holds 28 bytes, expected 8 x 4"):
        load_cirgps_pt(_zip(tmp_path / "short.pt", members))
    del members[storage]
    with pytest.raises(DatasetError, match="missing from the archive"):
        load_cirgps_pt(_zip(tmp_path / "nostorage.pt", members))


def test_npz_checks(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, **{"node__net__x": np.zeros((2, 3)), "weird": np.zeros(2)})
    with pytest.raises(DatasetError, match="unexpected key 'weird'"):
        load_cirgps_npz(path)
    np.savez(
        path,
        node__net__x=np.zeros((2, 3)),
        edge__net__cc_n2n__net__edge_index=np.array([[0, 1], [1, 2]]),
    )
    with pytest.raises(DatasetError, match=r"row 1 leaves 0\.\.1 \('net' nodes\)"):
        load_cirgps_npz(path)
    np.savez(
        path,
        node__net__x=np.zeros((2, 3)),
        edge__net__cc_n2n__net__edge_index=np.array([[0], [1]]),
        edge__net__cc_n2n__net__y=np.zeros(3),
    )
    with pytest.raises(DatasetError, match="has shape"):
        load_cirgps_npz(path)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object))
    with zipfile.ZipFile(tmp_path / "objects.npz", "w") as archive:
        archive.write(tmp_path / "objects.npy", "node__net__x.npy")
    with pytest.raises(DatasetError, match="not an npz of plain arrays"):
        load_cirgps_npz(tmp_path / "objects.npz")
    with pytest.raises(DatasetError, match="file not found"):
        load_cirgps_npz(tmp_path / "absent.npz")


def test_published_design_table() -> None:
    assert list(PUBLISHED_DESIGNS) == [
        "ssram",
        "digtime",
        "timing_ctrl",
        "array_128_32_8t",
        "ultra8t",
        "sandwich",
        "sp8192w",
    ]
    for key, design in PUBLISHED_DESIGNS.items():
        assert design.url == f"https://circuitgcl-sram.s3.ap-southeast-2.amazonaws.com/raw/{key}.pt"
    digtime = PUBLISHED_DESIGNS["digtime"]
    assert digtime.name == "DIGITAL_CLK_GEN"
    assert digtime.sha256 == "c29ed514c585fb0c287ac54778193d64cdb95b437e0ea1d18ae88611b9ec12a7"
    assert [d.name for d in PUBLISHED_DESIGNS.values() if d.sha256 is None] == [
        "SSRAM",
        "TIMING_CTRL",
        "ARRAY_128_32",
        "ULTRA8T",
        "SANDWICH-RAM",
        "SP8192W",
    ]


# -- digtime, from the data mirror -------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.dataset
def test_digtime_checksums(mirror: Path) -> None:
    digtime = PUBLISHED_DESIGNS["digtime"]
    assert digtime.mirror is not None and digtime.npz_mirror is not None
    assert _sha256(mirror / digtime.mirror) == digtime.sha256
    assert _sha256(mirror / digtime.npz_mirror) == digtime.npz_sha256


@pytest.mark.dataset
def test_digtime_npz_layout(mirror: Path) -> None:
    path = mirror / DIGTIME / "digtime.npz"
    with np.load(path, allow_pickle=False) as archive:
        keys = sorted(archive.files)
    assert keys == sorted(
        [
            "node__net__x",
            "node__net__y",
            "node__device__x",
            "node__pin__x",
            "node__pin__y",
            *(f"edge__{s}__{r}__{d}__edge_index" for s, r, d in CIRGPS_STRUCTURAL_TYPES),
            *(
                f"edge__{s}__{r}__{d}__{a}"
                for s, r, d in CIRGPS_COUPLING_TYPES
                for a in ("edge_index", "y")
            ),
        ]
    )
    graph = load_cirgps_npz(path)
    shapes = {
        ("net", "x"): ((1048, 17), torch.float32),
        ("net", "y"): ((1048, 1), torch.float32),
        ("device", "x"): ((4133, 16), torch.float32),
        ("pin", "x"): ((12399, 1), torch.int64),
        ("pin", "y"): ((12399, 1), torch.float32),
    }
    for (node_type, attr), (shape, dtype) in shapes.items():
        value = graph[node_type][attr]
        assert tuple(value.shape) == shape and value.dtype == dtype, (node_type, attr)
    edges = {
        ("device", "device-net", "net"): 11825,
        ("device", "device-pin", "pin"): 12399,
        ("pin", "pin-net", "net"): 12399,
        ("pin", "cc_p2n", "net"): 19840,
        ("pin", "cc_p2p", "pin"): 22259,
        ("net", "cc_n2n", "net"): 2252,
    }
    assert sorted(graph.edge_types) == sorted(edges)
    for edge_type, count in edges.items():
        assert tuple(graph[edge_type].edge_index.shape) == (2, count), edge_type
    # labels in farads
    net_y, pin_y = graph["net"].y, graph["pin"].y
    assert float(net_y.min()) == 0.0 and float(net_y.max()) == pytest.approx(8.63e-15, rel=1e-3)
    assert int((net_y == 0).sum()) == 366
    assert float(pin_y.max()) == pytest.approx(7.539e-17, rel=1e-3)
    assert int((pin_y == 0).sum()) == 7517
    ranges = {
        ("pin", "cc_p2n", "net"): (3.102e-25, 9.773e-17),
        ("pin", "cc_p2p", "pin"): (3.102e-25, 9.397e-17),
        ("net", "cc_n2n", "net"): (4.909e-21, 4.619e-14),
    }
    for edge_type, (low, high) in ranges.items():
        y = graph[edge_type].y
        assert y.dtype == torch.float32 and y.shape == (edges[edge_type],)
        assert float(y.min()) == pytest.approx(low, rel=1e-3)
        assert float(y.max()) == pytest.approx(high, rel=1e-3)
        assert not bool(torch.isnan(y).any())
        index = graph[edge_type].edge_index
        pairs = set(map(tuple, index.t().tolist()))
        assert len(pairs) == index.shape[1]  # one edge per pair, no reverse duplicates
    # every device has three pins, one of each pin type code
    assert torch.bincount(graph["pin"].x.reshape(-1)).tolist() == [4133, 4133, 4133]


@pytest.mark.dataset
def test_digtime_pt_equals_npz(mirror: Path) -> None:
    from torch_geometric.data import HeteroData

    npz = load_cirgps_npz(mirror / DIGTIME / "digtime.npz")
    pt = load_cirgps_pt(mirror / DIGTIME / "digtime.pt")
    assert isinstance(pt, HeteroData)
    assert sorted(pt.node_types) == sorted(npz.node_types)
    assert sorted(pt.edge_types) == sorted(npz.edge_types)
    for node_type in npz.node_types:
        assert sorted(pt[node_type].keys()) == sorted(npz[node_type].keys())
        for key, value in npz[node_type].items():
            assert torch.equal(pt[node_type][key], value), (node_type, key)
    for edge_type in npz.edge_types:
        assert sorted(pt[edge_type].keys()) == sorted(npz[edge_type].keys())
        for key, value in npz[edge_type].items():
            assert torch.equal(pt[edge_type][key], value), (edge_type, key)
    assert torch.equal(load_cirgps(mirror / DIGTIME / "digtime.pt")["net"].y, npz["net"].y)


@pytest.mark.dataset
def test_digtime_in_graphcl_layout(mirror: Path) -> None:
    graph = load_cirgps_npz(mirror / DIGTIME / "digtime.npz")
    converted = cirgps_to_graphcl(graph)
    assert ("net", "cc", "net") in converted.edge_types and "y" in graph["net"]
    assert torch.equal(converted["net"].y_ground, graph["net"].y.reshape(-1))
    assert torch.equal(converted["pin", "cc", "pin"].edge_label, graph["pin", "cc_p2p", "pin"].y)
    forward = converted["pin", "connects", "net"].edge_index
    assert torch.equal(converted["net", "connects", "pin"].edge_index, forward.flip(0))
    assert len(converted.edge_types) == 9


@pytest.mark.dataset
def test_label_classes_on_digtime(mirror: Path) -> None:
    """The CircuitGCL classes of every digtime label set (0 = below 1.6e-20 F ... 4 = above
    6.3e-17 F); zeros (no extracted capacitance) are class 0, or missing with nonpositive='nan'."""
    graph = load_cirgps_npz(mirror / DIGTIME / "digtime.npz")
    transform = CapacitanceTransform()
    labels = {
        "net ground": graph["net"].y.reshape(-1),
        "pin ground": graph["pin"].y.reshape(-1),
        "cc_p2n": graph["pin", "cc_p2n", "net"].y,
        "cc_p2p": graph["pin", "cc_p2p", "pin"].y,
        "cc_n2n": graph["net", "cc_n2n", "net"].y,
    }
    expected = {
        "net ground": [366, 8, 390, 270, 14],
        "pin ground": [8206, 1402, 2206, 583, 2],
        "cc_p2n": [577, 3514, 9264, 6482, 3],
        "cc_p2p": [530, 1861, 12243, 7620, 5],
        "cc_n2n": [2, 33, 265, 1891, 61],
    }
    for name, values in labels.items():
        classes = transform.classes(values)
        assert torch.bincount(classes, minlength=5).tolist() == expected[name], name
        scaled = transform.forward(values)
        assert scaled.dtype == torch.float32 and float(scaled.min()) >= 0.0
        assert float(scaled.max()) <= 1.0 and not bool(torch.isnan(scaled).any())
        # the classes are the bins of the scaled value (up to float rounding at the edges)
        binned = torch.bucketize(scaled.double(), torch.tensor([0.2, 0.4, 0.6, 0.8]), right=True)
        assert int((binned != classes).sum()) <= 2, name
    missing = CapacitanceTransform(nonpositive="nan").classes(labels["pin ground"])
    assert int((missing == MISSING_CLASS).sum()) == 7517
    assert torch.bincount(missing[missing >= 0], minlength=5).tolist() == [689, 1402, 2206, 583, 2]
    # round trip inside the range
    inside = labels["cc_n2n"].double()
    inside = inside[(inside >= 1e-21) & (inside <= 1e-15)]
    back = transform.inverse(transform.forward(inside))
    assert torch.allclose(back, inside, rtol=1e-12, atol=0)


def test_unpickler_reads_only_from_its_archive(tmp_path: Path) -> None:
    """A persistent id other than ('storage', <dtype marker>, key, location, numel) is refused."""
    payload = io.BytesIO()

    class _Pickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            return ("module", "os") if obj == "x" else None

    _Pickler(payload, protocol=2).dump(["x"])
    path = _zip(tmp_path / "pid.pt", {"a/data.pkl": payload.getvalue()})
    with pytest.raises(DatasetError, match="unsupported persistent id"):
        load_cirgps_pt(path)
