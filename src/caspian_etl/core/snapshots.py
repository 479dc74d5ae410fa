"""Raw snapshot store: every response kept byte-for-byte, never overwritten, with a manifest.

Layout: data/raw/<source>/<snapshot_id>/ holds the response files of one fetch plus `manifest.json`
(source, URL with secrets redacted, request time UTC, HTTP status, content type, ETag, Last-Modified, size,
sha256 of every file). A snapshot is staged under data/.staging and renamed into place whole, so a crash
never leaves a half-written snapshot in data/raw. A fetch that fails part-way is still kept, marked
incomplete, as evidence; replay only ever picks complete snapshots.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from caspian_etl import __version__
from caspian_etl.core import storage
from caspian_etl.core.errors import SnapshotError, UsageError
from caspian_etl.core.redaction import current_redactor
from caspian_etl.core.settings import DataPaths

COPY_BLOCK = 16 << 20  # bytes per read when a local file is copied into a snapshot
MANIFEST = "manifest.json"
# Written next to the manifest when the snapshot's curation failed at ingest: the snapshot stays as evidence,
# but replays skip it (a broken file must not fail every later `run --offline`).
FAILED_MARK = "curation-failed.json"
_ID_RE = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def safe_name(name: str) -> str:
    """A file name made only of letters, digits, dot, dash and underscore."""
    cleaned = _NAME_RE.sub("_", name).strip("._")
    if not cleaned or cleaned == MANIFEST:
        raise ValueError(f"unusable snapshot file name {name!r}")
    return cleaned


@dataclass(frozen=True)
class SnapshotEntry:
    name: str
    url: str
    requested_at: str
    status: int | None  # None for a local file (the claims registry)
    content_type: str | None
    etag: str | None
    last_modified: str | None
    size: int
    sha256: str
    # "<snapshot_id>/<name>": the bytes are those stored in that earlier snapshot (a 304 answer, or an
    # article fetched once and carried forward); no copy is made in this snapshot's folder
    reused_from: str | None = None
    # the body as received held a configured secret, replaced by REDACTED before storing (caspian_etl.core.redaction):
    # `size` and `sha256` are those of the stored, redacted bytes
    redacted: bool = False


@dataclass(frozen=True)
class Snapshot:
    source: str
    snapshot_id: str
    path: Path
    created_at: str
    complete: bool
    entries: tuple[SnapshotEntry, ...]
    error: str | None = None
    params: dict = field(default_factory=dict)
    failed: str | None = None  # why its curation failed at ingest (FAILED_MARK); never replayed

    @property
    def replayable(self) -> bool:
        return self.complete and self.failed is None

    def entry(self, name: str) -> SnapshotEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise SnapshotError(f"snapshot {self.snapshot_id} has no file {name!r}", source=self.source)

    def file_path(self, name: str) -> Path:
        """Where the bytes of `name` are on disk (in this snapshot, or in the one it reuses them from)."""
        entry = self.entry(name)
        path = self.path.parent / entry.reused_from if entry.reused_from else self.path / name
        storage.ensure_local(path)  # a mirrored root downloads raw files on first use
        return path

    def read(self, name: str) -> bytes:
        """The stored bytes, after checking them against the sha256 recorded when they were received."""
        entry = self.entry(name)
        path = self.file_path(name)
        data = path.read_bytes()
        if sha256_bytes(data) != entry.sha256:
            raise SnapshotError(f"file {path} no longer matches its recorded sha256 {entry.sha256}",
                                source=self.source)
        return data

    def verified_path(self, name: str) -> Path:
        """The path of a (possibly large) stored file, after a streaming sha256 check; for parsers that stream."""
        entry = self.entry(name)
        path = self.file_path(name)
        if sha256_file(path) != entry.sha256:
            raise SnapshotError(f"file {path} no longer matches its recorded sha256 {entry.sha256}",
                                source=self.source)
        return path

    @property
    def sha256s(self) -> list[str]:
        return [e.sha256 for e in self.entries]

    def fingerprint(self) -> frozenset[tuple[str, str]]:
        return frozenset((e.name, e.sha256) for e in self.entries)

    @property
    def window(self) -> tuple[date | None, date | None] | None:
        """(start, end) when this snapshot covers only a window (a backfill), None for a full fetch."""
        start, end = self.params.get("start"), self.params.get("end")
        if start is None and end is None:
            return None
        return (date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)


def _entry_doc(entry: SnapshotEntry) -> dict:
    doc = asdict(entry)
    if not entry.redacted:  # manifests of bodies stored as received stay as they always were
        del doc["redacted"]
    return doc


def load_snapshot(path: Path) -> Snapshot | None:
    """The snapshot stored in folder `path`, or None when it has no manifest (not a published snapshot)."""
    manifest = path / MANIFEST
    if not manifest.is_file():
        return None
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    mark = path / FAILED_MARK
    failed = json.loads(mark.read_text(encoding="utf-8")).get("reason") or "failed" if mark.is_file() else None
    return Snapshot(
        source=doc["source"], snapshot_id=doc["snapshot_id"], path=path, created_at=doc["created_at"],
        complete=bool(doc["complete"]), error=doc.get("error"), params=doc.get("params") or {},
        entries=tuple(SnapshotEntry(**e) for e in doc["entries"]), failed=failed,
    )


def mark_failed(snapshot: Snapshot, reason: str) -> Snapshot:
    """Keep a snapshot whose curation failed as evidence, but take it out of every replay."""
    mark = snapshot.path / FAILED_MARK
    mark.write_text(json.dumps({"reason": reason, "at": iso_utc(utc_now())}, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
    storage.push(mark)
    return replace(snapshot, failed=reason)


def check_selector(selector: str) -> str:
    """A --snapshot value: 'latest', a date YYYY-MM-DD or a snapshot id; anything else (a path, a typo) is a
    usage error, raised before any source runs."""
    text = selector.strip()
    if text == "latest" or _ID_RE.match(text):
        return text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"--snapshot {selector!r} is not a calendar date") from None
        return text
    raise UsageError(f"--snapshot {selector!r} is not 'latest', a date YYYY-MM-DD or a snapshot id "
                     f"like 20241231T235959Z")


class SnapshotStore:
    """The snapshots of one source under data/raw/<source>/."""

    def __init__(self, paths: DataPaths, source: str) -> None:
        self.paths = paths
        self.source = source
        self.root = paths.raw / source

    def list(self) -> list[Snapshot]:
        storage.pull(self.paths.root, f"raw/{self.source}", names=frozenset({MANIFEST, FAILED_MARK}))
        if not self.root.is_dir():
            return []
        found = [s for p in self.root.iterdir() if p.is_dir() and _ID_RE.match(p.name) and (s := load_snapshot(p))]
        return sorted(found, key=lambda s: (s.created_at, len(s.snapshot_id), s.snapshot_id))

    def latest(self, *, full_only: bool = False) -> Snapshot | None:
        """The last complete snapshot. Replaying a backfill's window snapshot only replaces its window's rows,
        so it is a fine `latest` to replay; `full_only` skips them (the base for conditional GETs and for
        telling an unchanged full fetch)."""
        complete = [s for s in self.list() if s.replayable and (s.window is None or not full_only)]
        return complete[-1] if complete else None

    def select(self, selector: str) -> Snapshot | None:
        """`latest`, a date (YYYY-MM-DD: the last complete snapshot taken that UTC day) or an exact id.

        Returns None when `latest` or a date matches nothing; an exact id that does not exist is an error.
        """
        selector = selector.strip()
        if selector == "latest":
            return self.latest()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", selector):
            day = selector.replace("-", "")
            matches = [s for s in self.list() if s.replayable and s.snapshot_id.startswith(day)]
            return matches[-1] if matches else None
        if _ID_RE.match(selector):
            for s in self.list():
                if s.snapshot_id == selector:
                    if not s.complete:
                        raise SnapshotError(f"snapshot {selector} is incomplete ({s.error}); it cannot be replayed",
                                            source=self.source)
                    if s.failed:
                        raise SnapshotError(f"snapshot {selector} failed to curate when ingested ({s.failed}); "
                                            "it is kept as evidence, not replayed", source=self.source)
                    return s
            raise SnapshotError(f"no snapshot {selector} under {self.root}", source=self.source)
        check_selector(selector)
        raise AssertionError("unreachable: check_selector accepts only the forms handled above")

    def writer(self, params: dict | None = None) -> SnapshotWriter:
        return SnapshotWriter(self, params or {})


class SnapshotWriter:
    """Collects the responses of one fetch in a staging folder, then publishes them as one snapshot.

    Used as a context manager: on an exception the responses received so far are kept as an incomplete
    snapshot (the error recorded) and the exception propagates.
    """

    def __init__(self, store: SnapshotStore, params: dict) -> None:
        self.store = store
        self.params = params
        self.started = utc_now()
        self.staging = store.paths.staging / f"raw-{store.source}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.entries: list[SnapshotEntry] = []
        self.result: Snapshot | None = None
        self.unchanged = False

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            if self.result is None:
                self.commit()
            return
        if self.entries and self.result is None:
            self.commit(complete=False, error=f"{type(exc).__name__}: {exc}")
        else:
            shutil.rmtree(self.staging, ignore_errors=True)

    def add(self, name: str, body: bytes, *, url: str, status: int | None, requested_at: datetime,
            content_type: str | None = None, etag: str | None = None, last_modified: str | None = None,
            reused_from: str | None = None) -> SnapshotEntry:
        name = safe_name(name)
        if any(e.name == name for e in self.entries):
            raise ValueError(f"{self.store.source}: two responses named {name!r} in one snapshot")
        redactor = current_redactor()
        received, body = body, redactor.bytes(body)  # no secret is ever stored, whatever the server echoes
        url = redactor.url(url)
        self.staging.mkdir(parents=True, exist_ok=True)
        target = self.staging / name
        with open(target, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        entry = SnapshotEntry(
            name=name, url=url, requested_at=iso_utc(requested_at), status=status, content_type=content_type,
            etag=etag, last_modified=last_modified, size=len(body), sha256=sha256_bytes(body),
            reused_from=reused_from, redacted=body != received,
        )
        self.entries.append(entry)
        return entry

    def add_file(self, name: str, source_path: Path, *, url: str, requested_at: datetime,
                 content_type: str | None = None) -> SnapshotEntry:
        """Copy a local file (e.g. a bulk download the user made) into the snapshot, streaming, with its sha256."""
        name = safe_name(name)
        if any(e.name == name for e in self.entries):
            raise ValueError(f"{self.store.source}: two files named {name!r} in one snapshot")
        self.staging.mkdir(parents=True, exist_ok=True)
        redactor = current_redactor()
        digest, size, tail, holds_secret = hashlib.sha256(), 0, b"", False
        with open(source_path, "rb") as src, open(self.staging / name, "wb") as dst:
            # large blocks: each one lets other threads take the GIL three times (read, hash, write)
            while block := src.read(COPY_BLOCK):
                # a gzip file's bytes cannot spell a secret; plain text is checked as it streams (with overlap)
                if redactor.active and not holds_secret and not (size == 0 and block[:2] == b"\x1f\x8b"):
                    holds_secret = redactor.found_in(tail + block)
                    tail = block[-64:]
                digest.update(block)
                size += len(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        if holds_secret:  # rare: rewrite the stored copy redacted (in memory), with the sha256 of what is stored
            data = redactor.bytes((self.staging / name).read_bytes())
            (self.staging / name).write_bytes(data)
            digest, size = hashlib.sha256(data), len(data)
        entry = SnapshotEntry(name=name, url=url, requested_at=iso_utc(requested_at), status=None,
                              content_type=content_type, etag=None, last_modified=None, size=size,
                              sha256=digest.hexdigest(), redacted=holds_secret)
        self.entries.append(entry)
        return entry

    def carry(self, entry: SnapshotEntry, origin: Snapshot, *, name: str | None = None, status: int | None = None,
              requested_at: datetime | None = None) -> SnapshotEntry:
        """Record `entry` of an earlier snapshot in this one without copying its bytes (they stay there)."""
        name = safe_name(name or entry.name)
        if any(e.name == name for e in self.entries):
            raise ValueError(f"{self.store.source}: two responses named {name!r} in one snapshot")
        carried = replace(
            entry,
            name=name,
            reused_from=entry.reused_from or f"{origin.snapshot_id}/{entry.name}",
            status=entry.status if status is None else status,
            requested_at=entry.requested_at if requested_at is None else iso_utc(requested_at),
        )
        self.entries.append(carried)
        return carried

    def commit(self, *, complete: bool = True, error: str | None = None) -> Snapshot:
        """Publish the snapshot. A complete fetch whose files equal the latest snapshot's is not stored twice:
        the latest snapshot is returned and `unchanged` is set."""
        store = self.store
        previous = store.latest(full_only=True)
        windowed = self.params.get("start") is not None or self.params.get("end") is not None
        if complete and not windowed and previous is not None and previous.fingerprint() == frozenset(
                (e.name, e.sha256) for e in self.entries):
            shutil.rmtree(self.staging, ignore_errors=True)
            self.unchanged = True
            self.result = previous
            return previous
        self.staging.mkdir(parents=True, exist_ok=True)
        store.root.mkdir(parents=True, exist_ok=True)
        base_id = self.started.strftime("%Y%m%dT%H%M%SZ")
        for n in range(1, 1000):
            snapshot_id = base_id if n == 1 else f"{base_id}-{n}"
            final = store.root / snapshot_id
            if final.exists():
                continue
            doc = current_redactor().json({
                "source": store.source, "snapshot_id": snapshot_id, "created_at": iso_utc(self.started),
                "complete": complete, "error": error, "params": self.params, "caspian_etl_version": __version__,
                "entries": [_entry_doc(e) for e in self.entries],
            }, keep=frozenset({"sha256"}))
            (self.staging / MANIFEST).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            try:
                os.replace(self.staging, final)  # a directory rename: the snapshot appears whole or not at all
            except OSError:
                if final.exists():  # another process took this id a moment ago: never overwrite, take the next
                    continue
                raise
            break
        else:
            raise SnapshotError(f"could not find a free snapshot id for {base_id}", source=store.source)
        storage.push_tree(final, last=MANIFEST)  # on a mirrored root: files first, manifest last
        loaded = load_snapshot(final)
        assert loaded is not None
        self.result = loaded
        return loaded
