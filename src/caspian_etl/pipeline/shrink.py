"""The shrink guard: a new snapshot that would empty a curated table, or cut it by more than a configured
share, is refused unless the operator asks for it (`caspian-etl run --allow-shrink`).

A registry saved truncated (header only) or an API answering an empty list would otherwise replace years of
rows with nothing, and the run would report success.
"""

from __future__ import annotations

# the share (Settings.max_shrink, default 0.5) and the override (Settings.allow_shrink, `run --allow-shrink`)
# are settings of the run: caspian_etl.core.settings
from caspian_etl.core.settings import ALLOW_SHRINK_ENV, MAX_SHRINK_ENV

__all__ = ["ALLOW_SHRINK_ENV", "MAX_SHRINK_ENV", "shrink_refusal"]


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
