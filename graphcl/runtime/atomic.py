"""Atomic file writes: a file graphcl writes is either its previous complete version or its new
complete version, whatever kills the process and whenever.

Every writer goes through :func:`atomic_open`: the content goes to a temporary file with a unique
name in the destination's directory (``.<name>.<random>.<pid>.tmp``), is flushed and fsynced, and
replaces the destination with one ``os.replace`` (atomic on POSIX and Windows); the directory is
fsynced so the rename survives a power cut. Two processes writing the same file at once each use
their own temporary file, and the last rename wins with a complete file. A process killed before
the rename leaves only its temporary file, which the next write into that directory removes
(:func:`remove_stale_temporaries`: temporaries of processes that no longer run).

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_text_atomic(folder / "note.txt", "complete")
    >>> (folder / "note.txt").read_text()
    'complete'
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from graphcl.typing import PathType

_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[^.]+\.(?P<pid>\d+)\.tmp$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(directory: PathType, name: str | None = None) -> list[Path]:
    """Delete temporary files left in ``directory`` by graphcl processes that were killed
    mid-write (only those whose process no longer runs; only of ``name`` when given).

    Returns:
        The files removed.
    """
    removed: list[Path] = []
    folder = Path(directory)
    if not folder.is_dir():
        return removed
    for candidate in folder.iterdir():
        match = _TEMPORARY.match(candidate.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        if not _alive(int(match["pid"])):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not supported (Windows) or not permitted
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(
    path: PathType, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it changes in one step when the block ends without an
    error (on an error the destination is untouched and the temporary file removed).

    Args:
        path: destination (its directory is created).
        mode: ``"w"`` (text) or ``"wb"`` (bytes).
        encoding, newline: for text mode.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', got {mode!r}")
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(destination.parent, destination.name)
    fd, name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=f".{os.getpid()}.tmp", dir=destination.parent
    )
    temporary = Path(name)
    try:
        binary = mode == "wb"
        with os.fdopen(
            fd,
            mode,
            encoding=None if binary else encoding,
            newline=None if binary else newline,
        ) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, destination)
        _fsync_directory(destination.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: PathType, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text_atomic(path: PathType, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json_atomic(path: PathType, payload: Any) -> None:
    """Write ``payload`` as indented JSON, atomically."""
    with atomic_open(path, "w") as handle:
        json.dump(payload, handle, indent=2, default=str)
        handle.write("\n")


def torch_save_atomic(obj: Any, path: PathType) -> None:
    """``torch.save(obj, path)``, atomically (checkpoints, encoders, predictors, caches)."""
    import torch

    with atomic_open(path, "wb") as handle:
        torch.save(obj, handle)


def savefig_atomic(figure: Any, path: PathType, **kwargs: Any) -> None:
    """``figure.savefig(path)`` (format from the suffix), atomically."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", **kwargs)
    write_bytes_atomic(path, buffer.getvalue())
