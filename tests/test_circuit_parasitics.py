"""Parasitics users extract themselves: DSPF and SPEF readers, name matching, and attaching the
capacitances (farads) to the graph of the matching netlist. Every fixture is hand-written for a
two-inverter buffer, with the same numbers in both formats, so every value is known exactly."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
import torch

from graphcl.circuits import read_netlist
from graphcl.circuits.parasitics import (
    COUPLING_TYPES,
    Parasitics,
    ParasiticsWarning,
    attach_parasitics,
    parse_dspf,
    parse_spef,
    read_dspf,
    read_spef,
)
from graphcl.circuits.parasitics.names import (
    AMBIGUOUS,
    NameIndex,
    graph_pin_keys,
    levels,
    net_keys,
    pin_keys,
)
from graphcl.errors import NetlistError

FF = 1e-15

NETLIST = """\
* two-inverter buffer
.subckt inv a y vdd vss
mp y a vdd vdd pmos w=2u l=0.1u
mn y a vss vss nmos w=1u l=0.1u
.ends inv
.subckt buf in out vdd vss
xi0 in mid vdd vss inv
xi1 mid out vdd vss inv
.ends buf
"""

DSPF = """\
*|DSPF 1.3
*|DESIGN "buf"
*|DATE "Tue Jan 14 10:00:00 2025"
*|VENDOR "hand written"
*|PROGRAM "graphcl tests"
*|VERSION "1.0"
*|DIVIDER /
*|DELIMITER :
*|BUSBIT []
*|GROUND_NET 0

.SUBCKT buf in out vdd vss
* net in: a port, two gate pins, one wire node
*|NET in 0.22FF
*|P (in I 0 0.0 1.0)
*|I (XI0/MP:G XI0/MP G I 0 1.0 2.0)
*|I (XI0/MN:G XI0/MN G I 0 1.0 0.5)
*|S (in:1 0.8 1.0)
R1 in in:1 5.0
R2 in:1 XI0/MN:G 2.0
R3 in:1 XI0/MP:G 2.5
C1 in:1 0 0.10f
C2 XI0/MN:G 0 0.02f $X=1.0 $Y=0.5
C3 XI0/MP:G 0 3e-17
C4 in:1 mid:1 0.05f
C5 XI0/MP:G mid:1 0.01f
C6 in:1 out:1 0.004f

*|NET mid 3.14e-16
*|I (XI0/MP:D XI0/MP D O 0 1.5 2.0)
*|I (XI0/MN:D XI0/MN D O 0 1.5 0.5)
*|I (XI1/MP:G XI1/MP G I 0 3.0 2.0)
*|I (XI1/MN:G XI1/MN G I 0 3.0 0.5)
*|S (mid:1 2.2 1.0)
R4 XI0/MP:D mid:1 3.0
R5 XI0/MN:D mid:1 3.0
R6 mid:1 XI1/MP:G 1.5
R7 mid:1 XI1/MN:G 1.5
C7 mid:1 0 0.20f
C8 XI1/MN:G 0 0.04f
C9 XI1/MP:G XI0/MN:G 0.006f
C10 XI1/MN:G out:1 0.008f

*|NET out 0.000582PF
*|P (out O 0 4.0 1.0)
*|I (XI1/MP:D XI1/MP D O 0 3.5 2.0)
*|I (XI1/MN:D XI1/MN D O 0 3.5 0.5)
*|S (out:1 3.8 1.0)
R8 XI1/MP:D out:1 2.0
R9 XI1/MN:D out:1 2.0
R10 out:1 out 1.0
C11 out:1 0 0.5f
C12 out:1 vdd 0.07f

*|NET vdd 1.07f
*|P (vdd B 0 0.0 3.0)
C13 vdd 0 1.0f

* Instance Section
XI0/MP XI0/MP:D XI0/MP:G vdd vdd pmos w=2u l=0.1u
XI0/MN XI0/MN:D XI0/MN:G vss vss nmos w=1u l=0.1u
XI1/MP XI1/MP:D XI1/MP:G vdd vdd pmos w=2u l=0.1u
XI1/MN XI1/MN:D XI1/MN:G vss vss nmos w=1u l=0.1u
.ENDS
"""

SPEF = """\
*SPEF "IEEE 1481-1998"
*DESIGN "buf"
*DATE "Tue Jan 14 10:00:00 2025"
*VENDOR "hand written"
*PROGRAM "graphcl tests"
*VERSION "1.0"
*DESIGN_FLOW "PIN_CAP NONE"
  "NAME_SCOPE LOCAL"
