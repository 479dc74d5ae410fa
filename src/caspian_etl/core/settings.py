"""Where data lives and where each source is fetched from: command line first, then environment, then defaults."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from caspian_etl.core.storage import is_remote, register

DATA_DIR_ENV = "CASPIAN_ETL_DATA_DIR"


@dataclass(frozen=True)
class DataPaths:
    """The folders under one data root. Everything the pipeline writes stays under `root`."""

    root: Path  # a local folder; for an s3:// data root, its local mirror (see caspian_etl.core.storage)

    @property
    def location(self) -> str:
        """What the user named: the s3:// URI of a mirrored root, else the local path (pass this to flows)."""
        from caspian_etl.core.storage import remote_uri

        return remote_uri(self.root) or str(self.root)

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def curated(self) -> Path:
        return self.root / "curated"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def staging(self) -> Path:
        # Same filesystem as curated/ and raw/ (so os.replace is atomic) but outside every table folder,
        # because DuckDB and Polars globs read even dot- and underscore-prefixed files inside a table folder.
        return self.root / ".staging"


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None) -> DataPaths:
    """`--data-dir` if given, else $CASPIAN_ETL_DATA_DIR, else ./data. An s3://bucket/prefix is mirrored in a
    local cache folder (caspian_etl.core.storage) which becomes the local root."""
    chosen = str(cli_value or os.environ.get(DATA_DIR_ENV) or "data")
    if is_remote(chosen):
        return DataPaths(register(chosen))
    return DataPaths(Path(chosen).expanduser().resolve())


def base_url_env_var(source: str) -> str:
    return "CASPIAN_ETL_" + re.sub(r"[^A-Z0-9]", "_", source.upper()) + "_BASE_URL"


def base_url(source: str, default: str) -> str:
    """A source's base URL, overridable with CASPIAN_ETL_<SOURCE>_BASE_URL (mirrors, proxies, tests)."""
    return os.environ.get(base_url_env_var(source), default).rstrip("/")
