"""Netlist reading and graph building: flattened devices per second and peak memory.

Synthetic hierarchical SPICE netlists are written to a temporary directory: a leaf cell of 10
devices (6 MOSFETs, 2 resistors, 2 capacitors; widths are expressions of a subcircuit parameter)
instantiated 10 times per level through ``levels`` levels of subcircuits, plus supply sources at
the top. Each size runs in its own subprocess, which reports:

- read: :func:`graphcl.circuits.read_netlist` (parse, link, flatten, supply nets);
- graph: :meth:`Netlist.to_graph` (features, six edge types, name lists);
- reference: a straightforward recursive flattening of the same parsed deck, one Python tuple per
  device and a dict lookup per pin (the shape of a typical per-device netlist flattener), measured
  in the same process for sizes up to ``--reference-max`` devices;
- peak RSS (``ru_maxrss``) and RSS above the process's baseline after imports.

Target: 1M flattened devices read and turned into a graph in under a minute, memory linear
in size.

With ``--flat``, the same sizes are also written as flat netlists (every device at the top
level, one statement per device, as extracted netlists are): that measures the statement parser.

Usage: python benchmarks/netlist.py [--sizes 10000,100000,1000000] [--reference-max 100000] [--flat]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

LEAF = """.subckt leaf in out vdd vss wn=1u
mp1 mid in vdd vdd pch w='wn*2' l=0.1u nf=2
mn1 mid in vss vss nch w=wn l=0.1u nf=2
mp2 out mid vdd vdd pch w='wn*4' l=0.1u nf=4
mn2 out mid vss vss nch w='wn*2' l=0.1u nf=4
r1 out o2 1k
c1 o2 vss 10f
mp3 o3 o2 vdd vdd pch w=wn l=0.1u nf=1 m=2
mn3 o3 o2 vss vss nch w=wn l=0.1u nf=1
r2 o3 out 2k
c2 mid vss 5f
.ends leaf
"""
LEAF_DEVICES = 10
FANOUT = 10


def write_flat_netlist(devices: int, directory: Path) -> Path:
    """A flat netlist (every device at the top level, as extracted netlists are)."""
    leaf = [line for line in LEAF.splitlines()[1:-1]]
    lines = ["* synthetic flat netlist", ".param wn=1u"]
    for cell in range(devices // LEAF_DEVICES):
        rename = {"in": f"n{cell}", "out": f"n{cell + 1}", "mid": f"mid{cell}"}
        rename |= {"o2": f"o2_{cell}", "o3": f"o3_{cell}"}
        for line in leaf:
            words = line.split()
            words[0] = f"{words[0]}_{cell}"
            count = 2 if words[0][0] in "rc" else 4
            words[1 : 1 + count] = [rename.get(w, w) for w in words[1 : 1 + count]]
            lines.append(" ".join(words))
    lines += ["vdd vdd 0 1.2", "vin n0 0 pulse(0 1.2 0 10p 10p 1n 2n)", ".end", ""]
    path = directory / f"flat_{devices}.sp"
    path.write_text("\n".join(lines))
    return path


def write_netlist(devices: int, directory: Path) -> Path:
    """A hierarchical netlist with ``devices`` flattened devices (a multiple of 10) plus 2
    sources."""
    if devices % LEAF_DEVICES:
        raise SystemExit(f"sizes must be multiples of {LEAF_DEVICES}, got {devices}")
    cells = devices // LEAF_DEVICES
    levels = int(math.log10(cells)) if cells >= FANOUT else 0
    top_fanout = cells // FANOUT**levels
    if top_fanout * FANOUT**levels != cells:
        raise SystemExit(f"sizes must be {LEAF_DEVICES} x k x {FANOUT}^n, got {devices}")
    lines = ["* synthetic hierarchical netlist", ".param wn0=1u", LEAF]
    child = "leaf"
    for level in range(1, levels + 1):
        name = f"level{level}"
        lines.append(f".subckt {name} in out vdd vss wn=1u")
        for k in range(FANOUT):
            source = "in" if k == 0 else f"n{k}"
            target = "out" if k == FANOUT - 1 else f"n{k + 1}"
            lines.append(f"x{k} {source} {target} vdd vss {child} wn='wn*1'")
        lines.append(f".ends {name}")
        child = name
    for k in range(top_fanout):
        source = "in" if k == 0 else f"t{k}"
        target = "out" if k == top_fanout - 1 else f"t{k + 1}"
        lines.append(f"xtop{k} {source} {target} vdd vss {child} wn=wn0")
    lines += ["vdd vdd 0 1.2", "vin in 0 pulse(0 1.2 0 10p 10p 1n 2n)", ".end", ""]
    path = directory / f"synthetic_{devices}.sp"
    path.write_text("\n".join(lines))
    return path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reference_flatten(deck: object) -> int:
    """Per-device recursive flattening of a linked deck; returns the device count."""
    from graphcl.circuits.deck import Deck, Subcircuit

    assert isinstance(deck, Deck)
    devices: list[tuple[str, int, list[int]]] = []
    nets: dict[str, int] = {}

    def walk(sub: Subcircuit, prefix: str, port_nets: dict[str, str]) -> None:
        for card in sub.cards:
            local = {}
            for node in card.nodes:
                if node in port_nets:
                    local[node] = port_nets[node]
                elif node == "0" or node.endswith("!"):
                    local[node] = node
                else:
                    local[node] = prefix + node
            if card.kind == "instance" and card.subcircuit is not None:
                child = card.subcircuit
                walk(
                    child,
                    prefix + card.name + ".",
                    {p: local[n] for p, n in zip(child.ports, card.nodes, strict=True)},
                )
            else:
                pins = [nets.setdefault(local[n], len(nets)) for n in card.nodes]
                devices.append((prefix + card.name, card.type, pins))

    walk(Subcircuit("", (), {}, deck.cards), "", {})
    return len(devices)


def worker(path: str, reference: bool) -> None:
    import torch_geometric.data  # noqa: F401  (import time is not graph-building time)

    from graphcl.circuits import read_netlist
    from graphcl.circuits.reader import DeckBuilder

    baseline = _rss_mb()
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    netlist = read_netlist(path)
    read_s = time.perf_counter() - start
    after_read = _rss_mb()
    start = time.perf_counter()
    graph = netlist.to_graph()
    graph_s = time.perf_counter() - start
    result = {
        "devices": len(netlist.device_names),
        "nets": len(netlist.net_names),
        "pins": len(netlist.pin_device),
        "edges": sum(int(graph[t].edge_index.shape[1]) for t in graph.edge_types),
        "read_s": read_s,
        "graph_s": graph_s,
        "baseline_mb": baseline,
        "read_peak_mb": after_read,
        "peak_mb": _rss_mb(),
    }
    if reference:
        from graphcl.circuits.devices import DevicePatterns
        from graphcl.circuits.linker import Linker

        builder = DeckBuilder(path)
        builder.read_file(path)
        Linker(builder.deck, DevicePatterns(), builder.fail).link()
        start = time.perf_counter()
        count = reference_flatten(builder.deck)
        result["reference_s"] = time.perf_counter() - start
        assert count == result["devices"], (count, result["devices"])
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="flattened devices")
    parser.add_argument(
        "--reference-max", type=int, default=100_000, help="largest size timed with the reference"
    )
    parser.add_argument(
        "--flat", action="store_true", help="also time flat netlists of the same sizes"
    )
    parser.add_argument("--worker", nargs=2, metavar=("PATH", "REFERENCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1] == "1")
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    header = (
        f"{'devices':>9} {'nets':>9} {'pins':>9} {'read s':>7} {'read dev/s':>11} "
        f"{'graph s':>7} {'graph dev/s':>11} {'total s':>7} {'ref s':>7} {'ref dev/s':>10} "
        f"{'peak MB':>8} {'+base MB':>8} {'B/device':>8}"
    )
    print(f"{'netlist':>12} " + header)
    runs = [(size, False) for size in sizes] + ([(s, True) for s in sizes] if args.flat else [])
    with tempfile.TemporaryDirectory() as directory:
        for size, flat in runs:
            path = (write_flat_netlist if flat else write_netlist)(size, Path(directory))
            reference = size <= args.reference_max
            output = subprocess.run(
                [sys.executable, __file__, "--worker", str(path), "1" if reference else "0"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(output.strip().splitlines()[-1])
            total = r["read_s"] + r["graph_s"]
            above = r["peak_mb"] - r["baseline_mb"]
            ref = (
                f"{r['reference_s']:7.2f} {r['devices'] / r['reference_s']:10,.0f}"
                if "reference_s" in r
                else f"{'-':>7} {'-':>10}"
            )
            print(
                f"{'flat' if flat else 'hierarchical':>12} {r['devices']:9,d} {r['nets']:9,d} "
                f"{r['pins']:9,d} {r['read_s']:7.2f} "
                f"{r['devices'] / r['read_s']:11,.0f} {r['graph_s']:7.2f} "
                f"{r['devices'] / r['graph_s']:11,.0f} {total:7.2f} {ref} "
                f"{r['peak_mb']:8.0f} {above:8.0f} {above * 2**20 / r['devices']:8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
