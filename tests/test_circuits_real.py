"""Every netlist of the data mirror (ALIGN and AnalogGym, SOURCES.md section 6a) reads in strict
mode, with recorded device / net / pin counts; a few are checked against counts made by hand."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from graphcl.circuits import Netlist, NetlistWarning, read_netlist

pytestmark = pytest.mark.dataset

# (devices, nets, pins) of the flattened design of each file (the top cell where the file only
# defines subcircuits). Recorded from this reader; the hand-checked ones are derived below.
COUNTS: dict[str, tuple[int, int, int]] = {
    "align_public/VCO_type2_65.sp": (32, 28, 128),
    "align_public/adder.sp": (9, 10, 26),
    "align_public/block_spacing_bug.sp": (3, 7, 12),
    "align_public/buffer.sp": (4, 5, 16),
    "align_public/cascode_current_mirror_ota.sp": (20, 20, 80),
    "align_public/common_source.sp": (2, 4, 8),
    "align_public/comparator1.sp": (22, 18, 88),
    "align_public/current_mirror_ota.sp": (12, 12, 48),
    "align_public/double_tail_sense_amplifier.sp": (14, 12, 56),
    "align_public/five_transistor_ota.sp": (5, 8, 20),
    "align_public/five_transistor_ota_Bulk.sp": (5, 8, 20),
    "align_public/five_transistor_ota_high_frequency.sp": (6, 8, 24),
    "align_public/fixed_height.sp": (5, 9, 13),
    "align_public/high_speed_comparator.sp": (15, 12, 60),
    "align_public/high_speed_comparator_charge_flow.sp": (15, 12, 60),
    "align_public/inverter_current_starved.sp": (7, 8, 28),
    "align_public/inverter_v1.sp": (2, 4, 8),
    "align_public/inverter_v2.sp": (2, 4, 8),
    "align_public/inverter_v3.sp": (3, 4, 12),
    "align_public/linear_equalizer.sp": (18, 20, 60),
    "align_public/mimo_bulk.sp": (978, 380, 3228),
    "align_public/powertrain.sp": (1, 3, 4),
    "align_public/powertrain_binary.sp": (63, 8, 252),
    "align_public/powertrain_thermo.sp": (16, 18, 64),
    "align_public/ring_oscillator.sp": (10, 8, 40),
    "align_public/sc_dc_dc_converter.sp": (9, 9, 32),
    "align_public/single_to_differential_converter.sp": (8, 10, 20),
    "align_public/switched_capacitor_filter.sp": (32, 26, 108),
    "align_public/telescopic_ota.sp": (10, 15, 40),
    "align_public/telescopic_ota_guard_ring.sp": (10, 16, 40),
    "align_public/telescopic_ota_multi_connection.sp": (10, 14, 40),
    "align_public/telescopic_ota_with_bias.sp": (36, 35, 144),
    "align_public/test_vga.sp": (156, 143, 624),
    "align_public/unity_gain_buffers.sp": (50, 49, 200),
    "align_public/variable_gain_amplifier.sp": (19, 19, 72),
    "align_public/vco_dtype_12_hierarchical.sp": (144, 115, 576),
    "align_public/vco_dtype_12_hierarchical_res.sp": (158, 115, 604),
    "align_public/vco_dtype_12_hierarchical_res_constrained.sp": (158, 115, 604),
    "align_public/vga_stage.sp": (4, 9, 16),
    "analoggym/sensing_front_end/PTAT_65_classic1": (4, 4, 16),
    "analoggym/sensing_front_end/PTAT_SENSOR": (2, 3, 8),
    "analoggym/sensing_front_end/SMCNR_SE_2st_AMP": (11, 11, 38),
    "analoggym/sensing_front_end/front_end_11_6T_schematic": (6, 4, 24),
    "analoggym/sensing_front_end/front_end_25_6T_schematic": (6, 5, 24),
    "analoggym/sensing_front_end/front_end_31_3T_schematic": (3, 4, 12),
    "analoggym/sensing_front_end/front_end_42_2_2015_REF_schematic": (4, 4, 16),
    "analoggym/sensing_front_end/ptat_classic": (5, 5, 18),
    "analoggym/sensing_front_end/spectre_ptat1": (6, 3, 24),
    "analoggym/sensing_front_end/spectre_ptat2": (6, 7, 24),
    "analoggym/sensing_front_end/spectre_ptat3": (4, 3, 16),
    "analoggym/sensing_front_end/spectre_ptat4": (8, 3, 32),
    "analoggym/sensing_front_end/spectre_ptat6": (6, 7, 24),
}


def _netlists(mirror: Path) -> Path:
    root = mirror / "circuits" / "netlists"
    if not root.is_dir():
        pytest.skip(f"no circuit netlists in the mirror ({root})")
    return root


def _read(path: Path) -> Netlist:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetlistWarning)
        return read_netlist(path)


def test_every_netlist_reads_strictly_with_the_recorded_counts(mirror: Path) -> None:
    root = _netlists(mirror)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    found = {}
    for path in files:
        netlist = _read(path)  # strict: any error fails the test
        found[path.relative_to(root).as_posix()] = (
            len(netlist.device_names),
            len(netlist.net_names),
            len(netlist.pin_device),
        )
        assert len(netlist.device_names) > 0, path
        graph = netlist.to_graph()
        assert graph["pin"].num_nodes == len(netlist.pin_device)
    assert found == COUNTS


def test_hand_counted_inverter_v1(mirror: Path) -> None:
    # .subckt inverter_v1 vin vout vdd vss
    #   mp1 vout vin vdd vdd p ... ; mn1 vout vin vss vss n ...
    # 2 devices; nets = the 4 ports (no internal net); 2 x 4 pins = 8.
    netlist = _read(_netlists(mirror) / "align_public" / "inverter_v1.sp")
    assert (len(netlist.devices), len(netlist.nets), len(netlist.pins)) == (2, 4, 8)
    assert netlist.devices_by_type() == {"nmos": 1, "pmos": 1}
    assert netlist.supply_nets == ["vdd"] and netlist.ground_nets == ["vss"]
    assert netlist.devices[0].params["nfin"] == 6.0


def test_hand_counted_five_transistor_ota(mirror: Path) -> None:
    # ports vbias vss vdd von vin vip (6); mn1 tail vbias vss vss; mn2 von vin tail vss;
    # mn3 vop vip tail vss; mp4 von vop vdd vdd; mp5 vop vop vdd vdd -> internal nets tail, vop:
    # 8 nets; 5 MOSFETs x 4 pins = 20; mn1 has m=8.
    netlist = _read(_netlists(mirror) / "align_public" / "five_transistor_ota.sp")
    assert (len(netlist.devices), len(netlist.nets), len(netlist.pins)) == (5, 8, 20)
    assert netlist.nets == ["vbias", "vss", "vdd", "von", "vin", "vip", "tail", "vop"]
    assert netlist.devices[0].multiplier == 8.0


def test_hand_counted_adder(mirror: Path) -> None:
    # adder n1 n2 vin vout vps vgnd: xI0 -> nfet2x (MN0, MN1), xI1 -> pfet2x (MP0, MP1), R0 R1 R2
    # C0 C1: 4 + 5 = 9 devices. Nets: 6 ports + vbn1, vbp1 + the internal n1 of each
    # instance (xi0.n1, xi1.n1) = 10. Pins: 4 x 4 + 5 x 2 = 26. nf=p1 is passed as p1=nfpf=4.
    netlist = _read(_netlists(mirror) / "align_public" / "adder.sp")
    assert (len(netlist.devices), len(netlist.nets), len(netlist.pins)) == (9, 10, 26)
    devices = {d.name: d for d in netlist.devices}
    assert devices["xi0.mn0"].nets == ("vout", "vbn1", "xi0.n1", "vgnd")
    assert devices["xi0.mn0"].params["nf"] == 4.0
    assert devices["r0"].value == 20e3 and devices["c0"].value == pytest.approx(48e-15)


def test_hand_counted_fixed_height_black_boxes(mirror: Path) -> None:
    # buf, inv and nand are defined with no element (ALIGN black boxes): 5 opaque devices
    # (x0..x4); nets z a b c d + y0 y1 y2 y3 = 9; pins 3 + 3 + 3 + 2 + 2 = 13.
    netlist = _read(_netlists(mirror) / "align_public" / "fixed_height.sp")
    assert (len(netlist.devices), len(netlist.nets), len(netlist.pins)) == (5, 9, 13)
    assert netlist.devices_by_type() == {"subckt": 5}
    assert netlist.pins[0].name == "x0.y"


def test_hand_counted_spectre_ptat(mirror: Path) -> None:
    # Spectre, CRLF, no extension: subckt PTAT_65_classic1 GND VDD VOUT; M1 (net3 net3 GND GND)
    # nch_mac, M0 (VOUT net3 GND GND) nch_mac, M3 (VOUT VOUT VDD VDD) pch_mac,
    # M4 (net3 VOUT VDD VDD) pch_mac: 4 devices, nets gnd vdd vout net3 = 4, pins 16.
    netlist = _read(_netlists(mirror) / "analoggym" / "sensing_front_end" / "PTAT_65_classic1")
    assert (len(netlist.devices), len(netlist.nets), len(netlist.pins)) == (4, 4, 16)
    assert sorted(netlist.nets) == ["gnd", "net3", "vdd", "vout"]  # gnd is global: listed last
    assert netlist.net_is_port.tolist() == [True, True, False, True]
    assert netlist.devices_by_type() == {"nmos": 2, "pmos": 2}
    assert netlist.inferred_primitives == {"nch_mac": "nmos", "pch_mac": "pmos"}
    assert netlist.devices[0].params["ad"] == pytest.approx(3.5e-14)


def test_hand_counted_smcnr_amplifier(mirror: Path) -> None:
    # 8 xm transistors (nch_mac/pch_mac, undefined: PDK primitives) + ibias0 + r0 + c0 = 11;
    # nets: 5 ports (vdda gnda vin vip vout) + outp outn ibias net53 net027 + node 0 = 11;
    # pins 8 x 4 + 3 x 2 = 38. The file ends without a newline after .ENDS.
    netlist = _read(_netlists(mirror) / "analoggym" / "sensing_front_end" / "SMCNR_SE_2st_AMP")
    assert (len(netlist.devices), len(netlist.nets), len(netlist.pins)) == (11, 11, 38)
    devices = {d.name: d for d in netlist.devices}
    assert devices["xm5"].multiplier == 10.0 and devices["c0"].value == pytest.approx(2e-12)
    assert netlist.supply_nets == ["vdda"] and set(netlist.ground_nets) == {"gnda", "0"}
