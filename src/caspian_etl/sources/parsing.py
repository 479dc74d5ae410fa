"""Small helpers every parser of a stored answer needs, so their errors read the same."""

from __future__ import annotations

import json

from caspian_etl.contracts.periods import Period, PeriodError, parse_period
from caspian_etl.core.errors import ParseError


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
