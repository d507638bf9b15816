"""``graphcl circuits info|graph``: read a SPICE/Spectre netlist, report it, save its graph.

The graph file is a plain dict of tensors and name lists (no pickled classes): it loads with
``torch.load(path, weights_only=True)``, and :func:`graphcl.circuits.load_circuit_graph` rebuilds
the ``HeteroData``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from typing import Any

from graphcl.circuits import Netlist, NetlistWarning, read_netlist, save_circuit_graph


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "circuits",
        help="read SPICE/Spectre netlists: summary, device-pin-net graph",
        description="Read a SPICE or Spectre netlist (subcircuits, parameters, includes, PDK "
        "primitives), flatten it and report it or save its device/pin/net graph.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = sub.add_parser("info", help="devices by type, nets, pins, subcircuits, supplies")
    graph = sub.add_parser("graph", help="write the HeteroData graph (loads with weights_only)")
    for action in (info, graph):
        action.add_argument("netlist", metavar="NETLIST", help="the netlist file")
        action.add_argument("--top", metavar="NAME", help="subcircuit to flatten as the design")
        action.add_argument(
            "--permissive",
            action="store_true",
            help="record malformed statements as warnings and skip them instead of failing",
        )
        action.add_argument(
            "--supply",
            metavar="NETS",
            help="comma-separated supply net names (replace the defaults)",
        )
        action.add_argument(
            "--ground",
            metavar="NETS",
            help="comma-separated ground net names (replace the defaults; 0 is always ground)",
        )
    info.add_argument("--json", action="store_true", help="one JSON object on stdout")
    graph.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. design.pt")
    graph.add_argument(
        "--remove-supply",
        action="store_true",
        help="drop the supply and ground net nodes (their pins stay, dangling)",
    )
    parser.set_defaults(handler=run)


def _names(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


def _read(args: argparse.Namespace) -> Netlist:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetlistWarning)  # listed in the report instead
        return read_netlist(
            args.netlist,
            top=args.top,
            strict=not args.permissive,
            supply_nets=_names(args.supply),
            ground_nets=_names(args.ground),
        )


def _report(netlist: Netlist) -> None:
    summary = netlist.summary()
    design = summary["top"] or "top-level elements"
    print(f"netlist: {summary['path']}")
    if summary["title"]:
        print(f"title: {summary['title']}")
    print(f"design: {design}")
    print(f"devices: {summary['devices']}")
    for kind, count in summary["devices_by_type"].items():
        print(f"  {kind}: {count}")
    print(f"nets: {summary['nets']}")
    print(f"pins: {summary['pins']}")
    subcircuits = summary["subcircuits"]
    print(
        f"subcircuits: {len(subcircuits)}" + (f" ({', '.join(subcircuits)})" if subcircuits else "")
    )
    print(f"supply nets: {', '.join(summary['supply_nets']) or '-'}")
    print(f"ground nets: {', '.join(summary['ground_nets']) or '-'}")
    if summary["inferred_primitives"]:
        listed = ", ".join(f"{m} -> {t}" for m, t in summary["inferred_primitives"].items())
        print(f"PDK primitives inferred: {listed}")
    print(f"warnings: {len(summary['warnings'])}")
    for message in summary["warnings"]:
        print(f"  {message}")


def run(args: argparse.Namespace) -> int:
    netlist = _read(args)
    if args.action == "info":
        if args.json:
            print(json.dumps(netlist.summary(), indent=2))
        else:
            _report(netlist)
        return 0
    graph = netlist.to_graph(remove_supply=args.remove_supply)
    save_circuit_graph(graph, args.output)
    print(
        f"{args.output}: {graph['device'].num_nodes} devices, {graph['pin'].num_nodes} pins, "
        f"{graph['net'].num_nodes} nets (load with graphcl.circuits.load_circuit_graph)"
    )
    return 0
