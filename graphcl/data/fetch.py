"""Getting a dataset's files: embedded package data, the local mirror, the cache, or a download.

Downloads stream into a temporary file beside the destination while their SHA-256 digest is
computed, and are moved into place with an atomic rename only after the digest matches: an
interrupted or corrupted download never leaves a file where graphcl would later trust it, and the
temporary file of a killed download is removed by the next download into that directory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from importlib import resources
from pathlib import Path

from graphcl.data.card import FileSpec
from graphcl.data.paths import downloads_dir, mirror_dirs
from graphcl.errors import DatasetError, DigestMismatchError, DownloadError
from graphcl.progress import progress_bar
from graphcl.runtime.atomic import remove_stale_temporaries, write_text_atomic
from graphcl.typing import PathType

_CHUNK = 1 << 16
_OVERRIDE_HINT = (
    "If the source changed legitimately, check the new file and either update the card's "
    "sha256, pass verify=False to load_dataset, use --no-verify on the command line, or set "
    "GRAPHCL_NO_VERIFY=1."
)


def sha256_file(path: PathType) -> str:
    """Hex SHA-256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verification_enabled(verify: bool) -> bool:
    return verify and os.environ.get("GRAPHCL_NO_VERIFY", "") not in ("1", "true", "yes")


def check_digest(path: PathType, expected: str | None, verify: bool = True) -> str:
    """Digest of ``path``, checked against ``expected``.

    Raises:
        DigestMismatchError: the digests differ and verification is on; the message shows both
            and how to override.
    """
    actual = sha256_file(path)
    if expected and actual != expected.lower():
        if _verification_enabled(verify):
            raise DigestMismatchError(str(path), expected, actual, _OVERRIDE_HINT)
        warnings.warn(
            f"SHA-256 of {path} differs from the card (verification disabled)", stacklevel=2
        )
    return actual


def download(
    url: str,
    destination: PathType,
    sha256: str | None = None,
    *,
    verify: bool = True,
    progress: bool = True,
    timeout: float = 60.0,
) -> str:
    """Download ``url`` to ``destination`` atomically, verifying its SHA-256.

    Args:
        url: ``https://``, ``http://`` or ``file://`` address.
        destination: final path; its directory is created.
        sha256: expected hex digest, or None to accept any content.
        verify: raise on a digest mismatch (else warn and keep the file).
        progress: show a byte progress bar.
        timeout: socket timeout in seconds.

    Returns:
        The digest of the downloaded file.

    Raises:
        DownloadError: the address cannot be reached or the transfer ends early.
        DigestMismatchError: the content does not match ``sha256``; nothing is written.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(destination.parent, destination.name)  # left by a killed download
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=f".{os.getpid()}.tmp", dir=destination.parent
    )
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(url, timeout=timeout)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                raise DownloadError(f"could not download {url}: {exc}") from exc
            with response:
                length = response.headers.get("Content-Length")
                total = int(length) if length else None
                received = 0
                with progress_bar(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=destination.name,
                    enabled=progress,
                ) as bar:
                    while True:
                        try:
                            block = response.read(_CHUNK)
                        except (OSError, ValueError) as exc:  # IncompleteRead, reset, timeout
                            raise DownloadError(
                                f"download of {url} was interrupted: {exc}"
                            ) from exc
                        if not block:
                            break
                        out.write(block)
                        digest.update(block)
                        received += len(block)
                        bar.update(len(block))
                if total is not None and received != total:
                    raise DownloadError(
                        f"download of {url} was interrupted: got {received} of {total} bytes"
                    )
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if sha256 and actual != sha256.lower():
            if _verification_enabled(verify):
                raise DigestMismatchError(url, sha256, actual, _OVERRIDE_HINT)
            warnings.warn(
                f"SHA-256 of {url} differs from the card (verification disabled)", stacklevel=2
            )
        os.replace(tmp, destination)
        return actual
    finally:
        tmp.unlink(missing_ok=True)


def _embedded_path(spec: FileSpec) -> Path:
    assert spec.embedded and spec.path
    try:
        root = resources.files(spec.embedded)
    except ModuleNotFoundError as exc:
        raise DatasetError(f"embedded data needs the {spec.embedded!r} package") from exc
    path = Path(str(root.joinpath(spec.path)))
    if not path.is_file():
        raise DatasetError(
            f"{spec.path} is not in the installed {spec.embedded!r} package ({root}); "
            "a different build of the package may have moved or dropped it"
        )
    return path


def locate_file(spec: FileSpec, dataset: str) -> tuple[Path, str | None] | None:
    """Where a source file already is on this machine, without downloading or verifying.

    Order: embedded package data; a local file; each mirror directory
    (``$GRAPHCL_DATA_MIRROR``); the download cache.

    Returns:
        (path, expected SHA-256) or None when the file must be downloaded.
    """
    if spec.embedded:
        return _embedded_path(spec), spec.sha256
    if spec.path:
        path = Path(spec.path).expanduser()
        if not path.is_file():
            raise DatasetError(f"no such file: {path}")
        return path, spec.sha256
    for root in mirror_dirs() if spec.mirror else []:
        candidate = root / str(spec.mirror)
        if candidate.is_file():
            return candidate, spec.mirror_sha256 or spec.sha256
    cached = downloads_dir(dataset) / spec.filename
    return (cached, spec.sha256) if spec.url and cached.is_file() else None


def fetch_file(
    spec: FileSpec, dataset: str, *, verify: bool = True, progress: bool = True
) -> tuple[Path, str]:
    """Local path and verified digest of one source file, downloading it if it is nowhere local
    (see :func:`locate_file` for the search order).

    Raises:
        DownloadError: the file is nowhere locally and cannot be downloaded; the message says how
            to use a mirror.
        DigestMismatchError: a local or downloaded file does not match the card's digest.
    """
    cached = downloads_dir(dataset) / spec.filename
    ledger = cached.with_name(cached.name + ".sha256")  # first-download digest (no published one)
    found = locate_file(spec, dataset)
    if found is not None:
        path, expected = found
        if expected is None and path == cached and ledger.is_file():
            expected = ledger.read_text().strip()
        return path, check_digest(path, expected, verify)
    if not spec.url:
        raise DownloadError(f"{dataset}: no URL and no mirror copy of {spec.mirror}")
    try:
        digest = download(spec.url, cached, spec.sha256, verify=verify, progress=progress)
    except DownloadError as exc:
        where = spec.mirror or spec.filename
        raise DownloadError(
            f"{exc}\nOffline? Put the file at <mirror>/{where} and set "
            f"GRAPHCL_DATA_MIRROR=<mirror> (same layout as shared/data), "
            f"or copy it to {cached}."
        ) from exc
    if spec.sha256 is None:
        write_text_atomic(ledger, digest + "\n")
        warnings.warn(
            f"{spec.url} has no published SHA-256; recorded {digest} on this first download "
            f"({ledger}); later reads are checked against it",
            stacklevel=2,
        )
    return cached, digest
