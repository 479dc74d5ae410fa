"""Every setting of caspian-etl, declared once, loaded once at the entry points, and carried in the run context.

`SETTINGS` declares each environment variable: its name, type, default, one-line description and whether it
holds a secret. The entry points (the CLI, the Prefect flows and tasks) load them with `load_settings()` --
validated there: a bad value is one error line naming the variable and the value (never a secret's value) --
and hand them down on `DataPaths.settings`, so the code below never reads the environment itself (a test in
tests/test_architecture.py keeps it so). Where data lives: command line first, then environment, then defaults.
README's tables of variables are generated from `SETTINGS` (`caspian-etl settings --markdown`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from caspian_etl.core.errors import ConfigError
from caspian_etl.core.redaction import declare_secret_env
from caspian_etl.core.storage import is_remote, register

Kind = Literal["text", "path", "flag", "integer", "number", "share", "url"]
Section = Literal["general", "http", "trade", "energy"]  # README's tables: one per section

DATA_DIR_ENV = "CASPIAN_ETL_DATA_DIR"
DEBUG_ENV = "CASPIAN_ETL_DEBUG"
ALLOW_SHRINK_ENV = "CASPIAN_ETL_ALLOW_SHRINK"
MAX_SHRINK_ENV = "CASPIAN_ETL_MAX_SHRINK"
PREFECT_LOCKS_ENV = "CASPIAN_ETL_PREFECT_LOCKS"
HTTP_PREFIX = "CASPIAN_ETL_HTTP_"
BASE_URL_PATTERN = re.compile(r"CASPIAN_ETL_([A-Z0-9_]+)_BASE_URL")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    """One environment variable: `attr` is its Settings attribute ('http.<field>' for the HTTP policy;
    a name with <...> is a family of variables, one per source or publisher)."""

    env: str
    attr: str
    kind: Kind
    default: str  # as README shows it (the source's own default when the attribute is None)
    description: str
    section: Section = "general"
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(DATA_DIR_ENV, "data_dir", "path", "./data",
            "the data root (`--data-dir` wins); a folder or `s3://bucket/prefix`"),
    Setting("CASPIAN_ETL_CACHE_DIR", "cache_dir", "path", "~/.cache/caspian-etl",
            "where an `s3://` data root is mirrored locally"),
    Setting("CASPIAN_ETL_<SOURCE>_BASE_URL", "base_urls", "url", "the source's own",
            "another base URL for a source, e.g. `CASPIAN_ETL_WORLDBANK_BASE_URL` (mirrors, proxies, tests)"),
    Setting("CASPIAN_ETL_FETCH_RETRIES", "fetch_retries", "integer", "2",
            "Prefect retries of a fetch task after the HTTP layer gave up"),
    Setting(MAX_SHRINK_ENV, "max_shrink", "share", "0.5",
            "largest share of a curated file's rows one run may drop (emptying it is always refused)"),
    Setting(ALLOW_SHRINK_ENV, "allow_shrink", "flag", "0",
            "`1`: the shrink guard lets every cut through (what `run --allow-shrink` sets)"),
    Setting(PREFECT_LOCKS_ENV, "prefect_locks", "flag", "0",
            "`1`: take the Prefect concurrency limits of the locks (several machines, see Operations); "
            "set on every deployment of an `s3://` root"),
    Setting("CASPIAN_ETL_WORLDBANK_COUNTRIES", "worldbank_countries", "text", "KAZ;AZE;GEO;TUR",
            "`;`-separated ISO3 codes of the `worldbank` source"),
    Setting(DEBUG_ENV, "debug", "flag", "0", "`1`: tracebacks as well as the one-line errors (what `--debug` sets)"),
    # the HTTP policy of every source (caspian_etl.core.http.HttpPolicy), one variable per field
    Setting(HTTP_PREFIX + "CONNECT_TIMEOUT", "http.connect_timeout", "number", "10", "seconds to connect",
            "http"),
    Setting(HTTP_PREFIX + "READ_TIMEOUT", "http.read_timeout", "number", "60", "seconds to wait for a byte", "http"),
    Setting(HTTP_PREFIX + "MAX_ATTEMPTS", "http.max_attempts", "number", "5", "attempts of a request, the first "
            "included", "http"),
    Setting(HTTP_PREFIX + "BACKOFF_BASE", "http.backoff_base", "number", "1",
            "seconds before the 2nd attempt; doubles each time", "http"),
    Setting(HTTP_PREFIX + "BACKOFF_CAP", "http.backoff_cap", "number", "60", "longest wait between attempts (s)",
            "http"),
    Setting(HTTP_PREFIX + "JITTER", "http.jitter", "number", "0.5",
            "each wait is scaled by a random factor in [1 - jitter, 1 + jitter]", "http"),
    Setting(HTTP_PREFIX + "MAX_RETRY_AFTER", "http.max_retry_after", "number", "60",
            "a server asking for a longer pause (s) fails the request instead", "http"),
    Setting(HTTP_PREFIX + "DEADLINE", "http.deadline", "number", "600",
            "seconds for one request: every attempt, wait and body byte", "http"),
    Setting(HTTP_PREFIX + "SOURCE_DEADLINE", "http.source_deadline", "number", "3600",
            "seconds for all the requests of one source fetch", "http"),
    Setting(HTTP_PREFIX + "MAX_REDIRECTS", "http.max_redirects", "number", "10", "redirects followed", "http"),
    Setting(HTTP_PREFIX + "MIN_INTERVAL", "http.min_interval", "number", "1",
            "seconds between two requests to the same host", "http"),
    Setting(HTTP_PREFIX + "MAX_BYTES", "http.max_bytes", "number", "209715200", "largest response body (bytes)",
            "http"),
    # trade sources
    Setting("COMTRADE_API_KEY", "comtrade_api_key", "text", "unset",
            "use the keyed data endpoint", "trade", secret=True),
    Setting("CASPIAN_ETL_COMTRADE_REPORTERS", "comtrade_reporters", "text", "398,31",
            "reporters, M49 codes or ISO3 (e.g. add GEO 268, TUR 792, CHN 156)", "trade"),
    Setting("CASPIAN_ETL_COMTRADE_PARTNERS", "comtrade_partners", "text", "the reporters", "partners", "trade"),
    Setting("CASPIAN_ETL_COMTRADE_FREQUENCIES", "comtrade_frequencies", "text", "A,M", "`A`, `M` or `A,M`",
            "trade"),
    Setting("CASPIAN_ETL_IMF_IMTS_COUNTRIES", "imf_imts_countries", "text", "KAZ,AZE",
            "ISO3 codes whose pairs are fetched", "trade"),
    # energy, news, citations
    Setting("EIA_API_KEY", "eia_api_key", "text", "unset", "the EIA API key (free)",
            "energy", secret=True),
    Setting("CASPIAN_ETL_EIA_COUNTRIES", "eia_countries", "text", "KAZ;AZE;TKM;GEO;TUR", "`;`-separated ISO3 codes",
            "energy"),
    Setting("CASPIAN_ETL_ENERGY_INSTITUTE_COUNTRIES", "energy_institute_countries", "text", "KAZ;AZE;TKM;GEO;TUR",
            "`;`-separated ISO3 codes", "energy"),
    Setting("CASPIAN_ETL_NEWS_PUBLISHERS", "news_publishers", "text",
            "astanatimes;inform;trend;report;azernews;newsaz;caliber;timesca;interfax;inbusiness",
            "`;`-separated publishers to fetch (default all)", "energy"),
    Setting("CASPIAN_ETL_NEWS_<PUBLISHER>_BASE_URL", "base_urls", "url", "the publisher's own",
            "another base URL for one publisher, e.g. `CASPIAN_ETL_NEWS_TREND_BASE_URL`", "energy"),
    Setting("CASPIAN_ETL_CITATIONS_HOST_MAP", "citations_host_map", "text", "empty",
            "`;`-separated `<cited origin>=<base URL>` pairs: the `citations` source requests a cited host's pages "
            "from another base URL (a mirror; tests use 127.0.0.1), rows keep the URL as cited", "energy"),
)
SECRET_ENV = tuple(s.env for s in SETTINGS if s.secret)
declare_secret_env(*SECRET_ENV)  # redacted from every stored byte and message (caspian_etl.core.redaction)


@dataclass(frozen=True)
class Settings:
    """The loaded settings of one run. A source's list settings are the raw text (None: the source's default),
    parsed by the source that owns their vocabulary."""

    data_dir: str | None = None
    cache_dir: str | None = None
    base_urls: Mapping[str, str] = field(default_factory=dict)  # variable name -> base URL
    fetch_retries: int = 2
    max_shrink: float = 0.5
    allow_shrink: bool = False
    prefect_locks: bool = False
    debug: bool = False
    http: Mapping[str, float] = field(default_factory=dict)  # HttpPolicy field -> value, for those set
    comtrade_api_key: str | None = field(default=None, repr=False)
    comtrade_reporters: str | None = None
    comtrade_partners: str | None = None
    comtrade_frequencies: str | None = None
    imf_imts_countries: str | None = None
    worldbank_countries: str | None = None
    eia_api_key: str | None = field(default=None, repr=False)
    eia_countries: str | None = None
    energy_institute_countries: str | None = None
    news_publishers: str | None = None
    citations_host_map: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every declared variable (a bad value: ConfigError naming the variable)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        http: dict[str, float] = {}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is None or "<" in setting.env:
                continue
            value = _parse(setting, raw)
            if value is None:
                continue
            if setting.attr.startswith("http."):
                http[setting.attr.removeprefix("http.")] = value  # type: ignore[assignment]
            else:
                values[setting.attr] = value
        base_urls = {name: value for name, value in environ.items() if BASE_URL_PATTERN.fullmatch(name)}
        return cls(**values, http=http, base_urls=base_urls)  # type: ignore[arg-type]

    def base_url(self, source: str, default: str) -> str:
        """A source's base URL, overridable with CASPIAN_ETL_<SOURCE>_BASE_URL (mirrors, proxies, tests)."""
        return self.base_urls.get(base_url_env_var(source), default).rstrip("/")

    def secret(self, env: str) -> str | None:
        """The value of a declared secret variable (e.g. COMTRADE_API_KEY), None when unset or empty."""
        declared = next((s for s in SETTINGS if s.env == env and s.secret), None)
        if declared is None:
            raise KeyError(f"{env} is not declared as a secret in caspian_etl.core.settings.SETTINGS")
        return getattr(self, declared.attr) or None


