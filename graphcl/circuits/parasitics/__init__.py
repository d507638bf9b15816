"""Parasitics files users extract themselves (DSPF, SPEF), as labels on netlist graphs.

Read the parasitics of an extracted layout and attach them, in farads, to the graph of the
matching schematic netlist, in the layout of CircuitGCL's labelled designs (ground capacitance on
nets and pins, coupling capacitance on net-net, pin-net and pin-pin edges):

>>> from graphcl.circuits import read_netlist
>>> from graphcl.circuits.parasitics import attach_parasitics, read_dspf
>>> graph = read_netlist("buf.sp").to_graph()                        # doctest: +SKIP
>>> report = attach_parasitics(graph, read_dspf("buf.dspf"))          # doctest: +SKIP
>>> print(report)                                                     # doctest: +SKIP

Modules: :mod:`~graphcl.circuits.parasitics.dspf` and :mod:`~graphcl.circuits.parasitics.spef`
(the formats), :mod:`~graphcl.circuits.parasitics.model` (nodes, nets, pins, how capacitances are
summed), :mod:`~graphcl.circuits.parasitics.names` (matching hierarchical names) and
:mod:`~graphcl.circuits.parasitics.attach` (the graph attributes written).
"""

from graphcl.circuits.parasitics.attach import COUPLING_TYPES, AttachReport, attach_parasitics
from graphcl.circuits.parasitics.dspf import parse_dspf, read_dspf
from graphcl.circuits.parasitics.model import (
    Coupling,
    ParasiticNet,
    ParasiticPin,
    Parasitics,
    ParasiticsWarning,
    Resistor,
    Terminal,
)
from graphcl.circuits.parasitics.spef import parse_spef, read_spef

__all__ = [
    "COUPLING_TYPES",
    "AttachReport",
    "Coupling",
    "ParasiticNet",
    "ParasiticPin",
    "Parasitics",
    "ParasiticsWarning",
    "Resistor",
    "Terminal",
    "attach_parasitics",
    "parse_dspf",
    "parse_spef",
    "read_dspf",
    "read_spef",
]
