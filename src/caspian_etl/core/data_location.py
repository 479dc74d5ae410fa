"""Where a deployed flow writes: never into a folder that disappears after the run.

A Prefect process worker runs each flow in a fresh temporary working directory and deletes it afterwards, so a
relative data dir (the default `data`) there is thrown away with everything the run wrote. `caspian-etl deploy`
therefore resolves the data root when deploying (an absolute path, or an s3:// URI) and every deployment
carries it; and a flow refuses a relative data dir that would land under the system's temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from caspian_etl.core.errors import ConfigError
from caspian_etl.core.settings import DATA_DIR_ENV, DataPaths, Settings, chosen_data_dir, resolve_data_dir
from caspian_etl.core.storage import is_remote


def deploy_location(cli_value: str | None, settings: Settings) -> str:
    """The data root deployments carry: --data-dir, $CASPIAN_ETL_DATA_DIR or ./data, made absolute now."""
    chosen = chosen_data_dir(cli_value, settings)
    if is_remote(chosen):
        return chosen.rstrip("/")
    return str(Path(chosen).expanduser().resolve())


def _temporary_roots() -> list[Path]:
    return [Path(tempfile.gettempdir()).resolve()]


def is_temporary(path: Path) -> bool:
    path = path.resolve()
    return any(path == root or root in path.parents for root in _temporary_roots())


def flow_data_dir(data_dir: str | None, settings: Settings) -> DataPaths:
    """The data root of a flow run; a relative one under a temporary working directory is an error."""
    chosen = chosen_data_dir(data_dir, settings)
    if not is_remote(chosen) and not Path(chosen).expanduser().is_absolute() and is_temporary(Path.cwd()):
        where = Path.cwd() / chosen
        raise ConfigError(
            f"refusing to write to {where}: data dir {chosen!r} is relative and the flow runs in the temporary "
            f"folder {Path.cwd()} (a Prefect worker deletes it after the run). Deploy again with "
            f"`caspian-etl deploy --data-dir /absolute/path` (or s3://...), or set {DATA_DIR_ENV} on the worker")
    return resolve_data_dir(data_dir, settings)
