"""The commands of `caspian-etl`: one module each, with NAME, register(subparsers) and execute(args).

Adding a command = one module here + one entry in COMMAND_MODULES.
"""

from caspian_etl.commands import (
    backfill,
    catalog,
    deploy,
    extract,
    ingest_file,
    report,
    run,
    serve,
    settings,
    sources,
    status,
)

COMMAND_MODULES = [run, sources, status, ingest_file, backfill, extract, catalog, report, deploy, serve, settings]