*DIVIDER /
*DELIMITER :
*BUS_DELIMITER [ ]
*T_UNIT 1 NS
*C_UNIT 1 FF
*R_UNIT 1 OHM
*L_UNIT 1 HENRY

// nets and instances by number
*NAME_MAP
*1 in
*2 mid
*3 out
*4 vdd
*5 XI0/MP
*6 XI0/MN
*7 XI1/MP
*8 XI1/MN

*POWER_NETS vdd

*PORTS
*1 I
*3 O
*4 B

*D_NET *1 0.22
*CONN
*P *1 I
*I *5:G I *C 1.0 2.0 *L 0.5
*I *6:G I *C 1.0 0.5
*N *1:1 *C 0.8 1.0
*CAP
1 *1:1 0.10
2 *6:G 0.02
3 *5:G 0.03
4 *1:1 *2:1 0.05
5 *5:G *2:1 0.01
6 *1:1 *3:1 0.004
7 *6:G *7:G 0.006
*RES
1 *1 *1:1 5.0
2 *1:1 *6:G 2.0
3 *1:1 *5:G 2.5
*END

*D_NET *2 0.314
*CONN
*I *5:D O
*I *6:D O
*I *7:G I
*I *8:G I
*N *2:1
*CAP
1 *2:1 0.20
2 *8:G 0.04
3 *2:1 *1:1 0.05   // the same coupling, listed from this net
4 *2:1 *5:G 0.01
5 *7:G *6:G 0.006
6 *8:G *3:1 0.008
*RES
1 *5:D *2:1 3.0
2 *6:D *2:1 3.0
3 *2:1 *7:G 1.5
4 *2:1 *8:G 1.5
*END

*D_NET *3 0.582
*CONN
*P *3 O
*I *7:D O
*I *8:D O
*CAP
1 *3:1 0.45:0.5:0.55
2 *3:1 *1:1 0.004
3 *3:1 *8:G 0.008
4 *3:1 *4 0.07
*RES
1 *7:D *3:1 2.0
2 *8:D *3:1 2.0
3 *3:1 *3 1.0
*END

*D_NET *4 1.07
*CONN
*P *4 B
*CAP
1 *4 1.0
2 *4 *3:1 0.07
*END
"""

#: what both files say, in farads
GROUND = {"in": 0.15 * FF, "mid": 0.24 * FF, "out": 0.5 * FF, "vdd": 1.0 * FF}
TOTAL = {"in": 0.22 * FF, "mid": 0.314 * FF, "out": 0.582 * FF, "vdd": 1.07 * FF}
NET_COUPLING = {
    ("in", "mid"): 0.066 * FF,  # C4 + C5 (pin XI0/MP:G) + C9 (pins XI0/MN:G, XI1/MP:G)
    ("in", "out"): 0.004 * FF,
    ("mid", "out"): 0.008 * FF,  # C10, from pin XI1/MN:G
    ("out", "vdd"): 0.07 * FF,
}
PIN_GROUND = {
    "XI0/MP:G": 0.03 * FF,
    "XI0/MN:G": 0.02 * FF,
    "XI1/MN:G": 0.04 * FF,
    "XI0/MP:D": 0.0,
    "XI0/MN:D": 0.0,
    "XI1/MP:G": 0.0,
    "XI1/MP:D": 0.0,
    "XI1/MN:D": 0.0,
}


def _write(tmp_path: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def _line(text: str, fragment: str) -> int:
    """1-based number of the first line of ``text`` containing ``fragment``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the fixture")


def _close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-30)


def _check_buffer(parasitics: Parasitics) -> None:
    assert list(parasitics.nets) == ["in", "mid", "out", "vdd"]
    for name, net in parasitics.nets.items():
        assert _close(net.ground, GROUND[name]), name
        assert net.total is not None and _close(net.total, TOTAL[name]), name
    couplings = parasitics.net_couplings()
    assert couplings.keys() == NET_COUPLING.keys()
    for pair, farads in NET_COUPLING.items():
        assert _close(couplings[pair], farads), pair
    assert {name: pin.ground for name, pin in parasitics.pins.items()}.keys() == PIN_GROUND.keys()
    for name, pin in parasitics.pins.items():
        assert _close(pin.ground, PIN_GROUND[name]), name
    assert parasitics.pins["XI1/MN:G"].net == "mid"
    assert parasitics.pins["XI0/MP:G"].instance == "XI0/MP"
    assert parasitics.pins["XI0/MP:G"].pin == "G"
    terminal_pairs = {(c.a.name, c.b.name): c.farads for c in parasitics.couplings}
    assert _close(terminal_pairs["mid", "XI0/MP:G"], 0.01 * FF)
    assert _close(terminal_pairs["XI0/MN:G", "XI1/MP:G"], 0.006 * FF)
    assert _close(terminal_pairs["in", "mid"], 0.05 * FF)
    assert [n.resistors for n in parasitics.nets.values()] == [3, 4, 3, 0]
    # consistent fixture: no note about declared totals
    assert parasitics.warnings == []
    assert parasitics.design == "buf" and parasitics.divider == "/"


