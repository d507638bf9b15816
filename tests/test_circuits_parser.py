"""graphcl.circuits reader: every netlist construct on small hand-written netlists."""

from __future__ import annotations

import importlib
import math
import warnings
from pathlib import Path
from typing import Any

import pytest

from graphcl.circuits import (
    DevicePatterns,
    Expression,
    Netlist,
    NetlistWarning,
    parse_netlist,
    parse_number,
    read_netlist,
)


def _read(tmp_path: Path, text: str, name: str = "deck.sp", **kwargs: Any) -> Netlist:
    path = tmp_path / name
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetlistWarning)
        return read_netlist(path, **kwargs)


def _devices(netlist: Netlist) -> dict[str, object]:
    return {device.name: device for device in netlist.devices}


INVERTER = """\
.subckt inv a y vdd vss
mp y a vdd vdd pmos_rvt w=270n l=20n nfin=6 nf=2
mn y a vss vss nmos_rvt w=270n l=20n nfin=4 nf=2
.ends inv
"""


def test_public_names_resolve() -> None:
    module = importlib.import_module("graphcl.circuits")
    assert module.__all__
    for name in module.__all__:
        assert getattr(module, name) is not None, name


# -- hierarchy and flattening -------------------------------------------------------------------


def test_hierarchy_is_flattened_with_hierarchical_names(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        """\
* two-level OTA-like hierarchy
.subckt mirror in out vss
m1 in in vss vss nch w=1u l=1u
m2 out in vss vss nch w=1u l=1u
.ends mirror
.subckt ota inp inn out vdd vss
xmirror net5 out vss mirror
m3 net5 inp tail vss nch w=2u l=1u
m4 out inn tail vss nch w=2u l=1u
.ENDS OTA
xota vin1 vin2 vo vdd 0 ota
""",
    )
    assert netlist.top is None  # the file has top-level elements
    assert netlist.device_names == [
        "xota.xmirror.m1",
        "xota.xmirror.m2",
        "xota.m3",
        "xota.m4",
    ]
    devices = _devices(netlist)
    # ports take the parent's nets; locals get the instance path
    assert devices["xota.xmirror.m1"].nets == ("xota.net5", "xota.net5", "0", "0")
    assert devices["xota.xmirror.m2"].nets == ("vo", "xota.net5", "0", "0")
    assert devices["xota.m3"].nets == ("xota.net5", "vin1", "xota.tail", "0")
    assert sorted(netlist.nets) == sorted(
        ["vin1", "vin2", "vo", "vdd", "0", "xota.net5", "xota.tail"]
    )
    assert netlist.pin_names[0] == "xota.xmirror.m1.d"
    assert len(netlist.pins) == 16 and netlist.pins[5].role == "gate"
    assert sorted(netlist.subcircuits) == ["mirror", "ota"]


def test_ends_name_is_optional_and_case_insensitive(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path, ".SUBCKT Cell A B\nR1 A B 1k\n.ENDS\n.subckt top a\nx1 a 0 CELL\n.ends TOP\n"
    )
    assert netlist.top == "top" and netlist.device_names == ["x1.r1"]
    assert not netlist.warnings


def test_ends_with_another_name_is_noted_not_an_error(tmp_path: Path) -> None:
    netlist = _read(tmp_path, ".subckt telescopic a b\nr1 a b 1\n.ends ota\n")
    assert netlist.top == "telescopic"
    assert any("deck.sp:3" in w and "closes subcircuit 'telescopic'" in w for w in netlist.warnings)


def test_top_cell_is_the_subcircuit_no_other_instantiates(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        INVERTER + ".subckt buf a y vdd vss\nx1 a m vdd vss inv\nx2 m y vdd vss inv\n.ends\n",
    )
    assert netlist.top == "buf"
    assert netlist.nets == ["a", "y", "vdd", "vss", "m"]
    assert netlist.device_names == ["x1.mp", "x1.mn", "x2.mp", "x2.mn"]


def test_top_argument_chooses_among_candidates(tmp_path: Path) -> None:
    text = INVERTER + ".subckt res2 a b\nr1 a b 1k\nr2 a b 2k\n.ends\n"
    netlist = _read(tmp_path, text, top="RES2")
    assert netlist.top == "res2" and netlist.devices_by_type() == {"resistor": 2}
    assert _read(tmp_path, text, top="inv").devices_by_type() == {"nmos": 1, "pmos": 1}


