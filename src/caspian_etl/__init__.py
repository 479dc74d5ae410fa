"""caspian-etl: fetch, snapshot, validate and curate Kazakhstan–Azerbaijan and Middle Corridor indicators."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/caspian-etl/caspian-etl"

# every log record of a process that uses the package has its secrets redacted (see caspian_etl.core.redaction)
from caspian_etl.core.redaction import install_log_redaction as _install_log_redaction  # noqa: E402

_install_log_redaction()