# -- readers -------------------------------------------------------------------------------------


def test_dspf_nets_pins_and_couplings_in_farads(tmp_path: Path) -> None:
    parasitics = read_dspf(_write(tmp_path, "buf.dspf", DSPF))
    _check_buffer(parasitics)
    assert parasitics.format == "dspf" and parasitics.capacitors == 13
    assert parasitics.nets["in"].pins == ("XI0/MP:G", "XI0/MN:G")
    assert parasitics.nets["in"].ports == ("in",)
    assert parasitics.nets["mid"].nodes == 5
    assert parasitics.supply_nets == ("0",)
    assert parasitics.summary()["net_pairs"] == 4


def test_spef_name_map_units_triplets_and_couplings_listed_twice(tmp_path: Path) -> None:
    parasitics = read_spef(_write(tmp_path, "buf.spef", SPEF))
    _check_buffer(parasitics)
    assert parasitics.format == "spef"
    assert parasitics.units == {
        "time": 1e-9,
        "capacitance": 1e-15,
        "resistance": 1.0,
        "inductance": 1.0,
    }
    assert parasitics.supply_nets == ("vdd",)
    assert parasitics.bus_delimiter == "[]"
    assert parasitics.pins["XI0/MP:G"].load == pytest.approx(0.5 * FF)
    # every coupling of the file is listed in both blocks, and counted once
    assert sum(c.farads for c in parasitics.couplings) == pytest.approx(0.148 * FF, rel=1e-12)


def test_spef_and_dspf_agree(tmp_path: Path) -> None:
    dspf = read_dspf(_write(tmp_path, "buf.dspf", DSPF))
    spef = read_spef(_write(tmp_path, "buf.spef", SPEF))
    assert dspf.net_couplings().keys() == spef.net_couplings().keys()
    assert [(c.a, c.b) for c in dspf.couplings] == [(c.a, c.b) for c in spef.couplings]


def test_crlf_and_continuations_read_the_same(tmp_path: Path) -> None:
    crlf = read_dspf(_write(tmp_path, "crlf.dspf", DSPF, newline="\r\n"))
    _check_buffer(crlf)
    old_cr = read_spef(_write(tmp_path, "cr.spef", SPEF, newline="\r"))
    _check_buffer(old_cr)
    continued = (
        DSPF.replace(".SUBCKT buf in out vdd vss", ".SUBCKT buf in out\n+ vdd vss")
        .replace(
            "C4 in:1 mid:1 0.05f", "C4 in:1\n* a comment between the lines\n\n+ mid:1\n+ 0.05f"
        )
        .replace("*|I (XI1/MN:G XI1/MN G I 0 3.0 0.5)", "*|I (XI1/MN:G XI1/MN\n+ G I 0 3.0 0.5)")
    )
    assert continued.count("\n+") == 4
    parasitics = read_dspf(_write(tmp_path, "continued.dspf", continued, newline="\r\n"))
    _check_buffer(parasitics)
    # a line number is the statement's first physical line
    bad = continued.replace("+ 0.05f", "+ 0.05ff5")
    with pytest.raises(NetlistError) as caught:
        read_dspf(_write(tmp_path, "bad.dspf", bad, newline="\r\n"))
    assert caught.value.line == _line(bad, "C4 in:1")
    assert "0.05ff5" in caught.value.text


def test_capacitors_to_a_declared_supply_without_a_network_are_ground() -> None:
    text = SPEF.replace("*POWER_NETS vdd", "*POWER_NETS vdd\n*GROUND_NETS VSS").replace(
        "1 *2:1 0.20", "1 *2:1 0.15\n9 *2:1 VSS 0.05"
    )
    parasitics = parse_spef(text, "vss.spef")
    assert parasitics.supply_nets == ("vdd", "VSS")
    assert parasitics.nets["mid"].ground == pytest.approx(0.24 * FF, rel=1e-12)
    assert parasitics.warnings == []
    # vdd has its own *D_NET: a capacitor to it stays a coupling
    assert parasitics.net_couplings()["out", "vdd"] == pytest.approx(0.07 * FF)


