"""SPICE and Spectre netlists to circuit graphs, for EDA engineers.

Read a netlist (SPICE, Spectre or mixed; ``.subckt`` hierarchies, parameters and expressions,
includes and library sections, PDK primitives), flatten it to devices, pins and nets with
hierarchical names, and build a PyG ``HeteroData`` with device, pin and net nodes:

>>> from graphcl.circuits import parse_netlist, to_homogeneous
>>> netlist = parse_netlist(
...     ".subckt inv a y vdd vss\\n"
...     "mp y a vdd vdd pmos_rvt w=270n l=20n nfin=6 nf=2\\n"
...     "mn y a vss vss nmos_rvt w=270n l=20n nfin=6 nf=2\\n"
...     ".ends inv\\n",
...     path="inv.sp",
... )
>>> netlist.summary()["devices_by_type"], netlist.supply_nets, netlist.ground_nets
({'nmos': 1, 'pmos': 1}, ['vdd'], ['vss'])
>>> graph = netlist.to_graph()
>>> graph["pin"].names[:4]
['mp.d', 'mp.g', 'mp.s', 'mp.b']
>>> data = to_homogeneous(graph)   # one node set for plain GNNs

Modules: :mod:`~graphcl.circuits.reader` (files, dialects, includes, the title rule),
:mod:`~graphcl.circuits.spice` and :mod:`~graphcl.circuits.spectre` (statements),
:mod:`~graphcl.circuits.expressions` and :mod:`~graphcl.circuits.units` (safe parameter
arithmetic), :mod:`~graphcl.circuits.devices` (types, roles, PDK name patterns),
:mod:`~graphcl.circuits.linker` (what each element is, the top cell),
:mod:`~graphcl.circuits.flatten` (hierarchy, scoping), :mod:`~graphcl.circuits.netlist`
(the flattened design, supply nets), :mod:`~graphcl.circuits.graph` (features, edges) and
:mod:`~graphcl.circuits.io` (safe save/load).
"""

from graphcl.circuits.dataset import CircuitDataset, load_design
from graphcl.circuits.designs import (
    PUBLISHED_DESIGNS,
    PublishedDesign,
    UnsafePickleError,
    cirgps_to_graphcl,
    load_cirgps,
    load_cirgps_npz,
    load_cirgps_pt,
)
from graphcl.circuits.devices import (
    DEFAULT_DEVICE_PATTERNS,
    DEVICE_TYPES,
    PIN_ROLES,
    DevicePatterns,
)
from graphcl.circuits.expressions import Expression, ExpressionError
from graphcl.circuits.graph import (
    DEVICE_FEATURES,
    EDGE_TYPES,
    NET_FEATURES,
    PIN_FEATURES,
    to_graph,
    to_homogeneous,
)
from graphcl.circuits.io import CircuitGraphError, load_circuit_graph, save_circuit_graph
from graphcl.circuits.labels import CapacitanceTransform
from graphcl.circuits.netlist import (
    DEFAULT_GROUND_NETS,
    DEFAULT_SUPPLY_NETS,
    Device,
    Netlist,
    Pin,
    PinNames,
)
from graphcl.circuits.parasitics import (
    AttachReport,
    Parasitics,
    ParasiticsWarning,
    attach_parasitics,
    read_dspf,
    read_spef,
)
from graphcl.circuits.predict import ParasiticPredictor, predict_parasitics
from graphcl.circuits.reader import NetlistWarning, parse_netlist, read_netlist
from graphcl.circuits.units import parse_number

__all__ = [
    "DEFAULT_DEVICE_PATTERNS",
    "DEFAULT_GROUND_NETS",
    "DEFAULT_SUPPLY_NETS",
    "DEVICE_FEATURES",
    "DEVICE_TYPES",
    "EDGE_TYPES",
    "NET_FEATURES",
    "PIN_FEATURES",
    "PIN_ROLES",
    "PUBLISHED_DESIGNS",
    "AttachReport",
    "CapacitanceTransform",
    "CircuitDataset",
    "CircuitGraphError",
    "Device",
    "DevicePatterns",
    "Expression",
    "ExpressionError",
    "Netlist",
    "NetlistWarning",
    "ParasiticPredictor",
    "Parasitics",
    "ParasiticsWarning",
    "Pin",
    "PinNames",
    "PublishedDesign",
    "UnsafePickleError",
    "attach_parasitics",
    "cirgps_to_graphcl",
    "load_circuit_graph",
    "load_cirgps",
    "load_cirgps_npz",
    "load_cirgps_pt",
    "load_design",
    "parse_netlist",
    "parse_number",
    "predict_parasitics",
    "read_dspf",
    "read_netlist",
    "read_spef",
    "save_circuit_graph",
    "to_graph",
    "to_homogeneous",
]
