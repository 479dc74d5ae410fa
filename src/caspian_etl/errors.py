"""The project's own error types. Every message names the source and, where there is one, the URL."""

from __future__ import annotations


class CaspianError(Exception):
    """Base class: anything the pipeline raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None) -> None:
        self.source = source
        self.url = url
        prefix = f"{source}: " if source else ""
        where = f" [{url}]" if url else ""
        super().__init__(f"{prefix}{message}{where}")


class ConfigError(CaspianError):
    """Bad settings or arguments (unknown source, bad --snapshot value, missing file)."""


class FetchError(CaspianError):
    """An HTTP request that did not produce a usable response after the allowed retries."""

    def __init__(self, message: str, *, source: str | None = None, url: str | None = None,
                 status: int | None = None, retryable: bool = False) -> None:
        self.status = status
        self.retryable = retryable
        super().__init__(message, source=source, url=url)


class ResponseTooLarge(FetchError):
    """The body went over the configured size cap; nothing of it is kept."""


class SourceAPIError(CaspianError):
    """The API answered, but with an error document (e.g. World Bank message 120 with HTTP 200)."""


class ParseError(CaspianError):
    """Raw bytes that do not have the shape the parser expects (names the file, field and value)."""


class ContractError(CaspianError):
    """A table that breaks its contract as a whole (missing column, all rows invalid, bad schema file)."""


class SnapshotError(CaspianError):
    """No such snapshot, or a stored snapshot whose bytes no longer match their recorded sha256."""