def test_keep_resistors(tmp_path: Path) -> None:
    parasitics = read_spef(_write(tmp_path, "buf.spef", SPEF), keep_resistors=True)
    assert len(parasitics.resistors) == 10
    first = parasitics.resistors[0]
    assert (first.node1, first.node2, first.ohms, first.net) == ("in", "in:1", 5.0, "in")
    assert read_dspf(_write(tmp_path, "buf.dspf", DSPF)).resistors == []


def test_pf_units_and_declared_total_notes(tmp_path: Path) -> None:
    text = SPEF.replace("*C_UNIT 1 FF", "*C_UNIT 1 PF").replace("*D_NET *4 1.07", "*D_NET *4 9")
    parasitics = parse_spef(text, "pf.spef")
    assert parasitics.nets["in"].ground == pytest.approx(0.15e-12)
    assert len(parasitics.warnings) == 1
    assert (
        f"pf.spef:{_line(text, '*D_NET *4')}: net 'vdd' declares 9e-12 F"
        in (parasitics.warnings[0])
    )


# -- attaching to the netlist graph -------------------------------------------------------------


@pytest.fixture
def netlist_path(tmp_path: Path) -> Path:
    return _write(tmp_path, "buf.sp", NETLIST)


def _graph_values(graph: object) -> dict[str, object]:
    g = graph  # a HeteroData
    out: dict[str, object] = {}
    for edge_type in COUPLING_TYPES:
        store = g[edge_type]  # type: ignore[index]
        out["-".join(edge_type)] = (store.edge_index.tolist(), store.edge_label.tolist())
    return out


@pytest.mark.parametrize("fmt", ["dspf", "spef"])
def test_attach_exact_values(tmp_path: Path, netlist_path: Path, fmt: str) -> None:
    text, reader = (DSPF, read_dspf) if fmt == "dspf" else (SPEF, read_spef)
    parasitics = reader(_write(tmp_path, f"buf.{fmt}", text))
    graph = read_netlist(netlist_path).to_graph()
    report = attach_parasitics(graph, parasitics, dtype=torch.float64)
    nets = list(graph["net"].names)
    assert nets == ["in", "out", "vdd", "vss", "mid"]
    y = graph["net"].y_ground
    assert y.dtype == torch.float64
    for name, farads in GROUND.items():
        assert _close(float(y[nets.index(name)]), farads), name
    assert math.isnan(float(y[nets.index("vss")]))  # the file does not name vss
    pins = list(graph["pin"].names)
    y_pin = graph["pin"].y_ground
    for name, farads in PIN_GROUND.items():
        instance, _, label = name.partition(":")
        graph_name = instance.lower().replace("/", ".") + "." + label.lower()
        assert _close(float(y_pin[pins.index(graph_name)]), farads), name
    assert int(torch.isnan(y_pin).sum()) == 8  # sources and bulks are not named
    index = graph["net", "cc", "net"].edge_index
    label = graph["net", "cc", "net"].edge_label
    assert bool((index[0] < index[1]).all())
    found = {
        tuple(sorted((nets[a], nets[b]))): float(v)
        for (a, b), v in zip(index.t().tolist(), label, strict=True)
    }
    assert found.keys() == NET_COUPLING.keys()
    for pair, farads in NET_COUPLING.items():
        assert _close(found[pair], farads), pair
    p2n = graph["pin", "cc", "net"]
    assert [(pins[p], nets[n]) for p, n in p2n.edge_index.t().tolist()] == [
        ("xi0.mp.g", "mid"),
        ("xi1.mn.g", "out"),
    ]
    assert p2n.edge_label.tolist() == pytest.approx([0.01 * FF, 0.008 * FF], rel=1e-12)
    p2p = graph["pin", "cc", "pin"]
    assert [(pins[a], pins[b]) for a, b in p2p.edge_index.t().tolist()] == [
        ("xi0.mn.g", "xi1.mp.g")
    ]
    assert p2p.edge_label.tolist() == pytest.approx([0.006 * FF], rel=1e-12)
    assert report.complete and report.matched_nets == 4 and report.matched_pins == 8
    assert report.labelled_nets == 4 and report.graph_nets == 5
    assert report.labelled_pins == 8 and report.graph_pins == 16
    assert report.edges == {"net-cc-net": 4, "pin-cc-net": 2, "pin-cc-pin": 1}
    assert report.dropped_couplings == 0 and report.pin_net_mismatches == []
    assert graph.parasitics == parasitics.path
    # float32 by default, the same values to float32 precision
    again = read_netlist(netlist_path).to_graph()
    attach_parasitics(again, parasitics)
    assert again["net"].y_ground.dtype == torch.float32
    assert again["net", "cc", "net"].edge_label.tolist() == pytest.approx(label.tolist(), rel=1e-6)


