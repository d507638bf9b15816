"""Malformed netlists: every error names the file, the line and the offending text."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from graphcl.circuits import NetlistWarning, read_netlist
from graphcl.errors import NetlistError


def _error(tmp_path: Path, text: str, name: str = "bad.sp", **kwargs: Any) -> NetlistError:
    path = tmp_path / name
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetlistWarning)
        with pytest.raises(NetlistError) as caught:
            read_netlist(path, **kwargs)
    return caught.value


def _check(error: NetlistError, name: str, line: int, *fragments: str) -> None:
    message = str(error)
    assert f"{name}:{line}:" in message, message
    assert error.line == line and error.path.endswith(name)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("body", "line", "fragments"),
    [
        ("r1 a 0 1k\nb1 a 0 v=1\n", 3, ("unknown element letter 'b'", "'b1 a 0 v=1'")),
        ("r1 a 0 1k\nJ1 d g s jmod\n", 3, ("unknown element letter 'J'",)),
        ("m1 d g s nch w=1u\n", 2, ("MOSFET 'm1' needs 4 terminals", "got 3 terminal(s)")),
        ("m1 d g s b x nch\n", 2, ("got 5 terminal(s)",)),
        ("q1 c b npn\n", 2, ("BJT 'q1' needs 3 or 4 terminals",)),
        ("d1 a dmod\n", 2, ("diode 'd1' needs 2 terminals",)),
        ("r1 a 1k\n", 2, ("resistor 'r1' needs 2 terminals and a value",)),
        ("c1 a b 1p 2p 3p\n", 2, ("capacitor 'c1' needs 2 terminals",)),
        ("v1 a\n", 2, ("voltage source 'v1' needs 2 terminals",)),
        ("e1 out 0 in 2\n", 2, ("controlled source 'e1' needs 4 terminals",)),
        ("f1 out 0 2\n", 2, ("needs 2 terminals, a controlling source and a gain",)),
        ("r1 a 0 1.2.3k\n", 2, ("bad number '1.2.3k'",)),
        ("m1 d g s b nch w=2u5\n", 2, ("w=: bad number '2u5'",)),
        ("c1 a 0 1e\n", 2, ("bad number '1e'", "incomplete exponent")),
        ("r1 a 0 'foo(2)'\n", 2, ("unknown function 'foo'",)),
        ("r1 a 0 '1/0'\n", 2, ("division by zero",)),
        ("r1 a 0 (1+2\n", 2, ("unbalanced '('",)),
        ("m1 d g s b nch w=\n", 2, ("parameter 'w' has no value",)),
        ("+ w=1u\n", 2, ("continuation line '+' without a statement",)),
        (".ends\n", 2, ("end of a subcircuit without a matching .subckt",)),
        ("x1 a b\n", 2, ()),  # 'b' is an undefined master: an opaque device, no error
    ],
)
def test_malformed_statements(
    tmp_path: Path, body: str, line: int, fragments: tuple[str, ...]
) -> None:
    text = "* title comment\n" + body
    if not fragments:
        path = tmp_path / "ok.sp"
        path.write_text(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NetlistWarning)
            assert len(read_netlist(path).devices) == 1
        return
    _check(_error(tmp_path, text), "bad.sp", line, *fragments)


def test_undefined_parameter_in_a_device(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n.subckt c a\nm1 a a 0 0 n w='wx*2'\n.ends\n")
    _check(error, "bad.sp", 3, "undefined parameter 'wx' in w=", "m1 a a 0 0 n w='wx*2'")


def test_undefined_parameter_through_a_definition(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n.param a=b*2\nr1 n 0 a\n")
    _check(error, "bad.sp", 2, "undefined parameter 'b'", ".param a=b*2")


def test_undefined_parameter_passed_by_an_instance(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n.subckt c a w=1\nr1 a 0 w\n.ends\nx1 n c w=nope\n")
    _check(error, "bad.sp", 5, "undefined parameter 'nope' in w=")


def test_parameters_do_not_leak_from_parent_to_child(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        "* t\n.subckt child a\nr1 a 0 'rp'\n.ends\n.subckt parent a rp=5\nx1 a child\n.ends\n",
    )
    _check(error, "bad.sp", 3, "undefined parameter 'rp'")


def test_self_referencing_parameter(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n.param a='a+1'\nr1 n 0 a\n")
    _check(error, "bad.sp", 2, "parameter 'a' depends on itself")


def test_subcircuit_port_count_mismatch(tmp_path: Path) -> None:
    error = _error(
        tmp_path, "* t\n.subckt inv a y vdd vss\nm1 y a vss vss n\n.ends\nx1 in out vdd inv\n"
    )
    _check(error, "bad.sp", 5, "subcircuit 'inv' has 4 port(s) (a y vdd vss)", "connects 3 node(s)")


def test_recursive_subcircuit_instantiation(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        "* t\n.subckt a p\nxb p b\n.ends\n.subckt b p\nr1 p 0 1\nxa p a\n.ends\nxtop n a\n",
    )
    _check(error, "bad.sp", 7, "recursive subcircuit instantiation: a -> b -> a", "'xa p a'")


def test_self_instantiation(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n.subckt loop p\nr1 p 0 1\nx1 p loop\n.ends\n")
    _check(error, "bad.sp", 4, "recursive subcircuit instantiation: loop -> loop")


def test_recursive_include_names_the_chain(tmp_path: Path) -> None:
    (tmp_path / "b.inc").write_text("* b\n.include 'c.inc'\n")
    (tmp_path / "c.inc").write_text("* c\nr1 a 0 1\n\n.include 'bad.sp'\n")
    error = _error(tmp_path, "* main\n.include 'b.inc'\n")
    _check(error, "c.inc", 4, "recursive include:", "bad.sp -> ", "b.inc -> ", "c.inc -> ")
    assert str(error).count("bad.sp") >= 2


def test_missing_include(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n\n.include models/missing.lib\n")
    _check(error, "bad.sp", 3, "cannot read included file 'models/missing.lib'")


def test_subcircuit_without_ends(tmp_path: Path) -> None:
    error = _error(tmp_path, "* t\n.subckt open a\nr1 a 0 1k\n")
    _check(error, "bad.sp", 2, "subcircuit 'open' has no matching .ends")


def test_several_top_cells_are_listed(tmp_path: Path) -> None:
    error = _error(tmp_path, ".subckt one a\nr1 a 0 1\n.ends\n.subckt two a\nr1 a 0 1\n.ends\n")
    message = str(error)
    assert "bad.sp" in message and "one, two" in message and "top=NAME" in message


def test_unknown_top(tmp_path: Path) -> None:
    error = _error(tmp_path, ".subckt one a\nr1 a 0 1\n.ends\n", top="three")
    assert "bad.sp" in str(error) and "defined: one" in str(error)


def test_spectre_errors(tmp_path: Path) -> None:
    error = _error(tmp_path, "// t\nR1 (a b c) resistor r=1\n", name="bad.scs")
    _check(error, "bad.scs", 2, "resistor 'r1' needs 2 terminals, got 3")
    error = _error(
        tmp_path, "// t\nsubckt s (a)\nR1 (a 0) resistor r=1\nends s\nX1 (a) \n", name="bad.scs"
    )
    _check(error, "bad.scs", 5, "has no master")
    error = _error(tmp_path, "// t\nsimulator lang=verilog\n", name="bad.scs")
    _check(error, "bad.scs", 2, "simulator needs lang=spice or lang=spectre")


def test_missing_file() -> None:
    with pytest.raises(NetlistError, match=r"no/such/file\.sp: cannot read netlist"):
        read_netlist("no/such/file.sp")


def test_permissive_mode_records_and_skips(tmp_path: Path) -> None:
    path = tmp_path / "messy.sp"
    path.write_text(
        "* messy\n"
        "r1 a 0 1k\n"
        "b1 a 0 v=1\n"  # unknown letter
        "m1 d g s nch\n"  # 3 terminals
        ".subckt inv a y\nm1 y a 0 0 n w=wq\n.ends\n"  # undefined parameter (kept, w dropped)
        "x1 a inv\n"  # port count
        "x2 a y inv\n"
        "r2 a 0 1.2.3\n"  # bad number
        ".ends\n"  # unbalanced
    )
    with pytest.warns(NetlistWarning, match="problem\\(s\\) skipped"):
        netlist = read_netlist(path, strict=False)
    assert netlist.device_names == ["r1", "x2.m1"]
    assert "w" not in netlist.devices[1].params
    joined = "\n".join(netlist.warnings)
    for line in (3, 4, 6, 8, 10, 11):
        assert f"messy.sp:{line}:" in joined, joined