def test_global_nets_and_ground_are_shared_across_levels(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        """\
.global vdd! vbias
.subckt leaf a
m1 a vbias 0 gnd nch
m2 a a vdd! vdd! pch
.ends
x1 n1 leaf
x2 n2 leaf
""",
    )
    devices = _devices(netlist)
    assert devices["x1.m1"].nets == ("n1", "vbias", "0", "gnd")
    assert devices["x2.m2"].nets == ("n2", "n2", "vdd!", "vdd!")
    assert set(netlist.nets) == {"n1", "n2", "vbias", "0", "gnd", "vdd!"}
    assert set(netlist.supply_nets) == {"vdd!", "vbias"}  # .global nets are supplies
    assert set(netlist.ground_nets) == {"0", "gnd"}


def test_black_box_subcircuits_stay_opaque_devices(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path, ".subckt nand y a b\n.ends\n.subckt top z a b\nx0 z a b nand\n.ends\n"
    )
    (device,) = netlist.devices
    assert device.type == "subckt" and device.model == "nand"
    assert device.pins == ("y", "a", "b")
    assert device.roles == ("terminal_0", "terminal_1", "terminal_2")


def test_instance_multiplier_multiplies_inner_devices(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        ".subckt stack d g s b\n.param m=1\nmi1 d g x b n m=2\nmi2 x g s b n\n.ends\n"
        "xs1 d g 0 0 stack m=4\nxs2 d g 0 0 stack\n",
    )
    devices = _devices(netlist)
    assert devices["xs1.mi1"].multiplier == 8.0 and devices["xs1.mi2"].multiplier == 4.0
    assert devices["xs2.mi1"].multiplier == 2.0 and devices["xs2.mi1"].params["m"] == 2.0


# -- parameters and expressions -----------------------------------------------------------------


def test_parameter_scopes_globals_defaults_overrides(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        """\
.param wg=1u lg=0.5u shared=3
.subckt cell a b w=2u nf=1
.param l=lg*2
m1 a b 0 0 nch w=w l=l nf=nf nfin=shared
.ends
x1 a b cell
x2 a b cell w=5u
x3 a b cell w='wg*3' nf=4
""",
    )
    devices = _devices(netlist)
    assert devices["x1.m1"].params["w"] == pytest.approx(2e-6)  # subcircuit default
    assert devices["x2.m1"].params["w"] == pytest.approx(5e-6)  # instance override
    assert devices["x3.m1"].params["w"] == pytest.approx(3e-6)  # override from a global
    assert devices["x3.m1"].params["nf"] == 4.0
    assert devices["x1.m1"].params["l"] == pytest.approx(1e-6)  # default from a global
    assert devices["x1.m1"].params["nfin"] == 3.0  # global seen inside the subcircuit


def test_param_block_with_continuations_and_later_definitions(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        """\
.PARAM a=1
+ b='a*2' c={b+1}
.param d = 2 * c  e=1
r1 n1 0 'd*1k'
.param late=4
r2 n1 0 late
""",
    )
    devices = _devices(netlist)
    assert devices["r1"].value == pytest.approx(6000.0)
    assert devices["r2"].value == 4.0  # parameters are global wherever they are written


