import json
from datetime import datetime, timezone

import pytest

from caspian_etl.core.errors import ConfigError, SnapshotError
from caspian_etl.core.snapshots import MANIFEST, SnapshotStore, sha256_bytes

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def publish(store: SnapshotStore, files: dict[str, bytes], *, started: datetime = T0):
    with store.writer(params={"start": None}) as w:
        w.started = started
        for name, body in files.items():
            w.add(name, body, url=f"https://example.org/{name}?api_key=REDACTED", status=200, requested_at=started,
                  content_type="application/json", etag='"e1"', last_modified=None)
    return w


def test_manifest_records_every_response(paths) -> None:
    store = SnapshotStore(paths, "src")
    w = publish(store, {"a.json": b"[1]", "b.json": b"[2, 3]"})
    snap = w.result
    assert snap.path == paths.raw / "src" / "20261120T080000Z"
    doc = json.loads((snap.path / MANIFEST).read_text())
    assert doc["complete"] is True and doc["source"] == "src"
    entry = doc["entries"][1]
    assert entry == {"name": "b.json", "url": "https://example.org/b.json?api_key=REDACTED",
                     "requested_at": "2026-11-20T08:00:00Z", "status": 200, "content_type": "application/json",
                     "etag": '"e1"', "last_modified": None, "size": 6, "sha256": sha256_bytes(b"[2, 3]"),
                     "reused_from": None}
    assert (snap.path / "b.json").read_bytes() == b"[2, 3]"
    assert not any(paths.staging.iterdir())  # staging cleaned


def test_snapshots_are_never_overwritten(paths) -> None:
    store = SnapshotStore(paths, "src")
    first = publish(store, {"a.json": b"[1]"}).result
    second = publish(store, {"a.json": b"[2]"}).result  # same second, different bytes
    assert first.snapshot_id == "20261120T080000Z" and second.snapshot_id == "20261120T080000Z-2"
    assert first.read("a.json") == b"[1]" and second.read("a.json") == b"[2]"
    assert store.latest().snapshot_id == second.snapshot_id


def test_identical_fetch_reuses_the_previous_snapshot(paths) -> None:
    store = SnapshotStore(paths, "src")
    first = publish(store, {"a.json": b"[1]"}).result
    again = publish(store, {"a.json": b"[1]"}, started=T0.replace(hour=9))
    assert again.unchanged and again.result.snapshot_id == first.snapshot_id
    assert len(store.list()) == 1


def test_failed_fetch_is_kept_as_incomplete_and_never_replayed(paths) -> None:
    store = SnapshotStore(paths, "src")
    good = publish(store, {"a.json": b"[1]"}).result
    with pytest.raises(RuntimeError):
        with store.writer() as w:
            w.add("a.json", b"[9]", url="u", status=200, requested_at=T0)
            raise RuntimeError("page 2 failed")
    snaps = store.list()
    assert len(snaps) == 2 and not snaps[-1].complete
    assert "page 2 failed" in snaps[-1].error
    assert store.latest().snapshot_id == good.snapshot_id
    with pytest.raises(SnapshotError, match="incomplete"):
        store.select(snaps[-1].snapshot_id)


def test_select(paths) -> None:
    store = SnapshotStore(paths, "src")
    a = publish(store, {"a.json": b"[1]"}).result
    b = publish(store, {"a.json": b"[2]"}, started=T0.replace(day=21)).result
    assert store.select("latest").snapshot_id == b.snapshot_id
    assert store.select("2026-11-20").snapshot_id == a.snapshot_id
    assert store.select("2026-11-22") is None
    assert store.select(a.snapshot_id).snapshot_id == a.snapshot_id
    with pytest.raises(SnapshotError, match="no snapshot 20200101T000000Z"):
        store.select("20200101T000000Z")
    with pytest.raises(ConfigError, match="not 'latest', a date"):
        store.select("yesterday")


def test_tampered_bytes_are_detected(paths) -> None:
    snap = publish(SnapshotStore(paths, "src"), {"a.json": b"[1]"}).result
    (snap.path / "a.json").write_bytes(b"[666]")
    with pytest.raises(SnapshotError, match="no longer matches its recorded sha256"):
        snap.read("a.json")


def test_names_are_made_safe(paths) -> None:
    snap = publish(SnapshotStore(paths, "src"), {"../../etc/passwd": b"x"}).result
    assert [e.name for e in snap.entries] == ["etc_passwd"]
    assert (snap.path / "etc_passwd").is_file()


def test_carried_entries_read_from_their_origin_without_a_copy(paths) -> None:
    store = SnapshotStore(paths, "src")
    first = publish(store, {"article-1.html": b"<p>one</p>", "feed.xml": b"<rss>1</rss>"}).result
    with store.writer() as w:
        w.carry(first.entry("article-1.html"), first)
        w.add("feed.xml", b"<rss>2</rss>", url="u", status=200, requested_at=T0)
    second = w.result
    assert second.snapshot_id != first.snapshot_id
    assert not (second.path / "article-1.html").exists()  # not copied
    assert second.read("article-1.html") == b"<p>one</p>"
    assert second.entry("article-1.html").reused_from == f"{first.snapshot_id}/article-1.html"
    # carried again from the second snapshot: still points at the original bytes
    with store.writer() as w3:
        w3.carry(second.entry("article-1.html"), second)
        w3.add("feed.xml", b"<rss>3</rss>", url="u", status=200, requested_at=T0)
    assert w3.result.entry("article-1.html").reused_from == f"{first.snapshot_id}/article-1.html"
    assert w3.result.read("article-1.html") == b"<p>one</p>"


def test_add_file_streams_a_local_file_with_its_hash(paths, tmp_path) -> None:
    big = tmp_path / "bulk.tsv"
    big.write_bytes(b"a\tb\n" * 300_000)
    store = SnapshotStore(paths, "src")
    with store.writer() as w:
        entry = w.add_file("bulk.tsv", big, url=big.as_uri(), requested_at=T0)
    assert entry.size == big.stat().st_size and entry.sha256 == sha256_bytes(big.read_bytes())
    assert w.result.verified_path("bulk.tsv").read_bytes() == big.read_bytes()
