"""Read a stored file once and check its sha256 on the way (for parsers that stream big snapshot files).

Checking a snapshot file before parsing it reads it twice; a `Sha256Reader` hands the bytes to the parser
(or to a decompressor in front of it) and hashes each byte as it passes, so the check costs no extra read.
The caller must not publish anything before `verify()` has passed at the end of the file.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO

from caspian_etl.core.errors import SnapshotError

_CHUNK = 1 << 20


class Sha256Reader(io.RawIOBase):
    """A readable binary stream over `raw` that hashes every byte it reads."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = self._raw.readinto(buffer)
        if n:
            self._digest.update(memoryview(buffer)[:n])
        return n or 0

    def hexdigest_to_end(self) -> str:
        """The sha256 of the whole file: what was not read yet (e.g. bytes after a gzip stream) is read now."""
        while block := self._raw.read(_CHUNK):
            self._digest.update(block)
        return self._digest.hexdigest()

    def close(self) -> None:
        self._raw.close()
        super().close()


def verify(reader: Sha256Reader, path: Path, expected: str, source: str | None = None) -> None:
    """Raise SnapshotError (as Snapshot.verified_path does) when the bytes read are not the recorded ones."""
    if reader.hexdigest_to_end() != expected:
        raise SnapshotError(f"file {path} no longer matches its recorded sha256 {expected}", source=source)