def test_unused_undefined_default_is_not_an_error(tmp_path: Path) -> None:
    # ALIGN's VCO passes _ar5=wppn although wppn is never defined and _ar5 is never used
    netlist = _read(
        tmp_path,
        ".subckt cell a\n.param _ar0=1 _ar5=1\nm1 a a 0 0 n nf=_ar0\n.ends\n"
        ".subckt top a\n.param _ar0=2 _ar5=wppn\nx1 a cell _ar0=_ar0 _ar5=_ar5\n.ends\n",
    )
    assert netlist.devices[0].params["nf"] == 2.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10pF", 1e-11),
        ("1kohm", 1e3),
        ("1meg", 1e6),
        ("1MEG", 1e6),
        ("1M", 1e-3),
        ("3m", 3e-3),
        ("2.5E3", 2500.0),
        ("1e-9", 1e-9),
        ("270e-9", 270e-9),
        ("13.1u", 13.1e-6),
        ("4.7nH", 4.7e-9),
        ("2mil", 50.8e-6),
        ("1T", 1e12),
        ("2g", 2e9),
        ("5f", 5e-15),
        ("3a", 3e-18),
        ("5V", 5.0),
        ("-3.3", -3.3),
        (".5u", 0.5e-6),
    ],
)
def test_engineering_suffixes(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


def test_spectre_suffixes_are_case_sensitive() -> None:
    assert parse_number("1M", "spectre") == 1e6
    assert parse_number("1m", "spectre") == 1e-3
    assert parse_number("2K", "spectre") == 2e3
    assert parse_number("5%", "spectre") == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("P*2", 6.0),
        ("2*M0", 4.0),
        ("-P + 1", -2.0),
        ("-2**2", -4.0),
        ("2^3^2", 512.0),
        ("(1+2)*(3-1)/4", 1.5),
        ("sqrt(16) + abs(-2)", 6.0),
        ("min(3, P, 7) + max(1, 2, M0)", 5.0),
        ("exp(0) + log(1) + log10(100) + ln(1)", 3.0),
        ("pow(2, 10)", 1024.0),
        ("pwr(-2, 2)", -4.0),
        ("P > 2 ? 10 : 20", 10.0),
        ("1u*P", 3e-6),
        ("floor(2.7) + ceil(0.2) + int(-1.5)", 2.0),
    ],
)
def test_expressions(text: str, value: float) -> None:
    params = {"p": 3.0, "m0": 2.0}
    assert Expression(text).evaluate(params.__getitem__) == pytest.approx(value)


def test_pi_is_a_constant_unless_a_parameter_says_otherwise() -> None:
    assert parse_netlist("r1 a 0 'pi'\n").devices[0].value == pytest.approx(math.pi)
    assert parse_netlist(".param pi=3\nr1 a 0 'pi'\n").devices[0].value == 3.0


def test_expression_is_compiled_once_and_folds_constants() -> None:
    assert Expression("2*3u").constant == pytest.approx(6e-6)
    expression = Expression("w*2")
    assert expression.constant is None and expression.names == frozenset({"w"})
    assert expression.evaluate({"w": 1.0}.__getitem__) == 2.0
    assert expression.evaluate({"w": 5.0}.__getitem__) == 10.0


def test_quoted_and_braced_values_in_elements(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        ".param P=2 M0=3\nm1 d g s b nch w='P*2u' l = {P * 0.5u} m={2*M0} nf=P\n"
        "c1 d 0 'P*1p'\nr1 d 0 {M0}k\n",
    )
    devices = _devices(netlist)
    assert devices["m1"].params["w"] == pytest.approx(4e-6)
    assert devices["m1"].params["l"] == pytest.approx(1e-6)
    assert devices["m1"].multiplier == 6.0
    assert devices["c1"].value == pytest.approx(2e-12)


# -- lines, comments, encodings -----------------------------------------------------------------


def test_continuations_comments_and_whitespace(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        "*******************\n"
        "** banner comment **\n"
        "*******************\n"
        ".subckt cell a b \t\n"
        "m1 a b 0 0 nch\n"
        "* a comment between a statement and its continuation\n"
        "+ w=1u\n"
        "+\tl=2u   $ inline HSPICE comment\n"
        "r1 a b 1k ; ngspice comment\n"
        "\tc1 a b 1p // slash comment\n"
        "m2 a b 0 0 nch w=1u \\\n"
        "   l=3u\n"
        "  // whole-line slash comment\n"
        ".ends cell   \n",
    )
    devices = _devices(netlist)
    assert devices["m1"].params == {"w": 1e-6, "l": 2e-6}
    assert devices["r1"].value == 1e3 and devices["c1"].value == 1e-12
    assert devices["m2"].params["l"] == pytest.approx(3e-6)
    assert devices["m1"].location.line == 5


def test_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "crlf.sp"
    path.write_bytes(b".SUBCKT X a b\r\nR1 a b 1k \r\n+ tc1=0\r\nC1 a b 2p\r\n.ENDS")
    netlist = read_netlist(path)
    assert netlist.device_names == ["r1", "c1"]
    assert netlist.devices[1].value == pytest.approx(2e-12)


