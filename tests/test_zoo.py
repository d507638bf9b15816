"""The model zoo: cards, verified lookup (mirror, cache, download), conversion and the CLI.

Downloads use ``file://`` URLs of temporary files; tests of the real GIN downloads skip offline.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib
import inspect
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.cli import zoo_cmd
from graphcl.encoders import load_encoder, save_encoder
from graphcl.errors import CheckpointError, DatasetError, DownloadError, UnknownNameError
from graphcl.featurization.pretrain_gnns import PretrainGNNsFeaturizer
from graphcl.threads import single_threaded
from graphcl.zoo import (
    Architecture,
    BlobMismatchError,
    ZooCard,
    cache_path,
    convert_pretrain_gnns_state,
    fetch_model,
    get_model,
    git_blob_id,
    is_model_name,
    list_models,
    load_pretrain_gnns,
    load_zoo_encoder,
    locate_model,
    verify_model_file,
)
from graphcl.zoo import fetch as zoo_fetch

PRETRAIN_GNNS = "8b20528a83b8869ce16451305b32c827258d19a3"
# SOURCES.md section 8: the files in the mirror (blob, sha256)
SHARED = {
    "gat_contextpred": (
        "206a124bcbf3f3a32f27d61650f4c56397e7b024",
        "de030068b3cb8b5d2d4da09fd377fac0a111f401904d3806104874e058bc4af8",
    ),
    "gcn_contextpred": (
        "11d1815f41cbca02a4ba457f08211f319bb1e1fd",
        "ff1d9c5e5c198b8faf8af576c303808853e3f55a52aed7ae27964e3c8635a81a",
    ),
    "gcn_supervised": (
        "ceec38e7569ac6efc24af47a62f65eb742fba02f",
        "8fb73bcce4991d6778e7309474505fcf2e5ff69f5debf166a5e6b91edf3f1493",
    ),
    "gcn_supervised_contextpred": (
        "6eecc9fa46331d5016060a8f75bfe9ac246c2fdd",
        "49cf0465e623c14fc802cdc67b47cbb78326f43fc7991afe6a14e1ff471755d5",
    ),
    "graphsage_contextpred": (
        "1db4e11e17af0514f6bbea9444f5160940d1423d",
        "63976e7795ae3ab46fc97c40a047ce1c4b13e243c2f8ef9125e78c7fabee9279",
    ),
}
# SOURCES.md section 8: known by blob id only
BLOB_ONLY = {
    "pretrain-gnns/gin_contextpred": "60912ba5a4562639c0492dd3e446b2da5a828c2d",
    "pretrain-gnns/gin_edgepred": "2a5311ea63caa598130aec65c64bc0ae09779856",
    "pretrain-gnns/gin_infomax": "779a0924f02cc347d11b8c92f21ecfda289f7b70",
    "pretrain-gnns/gin_masking": "821fce4a9e77fc1a1794ee0859499d0087a56e5e",
    "pretrain-gnns/gin_supervised": "b0257d2181fcddf100db41bf982dc7dad1313ad5",
    "pretrain-gnns/gin_supervised_contextpred": "f2b12b211eace32c070c241b5047484f8fec9b7a",
    "graphcl/gin_graphcl_80": "72522e83c6cba4cc2428c8fd16d5006a8611a363",
    "graphmae/gin_graphmae": "4a5ead962c483c9ecf0fb82955274d86b86d588e",
}
MOLECULES = ["CC(=O)Oc1ccccc1C(=O)O", "C[C@H](N)C(=O)O", r"F/C=C\F", "c1ccc2[nH]ccc2c1"]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with single_threaded():
        yield


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty mirror directory and an empty GRAPHCL_HOME, used by the zoo."""
    mirror, home = tmp_path / "mirror", tmp_path / "home"
    mirror.mkdir()
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("GRAPHCL_HOME", str(home))
    monkeypatch.delenv("GRAPHCL_NO_VERIFY", raising=False)
    return mirror, home