def test_dspf_and_spef_give_the_same_graph(tmp_path: Path, netlist_path: Path) -> None:
    graphs = []
    for parasitics in (
        read_dspf(_write(tmp_path, "buf.dspf", DSPF)),
        read_spef(_write(tmp_path, "buf.spef", SPEF)),
    ):
        graph = read_netlist(netlist_path).to_graph()
        attach_parasitics(graph, parasitics)
        graphs.append(graph)
    first, second = (_graph_values(g) for g in graphs)
    for key, (index, label) in first.items():
        assert second[key][0] == index  # type: ignore[index]
        assert second[key][1] == pytest.approx(label, rel=1e-6)  # type: ignore[index]
    assert torch.allclose(
        graphs[0]["net"].y_ground, graphs[1]["net"].y_ground, equal_nan=True, rtol=1e-6
    )


def test_supply_nets_removed_from_the_graph_are_skipped(tmp_path: Path, netlist_path: Path) -> None:
    parasitics = read_dspf(_write(tmp_path, "buf.dspf", DSPF))
    graph = read_netlist(netlist_path).to_graph(remove_supply=True, supply_pins="drop")
    report = attach_parasitics(graph, parasitics, strict=True)
    assert report.skipped_nets == ["vdd"] and report.unmatched_nets == []
    assert report.supply_couplings == 1 and report.supply_farads == pytest.approx(0.07 * FF)
    assert report.edges["net-cc-net"] == 3
    assert not bool(torch.isnan(graph["net"].y_ground).any())
    with pytest.raises(NetlistError, match="1 of 4 nets match no graph net"):
        attach_parasitics(graph, parasitics, strict=True, skip_supply=False)


def test_name_mismatch_counts_and_strict_error(tmp_path: Path, netlist_path: Path) -> None:
    text = DSPF.replace(
        "*|NET vdd 1.07f",
        "*|NET ghost 0.3f\n*|I (XI9/MN:G XI9/MN G I 0 1 1)\nC20 ghost 0 0.2f\n"
        "C21 XI9/MN:G 0 0.1f\nC22 ghost mid:1 0.02f\n*|NET other 0.1f\nC23 other 0 0.1f\n"
        "*|NET vdd 1.07f",
    ).replace("*|I (XI1/MP:D XI1/MP D O 0 3.5 2.0)", "*|I (XI1/MP:X XI1/MP X O 0 3.5 2.0)")
    text = text.replace("R8 XI1/MP:D out:1 2.0", "R8 XI1/MP:X out:1 2.0")
    path = _write(tmp_path, "mismatch.dspf", text)
    parasitics = read_dspf(path)
    graph = read_netlist(netlist_path).to_graph()
    report = attach_parasitics(graph, parasitics)
    assert report.nets == 6 and report.matched_nets == 4
    assert report.unmatched_nets == ["ghost", "other"]
    assert report.pins == 9 and report.matched_pins == 7
    assert report.unmatched_pins == ["XI1/MP:X", "XI9/MN:G"]
    assert report.dropped_couplings == 1 and report.dropped_farads == pytest.approx(0.02 * FF)
    assert not report.complete
    summary = report.summary()
    assert summary["unmatched_nets"] == 2 and summary["first_unmatched_pins"] == [
        "XI1/MP:X",
        "XI9/MN:G",
    ]
    assert "unmatched nets: 'ghost', 'other'" in str(report)

    fresh = read_netlist(netlist_path).to_graph()
    with pytest.raises(NetlistError) as caught:
        attach_parasitics(fresh, parasitics, strict=True)
    error = caught.value
    assert error.path == str(path) and error.line == _line(text, "*|NET ghost")
    assert error.text == "ghost"
    message = str(error)
    assert message.startswith(f"{path}:{error.line}: 2 of 6 nets match no graph net")
    assert "'ghost', 'other'" in message
    assert "2 of 9 instance pins match no graph pin" in message and "'XI1/MP:X'" in message
    assert "y_ground" not in fresh["net"]  # nothing was written