def test_names_are_lower_case_and_messages_keep_the_text(tmp_path: Path) -> None:
    netlist = _read(tmp_path, ".SUBCKT Amp IN OUT\nMN1 OUT IN GND GND NCH W=1U\n.ENDS\n")
    device = netlist.devices[0]
    assert device.name == "mn1" and device.nets == ("out", "in", "gnd", "gnd")
    assert device.model == "nch" and device.location.text == "MN1 OUT IN GND GND NCH W=1U"


# -- the title rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Inverter test bench", "Inverter test bench"),
        ("Resistor ladder of four stages", "Resistor ladder of four stages"),
        ("Xor gate test", "Xor gate test"),
        ("amplifier", "amplifier"),
        ("r1 a 0 1k", None),
        ("mn1 y a 0 0 nmos w=1u", None),
        (".subckt top a", None),
        ("* a comment", None),
    ],
)
def test_title_rule(tmp_path: Path, first: str, title: str | None) -> None:
    body = "r9 a 0 2k\n" + (".ends\n" if first.startswith(".subckt") else "")
    netlist = _read(tmp_path, first + "\n" + body)
    assert netlist.title == title
    assert "r9" in netlist.device_names[-1]
    if title is None and not first.startswith(("*", ".")):
        assert len(netlist.device_names) == 2  # line 1 was an element


def test_title_forced_on_and_off(tmp_path: Path) -> None:
    assert _read(tmp_path, "r1 a 0 1k\nr2 a 0 2k\n", title=True).device_names == ["r2"]
    with pytest.raises(Exception, match=r"deck\.sp:1"):
        _read(tmp_path, "My circuit\nr2 a 0 2k\n", title=False)


def test_title_is_only_line_one(tmp_path: Path) -> None:
    netlist = _read(tmp_path, "\n* comment\nr1 a 0 1k\n")
    assert netlist.title is None and netlist.device_names == ["r1"]


# -- includes, libraries, .global, .end ---------------------------------------------------------


def test_include_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / "inv.sp").write_text(INVERTER + '.include "../models/params.inc"\n')
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "params.inc").write_text(".param wide=4u\n")
    netlist = _read(
        tmp_path,
        "* top\n.include 'cells/inv.sp'\n.INC cells/inv.sp\nxi a y vdd 0 inv\nr1 y 0 wide\n",
    )
    assert netlist.device_names == ["xi.mp", "xi.mn", "r1"]
    assert netlist.devices[2].value == pytest.approx(4e-6)
    assert len(netlist.files) == 5


def test_lib_sections(tmp_path: Path) -> None:
    (tmp_path / "models.lib").write_text(
        "* corner library\n"
        ".lib tt\n.param vth=0.4\n.model nch nmos level=54\n.endl tt\n"
        ".lib ff\n.param vth=0.3\n.lib 'models.lib' common\n.endl\n"
        ".lib common\n.model pch pmos\n.endl common\n"
    )
    netlist = _read(tmp_path, '.lib "models.lib" ff\nm1 a b 0 0 pch w=1u\nr1 a 0 vth\n')
    devices = _devices(netlist)
    assert devices["r1"].value == pytest.approx(0.3)
    assert netlist.models == {"pch": "pmos"}  # only the ff section and what it calls
    assert devices["m1"].type == "pmos"


def test_end_stops_reading(tmp_path: Path) -> None:
    netlist = _read(tmp_path, "r1 a 0 1k\n.end\nr2 a 0 2k\nthis is not a netlist\n")
    assert netlist.device_names == ["r1"]


def test_analysis_cards_and_control_blocks_are_ignored(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        "deck title\n.option post\n+ accurate=1\n.options gmin=1e-12\n.temp 27\n.tran 1n 10n\n"
        ".dc v1 0 1 0.1\n.ac dec 10 1 1g\n.op\n.meas tran t1 trig v(a) val=0.5 rise=1\n"
        ".control\nrun\nplot v(a)\n.endc\n.print tran v(a)\nv1 a 0 1\nr1 a 0 1k\n.end\n",
    )
    assert netlist.device_names == ["v1", "r1"] and netlist.title == "deck title"


