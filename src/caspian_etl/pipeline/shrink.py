"""The shrink guard: a new snapshot that would empty a curated table, or cut it by more than a configured
share, is refused unless the operator asks for it (`caspian-etl run --allow-shrink`).

A registry saved truncated (header only) or an API answering an empty list would otherwise replace years of
rows with nothing, and the run would report success.
"""

from __future__ import annotations

import os

from caspian_etl.core.errors import ConfigError

MAX_SHRINK_ENV = "CASPIAN_ETL_MAX_SHRINK"
ALLOW_SHRINK_ENV = "CASPIAN_ETL_ALLOW_SHRINK"  # set by `run --allow-shrink` (so Prefect tasks see it too)
DEFAULT_MAX_SHRINK = 0.5


def max_shrink() -> float:
    """The largest share of a table's rows a run may drop (0.5: a file may lose at most half of its rows)."""
    raw = os.environ.get(MAX_SHRINK_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_MAX_SHRINK
    try:
        share = float(raw)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ConfigError(f"{MAX_SHRINK_ENV}={raw!r}: expected a share between 0 and 1 (e.g. 0.5)")
    return share


def shrink_allowed() -> bool:
    return os.environ.get(ALLOW_SHRINK_ENV, "").strip().lower() in ("1", "true", "yes")


def shrink_refusal(table: str, old_rows: int, new_rows: int, *, share: float, allowed: bool) -> str | None:
    """Why writing `new_rows` over a file of `old_rows` is refused, or None when it may go ahead."""
    if allowed or old_rows == 0 or new_rows >= old_rows:
        return None
    lost = (old_rows - new_rows) / old_rows
    if new_rows > 0 and lost <= share:
        return None
    what = "empty it" if new_rows == 0 else f"drop {lost:.0%} of its rows (more than {MAX_SHRINK_ENV}={share:g})"
    return (f"table {table}: refusing to replace {old_rows} rows with {new_rows}: that would {what}; "
            f"the previous file is kept (re-run with --allow-shrink if this is intended)")