def test_name_normalisation_rules() -> None:
    assert levels("XBUF/Bus<3>") == levels("xbuf.bus[3]") == ["xbuf", "bus[3]"]
    assert levels("a\\[0\\]") == ["a[0]"] and levels("VDD!") == ["vdd"]
    assert levels("d(7)") == levels("d{7}") == ["d[7]"]
    assert net_keys("XI0/XI1/net5") == ("xi0.xi1.net5", "i0.i1.net5")
    assert net_keys("xnet") == ("xnet", "xnet")  # a net's own name is never stripped
    assert net_keys("n1", scope=["xdut"]) == ("xdut.n1", "dut.n1")
    assert pin_keys("XI0/XM1", "G") == ("xi0.xm1.g", "i0.m1.g")
    assert graph_pin_keys("xi0.m1.g") == ("xi0.m1.g", "i0.m1.g")
    index = NameIndex(net_keys(n) for n in ["xa.xb.n", "a.b.n", "xc.n"])
    assert index.find(net_keys("A/B/N")) == 1  # exact first
    assert index.find(net_keys("XA/B/n")) == AMBIGUOUS  # stripped: two graph names
    assert index.find(net_keys("C/n")) == 2
    assert index.find(net_keys("d/n")) is None


MATCH_NETLIST = """\
.subckt cell a y<0> vdd vss
xm1 y<0> a vss vss nch_mac w=1u l=0.1u
mp1 y<0> a vdd vdd pmos w=1u l=0.1u
.ends cell
.subckt top in out[0] vdd vss
xcore in out[0] vdd vss cell
.ends top
"""

MATCH_DSPF = """\
*|DSPF 1.3
*|DIVIDER /
*|DELIMITER :
*|NET IN 0.1f
*|I (CORE/M1:G CORE/M1 G I 0)
*|I (XCORE/MP1:G XCORE/MP1 G I 0)
C1 IN 0 0.1f
*|NET OUT<0> 0.2f
*|I (core/m1:d core/m1 d O 0)
C2 OUT<0> 0 0.2f
"""


@pytest.mark.filterwarnings("ignore:.*taken as PDK primitives")
def test_attach_matches_case_bus_bits_and_x_prefixes(tmp_path: Path) -> None:
    netlist = read_netlist(_write(tmp_path, "top.sp", MATCH_NETLIST))
    graph = netlist.to_graph()
    parasitics = read_dspf(_write(tmp_path, "top.dspf", MATCH_DSPF))
    report = attach_parasitics(graph, parasitics, strict=True)
    assert report.complete and report.matched_nets == 2 and report.matched_pins == 3
    nets = list(graph["net"].names)
    assert graph["net"].y_ground[nets.index("out[0]")].item() == pytest.approx(0.2 * FF)
    assert graph["net"].y_ground[nets.index("in")].item() == pytest.approx(0.1 * FF)


def test_attach_under_a_scope(tmp_path: Path) -> None:
    bench = NETLIST + "xdut a b vdd 0 buf\nvdd vdd 0 1.0\n"
    graph = read_netlist(_write(tmp_path, "bench.sp", bench)).to_graph()
    parasitics = read_dspf(_write(tmp_path, "buf.dspf", DSPF))
    report = attach_parasitics(graph, parasitics, scope="xdut")
    # the cell's ports are the bench's nets a and b: only the internal net matches
    assert report.unmatched_nets == ["in", "out"] and report.matched_pins == 8
    nets = list(graph["net"].names)
    assert graph["net"].y_ground[nets.index("xdut.mid")].item() == pytest.approx(0.24 * FF)
    assert report.pin_net_mismatches == []
    unscoped = attach_parasitics(read_netlist(tmp_path / "bench.sp").to_graph(), parasitics)
    assert unscoped.matched_pins == 0


def test_graph_without_names_is_refused(tmp_path: Path) -> None:
    from torch_geometric.data import HeteroData

    from graphcl.errors import DatasetError

    graph = HeteroData()
    graph["net"].x = torch.zeros(2, 1)
    with pytest.raises(DatasetError, match="has no names"):
        attach_parasitics(graph, read_dspf(_write(tmp_path, "buf.dspf", DSPF)))


# -- errors name the file, the line and the text -------------------------------------------------