def _parse(setting: Setting, raw: str) -> object:
    """The typed value of `raw`; None keeps the default. Secrets are never quoted in the error."""
    text = raw.strip()
    shown = "(value not shown: a secret)" if setting.secret else f"={raw!r}"
    try:
        if setting.kind in ("text", "url"):
            return raw
        if setting.kind == "path":
            return raw if text else None
        if setting.kind == "flag":
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            return text.lower() in _TRUE
        if text == "":
            return None
        number = float(text) if setting.kind != "integer" else int(text)
        if number < 0 or number != number or (setting.kind == "share" and number > 1):
            raise ValueError
        return number
    except ValueError:
        expected = {"flag": "1 or 0 (true/false, yes/no)", "integer": "a whole number >= 0",
                    "share": "a share between 0 and 1 (e.g. 0.5)", "number": "a number >= 0"}[setting.kind]
        raise ConfigError(f"{setting.env}{shown}: expected {expected}") from None


def load_settings() -> Settings:
    """The settings of this process's environment, validated: call it at an entry point, once."""
    return Settings.from_environment()


def export_to_environment(**variables: str) -> None:
    """Hand settings to the Prefect flows and tasks this process starts (they load their own settings)."""
    os.environ.update(variables)


def apply_prefect_defaults(*, slow_start: bool = True) -> None:
    """Settings the project needs from Prefect, unless the user set them (see FIELD-NOTES)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no network, no telemetry
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "caspian_etl")  # the library's lines in run logs
    # the library logs outside flow runs too (plain mode, tests): no warning for each such line
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    if slow_start:  # a first start of the temporary server on a fresh PREFECT_HOME takes ~25 s on 2 cores
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


@dataclass(frozen=True)
class DataPaths:
    """The folders under one data root (everything the pipeline writes stays under `root`), and the run's
    settings. An entry point passes the settings it loaded; a DataPaths built by hand (tests, notebooks)
    loads them from the environment when asked."""

    root: Path  # a local folder; for an s3:// data root, its local mirror (see caspian_etl.core.storage)
    loaded: Settings | None = field(default=None, compare=False, repr=False)

    @property
    def settings(self) -> Settings:
        return self.loaded if self.loaded is not None else load_settings()

    @property
    def location(self) -> str:
        """What the user named: the s3:// URI of a mirrored root, else the local path (pass this to flows)."""
        from caspian_etl.core.storage import remote_uri

        return remote_uri(self.root) or str(self.root)

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def curated(self) -> Path:
        return self.root / "curated"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def staging(self) -> Path:
        # Same filesystem as curated/ and raw/ (so os.replace is atomic) but outside every table folder,
        # because DuckDB and Polars globs read even dot- and underscore-prefixed files inside a table folder.
        return self.root / ".staging"


def chosen_data_dir(cli_value: str | os.PathLike[str] | None, settings: Settings) -> str:
    """`--data-dir` if given, else $CASPIAN_ETL_DATA_DIR, else ./data (as named: not resolved yet)."""
    return str(cli_value or settings.data_dir or "data")


def resolve_data_dir(cli_value: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> DataPaths:
    """`--data-dir` if given, else $CASPIAN_ETL_DATA_DIR, else ./data. An s3://bucket/prefix is mirrored in a
    local cache folder (caspian_etl.core.storage) which becomes the local root. The entry point's settings
    (loaded here when not given) travel on the DataPaths."""
    settings = settings if settings is not None else load_settings()
    chosen = chosen_data_dir(cli_value, settings)
    if is_remote(chosen):
        return DataPaths(register(chosen, settings.cache_dir), settings)
    return DataPaths(Path(chosen).expanduser().resolve(), settings)


def base_url_env_var(source: str) -> str:
    return "CASPIAN_ETL_" + re.sub(r"[^A-Z0-9]", "_", source.upper()) + "_BASE_URL"
