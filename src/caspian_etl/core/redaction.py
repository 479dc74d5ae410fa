"""Secrets kept out of every stored byte and every message, for every source at once.

The secrets are the values of the environment variables that hold credentials: each source's `secret_env`
(COMTRADE_API_KEY, EIA_API_KEY, ...), the storage credentials, and any variable whose name says it is one
(`*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD`). A `Redactor` replaces with REDACTED the whole secret and
any run of at least MIN_FRAGMENT consecutive characters of it: an error snippet cut mid-key, or a body that
quotes only the end of a key, leaves nothing usable. The same redactor cleans every log record
(`install_log_redaction`, so Prefect's logs, states and events get clean text too), snapshot bodies and
manifests, state files and command output.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
MIN_SECRET = 4  # shorter values are not treated as secrets (they would redact ordinary text)
MIN_FRAGMENT = 8  # a run this long of a secret's characters is redacted wherever it appears
# query parameters whose values are secrets whatever the source
SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token", "subscription-key",
                           "subscription_key", "password", "secret"})
# environment variables that hold secrets besides the sources' own `secret_env`
EXTRA_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PREFECT_API_KEY")
SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD", "_SECRET_ACCESS_KEY", "_SUBSCRIPTION_KEY")

T = TypeVar("T", str, bytes)


MIN_GUESSED_SECRET = 16  # a variable that is a secret only by its name must look like a key (not "true")


_DECLARED: set[str] = set()


def declare_secret_env(*names: str) -> None:
    """Name environment variables that hold secrets (every Source declares its `secret_env` when it is built)."""
    _DECLARED.update(names)


def declared_secret_env() -> set[str]:
    """The variables known to hold secrets: every declared source's `secret_env` and the storage credentials."""
    return _DECLARED | set(EXTRA_SECRET_ENV)


def configured_secrets() -> tuple[str, ...]:
    """The secret values set in this process's environment."""
    declared = declared_secret_env()
    values = set()
    for name, value in os.environ.items():
        value = value.strip()
        if name in declared and len(value) >= MIN_SECRET:
            values.add(value)
        elif name.upper().endswith(SECRET_ENV_SUFFIXES) and len(value) >= MIN_GUESSED_SECRET:
            values.add(value)
    return tuple(sorted(values))


class Redactor:
    """Removes secrets (given values, their fragments, and values of well-known secret query parameters)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET:
                variants |= {secret, quote(secret, safe=""), quote_plus(secret)}
        self.secrets = tuple(sorted(variants, key=len, reverse=True))
        self._text = _FragmentMatcher(self.secrets)
        self._bytes = _FragmentMatcher(tuple(s.encode() for s in self.secrets))

    @property
    def active(self) -> bool:
        return bool(self.secrets)

    def text(self, text: str) -> str:
        return self._text.redact(text) if self.secrets and text else text

    def bytes(self, data: bytes) -> bytes:
        return self._bytes.redact(data) if self.secrets and data else data

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(k.lower() in SECRET_PARAMS for k, _ in pairs):  # rebuild the query only when it holds a secret
            pairs = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
            url = urlunsplit(parts._replace(query=urlencode(pairs, safe=":,;[]/*")))
        return self.text(url)

    def holds_secret(self, text: str) -> bool:
        return self.text(text) != text

    def found_in(self, data: bytes) -> bool:
        """Whether `data` holds a secret or a fragment of one (cheaper than redacting it)."""
        return self._bytes.pattern is not None and self._bytes.pattern.search(data) is not None

    def json(self, value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
        """A JSON-ready value with every string redacted, except the values of keys in `keep` (hashes)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: v if k in keep else self.json(v, keep=keep) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.json(v, keep=keep) for v in value]
        return value


class _FragmentMatcher:
    """Finds runs of >= MIN_FRAGMENT characters of any secret (or a whole shorter secret) and replaces them."""

    def __init__(self, secrets: tuple[T, ...]) -> None:
        self.secrets = secrets
        pieces: set = set()
        for s in secrets:
            if len(s) <= MIN_FRAGMENT:
                pieces.add(s)
            else:
                pieces |= {s[i:i + MIN_FRAGMENT] for i in range(len(s) - MIN_FRAGMENT + 1)}
        ordered = sorted(pieces, key=len, reverse=True)
        self.pattern = re.compile(b"|".join(map(re.escape, ordered)) if secrets and isinstance(secrets[0], bytes)
                                  else "|".join(map(re.escape, ordered))) if ordered else None

    def _span(self, data: T, start: int, end: int) -> tuple[int, int]:
        """Widen a matched piece to the longest run of a secret's consecutive characters around it."""
        piece = data[start:end]
        best = (start, end)
        for s in self.secrets:
            at = s.find(piece)
            while at != -1:
                left, right = start, end
                j, k = at, at + len(piece)
                while left > 0 and j > 0 and data[left - 1] == s[j - 1]:
                    left, j = left - 1, j - 1
                while right < len(data) and k < len(s) and data[right] == s[k]:
                    right, k = right + 1, k + 1
                if right - left > best[1] - best[0]:
                    best = (left, right)
                at = s.find(piece, at + 1)
        return best

    def redact(self, data: T) -> T:
        if self.pattern is None:
            return data
        marker = REDACTED.encode() if isinstance(data, bytes) else REDACTED
        out, pos = [], 0
        match = self.pattern.search(data, pos)
        while match:
            left, right = self._span(data, match.start(), match.end())
            left = max(left, pos)
            out.append(data[pos:left])
            out.append(marker)
            pos = right
            match = self.pattern.search(data, pos)
        if not out:
            return data
        out.append(data[pos:])
        return data[:0].join(out)


_cache: tuple[tuple[str, ...], Redactor] | None = None


def current_redactor(extra: Iterable[str] = ()) -> Redactor:
    """The redactor of the secrets configured now (environment), plus `extra` values."""
    global _cache
    secrets = configured_secrets()
    extra = tuple(extra)
    if extra:
        return Redactor((*secrets, *extra))
    if _cache is None or _cache[0] != secrets:
        _cache = (secrets, Redactor(secrets))
    return _cache[1]


def redact(text: str) -> str:
    return current_redactor().text(text)


_installed = False


def install_log_redaction() -> None:
    """Make every log record of this process carry redacted text (message and traceback), whoever logs it and
    wherever it goes (console, files, Prefect's API log handler)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            redactor = current_redactor()
            if not redactor.active:
                return record
            message = record.getMessage()
            clean = redactor.text(message)
            if clean != message:
                record.msg, record.args = clean, ()
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redactor.text(logging.Formatter().formatException(record.exc_info))
        except Exception:  # noqa: BLE001 - logging must never fail because of redaction
            pass
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
