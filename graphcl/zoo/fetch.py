"""Getting a published encoder's file: the data mirror, the download cache, or its canonical URL,
checked against the card's git blob id (and SHA-256 where known) every time.

Order: each ``$GRAPHCL_DATA_MIRROR`` directory (``<mirror>/<card.mirror>``, e.g.
``pretrained/pretrain_gnns/gcn_contextpred.pth``), then the cache
(``$GRAPHCL_HOME/zoo/<project>/<model>.pth``), then a download of ``card.url``. A download goes to
a temporary file beside the cache entry (:func:`graphcl.data.fetch.download` writes it
atomically), is verified, and only then renamed into place: a tampered, truncated or interrupted
download is never kept. A cached copy that fails verification is removed; a mirror copy that fails
is reported and left alone (the mirror is not graphcl's to change).

A git blob id is what ``git hash-object FILE`` prints: the SHA-1 of ``b"blob <size>\\0"`` followed
by the content. It identifies a file in the repository at the pinned commit, so files whose
SHA-256 nobody recorded can still be checked.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

from graphcl.data.fetch import download
from graphcl.data.paths import graphcl_home, mirror_dirs
from graphcl.errors import DigestMismatchError, DownloadError
from graphcl.runtime.atomic import remove_stale_temporaries
from graphcl.typing import PathType
from graphcl.zoo.card import ZooCard, get_model

_HINT = (
    "The file is not the one the card names (tampered, truncated or another version). If the "
    "source changed legitimately, check the new file and update the card, or accept it with "
    "verify=False (GRAPHCL_NO_VERIFY=1)."
)


class BlobMismatchError(DigestMismatchError):
    """A model file whose git blob id (or SHA-256) differs from its card's.

    Attributes:
        path: the file (or URL) checked.
        expected: the card's git blob id.
        actual: the file's git blob id.
        expected_sha256, actual_sha256: the SHA-256 digests (expected None where unknown).
    """

    def __init__(
        self,
        path: str,
        expected: str,
        actual: str,
        actual_sha256: str,
        expected_sha256: str | None = None,
        hint: str = _HINT,
    ) -> None:
        self.path = path
        self.expected = expected
        self.actual = actual
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        known = expected_sha256 or "unknown (the card checks the blob id only)"
        message = (
            f"git blob id mismatch for {path}\n"
            f"  expected blob: {expected}\n  actual blob:   {actual}\n"
            f"  expected sha256: {known}\n  actual sha256:   {actual_sha256}\n{hint}"
        )
        ValueError.__init__(self, message)


def git_blob_id(path: PathType) -> str:
    """The git blob id of a file (``git hash-object``): SHA-1 of ``blob <size>\\0`` + content.

    Example:
        >>> import tempfile, pathlib
        >>> file = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
        >>> _ = file.write_bytes(b"hello\\n")
        >>> git_blob_id(file)
        'ce013625030ba8dba906f756967f9e9ca394464a'
    """
    return _digests(path)[0]


def _digests(path: PathType) -> tuple[str, str]:
    """(git blob id, SHA-256) of a file, in one read."""
    file = Path(path)
    blob = hashlib.sha1(f"blob {file.stat().st_size}\0".encode())
    sha = hashlib.sha256()
    with open(file, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            blob.update(chunk)
            sha.update(chunk)
    return blob.hexdigest(), sha.hexdigest()


def _verification_enabled(verify: bool) -> bool:
    return verify and os.environ.get("GRAPHCL_NO_VERIFY", "") not in ("1", "true", "yes")


def verify_model_file(
    path: PathType, card: ZooCard, *, verify: bool = True, shown: str | None = None
) -> str:
    """Check a file against its card's git blob id and (where known) SHA-256.

    Args:
        path: the file.
        card: its card.
        verify: raise on a mismatch (else warn).
        shown: how to name the file in messages (default: ``path``).

    Returns:
        The file's git blob id.

    Raises:
        BlobMismatchError: a mismatch while verification is on; names the file and both ids.
    """
    blob, sha = _digests(path)
    if blob != card.git_blob or (card.sha256 is not None and sha != card.sha256):
        error = BlobMismatchError(
            f"{shown or path} ({card.name})", card.git_blob, blob, sha, card.sha256
        )
        if _verification_enabled(verify):
            raise error
        warnings.warn(f"{error} (verification disabled)", stacklevel=2)
    return blob


def cache_path(card: ZooCard) -> Path:
    """Where a downloaded copy of ``card``'s file lives: ``$GRAPHCL_HOME/zoo/<project>/...``."""
    return graphcl_home() / "zoo" / card.project / card.filename


def _card(model: str | ZooCard) -> ZooCard:
    return model if isinstance(model, ZooCard) else get_model(model)


def locate_model(model: str | ZooCard) -> Path | None:
    """Where the model's file already is on this machine (mirror, then cache), unverified; None
    when it must be downloaded."""
    card = _card(model)
    for root in mirror_dirs() if card.mirror else []:
        candidate = root / str(card.mirror)
        if candidate.is_file():
            return candidate
    cached = cache_path(card)
    return cached if cached.is_file() else None


def fetch_model(model: str | ZooCard, *, verify: bool = True, progress: bool = True) -> Path:
    """The verified local file of a published encoder, downloading it when it is nowhere local.

    Args:
        model: a zoo name (``pretrain-gnns/gin_contextpred``) or its card.
        verify: refuse a file whose git blob id or SHA-256 differs from the card's (False:
            warn and use it).
        progress: show a byte progress bar while downloading.

    Returns:
        The file: in a mirror directory, or in ``$GRAPHCL_HOME/zoo``.

    Raises:
        UnknownNameError: no model has that name.
        BlobMismatchError: the local or downloaded file is not the card's (a downloaded or
            cached file that fails is removed).
        DownloadError: the file is nowhere local and cannot be downloaded; the message says
            where to put a copy.

    Example:
        >>> fetch_model("pretrain-gnns/gcn_contextpred", progress=False).name  # doctest: +SKIP
        'gcn_contextpred.pth'
    """
    card = _card(model)
    for root in mirror_dirs() if card.mirror else []:
        candidate = root / str(card.mirror)
        if candidate.is_file():
            verify_model_file(candidate, card, verify=verify)
            return candidate
    cached = cache_path(card)
    if cached.is_file():
        try:
            verify_model_file(cached, card, verify=verify)
        except BlobMismatchError as exc:
            cached.unlink(missing_ok=True)
            raise BlobMismatchError(
                exc.path,
                exc.expected,
                exc.actual,
                exc.actual_sha256,
                exc.expected_sha256,
                _HINT + " The cached copy was removed; run again to download a fresh one.",
            ) from None
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(cached.parent)  # left by killed downloads (dead processes only)
    staging = cached.parent / f".{cached.name}.unverified.{os.getpid()}.tmp"
    try:
        try:
            download(card.url, staging, None, verify=verify, progress=progress)
        except DownloadError as exc:
            where = f"<mirror>/{card.mirror} and set GRAPHCL_DATA_MIRROR=<mirror>, or at "
            raise DownloadError(
                f"{exc}\nOffline? Put the file ({card.repository} {card.path} at "
                f"{card.commit[:12]}) at {where if card.mirror else ''}{cached}."
            ) from exc
        verify_model_file(staging, card, verify=verify, shown=card.url)
        os.replace(staging, cached)
    finally:
        staging.unlink(missing_ok=True)
    return cached
