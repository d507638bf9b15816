"""Scoped single-threading for work made of many tiny tensor operations.

Building views, collating mini-batches and sampling neighbours are hundreds of small kernels.
Torch's intra-op thread pool only adds synchronisation to them, and on a busy machine (a
DataLoader worker, an evaluation or another job on the other core) each synchronisation waits
for a descheduled thread: measured on 2 cores, two ``node_drop`` views of 256 molecules fall
from ~120,000 to ~2,000 graphs/s with 2 threads, and stay at 100,000+ with one.
:func:`single_threaded` runs a block with one intra-op thread and restores the caller's setting
afterwards, so the user's global choice (and the encoder's matrix products) are left alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])

#: Switch for measurements only (``benchmarks/augment.py --busy`` compares both settings).
ENABLED = True


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with one intra-op thread, then restore the previous count (re-entrant).

    Example:
        >>> import torch
        >>> before = torch.get_num_threads()
        >>> with single_threaded():
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    previous = torch.get_num_threads()
    if previous == 1 or not ENABLED:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def single_threaded_call(function: F) -> F:
    """``function`` wrapped so that every call runs under :func:`single_threaded`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_threaded():
            return function(*args, **kwargs)

    wrapper.__wrapped_single_threaded__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
