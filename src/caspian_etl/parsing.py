"""Small helpers every parser of a stored answer needs, so their errors read the same."""

from __future__ import annotations

import json

from caspian_etl.errors import ParseError


def load_json(data: bytes, *, source: str, name: str, url: str | None = None) -> object:
    """Decode a stored JSON answer; anything else is a ParseError naming the file and how it starts."""
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        start = data[:60].decode("utf-8", "replace")
        raise ParseError(f"{name}: answer is not JSON ({exc.__class__.__name__}; starts {start!r})",
                         source=source, url=url) from None
