"""A data root on object storage (s3://bucket/prefix), shared by several workers.

The pipeline keeps working on local files: an s3:// data root is mirrored in a local cache folder
(`$CASPIAN_ETL_CACHE_DIR`, default ~/.cache/caspian-etl/<hash of the URI>). Every finished write is pushed
as one object PUT (atomic for readers: they see the old object or the new one); snapshot files go up before
their manifest, so a snapshot is visible only once complete. Reads pull what is missing or changed: raw files
on first use, manifests, curated files and state before they are read. Object storage is reached with
pyarrow.fs (no extra dependency); its endpoint and credentials come from the usual AWS environment variables
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs

from caspian_etl.core.errors import ConfigError

LOCAL_ONLY = (".staging", ".locks", ".remote-index.json")  # never mirrored
_INDEX = ".remote-index.json"


def is_remote(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


class RemoteRoot:
    """The objects under one s3://bucket/prefix, addressed by paths relative to the data root."""

    def __init__(self, uri: str) -> None:
        try:
            self.fs, self.base = pafs.FileSystem.from_uri(uri)
        except (pa.ArrowException, ValueError, OSError) as exc:
            raise ConfigError(f"data root {uri!r} is not usable: {exc}") from None
        self.uri = uri.rstrip("/")
        self.base = self.base.rstrip("/")

    def key(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def upload(self, local: Path, rel: str) -> None:
        with open(local, "rb") as src, self.fs.open_output_stream(self.key(rel)) as dst:
            while block := src.read(1 << 20):
                dst.write(block)

    def download(self, rel: str, local: Path) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with self.fs.open_input_stream(self.key(rel)) as src, open(tmp, "wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
            os.replace(tmp, local)
        finally:
            tmp.unlink(missing_ok=True)

    def listing(self, prefix: str) -> dict[str, tuple[int, str]]:
        """rel path -> (size, mtime) of every object under `prefix` (a folder relative to the root)."""
        selector = pafs.FileSelector(self.key(prefix.rstrip("/")), recursive=True, allow_not_found=True)
        out = {}
        for info in self.fs.get_file_info(selector):
            if info.type == pafs.FileType.File:
                out[info.path[len(self.base) + 1:]] = (info.size, str(info.mtime))
        return out

    def stat(self, rel: str) -> tuple[int, str] | None:
        info = self.fs.get_file_info(self.key(rel))
        return (info.size, str(info.mtime)) if info.type == pafs.FileType.File else None


_MIRRORS: dict[Path, RemoteRoot] = {}
_LOCK = threading.Lock()


def cache_dir_for(uri: str, cache_dir: str | None = None) -> Path:
    """The local mirror of `uri`: under `cache_dir` ($CASPIAN_ETL_CACHE_DIR), else ~/.cache/caspian-etl."""
    base = Path(cache_dir or Path.home() / ".cache" / "caspian-etl")
    return (base / hashlib.sha256(uri.rstrip("/").encode()).hexdigest()[:16]).resolve()


def register(uri: str, cache_dir: str | None = None) -> Path:
    """Mirror `uri` in its local cache folder and return that folder (the local data root)."""
    root = cache_dir_for(uri, cache_dir)
    with _LOCK:
        if root not in _MIRRORS:
            remote = RemoteRoot(uri)
            bucket = remote.base.split("/", 1)[0]
            if remote.fs.get_file_info(bucket).type != pafs.FileType.Directory:
                raise ConfigError(f"data root {uri}: bucket {bucket!r} does not exist or is not reachable")
            _MIRRORS[root] = remote
    root.mkdir(parents=True, exist_ok=True)
    return root


def remote_uri(root: Path) -> str | None:
    mirror = _MIRRORS.get(root)
    return mirror.uri if mirror else None


def _mirror_of(path: Path) -> tuple[Path, RemoteRoot, str] | None:
    if not _MIRRORS:
        return None
    path = Path(os.path.abspath(path))
    for root, remote in _MIRRORS.items():
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            continue
        if rel.split("/", 1)[0] in LOCAL_ONLY:
            return None
        return root, remote, rel
    return None


def _index(root: Path) -> dict[str, list]:
    path = root / _INDEX
    return json.loads(path.read_text()) if path.exists() else {}


def _save_index(root: Path, index: dict) -> None:
    tmp = root / f"{_INDEX}.{uuid.uuid4().hex[:8]}"
    tmp.write_text(json.dumps(index, sort_keys=True))
    os.replace(tmp, root / _INDEX)


def push(path: Path) -> None:
    """After a local write: upload the file (one PUT) when it lives under a mirrored data root."""
    found = _mirror_of(path)
    if found is None:
        return
    root, remote, rel = found
    remote.upload(path, rel)
    with _LOCK:
        index = _index(root)
        index[rel] = list(remote.stat(rel) or ())
        _save_index(root, index)


def push_tree(folder: Path, last: str) -> None:
    """Upload a folder's files, `last` (the manifest) after all the others."""
    if _mirror_of(folder) is None:
        return
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in [p for p in files if p.name != last] + [p for p in files if p.name == last]:
        push(path)


def pull(root_or_path: Path, prefix: str, *, names: frozenset[str] | None = None) -> int:
    """Download the objects under `prefix` (relative to the data root) that are missing locally or changed
    remotely since we last saw them. With `names`, only objects with those file names. Returns the count."""
    found = _mirror_of(root_or_path)
    if found is None:
        return 0
    root, remote, _ = found
    pulled = 0
    listing = remote.listing(prefix)
    with _LOCK:
        index = _index(root)
        for rel, (size, mtime) in sorted(listing.items()):
            if names is not None and rel.rsplit("/", 1)[-1] not in names:
                continue
            local = root / rel
            if local.exists() and index.get(rel) == [size, mtime]:
                continue
            remote.download(rel, local)
            index[rel] = [size, mtime]
            pulled += 1
        if pulled:
            _save_index(root, index)
    return pulled


def ensure_local(path: Path) -> None:
    """Make sure a file that should exist (a raw snapshot file) is present locally, downloading it if needed."""
    if path.exists():
        return
    found = _mirror_of(path)
    if found is None:
        return
    root, remote, rel = found
    if remote.stat(rel) is not None:
        remote.download(rel, path)


def refresh(path: Path) -> None:
    """Bring one mutable file (curated part, state) up to date with the object store before it is read."""
    found = _mirror_of(path)
    if found is None:
        return
    root, remote, rel = found
    pull(root, rel.rsplit("/", 1)[0] if "/" in rel else "", names=frozenset({rel.rsplit("/", 1)[-1]}))
