"""NT-Xent forward + backward: time and peak memory, dense against chunked, in the same run.

For N embeddings of dimension 128 per view (SimCLR form: 2N anchors against 2N candidates), each
setting runs in a fresh process so that its peak resident memory (``ru_maxrss``, minus the
resident size just before the loss) is its own. Dense and chunked values are compared for every
N where both run. Target (issue 4): chunked peak memory at N = 16,384 at most a quarter of dense,
values equal to 1e-5, time at most 1.3x dense; N = 65,536 runs within 24 GB.

Usage: python benchmarks/losses.py [--sizes 1024 4096 16384 65536] [--chunk 1024] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch

from graphcl.losses import NTXent

DIM = 128
#: Beyond this many bytes for one dense (2N, 2N) float32 matrix, dense is not attempted.
DENSE_LIMIT = 6 * 2**30


def _rss_bytes() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def run_one(n: int, chunk: int | None, threads: int) -> dict[str, float]:
    """One forward + backward (after a warm-up on a small input) in this process."""
    torch.set_num_threads(threads)
    loss_fn = NTXent(0.1, chunk_size=chunk)
    warm = torch.randn(64, DIM, requires_grad=True)
    loss_fn(warm, warm.detach() + 0.1).backward()
    generator = torch.Generator().manual_seed(0)
    z1 = torch.randn(n, DIM, generator=generator, requires_grad=True)
    z2 = torch.randn(n, DIM, generator=generator, requires_grad=True)
    before = _rss_bytes()
    start = time.perf_counter()
    loss = loss_fn(z1, z2)
    loss.backward()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"value": float(loss), "seconds": seconds, "peak_bytes": max(peak - before, 0)}


def measure(n: int, chunk: int | None, threads: int) -> dict[str, float] | None:
    """Run :func:`run_one` in a child process; None if it failed (e.g. killed for memory)."""
    command = [sys.executable, __file__, "--one", str(n), str(chunk or 0), str(threads)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  N={n} chunk={chunk}: failed ({done.returncode}) {done.stderr[-300:]}")
        return None
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096, 16384, 65536])
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--one", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, chunk, threads = args.one
        print(json.dumps(run_one(n, chunk or None, threads)))
        return
    print(
        f"\nNT-Xent forward + backward, D = {DIM}, T = 0.1, 2N anchors x 2N candidates, "
        f"chunk {args.chunk} rows, {args.threads} threads\n"
    )
    print(
        f"| {'N':>6} | {'dense s':>8} | {'dense peak':>10} | {'chunked s':>9} "
        f"| {'chunked peak':>12} | {'memory':>7} | {'time':>6} | {'|diff|':>8} |"
    )
    print(f"|{'-' * 8}|{'-' * 10}|{'-' * 12}|{'-' * 11}|{'-' * 14}|{'-' * 9}|{'-' * 8}|{'-' * 10}|")
    for n in args.sizes:
        matrix = (2 * n) ** 2 * 4
        dense = measure(n, None, args.threads) if matrix <= DENSE_LIMIT else None
        chunked = measure(n, args.chunk, args.threads)

        def cell(result: dict[str, float] | None, key: str) -> str:
            if result is None:
                return "not run" if key != "seconds" else "–"
            if key == "seconds":
                return f"{result[key]:.2f}"
            return f"{result[key] / 2**30:.2f} GB"

        if dense is not None and chunked is not None:
            ratios = (
                f"{chunked['peak_bytes'] / dense['peak_bytes']:>6.2f}x | "
                f"{chunked['seconds'] / dense['seconds']:>5.2f}x | "
                f"{abs(chunked['value'] - dense['value']):>8.1e}"
            )
        else:
            ratios = f"{'–':>7} | {'–':>6} | {'–':>8}"
        print(
            f"| {n:>6} | {cell(dense, 'seconds'):>8} | {cell(dense, 'peak_bytes'):>10} "
            f"| {cell(chunked, 'seconds'):>9} | {cell(chunked, 'peak_bytes'):>12} | {ratios} |"
        )
    print(
        f"\nDense is not attempted when one (2N, 2N) float32 matrix exceeds "
        f"{DENSE_LIMIT / 2**30:.0f} GB (N = 65,536: 64 GB)."
    )


if __name__ == "__main__":
    main()
