"""Helpers shared by the commands: console, common options, the run summary table."""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from caspian_etl.core.errors import StorageError, UsageError
from caspian_etl.core.redaction import redact
from caspian_etl.core.results import RunSummary
from caspian_etl.core.settings import DATA_DIR_ENV, DataPaths, Settings, apply_prefect_defaults, resolve_data_dir
from caspian_etl.core.snapshots import check_selector
from caspian_etl.pipeline.run import declared_tables

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE = 0, 1, 2


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Let the CLI end quietly when stdout's reader goes away (rich would exit 1 on its own)."""
        raise BrokenPipeError


console = _Console(highlight=False)
errors = _Console(highlight=False, stderr=True)


def print_error(message: str) -> None:
    """One error, on one line of stderr, secrets redacted."""
    errors.print(f"[red]error:[/red] {escape(' '.join(redact(message).split()))}", soft_wrap=True)


def print_table(table: Table) -> None:
    """A table at the terminal's width; when stdout is a pipe or a file, as wide as its content needs
    (rich would cut it at 80 columns)."""
    if console.is_terminal:
        console.print(table)
        return
    needed = Measurement.get(console, console.options.update(width=100_000), table).maximum
    _Console(highlight=False, file=sys.stdout, width=max(console.width, needed)).print(table)


def prefect_defaults() -> None:
    """Settings the project needs from Prefect, unless the user set them (see FIELD-NOTES)."""
    apply_prefect_defaults()


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def snapshot_selector(text: str) -> str:
    """argparse type of --snapshot: a bad value is a usage error before anything runs or is recorded."""
    try:
        return check_selector(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def writable_data_dir(cli_value: str | None, settings: Settings) -> DataPaths:
    """The data root of a command that writes, checked first: a read-only or unusable folder is one error
    line before anything runs (rather than every source failing on its own)."""
    paths = resolve_data_dir(cli_value, settings)
    try:
        paths.staging.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=paths.staging, prefix="write-check-"):
            pass
    except OSError as exc:
        raise StorageError(f"the data dir {paths.root} cannot be written ({exc.strerror or exc}); nothing was "
                           "run") from None
    return paths


def add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", metavar="DIR",
                   help=f"data root holding raw/, curated/, quarantine/, state/ (default: ${DATA_DIR_ENV} or ./data)")


def print_summary(summary: RunSummary, paths: DataPaths) -> None:
    table = Table(title=f"caspian-etl run — {paths.root}")
    for col in ("table", "rows written", "rows quarantined", "sources failed"):
        table.add_column(col, justify="right" if col.startswith("rows") else "left")
    for t in summary.tables(declared_tables()):
        table.add_row(t.table, str(t.rows_written), str(t.rows_quarantined), ", ".join(t.sources_failed) or "-")
    print_table(table)
    for r in summary.results:
        if r.status == "ok" and r.source == "derived":
            built = [t.table for t in r.tables if t.path]
            console.print(f"  derived tables: ok — built {', '.join(built) or 'nothing (inputs unchanged)'}",
                          soft_wrap=True)
        elif r.status == "ok" and r.source == "publish":
            done = "unchanged (no curated file changed)" if r.up_to_date else "catalog and report rewritten"
            console.print(f"  publish: ok — {done}", soft_wrap=True)
        elif r.status == "ok":
            how = "fetched" if r.fetched else "replayed"
            if r.unchanged:
                how = "fetched (unchanged since the last snapshot)"
            done = "; already curated, nothing to do" if r.up_to_date else ""
            console.print(f"  {r.source}: ok — {how} snapshot {r.snapshot_id}{done}", soft_wrap=True)
        elif r.status == "skipped":
            console.print(f"  {r.source}: skipped — {escape(r.reason or '')}", soft_wrap=True)
        else:
            console.print(f"  [red]{r.source}: FAILED[/red] — {escape(r.reason or '')}", soft_wrap=True)
    quarantined = [t.quarantine_path for r in summary.results for t in r.tables if t.quarantine_path]
    for q in quarantined:
        console.print(f"  quarantined rows: {escape(q)}", soft_wrap=True)
