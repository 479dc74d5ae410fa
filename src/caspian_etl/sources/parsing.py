"""Small helpers every parser of a stored answer needs, so their errors read the same."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TypeVar

from caspian_etl.contracts.periods import Period, PeriodError, parse_period
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import ParseError
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry

T = TypeVar("T")


def load_json(data: bytes, *, source: str, name: str, url: str | None = None) -> object:
    """Decode a stored JSON answer; anything else is a ParseError naming the file and how it starts."""
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        start = data[:60].decode("utf-8", "replace")
        raise ParseError(f"{name}: answer is not JSON ({exc.__class__.__name__}; starts {start!r})",
                         source=source, url=url) from None
    except RecursionError:  # e.g. [[[[... 200,000 deep: the decoder gives up; a typed, one-line error instead
        raise ParseError(f"{name}: answer is JSON nested too deeply to read ({len(data)} bytes)",
                         source=source, url=url) from None


def fill_period(row: dict, text: str, *, field: str, reasons: list[str]) -> Period | None:
    """Set the row's four period columns from `text`; when it is outside the grammar, note why in `reasons`."""
    try:
        period = parse_period(text)
    except PeriodError as exc:
        reasons.append(f"{field}: {exc}")
        return None
    row.update(period.as_columns())
    return period


def row_reason(prefix: str, reasons: list[str]) -> str | None:
    """The quarantine reason of a row (None when it has none), each problem prefixed with where it came from."""
    return "; ".join(f"{prefix}: {r}" for r in reasons) or None


def official_row(source: str, entry: SnapshotEntry, keys: dict, measures: dict, **notes: object) -> dict:
    """A curated row of an official statistic, its period still to be read (`finish_row`): the table's key
    columns, the four period columns, its measures, basis official and no claim, `notes` (e.g. note=...), and
    the snapshot file it came from. Column order is the same for every source of a table."""
    return {**keys, "period": None, "frequency": None, "period_start": None, "period_end": None, **measures,
            "basis": "official", "claim_id": None, **notes, "source": source, "source_url": entry.url,
            "snapshot_sha256": entry.sha256}


def finish_row(row: dict, period_text: str, *, field: str, reasons: list[str], prefix: str) -> Period | None:
    """Read the row's period from `period_text` and set its quarantine reason from everything noted on the way."""
    period = fill_period(row, period_text, field=field, reasons=reasons)
    row[REASON_COLUMN] = row_reason(prefix, reasons)
    return period


def rows_of_entries(snapshot: Snapshot, records: Callable[[bytes, SnapshotEntry], Iterable[T]],
                    to_row: Callable[[T, SnapshotEntry], dict]) -> list[dict]:
    """Every stored answer of a snapshot read into records and mapped to rows, in the snapshot's order."""
    rows: list[dict] = []
    for entry in snapshot.entries:
        rows.extend(to_row(record, entry) for record in records(snapshot.read(entry.name), entry))
    return rows


def code_list(configured: str | None, default: tuple[str, ...], separators: str = ";") -> tuple[str, ...]:
    """A configured list of codes ('KAZ;AZE'), upper-cased; `default` when the setting is unset or empty."""
    if not configured:
        return default
    for other in separators[1:]:
        configured = configured.replace(other, separators[0])
    return tuple(c.strip().upper() for c in configured.split(separators[0]) if c.strip())