def test_models_type_mosfets_bjts_and_diodes(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        ".model fast.1 nmos level=54\n.model fast.2 nmos level=54\n.model slowp pmos\n"
        ".model qn npn\n.model qp pnp\n.model dz d\n"
        "m1 d g s b fast w=1u\nm2 d g s b slowp\nm3 d g s b odd\nm4 d g s b pmos_lvt\n"
        "q1 c b e qn\nq2 c b e sub qp 2\nq3 c b e mystery\nd1 a k dz\nd2 a k dz 1.5\n",
    )
    devices = _devices(netlist)
    assert [devices[f"m{i}"].type for i in range(1, 5)] == ["nmos", "pmos", "mos", "pmos"]
    assert devices["q1"].type == "npn" and devices["q1"].roles == ("collector", "base", "emitter")
    assert devices["q2"].type == "pnp" and devices["q2"].nets == ("c", "b", "e", "sub")
    assert devices["q2"].params["area"] == 2.0 and devices["q3"].type == "bjt"
    assert devices["d1"].type == "diode" and devices["d1"].roles == ("anode", "cathode")
    assert devices["d2"].params["area"] == 1.5


def test_passives_with_models_and_parameter_values(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        ".model rpoly r\n.subckt cell a b\n.param rl=800 csw=2p\n"
        "R1 a b resistor r=rl\nR2 a b rl\nR3 a b rpoly 5k\nC1 a b capacitor w=1u l=2u\n"
        "C2 a b csw\nL1 a b 10nH\nL2 a b ind l=2n\n.ends\n",
    )
    devices = _devices(netlist)
    assert devices["r1"].model == "resistor" and devices["r1"].value == 800.0
    assert devices["r2"].model == "" and devices["r2"].value == 800.0
    assert devices["r3"].model == "rpoly" and devices["r3"].value == 5000.0
    assert devices["c1"].value is None and devices["c1"].params["l"] == pytest.approx(2e-6)
    assert devices["c2"].value == pytest.approx(2e-12)
    assert devices["l1"].value == pytest.approx(1e-8) and devices["l2"].value == pytest.approx(2e-9)


def test_sources_and_supply_detection(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        "sources\n"
        "vsup avdd_core 0 dc 1.8\n"
        "vneg vee 0 -5\n"
        "vzero vss_int 0 0\n"
        "vin in 0 dc 0.6 ac 1 0\n"
        "vclk clk 0 PULSE(0 1.8 0 10p 10p 1n 2n)\n"
        "vsin s 0 SIN (0 1 1meg)\n"
        "vpwl p 0 pwl(0 0 1n 1)\n"
        "ib bias 0 10u\n"
        "vdd2 top avdd_core 0.5\n"
        "r1 in clk 1k\n",
    )
    devices = _devices(netlist)
    assert devices["vsup"].value == 1.8 and devices["vneg"].value == -5.0
    assert devices["vin"].value == 0.6 and devices["vin"].params["ac"] == 1.0
    assert devices["vclk"].params["waveform"] == "pulse(0 1.8 0 10p 10p 1n 2n)"
    assert devices["vsin"].params["waveform"] == "sin(0 1 1meg)"
    assert devices["vpwl"].params["waveform"].startswith("pwl(")
    assert devices["ib"].type == "isource" and devices["ib"].value == pytest.approx(1e-5)
    # DC-only sources with one terminal on ground make supplies (0 V: grounds); inputs do not
    assert set(netlist.supply_nets) == {"avdd_core", "vee"}
    assert set(netlist.ground_nets) == {"0", "vss_int"}


def test_controlled_sources(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        "ctl\ne1 out 0 in 0 2\ng1 out 0 in 0 1m\nf1 out 0 vsense 3\nh1 out 0 vsense 1k\n"
        "e2 out 0 value={v(in)*2}\nvsense in 0 0\n",
    )
    devices = _devices(netlist)
    assert devices["e1"].type == "vcvs" and devices["e1"].value == 2.0
    assert devices["e1"].roles == ("positive", "negative", "control_positive", "control_negative")
    assert devices["g1"].type == "vccs" and devices["f1"].type == "cccs"
    assert devices["h1"].type == "ccvs" and devices["h1"].params["control"] == "vsense"
    assert devices["e2"].nets == ("out", "0") and isinstance(devices["e2"].params["value"], str)