def tiny_state(gnn_type: str, layers: int = 2, dim: int = 8, heads: int = 2) -> dict:
    """A pretrain-gnns GNN state dict with random values (published layout, small sizes)."""
    g = torch.Generator().manual_seed(0)
    width = heads * dim if gnn_type == "gat" else dim
    state: dict[str, Tensor] = {
        "x_embedding1.weight": torch.randn(120, dim, generator=g),
        "x_embedding2.weight": torch.randn(3, dim, generator=g),
    }
    for i in range(layers):
        own = {
            "gin": {"mlp.0.weight": (2 * dim, dim), "mlp.0.bias": (2 * dim,)}
            | {"mlp.2.weight": (dim, 2 * dim), "mlp.2.bias": (dim,)},
            "gcn": {"linear.weight": (dim, dim), "linear.bias": (dim,)},
            "graphsage": {"linear.weight": (dim, dim), "linear.bias": (dim,)},
            "gat": {"weight_linear.weight": (width, dim), "weight_linear.bias": (width,)}
            | {"att": (1, heads, 2 * dim), "bias": (dim,)},
        }[gnn_type] | {"edge_embedding1.weight": (6, width), "edge_embedding2.weight": (3, width)}
        state |= {f"gnns.{i}.{k}": torch.randn(*shape, generator=g) for k, shape in own.items()}
    for i in range(layers):
        state |= {
            f"batch_norms.{i}.weight": torch.rand(dim, generator=g) + 0.5,
            f"batch_norms.{i}.bias": torch.randn(dim, generator=g),
            f"batch_norms.{i}.running_mean": torch.randn(dim, generator=g),
            f"batch_norms.{i}.running_var": torch.rand(dim, generator=g) + 0.5,
            f"batch_norms.{i}.num_batches_tracked": torch.tensor(3),
        }
    return state


def tiny_file(folder: Path, gnn_type: str = "gcn", name: str = "tiny.pth") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    torch.save(tiny_state(gnn_type), path)
    return path


def tiny_card(source: Path, gnn_type: str = "gcn", **changes: object) -> ZooCard:
    """A card for ``source`` (downloaded from its file:// URL; mirror path under test/)."""
    import hashlib

    fields = {
        "name": f"test/tiny_{gnn_type}",
        "git_blob": git_blob_id(source),
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "size": source.stat().st_size,
        "url": source.as_uri(),
        "mirror": f"pretrained/test/tiny_{gnn_type}.pth",
        "architecture": Architecture(
            gnn_type, num_layers=2, hidden=8, heads=2 if gnn_type == "gat" else None
        ),
    }
    fields.update(changes)
    return dataclasses.replace(get_model("pretrain-gnns/gcn_contextpred"), **fields)


