"""What every source is: a name, origin metadata, and two verbs.

    fetch(ctx)         HTTP (or a local file) -> responses stored through ctx into one raw snapshot
    parse(snapshot)    stored bytes -> {table name: DataFrame in that table's contract shape}

A source module builds one `Source` and is listed in caspian_etl.sources.REGISTRY; nothing else changes
when a source is added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd
import requests

from caspian_etl.core.errors import FetchError
from caspian_etl.core.http import HttpClient, HttpPolicy
from caspian_etl.core.redaction import declare_secret_env
from caspian_etl.core.results import TableOutcome
from caspian_etl.core.settings import DataPaths, Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry, SnapshotWriter

ParseResult = dict[str, pd.DataFrame]
ParseStep = Callable[[Snapshot], ParseResult]


class StandardCurate(Protocol):
    """The standard parse -> validate -> quarantine -> write path, bound to one source and snapshot."""

    def __call__(self, parse: ParseStep) -> list[TableOutcome]: ...


class CurateStep(Protocol):
    """A source's own curate step (e.g. bulk files written in batches); `standard` is the usual path, for the
    snapshots it does not handle itself, with the parse function it wants used."""

    def __call__(self, source: Source, snapshot: Snapshot, paths: DataPaths,
                 standard: StandardCurate) -> list[TableOutcome]: ...


@dataclass(frozen=True)
class Window:
    """The period a fetch covers (a backfill's window); None means the source's default range."""

    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    producer: str  # who publishes the data (OWID-style origin metadata)
    licence: str
    homepage: str
    tables: tuple[str, ...]  # curated tables this source writes a file into
    fetch: Callable[["FetchContext"], None]
    parse: ParseStep
    default_base_url: str | None = None
    network: bool = True  # False: fetch reads a local file and works offline
    # environment variables holding secrets to keep out of every output (declared in caspian_etl.core.settings)
    secret_env: tuple[str, ...] = ()
    http_policy: HttpPolicy = field(default_factory=HttpPolicy)
    description: str = ""
    # `caspian-etl ingest-file <source> PATH...` turns downloaded files into a snapshot of this source
    accepts_files: bool = False
    # fetch honours ctx.window (a period range), so backfills can re-fetch exactly a window
    supports_window: bool = False
    # when scheduled deployments run this source: a cron expression in UTC (None: only with the pipeline)
    schedule: str | None = None
    # A source whose snapshots are too big to parse into DataFrames (bulk files) writes its curated tables
    # itself, in batches (see CurateStep). None: the standard parse -> validate -> quarantine -> write path
    # of caspian_etl.pipeline.run.curate.
    curate: CurateStep | None = None
    # Tables built from the rows of the parsed tables that passed validation (claims -> indicator rows), so a
    # quarantined row feeds nothing: derive({table: valid rows}) -> {table: rows}. None: parse gives every table.
    derive: Callable[[dict[str, pd.DataFrame]], ParseResult] | None = None

    def base_url(self, settings: Settings) -> str:
        """The default base URL, or the run's CASPIAN_ETL_<SOURCE>_BASE_URL."""
        if self.default_base_url is None:
            raise ValueError(f"source {self.name} has no base URL")
        return settings.base_url(self.name, self.default_base_url)

    def __post_init__(self) -> None:
        declare_secret_env(*self.secret_env)  # redacted from every stored byte and message, whoever writes it

    def secrets(self, settings: Settings) -> list[str]:
        return [v for name in self.secret_env if (v := settings.secret(name))]

    def origin_metadata(self) -> dict[str, str]:
        return {"caspian_etl.source": self.name, "caspian_etl.source_title": self.title,
                "caspian_etl.producer": self.producer, "caspian_etl.licence": self.licence,
                "caspian_etl.homepage": self.homepage}


@dataclass
class FetchContext:
    """What a source's fetch gets: an HTTP client with the project's policy and a snapshot being written."""

    source: Source
    paths: DataPaths
    http: HttpClient
    writer: SnapshotWriter
    previous: Snapshot | None
    window: Window = field(default_factory=Window)

    @property
    def settings(self) -> Settings:
        return self.paths.settings

    @property
    def base_url(self) -> str:
        """The source's base URL in this run (CASPIAN_ETL_<SOURCE>_BASE_URL overrides it)."""
        return self.source.base_url(self.settings)

    def _previous_entry(self, url: str) -> SnapshotEntry | None:
        if self.previous is None:
            return None
        # a 304 entry is as good as the original: its bytes were copied into its own snapshot
        return next((e for e in self.previous.entries if e.url == url), None)

    def get(self, name: str, url: str, *, params: Mapping[str, object] | None = None,
            headers: Mapping[str, str] | None = None, conditional: bool = True) -> bytes:
        """GET and store the response as `name` in the snapshot; returns the body.

        With `conditional`, the previous snapshot's ETag/Last-Modified for the same URL are sent, and a 304
        reuses (and re-records) the bytes stored then.
        """
        shown = self.http.redactor.url(requests.Request("GET", url, params=params).prepare().url or url)
        before = self._previous_entry(shown) if conditional else None
        response = self.http.get(url, params=params, headers=headers,
                                 etag=before.etag if before else None,
                                 last_modified=before.last_modified if before else None)
        if response.not_modified:
            if before is None or self.previous is None:
                raise FetchError("HTTP 304 without a stored response to reuse", source=self.source.name,
                                 url=response.url, status=304)
            body = self.previous.read(before.name)  # also checks the stored bytes are intact
            self.writer.carry(before, self.previous, name=name, status=304, requested_at=response.requested_at)
            return body
        self.writer.add(name, response.body, url=response.url, status=response.status,
                        requested_at=response.requested_at, content_type=response.content_type,
                        etag=response.etag, last_modified=response.last_modified)
        return response.body

    def add_local_file(self, name: str, path: Path, *, requested_at: datetime) -> SnapshotEntry:
        """Store a local file (the claims registry, a user-downloaded file) as a snapshot file (streamed)."""
        return self.writer.add_file(name, path, url=path.resolve().as_uri(), requested_at=requested_at)

    def carry_forward(self, name: str) -> bool:
        """Keep a response of the previous snapshot in this one without fetching it again (fetch once).

        Returns False when the previous snapshot has no such response."""
        if self.previous is None or not any(e.name == name for e in self.previous.entries):
            return False
        self.writer.carry(self.previous.entry(name), self.previous)
        return True