def test_supply_names_are_configurable(tmp_path: Path) -> None:
    text = ".subckt c vdd_core vss_core io\nr1 vdd_core io 1\nr2 io vss_core 1\n.ends\n"
    netlist = _read(tmp_path, text)
    assert netlist.supply_nets == ["vdd_core"] and netlist.ground_nets == ["vss_core"]
    custom = _read(tmp_path, text, supply_nets=["IO"], ground_nets=[])
    assert custom.supply_nets == ["io"] and custom.ground_nets == []


# -- Spectre ------------------------------------------------------------------------------------


SPECTRE = """\
// a Spectre netlist
simulator lang=spectre
parameters wn=2u rval=1k
model nfast bsim4 type=n
model pslow bsim4 type=p
subckt amp (inp out vdd vss)
    parameters gain=2
    M1 (out inp vss vss) nfast w=wn \\
        l=100n m=2
    M2 (out out vdd vdd) pslow w=wn*gain l=100n
    R1 (out vss) resistor r=rval
    C1 out vss capacitor c=1M*1f
ends amp
I0 (in 0) isource dc=10u
V0 (vdd 0) vsource dc=1.2 type=dc
V1 (in 0) vsource type=pulse val0=0 val1=1
X1 (in o vdd 0) amp gain=3
tran1 tran stop=1u
save o
"""


def test_spectre_form(tmp_path: Path) -> None:
    netlist = _read(tmp_path, SPECTRE, name="amp.scs")
    devices = _devices(netlist)
    assert netlist.device_names == ["i0", "v0", "v1", "x1.m1", "x1.m2", "x1.r1", "x1.c1"]
    assert devices["x1.m1"].type == "nmos" and devices["x1.m2"].type == "pmos"
    assert devices["x1.m2"].params["w"] == pytest.approx(6e-6)  # override gain=3
    assert devices["x1.m1"].multiplier == 2.0
    assert devices["x1.r1"].value == 1000.0
    assert devices["x1.c1"].value == pytest.approx(1e-9)  # Spectre M = mega
    assert devices["v0"].value == 1.2 and devices["i0"].value == pytest.approx(1e-5)
    assert devices["v1"].params["waveform"] == "pulse"
    assert netlist.supply_nets == ["vdd"]


def test_spectre_is_sniffed_without_extension(tmp_path: Path) -> None:
    text = SPECTRE.replace("simulator lang=spectre\n", "")
    netlist = _read(tmp_path, text, name="amp_schematic")
    assert len(netlist.device_names) == 7


def test_mixed_language_switches(tmp_path: Path) -> None:
    netlist = _read(
        tmp_path,
        """\
* SPICE first
.subckt inv a y vdd vss
mp y a vdd vdd pmos w=2u
mn y a vss vss nmos w=1u
.ends
simulator lang=spectre
subckt buf (a y vdd vss)
    I1 (a m vdd vss) inv
    I2 (m y vdd vss) inv
ends buf
R9 (y 0) resistor r=2K
simulator lang=spice
xbuf in out vdd 0 buf
R8 out 0 1M
""",
    )
    devices = _devices(netlist)
    assert devices["r9"].value == 2000.0
    assert devices["r8"].value == pytest.approx(1e-3)  # back in SPICE: M is milli
    assert "xbuf.i2.mn" in devices
    assert devices["xbuf.i1.mp"].nets == ("xbuf.m", "in", "vdd", "vdd")


def test_spectre_include_and_sections(tmp_path: Path) -> None:
    (tmp_path / "lib.scs").write_text(
        "library mylib\nsection tt\nparameters r0=5k\nendsection tt\n"
        "section ss\nparameters r0=7k\nendsection ss\nendlibrary mylib\n"
    )
    (tmp_path / "cells.sp").write_text(".subckt rr a b\nr1 a b r0\n.ends\n")
    netlist = _read(
        tmp_path,
        'simulator lang=spectre\ninclude "lib.scs" section=ss\ninclude "cells.sp"\nX0 (a 0) rr\n',
        name="top.scs",
    )
    assert netlist.devices[0].value == 7000.0


# -- PDK primitives -----------------------------------------------------------------------------


