"""Download integrity against a local HTTP server and file:// URLs (no network)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import graphcl.data.fetch as fetch_module
from graphcl.data import download
from graphcl.data.card import FileSpec
from graphcl.data.fetch import fetch_file
from graphcl.errors import DigestMismatchError, DownloadError

PAYLOAD = b"smiles,y\n" + b"CCO,1\n" * 50_000
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        if self.path == "/truncated":
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(PAYLOAD)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_download_verifies_and_writes(server, tmp_path) -> None:
    target = tmp_path / "d" / "file.csv"
    assert download(f"{server}/good", target, DIGEST, progress=False) == DIGEST
    assert target.read_bytes() == PAYLOAD
    assert _leftovers(target.parent) == ["file.csv"]


def test_digest_mismatch_shows_both_digests_and_leaves_nothing(server, tmp_path) -> None:
    target = tmp_path / "file.csv"
    wrong = "0" * 64
    with pytest.raises(DigestMismatchError) as info:
        download(f"{server}/good", target, wrong, progress=False)
    message = str(info.value)
    assert wrong in message and DIGEST in message
    assert "verify=False" in message and "GRAPHCL_NO_VERIFY" in message
    assert _leftovers(tmp_path) == []


def test_digest_mismatch_can_be_overridden(server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHCL_NO_VERIFY", "1")
    with pytest.warns(UserWarning, match="differs from the card"):
        download(f"{server}/good", tmp_path / "f", "0" * 64, progress=False)
    assert (tmp_path / "f").read_bytes() == PAYLOAD


def test_interrupted_transfer_leaves_no_file(server, tmp_path) -> None:
    target = tmp_path / "file.csv"
    with pytest.raises(DownloadError, match="interrupted"):
        download(f"{server}/truncated", target, DIGEST, progress=False)
    assert _leftovers(tmp_path) == []


def test_interrupt_during_write_leaves_no_file(server, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(fetch_module, "_CHUNK", 1024)
    calls = {"n": 0}
    real_sha256 = hashlib.sha256

    class Exploding:
        """A digest that raises KeyboardInterrupt (Ctrl-C) on the fifth block."""

        def __init__(self) -> None:
            self.inner = real_sha256()

        def update(self, block: bytes) -> None:
            calls["n"] += 1
            if calls["n"] == 5:
                raise KeyboardInterrupt
            self.inner.update(block)

        def hexdigest(self) -> str:
            return self.inner.hexdigest()

    monkeypatch.setattr(fetch_module.hashlib, "sha256", Exploding)
    with pytest.raises(KeyboardInterrupt):
        download(f"{server}/good", tmp_path / "file.csv", DIGEST, progress=False)
    assert _leftovers(tmp_path) == []


def test_http_error_is_a_download_error(server, tmp_path) -> None:
    with pytest.raises(DownloadError, match="404"):
        download(f"{server}/missing", tmp_path / "x", None, progress=False)


def test_file_url(tmp_path) -> None:
    source = tmp_path / "source.csv"
    source.write_bytes(PAYLOAD)
    assert download(source.as_uri(), tmp_path / "copy.csv", DIGEST, progress=False) == DIGEST


def test_fetch_prefers_the_mirror_then_the_cache(server, tmp_path, monkeypatch) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "sub").mkdir(parents=True)
    (mirror / "sub" / "file.csv").write_bytes(PAYLOAD)
    monkeypatch.setenv("GRAPHCL_HOME", str(tmp_path / "home"))
    spec = FileSpec(url=f"{server}/missing", sha256=DIGEST, mirror="sub/file.csv")
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(mirror))
    path, digest = fetch_file(spec, "demo", progress=False)
    assert path == mirror / "sub" / "file.csv" and digest == DIGEST
    # without the mirror the file is downloaded once into the cache, then read from there
    monkeypatch.delenv("GRAPHCL_DATA_MIRROR")
    spec = FileSpec(url=f"{server}/good", sha256=DIGEST, mirror="sub/file.csv")
    path, _ = fetch_file(spec, "demo", progress=False)
    assert path == tmp_path / "home" / "downloads" / "demo" / "good"
    spec = FileSpec(url=f"{server}/missing", sha256=DIGEST)
    path.rename(path.with_name("missing"))
    assert fetch_file(spec, "demo", progress=False)[0].name == "missing"
    path.with_name("missing").write_bytes(b"tampered")
    with pytest.raises(DigestMismatchError):
        fetch_file(spec, "demo", progress=False)


def test_offline_error_explains_the_mirror(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHCL_HOME", str(tmp_path))
    monkeypatch.delenv("GRAPHCL_DATA_MIRROR", raising=False)
    spec = FileSpec(url="http://127.0.0.1:9/none.csv", sha256=DIGEST, mirror="moleculenet/none.csv")
    with pytest.raises(DownloadError) as info:
        fetch_file(spec, "demo", progress=False)
    assert "GRAPHCL_DATA_MIRROR=<mirror>" in str(info.value)
    assert "moleculenet/none.csv" in str(info.value)


def test_corrupted_mirror_file_is_rejected(tmp_path, monkeypatch) -> None:
    (tmp_path / "f.csv").write_bytes(b"tampered")
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DigestMismatchError, match="expected: " + DIGEST):
        fetch_file(FileSpec(sha256=DIGEST, mirror="f.csv"), "demo", progress=False)