def _check(error: NetlistError, path: Path, line: int | None, *fragments: str) -> None:
    message = str(error)
    assert error.path == str(path), message
    assert error.line == line, message
    if line is not None:
        assert message.startswith(f"{path}:{line}: "), message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("old", "new", "marker", "fragments"),
    [
        ("C4 in:1 mid:1 0.05f", "C4 in:1 mid:1 0.0.5f", "C4 in:1", ("bad capacitance value",)),
        ("C6 in:1 out:1 0.004f", "C6 in:1 out:1", "C6 in:1", ("needs a name, two nodes",)),
        ("R1 in in:1 5.0", "R1 in in:1 5x.0", "R1 in", ("bad resistance value",)),
        ("C1 in:1 0 0.10f", "C1 nowhere:3 0 0.10f", "C1 nowhere", ("node 'nowhere:3'",)),
        ("R2 in:1 XI0/MN:G 2.0", "R2 in:1 XI7/MN:G 2.0", "R2 in:1", ("'XI7/MN:G'",)),
        ("*|NET mid 3.14e-16", "*|NET mid 3.14e-16q7", "*|NET mid", ("bad total capacitance",)),
        ("*|NET vdd 1.07f", "*|NET in 1.07f", "*|NET in 1.07f", ("declared again",)),
        (
            "*|DSPF 1.3",
            "*|DSPF 1.3\n*|S (stray:1 0 0)",
            "*|S (stray",
            ("*|S outside a *|NET section",),
        ),
        (".SUBCKT buf in out vdd vss", ".ENDS\n.SUBCKT buf", ".ENDS", (".ENDS without .SUBCKT",)),
        (".ENDS\n", "", ".SUBCKT buf", (".SUBCKT without .ENDS",)),
        ("*|DSPF 1.3", "+ stray\n*|DSPF 1.3", "+ stray", ("continuation line",)),
        (
            "*|S (mid:1 2.2 1.0)",
            "*|S (mid:1 2.2 1.0)\n*|S (in:1 0 0)",
            "*|S (in:1 0 0)",
            ("already belongs to net 'in'",),
        ),
    ],
)
def test_dspf_errors_name_file_line_and_text(
    tmp_path: Path, old: str, new: str, marker: str, fragments: tuple[str, ...]
) -> None:
    assert old in DSPF
    text = DSPF.replace(old, new, 1)
    path = _write(tmp_path, "bad.dspf", text)
    with pytest.raises(NetlistError) as caught:
        read_dspf(path)
    line = _line(text, marker)
    _check(caught.value, path, line, *fragments)
    assert caught.value.text.strip() == text.splitlines()[line - 1].strip()


def test_not_a_dspf_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "plain.sp", "r1 a b 1k\n")
    with pytest.raises(NetlistError) as caught:
        read_dspf(path)
    _check(caught.value, path, None, "not a DSPF file")
    with pytest.raises(NetlistError, match="cannot read the file"):
        read_dspf(tmp_path / "missing.dspf")
    with pytest.raises(NetlistError, match="cannot read the file"):
        read_spef(tmp_path / "missing.spef")


@pytest.mark.parametrize(
    ("old", "new", "marker", "fragments"),
    [
        ("4 *1:1 *2:1 0.05", "4 *1:1 *2:1 0.0x5", "4 *1:1 *2:1 0.0x5", ("bad capacitance",)),
        ("2 *6:G 0.02", "2 *6:G 0.02 0.03 7", "2 *6:G", ("a *CAP line is",)),
        ("5 *5:G *2:1 0.01", "5 *5:G *12:1 0.01", "*12:1", ("unknown *NAME_MAP id *12",)),
        ("*I *8:G I", "*I *9:G I", "*I *9:G", ("unknown *NAME_MAP id *9",)),
        ("*D_NET *2 0.314", "*D_NET *2 abc", "*D_NET *2", ("bad total capacitance",)),
        ("1 *5:D *2:1 3.0", "1 *5:D *2:1 3,0", "1 *5:D *2:1 3,0", ("bad resistance",)),
        (
            "*END\n\n*D_NET *2",
            "\n*D_NET *2",
            "*D_NET *1",
            ("*D_NET without *END", "starts another"),
        ),
        ("2 *4 *3:1 0.07\n*END", "2 *4 *3:1 0.07", "*D_NET *4", ("*D_NET without *END",)),
        ("*C_UNIT 1 FF", "*C_UNIT 1 FARADS", "*C_UNIT", ("*C_UNIT must be",)),
        ("*C_UNIT 1 FF", "", "*D_NET *1", ("no *C_UNIT",)),
        ("*1 in\n", "*1 in\nbogus entry\n", "bogus entry", ("*NAME_MAP entry",)),
        ("*CONN\n*P *1 I", "*P *1 I", "*P *1 I", ("before *CONN",)),
        ("*PORTS", "*END\n*PORTS", "*END", ("*END outside",)),
    ],
)
def test_spef_errors_name_file_line_and_text(
    tmp_path: Path, old: str, new: str, marker: str, fragments: tuple[str, ...]
) -> None:
    assert old in SPEF
    text = SPEF.replace(old, new, 1)
    path = _write(tmp_path, "bad.spef", text)
    with pytest.raises(NetlistError) as caught:
        read_spef(path)
    line = _line(text, marker)
    _check(caught.value, path, line, *fragments)
    assert caught.value.text.strip().split("//")[0].strip() == (
        text.splitlines()[line - 1].split("//")[0].strip()
    )