def tampered(path: Path, destination: Path) -> Path:
    """A copy of ``path`` with one byte changed."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(bytes(data))
    return destination


def truncated(path: Path, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(path.read_bytes()[:-100])
    return destination


def no_download(*args: object, **kwargs: object) -> None:
    raise AssertionError("the zoo downloaded although a local copy exists")


def _batch() -> Batch:
    featurizer = PretrainGNNsFeaturizer()
    return Batch.from_data_list([featurizer(s) for s in MOLECULES])


# --------------------------------------------------------------------------- cards


def test_cards_cover_the_published_encoders() -> None:
    cards = {card.name: card for card in list_models()}
    for name, (blob, sha) in SHARED.items():
        card = cards[f"pretrain-gnns/{name}"]
        assert (card.git_blob, card.sha256) == (blob, sha)
        assert card.mirror == f"pretrained/pretrain_gnns/{name}.pth"
        assert card.path == f"chem/model_architecture/{name}.pth"
    for name, blob in BLOB_ONLY.items():
        assert cards[name].git_blob == blob and cards[name].sha256 is None, name
        assert cards[name].gnn_type == "gin"
    assert cards["graphcl/gin_graphcl_80"].commit.startswith("b4d7501a2090")
    assert cards["graphmae/gin_graphmae"].commit.startswith("b14f080c9192")
    for card in cards.values():
        assert len(card.commit) == 40
        assert card.url == (
            f"https://raw.githubusercontent.com/{card.repository}/{card.commit}/{card.path}"
        )
        assert card.featurizer == "pretrain_gnns" and card.license == "MIT" and card.citation
        if card.repository == "snap-stanford/pretrain-gnns":
            assert card.commit == PRETRAIN_GNNS
        arch = card.architecture
        assert (arch.num_layers, arch.hidden, arch.jk) == (5, 300, "last")
        assert (arch.heads == 2) == (card.gnn_type == "gat")
    assert {card.layer for card in cards.values()} == {
        "gin",
        "gcn",
        "graphsage",
        "gat_pretrain_gnns",
    }


def test_unknown_model_lists_the_names() -> None:
    with pytest.raises(UnknownNameError, match="unknown pre-trained model 'pretrain-gnns/gin'"):
        get_model("pretrain-gnns/gin")
    with pytest.raises(UnknownNameError, match="pretrain-gnns/gcn_contextpred"):
        get_model("gcn")
    assert get_model("Pretrain-GNNs/GCN_ContextPred").name == "pretrain-gnns/gcn_contextpred"
    assert is_model_name("pretrain-gnns/gat_contextpred")
    assert not is_model_name("runs/x/pretrain/encoder.pt") and not is_model_name(3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": "x"}, "unknown card key.s. weights"),
        ({"git_blob": "1234"}, "git_blob: expected 40 lower-case hex digits"),
        ({"sha256": "F" * 64}, "sha256: expected 64 lower-case hex digits"),
        ({"architecture": {"gnn_type": "mpnn"}}, "gnn_type must be one of gin, gcn"),
        ({"architecture": {"gnn_type": "gin", "depth": 5}}, "architecture has unknown key"),
        ({"architecture": {"gnn_type": "gin", "hidden": "wide"}}, "architecture.hidden"),
        ({"state_format": "dgl"}, "state_format must be one of pretrain_gnns"),
        ({"featurizer": "ogb"}, "read graphs of the 'pretrain_gnns' featurizer"),
        ({"name": "gcn"}, "name must be <project>/<model>"),
    ],
)
def test_bad_cards_name_the_file_and_key(change: dict, message: str) -> None:
    raw = _raw_card() | change
    with pytest.raises(DatasetError, match=message) as info:
        ZooCard.from_dict(raw, source="cards/broken.yaml")
    assert "cards/broken.yaml" in str(info.value)


def _raw_card() -> dict:
    import yaml

    with open(get_model("pretrain-gnns/gcn_contextpred").source, encoding="utf-8") as handle:
        raw: dict = yaml.safe_load(handle)
    return raw


def test_card_without_a_required_key_or_not_a_mapping() -> None:
    raw = _raw_card()
    del raw["git_blob"]
    with pytest.raises(DatasetError, match=r"broken\.yaml: missing required key 'git_blob'"):
        ZooCard.from_dict(raw, source="cards/broken.yaml")
    with pytest.raises(DatasetError, match="a model card is a mapping, got list"):
        ZooCard.from_dict([], source="cards/broken.yaml")


# --------------------------------------------------------------------------- verification


def test_git_blob_id_is_what_git_hash_object_prints(tmp_path: Path) -> None:
    hello = tmp_path / "hello.txt"
    hello.write_bytes(b"hello\n")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert git_blob_id(hello) == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert git_blob_id(empty) == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    model = tiny_file(tmp_path)
    if shutil.which("git"):
        printed = subprocess.run(
            ["git", "hash-object", str(model)], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert git_blob_id(model) == printed


def test_good_tampered_and_truncated_files(tmp_path: Path) -> None:
    good = tiny_file(tmp_path / "source")
    card = tiny_card(good)
    assert verify_model_file(good, card) == card.git_blob
    for bad in (tampered(good, tmp_path / "bad" / "t.pth"), truncated(good, tmp_path / "c.pth")):
        with pytest.raises(BlobMismatchError) as info:
            verify_model_file(bad, card)
        message = str(info.value)
        assert str(bad) in message and "test/tiny_gcn" in message
        assert card.git_blob in message and git_blob_id(bad) in message
        assert card.sha256 is not None and card.sha256 in message
    # a blob-only card (GIN): the id alone decides, and the message says the SHA-256 is unknown
    blob_only = dataclasses.replace(card, sha256=None)
    assert verify_model_file(good, blob_only) == card.git_blob
    with pytest.raises(BlobMismatchError, match="expected sha256: unknown"):
        verify_model_file(tampered(good, tmp_path / "t2.pth"), blob_only)
    # the right blob id but another SHA-256 on the card is refused too
    with pytest.raises(BlobMismatchError, match="expected sha256: 0000"):
        verify_model_file(good, dataclasses.replace(card, sha256="0" * 64))


def test_mirror_copy_is_used_without_any_download(
    places: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror, home = places
    source = tiny_file(tmp_path / "source")
    card = tiny_card(source, url="https://example.invalid/tiny.pth")
    copy = mirror / "pretrained" / "test" / "tiny_gcn.pth"
    copy.parent.mkdir(parents=True)
    shutil.copy(source, copy)
    monkeypatch.setattr(zoo_fetch, "download", no_download)
    assert locate_model(card) == copy
    assert fetch_model(card, progress=False) == copy
    assert not (home / "zoo").exists()
    # a tampered mirror copy is refused, named, and left alone (the mirror is not graphcl's)
    tampered(source, copy)
    with pytest.raises(BlobMismatchError, match=r"git blob id mismatch for .*mirror") as info:
        fetch_model(card, progress=False)
    assert card.git_blob in str(info.value) and git_blob_id(copy) in str(info.value)
    assert copy.is_file()


def test_download_goes_to_the_cache_verified(
    places: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, home = places
    card = tiny_card(tiny_file(tmp_path / "source"))
    assert locate_model(card) is None
    path = fetch_model(card, progress=False)
    assert path == cache_path(card) == home / "zoo" / "test" / "tiny_gcn.pth"
    assert git_blob_id(path) == card.git_blob
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny_gcn.pth"]  # no temporaries
    monkeypatch.setattr(zoo_fetch, "download", no_download)
    assert fetch_model(card, progress=False) == path  # the cache, without downloading again


@pytest.mark.parametrize("damage", [tampered, truncated])
def test_a_bad_download_is_refused_and_not_kept(
    places: tuple[Path, Path], tmp_path: Path, damage: object
) -> None:
    good = tiny_file(tmp_path / "source")
    served = damage(good, tmp_path / "served" / "tiny.pth")  # type: ignore[operator]
    card = tiny_card(good, url=served.as_uri())
    with pytest.raises(BlobMismatchError) as info:
        fetch_model(card, progress=False)
    message = str(info.value)
    assert served.as_uri() in message and card.git_blob in message
    assert git_blob_id(served) in message
    folder = cache_path(card).parent
    assert not folder.exists() or list(folder.iterdir()) == []  # nothing kept, no temporaries


def test_verification_can_be_turned_off(
    places: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tiny_file(tmp_path / "source")
    served = tampered(good, tmp_path / "served" / "tiny.pth")
    card = tiny_card(good, url=served.as_uri())
    with pytest.warns(UserWarning, match="verification disabled"):
        path = fetch_model(card, verify=False, progress=False)
    assert git_blob_id(path) == git_blob_id(served)
    path.unlink()
    monkeypatch.setenv("GRAPHCL_NO_VERIFY", "1")
    with pytest.warns(UserWarning, match="git blob id mismatch"):
        fetch_model(card, progress=False)


def test_a_corrupted_cache_entry_is_removed(places: tuple[Path, Path], tmp_path: Path) -> None:
    card = tiny_card(tiny_file(tmp_path / "source"))
    path = fetch_model(card, progress=False)
    truncated(path, path)
    with pytest.raises(BlobMismatchError, match="cached copy was removed"):
        fetch_model(card, progress=False)
    assert not path.exists()
    assert fetch_model(card, progress=False) == path  # downloaded afresh


def test_offline_without_a_copy_says_where_to_put_one(
    places: tuple[Path, Path], tmp_path: Path
) -> None:
    card = tiny_card(tiny_file(tmp_path / "source"), url=(tmp_path / "gone.pth").as_uri())
    with pytest.raises(DownloadError) as info:
        fetch_model(card, progress=False)
    message = str(info.value)
    assert "<mirror>/pretrained/test/tiny_gcn.pth" in message and "GRAPHCL_DATA_MIRROR" in message
    assert str(cache_path(card)) in message


# --------------------------------------------------------------------------- conversion


@pytest.mark.parametrize("gnn_type", ["gin", "gcn", "graphsage", "gat"])
def test_zoo_encoder_loads_and_survives_a_graphcl_checkpoint(
    places: tuple[Path, Path], tmp_path: Path, gnn_type: str
) -> None:
    card = tiny_card(tiny_file(tmp_path / "source", gnn_type), gnn_type)
    encoder, featurizer, meta = load_zoo_encoder(card, progress=False)
    assert featurizer == "pretrain_gnns" and meta["zoo"] == card.name
    assert meta["method"] == {"name": "contextpred"} and meta["dataset"] == "ZINC15-2M"
    assert encoder.layer == card.layer and encoder.config["dropout"] == 0.5
    encoder.eval()
    batch = _batch()
    with torch.no_grad():
        expected = encoder(batch)
    save_encoder(tmp_path / "encoder.pt", encoder, featurizer, meta)
    again, again_featurizer, again_meta = load_encoder(tmp_path / "encoder.pt")
    assert again_featurizer == "pretrain_gnns" and again_meta["zoo"] == card.name
    with torch.no_grad():
        torch.testing.assert_close(again.eval()(batch), expected)
    lower, _, _ = load_zoo_encoder(card, progress=False, dropout=0.1, pooling="sum")
    assert (lower.config["dropout"], lower.config["pooling"]) == (0.1, "sum")


def test_converter_copies_row_zero_into_graphcl_reserved_rows() -> None:
    state = tiny_state("gin")
    out = convert_pretrain_gnns_state(state, "gin")
    chirality = out["node_embedding.embedding.tables.1.weight"]
    assert chirality.shape == (4, 8) and torch.equal(chirality[3], state["x_embedding2.weight"][0])
    direction = out["convs.1.edge_embedding.embedding.tables.1.weight"]
    assert direction.shape == (5, 8)
    assert torch.equal(direction[3], direction[0]) and torch.equal(direction[4], direction[0])
    assert torch.equal(
        out["convs.1.edge_embedding.embedding.tables.0.weight"],
        state["gnns.1.edge_embedding1.weight"],
    )
    assert torch.equal(out["convs.0.mlp.2.weight"], state["gnns.0.mlp.2.weight"])
    assert torch.equal(out["norms.1.running_var"], state["batch_norms.1.running_var"])


def test_converter_names_missing_and_unexpected_keys(tmp_path: Path) -> None:
    gcn = tiny_state("gcn")
    with pytest.raises(CheckpointError) as info:
        convert_pretrain_gnns_state(gcn, "gat", source="gcn.pth")
    message = str(info.value)
    assert message.startswith("gcn.pth: not a pretrain-gnns gat GNN state dict")
    assert "look like pretrain-gnns gcn or graphsage layers" in message
    assert "missing keys: gnns.0.weight_linear.weight" in message
    assert "unexpected keys: gnns.0.linear.bias" in message
    incomplete = {k: v for k, v in gcn.items() if k != "batch_norms.1.running_var"}
    with pytest.raises(CheckpointError, match=r"missing keys: batch_norms\.1\.running_var$"):
        convert_pretrain_gnns_state(incomplete, "gcn")
    graphpred = {f"gnn.{k}": v for k, v in gcn.items()} | {
        "graph_pred_linear.weight": gcn["x_embedding1.weight"]
    }
    with pytest.raises(CheckpointError, match="fine-tuned GNN_graphpred"):
        convert_pretrain_gnns_state(graphpred, "gcn")
    with pytest.raises(CheckpointError, match="gnn_type must be one of gin, gcn, graphsage, gat"):
        convert_pretrain_gnns_state(gcn, "mpnn")
    wide = gcn | {"x_embedding2.weight": torch.zeros(6, 8)}
    with pytest.raises(CheckpointError, match=r"x_embedding2.weight has shape \(6, 8\)"):
        convert_pretrain_gnns_state(wide, "gcn")


def test_pretrain_gnns_files_that_do_not_fit(tmp_path: Path, places: tuple[Path, Path]) -> None:
    path = tiny_file(tmp_path)
    assert load_pretrain_gnns(path, "gcn").config["num_layers"] == 2
    with pytest.raises(CheckpointError, match="holds hidden=8, cannot load it with hidden=16"):
        load_pretrain_gnns(path, "gcn", hidden=16)
    odd = tmp_path / "odd.pth"
    torch.save(tiny_state("gcn") | {"x_embedding1.weight": torch.zeros(121, 8)}, odd)
    with pytest.raises(CheckpointError, match=r"tables.0.weight has shape \(121, 8\).*\(120, 8\)"):
        load_pretrain_gnns(odd, "gcn")
    listing = tmp_path / "list.pth"
    torch.save([1, 2], listing)
    with pytest.raises(CheckpointError, match="not a state dict"):
        load_pretrain_gnns(listing, "gcn")
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="it is empty"):
        load_pretrain_gnns(empty, "gcn")
    card = tiny_card(path, architecture=Architecture("gcn"))  # the card says 5 x 300
    with pytest.raises(CheckpointError, match="but the card of test/tiny_gcn says"):
        load_zoo_encoder(card, progress=False)


# --------------------------------------------------------------------------- the shared files


@pytest.mark.dataset
@pytest.mark.parametrize("name", sorted(SHARED))
def test_published_files_in_the_mirror_verify_and_load(
    mirror: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(mirror))
    path = fetch_model(f"pretrain-gnns/{name}", progress=False)
    assert path == mirror / "pretrained" / "pretrain_gnns" / f"{name}.pth"
    assert git_blob_id(path) == SHARED[name][0]
    encoder, featurizer, meta = load_zoo_encoder(f"pretrain-gnns/{name}", progress=False)
    assert featurizer == "pretrain_gnns" and meta["file"] == str(path)
    assert encoder.config["num_layers"] == 5 and encoder.out_dim == 300
    with torch.no_grad():
        graphs = encoder.eval()(_batch())
    assert graphs.shape == (len(MOLECULES), 300) and torch.isfinite(graphs).all()


# --------------------------------------------------------------------------- downloads


@functools.lru_cache(maxsize=1)
def _offline_reason() -> str | None:
    if os.environ.get("GRAPHCL_OFFLINE"):
        return "GRAPHCL_OFFLINE is set"
    probe = (
        f"https://raw.githubusercontent.com/snap-stanford/pretrain-gnns/{PRETRAIN_GNNS}/README.md"
    )
    try:
        urllib.request.urlopen(probe, timeout=3).close()
    except Exception as exc:  # any failure means: no usable network here
        return f"no network (could not reach raw.githubusercontent.com: {exc})"
    return None


def _download_and_check(name: str) -> None:
    reason = _offline_reason()
    if reason is not None:
        pytest.skip(f"download test of {name}: {reason}")
    card = get_model(name)
    path = fetch_model(card, progress=False)
    assert git_blob_id(path) == card.git_blob
    encoder, _, _ = load_zoo_encoder(card, progress=False)
    with torch.no_grad():
        assert torch.isfinite(encoder.eval()(_batch())).all()


def test_download_of_a_gin_card(places: tuple[Path, Path]) -> None:
    _download_and_check("pretrain-gnns/gin_contextpred")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BLOB_ONLY))
def test_download_of_every_blob_only_card(places: tuple[Path, Path], name: str) -> None:
    _download_and_check(name)


# --------------------------------------------------------------------------- CLI and API


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", "--quiet", action="store_true")
    zoo_cmd.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["-q", "zoo", *argv])
    return int(args.handler(args))


def test_cli_list_info_fetch(places: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    mirror, _ = places
    source = Path(os.environ["GRAPHCL_DATA_MIRROR"])
    assert source == mirror
    assert _cli("list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "architecture", "method", "source", "local"]
    row = next(line for line in lines if line.startswith("pretrain-gnns/gat_contextpred "))
    assert row.split() == [
        "pretrain-gnns/gat_contextpred",
        "gat",
        "5x300",
        "contextpred",
        "snap-stanford/pretrain-gnns@8b20528a83b8",
        "no",  # the temporary mirror is empty
    ]
    assert len(lines) == 1 + len(list_models())
    assert _cli("info", "pretrain-gnns/gin_contextpred") == 0
    out = capsys.readouterr().out
    assert "git_blob: 60912ba5a4562639c0492dd3e446b2da5a828c2d" in out
    assert "graphcl_layer: gin" in out and "local copy: not here yet" in out
    with pytest.raises(UnknownNameError, match="choose one of"):
        _cli("info", "pretrain-gnns/nope")


@pytest.mark.dataset
def test_cli_marks_mirror_copies(
    mirror: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(mirror))
    assert _cli("list") == 0
    local = {line.split()[0]: line.split()[-1] for line in capsys.readouterr().out.splitlines()}
    assert all(local[f"pretrain-gnns/{name}"] == "yes" for name in SHARED)
    assert local["pretrain-gnns/gin_contextpred"] == "no"
    assert _cli("fetch", "pretrain-gnns/gcn_contextpred") == 0
    out = capsys.readouterr().out
    assert out.strip().endswith(f"git_blob={SHARED['gcn_contextpred'][0]}")


def test_every_public_name_resolves_and_is_documented() -> None:
    module = importlib.import_module("graphcl.zoo")
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            home = importlib.import_module(obj.__module__)
            assert getattr(home, obj.__name__) is obj, name
            assert inspect.getdoc(obj), name
