"""The project's own error types. Every message names the source and, where there is one, the URL.

Errors are either *transient* (may pass if tried again: timeouts, 429, 5xx, a reset connection) or *permanent*
(trying again gives the same answer: DNS failure, 401/403/404, a robots.txt refusal, bad arguments, a body that
does not parse). Only transient errors are retried, by the HTTP layer and by Prefect's task retries alike
(`is_transient`); the split follows dlt's terminal/transient exceptions.
"""

from __future__ import annotations

from typing import Literal

from caspian_etl.core.redaction import redact

ErrorKind = Literal["transient", "permanent"]


class CaspianError(Exception):
    """Base class: anything the pipeline raises on purpose. Permanent unless a subclass says otherwise."""

    kind: ErrorKind = "permanent"

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None) -> None:
        self.source = source
        self.url = url
        prefix = f"{source}: " if source else ""
        where = f" [{url}]" if url else ""
        # whatever a message quotes (an error body, a URL, an API's echo), no configured secret survives in it
        super().__init__(redact(f"{prefix}{message}{where}"))


class ConfigError(CaspianError):
    """Bad settings or arguments (unknown source, bad --snapshot value, missing file): a usage error."""


class UsageError(ConfigError):
    """A command-line value that cannot be used; the command exits 2 before anything runs or is recorded."""


class StorageError(CaspianError):
    """The data root cannot be written (read-only folder, full disk)."""


class FetchError(CaspianError):
    """An HTTP request that did not produce a usable response after the allowed retries."""

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None,
                 status: int | None = None, retryable: bool = False) -> None:
        self.status = status
        self.retryable = retryable
        self.kind = "transient" if retryable else "permanent"
        super().__init__(message, source=source, url=url)


class ResponseTooLarge(FetchError):
    """The body went over the configured size cap; nothing of it is kept."""


class DeadlineExceeded(FetchError):
    """A request (or a whole source fetch) ran past its total deadline; transient (a slow day may pass)."""

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None) -> None:
        super().__init__(message, source=source, url=url, retryable=True)


class TooManyRedirects(FetchError):
    """More redirects than the policy allows, or a redirect loop: permanent."""


class RobotsRefused(FetchError):
    """robots.txt of the site disallows the URL: permanent, never retried."""


class SourceAPIError(CaspianError):
    """The API answered, but with an error document (e.g. World Bank message 120 with HTTP 200)."""


class ParseError(CaspianError):
    """Raw bytes that do not have the shape the parser expects (names the file, field and value)."""


class ContractError(CaspianError):
    """A table that breaks its contract as a whole (missing column, all rows invalid, bad schema file)."""


class SnapshotError(CaspianError):
    """No such snapshot, or a stored snapshot whose bytes no longer match their recorded sha256."""


def is_transient(exc: BaseException) -> bool:
    """True only for errors worth trying again; anything unknown counts as permanent (no blind retries)."""
    return isinstance(exc, CaspianError) and exc.kind == "transient"