def test_an_undeclared_node_of_a_known_net_is_that_net(tmp_path: Path) -> None:
    # '*2:7x' is not declared by *N but its prefix is the net mid: a sub-node of mid
    parasitics = parse_spef(SPEF.replace("1 *2:1 0.20", "1 *2:7x 0.20"), "x.spef")
    assert parasitics.nets["mid"].ground == pytest.approx(0.24 * FF)
    # an undeclared node of no known net is an error
    with pytest.raises(NetlistError, match="node 'nowhere:7' belongs to no net"):
        parse_spef(SPEF.replace("1 *2:1 0.20", "1 nowhere:7 0.20"), "x.spef")


def test_permissive_mode_collects_warnings(tmp_path: Path) -> None:
    dspf = DSPF.replace("C4 in:1 mid:1 0.05f", "C4 in:1 mid:1 0.0.5f").replace(
        "C1 in:1 0 0.10f", "C1 nowhere:3 0 0.10f"
    )
    path = _write(tmp_path, "loose.dspf", dspf)
    with pytest.warns(ParasiticsWarning, match="2 problem"):
        parasitics = read_dspf(path, strict=False)
    problems = [w for w in parasitics.warnings if "F in total" not in w]
    assert problems == [
        f"{path}:{_line(dspf, 'C4 in:1')}: bad capacitance value '0.0.5f': 'C4 in:1 mid:1 0.0.5f'",
        f"{path}:{_line(dspf, 'C1 nowhere')}: node 'nowhere:3' belongs to no net of the file (no "
        "*|NET/*D_NET, port, instance pin or sub-node declares it): 'C1 nowhere:3 0 0.10f'",
    ]
    # the declared totals of in and mid no longer match their capacitors: two notes
    notes = [w for w in parasitics.warnings if "F in total" in w]
    assert len(notes) == 2 and notes[0].startswith(f"{path}:{_line(dspf, '*|NET in')}: net 'in'")
    # the rest is read: in lost C1 (0.10 FF ground) and C4 (0.05 FF to mid)
    assert parasitics.nets["in"].ground == pytest.approx(0.05 * FF)
    assert parasitics.net_couplings()["in", "mid"] == pytest.approx(0.016 * FF)

    spef = SPEF.replace("2 *4 *3:1 0.07\n*END", "2 *4 *3:1 0.07").replace(
        "5 *5:G *2:1 0.01", "5 *5:G *12:1 0.01"
    )
    spef_path = _write(tmp_path, "loose.spef", spef)
    with pytest.warns(ParasiticsWarning, match="2 problem"):
        loose = read_spef(spef_path, strict=False)
    assert any("unknown *NAME_MAP id *12" in w for w in loose.warnings)
    assert any("*D_NET without *END" in w for w in loose.warnings)
    assert loose.nets["vdd"].ground == pytest.approx(1.0 * FF)
    # the pin coupling is still there, listed from mid's block
    assert loose.net_couplings()["in", "mid"] == pytest.approx(0.066 * FF)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_spef(_write(tmp_path, "buf.spef", SPEF), strict=False)  # nothing to warn about


def test_parse_from_strings_name_the_given_path() -> None:
    with pytest.raises(NetlistError, match=r"^design\.dspf:"):
        parse_dspf(DSPF.replace("C1 in:1 0 0.10f", "C1 in:1 0 zz"), "design.dspf")
    assert parse_dspf(DSPF).path == "<string>"
