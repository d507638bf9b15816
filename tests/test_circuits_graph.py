"""graphcl.circuits graphs: node and edge counts, features, supply removal, the homogeneous view,
saving and loading with ``weights_only=True``, and the ``graphcl circuits`` command."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest
import torch

from graphcl.circuits import (
    DEVICE_FEATURES,
    DEVICE_TYPES,
    EDGE_TYPES,
    NET_FEATURES,
    PIN_ROLES,
    Netlist,
    load_circuit_graph,
    parse_netlist,
    save_circuit_graph,
    to_homogeneous,
)
from graphcl.circuits.io import CircuitGraphError
from graphcl.cli import circuits_cmd

INVERTER = """\
inverter with a load
mp y a vdd vdd pmos w=2u l=100n nf=2
mn y a 0 0 nmos w=1u l=100n nfin=4 m=2
cl y 0 10f
vdd vdd 0 1.2
"""


@pytest.fixture
def netlist() -> Netlist:
    return parse_netlist(INVERTER, path="inverter.sp")


def _column(name: str) -> int:
    return DEVICE_FEATURES.index(name)


def test_node_and_edge_counts_in_both_directions(netlist: Netlist) -> None:
    graph = netlist.to_graph()
    assert graph["device"].num_nodes == 4 and graph["pin"].num_nodes == 12
    assert graph["net"].num_nodes == 4
    assert graph["net"].names == ["y", "a", "vdd", "0"]
    assert sorted(graph.edge_types) == sorted(EDGE_TYPES)
    for source, relation, target in EDGE_TYPES:
        assert graph[source, relation, target].edge_index.shape == (2, 12)
        assert graph[source, relation, target].edge_index.dtype == torch.int64
    pairs = [
        (("device", "has", "pin"), ("pin", "of", "device")),
        (("pin", "connects", "net"), ("net", "connects", "pin")),
        (("device", "connects", "net"), ("net", "connects", "device")),
    ]
    for forward, backward in pairs:
        assert torch.equal(graph[forward].edge_index, graph[backward].edge_index.flip(0))
    # device -> pin -> net composes to device -> net
    device_pin = graph["device", "has", "pin"].edge_index
    pin_net = graph["pin", "connects", "net"].edge_index
    assert torch.equal(pin_net[0], device_pin[1])
    assert torch.equal(
        graph["device", "connects", "net"].edge_index, torch.stack([device_pin[0], pin_net[1]])
    )


def test_device_features_and_types(netlist: Netlist) -> None:
    graph = netlist.to_graph()
    device = graph["device"]
    assert device.names == ["mp", "mn", "cl", "vdd"]
    assert [DEVICE_TYPES[t] for t in device.type.tolist()] == [
        "pmos",
        "nmos",
        "capacitor",
        "vsource",
    ]
    assert device.models == ["pmos", "nmos", "", ""]
    assert device.model_names[int(device.model[0])] == "pmos"
    assert device.feature_names == list(DEVICE_FEATURES) and device.x.dtype == torch.float32
    x = device.x
    assert x[0, _column("log10_w_um")] == pytest.approx(math.log10(2.0))
    assert x[0, _column("log10_l_um")] == pytest.approx(-1.0)
    assert x[0, _column("log2_nf")] == pytest.approx(1.0)
    assert x[0, _column("has_nfin")] == 0.0 and x[1, _column("has_nfin")] == 1.0
    assert x[1, _column("log2_nfin")] == pytest.approx(2.0)
    assert x[1, _column("log2_m")] == pytest.approx(1.0) and device.multiplier[1] == 2.0
    assert x[2, _column("log10_cap_f")] == pytest.approx(-14.0)
    assert x[2, _column("has_value")] == 1.0 and x[2, _column("has_w")] == 0.0
    assert x[3, _column("source_dc")] == pytest.approx(1.2)


def test_pin_roles_and_names(netlist: Netlist) -> None:
    pin = netlist.to_graph()["pin"]
    assert list(pin.names[:4]) == ["mp.d", "mp.g", "mp.s", "mp.b"]
    assert list(pin.names[8:]) == ["cl.p", "cl.n", "vdd.p", "vdd.n"]
    roles = [PIN_ROLES[r] for r in pin.role.tolist()]
    assert roles[:4] == ["drain", "gate", "source", "bulk"]
    assert roles[8:] == ["plus", "minus", "positive", "negative"]
    assert pin.x[:, 0].tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0]  # on_supply
    assert pin.x[:, 1].tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1]  # on_ground


def test_net_features(netlist: Netlist) -> None:
    net = netlist.to_graph()["net"]
    assert net.degree.tolist() == [3, 2, 3, 4]
    counts = torch.expm1(net.x[:, :7]).round().long()
    #                       pins devices gate drain source bulk other
    assert counts.tolist() == [
        [3, 3, 0, 2, 0, 0, 1],  # y: two drains and the load
        [2, 2, 2, 0, 0, 0, 0],  # a: two gates
        [3, 2, 0, 0, 1, 1, 1],  # vdd: pmos source and bulk, the source's + terminal
        [4, 3, 0, 0, 1, 1, 2],  # 0
    ]
    flags = net.x[:, 7:].tolist()
    assert [row[0] for row in flags] == [0, 0, 1, 0]  # is_supply (tied to a DC source)
    assert [row[1] for row in flags] == [0, 0, 0, 1]  # is_ground
    assert [row[3] for row in flags] == [0, 0, 0, 1]  # is_global
    assert net.is_supply.tolist() == [False, False, True, False]
    assert net.feature_names == list(NET_FEATURES)


def test_diode_connected_device_has_two_edges_to_one_net() -> None:
    graph = parse_netlist("* t\nm1 a a 0 0 nmos\n").to_graph()
    edges = graph["device", "connects", "net"]
    assert edges.edge_index.tolist() == [[0, 0, 0, 0], [0, 0, 1, 1]]
    assert [PIN_ROLES[r] for r in edges.role.tolist()] == ["drain", "gate", "source", "bulk"]
    assert torch.expm1(graph["net"].x[0, 1]).round() == 1  # one distinct device on net a


def test_remove_supply_keeps_dangling_pins(netlist: Netlist) -> None:
    graph = netlist.to_graph(remove_supply=True)
    assert graph["net"].names == ["y", "a"] and graph["net"].num_nodes == 2
    assert graph["pin"].num_nodes == 12
    assert graph["device", "has", "pin"].edge_index.shape[1] == 12
    pin_net = graph["pin", "connects", "net"].edge_index
    assert pin_net.shape[1] == 5 and int(pin_net[1].max()) == 1
    connected = [graph["pin"].names[i] for i in pin_net[0].tolist()]
    assert connected == ["mp.d", "mp.g", "mn.d", "mn.g", "cl.p"]
    assert graph["pin"].x[:, 0].sum() == 3  # on_supply still says where the pins went


def test_remove_supply_can_drop_their_pins(netlist: Netlist) -> None:
    graph = netlist.to_graph(remove_supply=True, supply_pins="drop")
    assert graph["pin"].num_nodes == 5
    assert list(graph["pin"].names) == ["mp.d", "mp.g", "mn.d", "mn.g", "cl.p"]
    assert graph["device", "has", "pin"].edge_index.tolist() == [[0, 0, 1, 1, 2], [0, 1, 2, 3, 4]]
    assert graph["device"].num_nodes == 4  # the supply source stays, without pins
    with pytest.raises(ValueError, match="supply_pins"):
        netlist.to_graph(remove_supply=True, supply_pins="cut")


def test_homogeneous_view(netlist: Netlist) -> None:
    graph = netlist.to_graph()
    data = to_homogeneous(graph)
    assert data.num_nodes == 20 and data.edge_index.shape == (2, 72)
    assert data.node_type.tolist() == [0] * 4 + [1] * 12 + [2] * 4
    assert data.x.shape == (20, 3 + len(DEVICE_TYPES) + 14 + len(PIN_ROLES) + 2 + 11)
    assert data.x[:, :3].sum(0).tolist() == [4, 12, 4]
    assert len(data.feature_names) == data.x.shape[1]
    assert data.feature_names[3] == "device:type=nmos"
    gate = data.feature_names.index("pin:role=gate")
    assert data.x[5, gate] == 1.0 and data.x[4, gate] == 0.0  # pin 1 of mp is its gate
    assert data.names[0] == "mp" and data.names[5] == "mp.g" and data.names[-1] == "0"
    assert int(data.edge_type.max()) == len(EDGE_TYPES) - 1
    # every edge joins nodes of the types its relation says
    for index, (source, _, target) in enumerate(EDGE_TYPES):
        edges = data.edge_index[:, data.edge_type == index]
        assert set(data.node_type[edges[0]].tolist()) == {("device", "pin", "net").index(source)}
        assert set(data.node_type[edges[1]].tolist()) == {("device", "pin", "net").index(target)}
    compact = to_homogeneous(graph, categorical="index")
    assert compact.x.shape == (20, 3 + 14 + 2 + 11)
    assert compact.category[:4].tolist() == [
        DEVICE_TYPES.index(t) for t in ("pmos", "nmos", "capacitor", "vsource")
    ]


def test_save_and_load_round_trip_with_weights_only(tmp_path: Path, netlist: Netlist) -> None:
    graph = netlist.to_graph(remove_supply=True)
    path = tmp_path / "design.pt"
    save_circuit_graph(graph, path)
    raw = torch.load(path, weights_only=True)  # plain data: no class is unpickled
    assert raw["format"] == "graphcl-circuit-graph"
    loaded = load_circuit_graph(path)
    assert loaded.node_types == graph.node_types
    assert sorted(loaded.edge_types) == sorted(graph.edge_types)
    for node_type in graph.node_types:
        for key, value in graph[node_type].items():
            other = loaded[node_type][key]
            if isinstance(value, torch.Tensor):
                assert torch.equal(value, other), (node_type, key)
            elif isinstance(value, int | str):
                assert value == other, (node_type, key)
            else:
                assert list(value) == list(other), (node_type, key)
    for edge_type in graph.edge_types:
        assert torch.equal(graph[edge_type].edge_index, loaded[edge_type].edge_index)
    assert loaded.netlist == "inverter.sp"
    assert to_homogeneous(loaded).num_nodes == 18


def test_load_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(CircuitGraphError, match="not a saved circuit graph"):
        load_circuit_graph(path)


# -- the command line ---------------------------------------------------------------------------


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="graphcl")
    commands = parser.add_subparsers(dest="command", required=True)
    circuits_cmd.add_parser(commands)
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def test_cli_info_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inv.sp"
    path.write_text(INVERTER)
    assert _run("circuits", "info", str(path), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["devices"] == 4 and report["nets"] == 4 and report["pins"] == 12
    assert report["devices_by_type"] == {"capacitor": 1, "nmos": 1, "pmos": 1, "vsource": 1}
    assert report["supply_nets"] == ["vdd"] and report["warnings"] == []


def test_cli_info_text_and_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cells.sp"
    path.write_text(".subckt a x\nr1 x 0 1\n.ends\n.subckt b x\nxp x nch_mac\n.ends\n")
    assert _run("circuits", "info", str(path), "--top", "b") == 0
    out = capsys.readouterr().out
    assert "design: b" in out and "devices: 1" in out and "subckt: 1" in out
    assert "subcircuits: 2 (a, b)" in out and "nch_mac -> subckt" in out


def test_cli_permissive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "messy.sp"
    path.write_text("* t\nr1 a 0 1k\nz1 a 0\n")
    assert _run("circuits", "info", str(path), "--permissive") == 0
    assert "messy.sp:3: unknown element letter" in capsys.readouterr().out


def test_cli_graph_writes_a_weights_only_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inv.sp"
    path.write_text(INVERTER)
    output = tmp_path / "design.pt"
    assert _run("circuits", "graph", str(path), "-o", str(output), "--remove-supply") == 0
    assert "4 devices, 12 pins, 2 nets" in capsys.readouterr().out
    torch.load(output, weights_only=True)
    graph = load_circuit_graph(output)
    assert graph["net"].names == ["y", "a"]