def test_pdk_primitives_are_inferred_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "pdk.sp"
    path.write_text(
        ".subckt cell a b vdd vss\n"
        "xm0 a b vss vss sky130_fd_pr__nfet_01v8 w=1 l=0.15\n"
        "xm1 a b vdd vdd sky130_fd_pr__pfet_01v8_hvt w=2 l=0.15\n"
        "xm2 a b vss vss nch_mac l=60n w=200n\n"
        "xm3 a b vss vss nch_mac l=60n w=400n\n"
        "xm4 a b vdd vdd pch_lvt_ckt l=60n w=200n\n"
        "xc0 a b cfmom_2t nr=10\n"
        "xc1 a b sky130_fd_pr__cap_mim_m3_1 w=2 l=2\n"
        "xr0 a b vss rppoly w=1u l=10u\n"
        "xd0 a vss ndio_mac area=1p\n"
        "xq0 a b vss npn_10x10\n"
        "xu0 a b vdd mystery_block\n"
        ".ends\n"
    )
    with pytest.warns(NetlistWarning) as record:
        netlist = read_netlist(path)
    assert len(record) == 1
    message = str(record[0].message)
    assert message.count("nch_mac") == 1 and "mystery_block -> subckt" in message
    types = {device.name: device.type for device in netlist.devices}
    assert types == {
        "xm0": "nmos",
        "xm1": "pmos",
        "xm2": "nmos",
        "xm3": "nmos",
        "xm4": "pmos",
        "xc0": "capacitor",
        "xc1": "capacitor",
        "xr0": "resistor",
        "xd0": "diode",
        "xq0": "npn",
        "xu0": "subckt",
    }
    assert netlist.inferred_primitives["nch_mac"] == "nmos"
    assert any("nch_mac -> nmos" in w for w in netlist.warnings)
    assert _devices(netlist)["xm2"].roles == ("drain", "gate", "source", "bulk")
    assert _devices(netlist)["xu0"].pins == ("t0", "t1", "t2")


def test_pdk_terminal_count_must_fit_the_type(tmp_path: Path) -> None:
    netlist = _read(tmp_path, ".subckt c a\nxm0 a nch_mac\n.ends\n")
    assert netlist.devices[0].type == "subckt"  # one terminal is no transistor


def test_custom_device_patterns(tmp_path: Path) -> None:
    text = ".subckt c a b\nx1 a b a b foundry_n1 w=1u\nx2 a b hires_poly\n.ends\n"
    default = _read(tmp_path, text)
    assert [d.type for d in default.devices] == ["subckt", "resistor"]
    custom = _read(tmp_path, text, device_patterns={"nmos": r"^foundry_n", "capacitor": "hires"})
    assert [d.type for d in custom.devices] == ["nmos", "capacitor"]
    patterns = DevicePatterns({"pmos": [r"^xp"]}, defaults=False)
    assert patterns.classify("xp_fet", 4) == "pmos" and patterns.classify("nch", 4) is None
    with pytest.raises(ValueError, match="must be one of"):
        DevicePatterns({"transistor": "x"})


# -- results ------------------------------------------------------------------------------------


def test_summary_and_views(tmp_path: Path) -> None:
    netlist = _read(tmp_path, INVERTER)
    summary = netlist.summary()
    for key in (
        "devices",
        "nets",
        "pins",
        "devices_by_type",
        "subcircuits",
        "supply_nets",
        "warnings",
    ):
        assert key in summary
    assert summary["devices"] == 2 and summary["pins"] == 8 and summary["nets"] == 4
    assert summary["devices_by_type"] == {"nmos": 1, "pmos": 1}
    assert summary["supply_nets"] == ["vdd"] and summary["ground_nets"] == ["vss"]
    assert netlist.devices[-1].name == "mn" and [d.name for d in netlist.devices[:1]] == ["mp"]
    assert netlist.pins[-1].name == "mn.b" and netlist.pins[-1].net == "vss"
    assert netlist.pin_names.index("mn.g") == 5
    assert "devices=2" in repr(netlist)


def test_parse_netlist_from_a_string() -> None:
    netlist = parse_netlist("r1 a 0 1k\nc1 a 0 1p\n", path="inline.cir")
    assert netlist.path == "inline.cir" and netlist.device_names == ["r1", "c1"]
    spectre = parse_netlist("R1 (a 0) resistor r=1M\n", dialect="spectre")
    assert spectre.devices[0].value == 1e6
