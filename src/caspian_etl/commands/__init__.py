"""The commands of `caspian-etl`: one module each, with NAME, register(subparsers) and execute(args).

Adding a command = one module here + one entry in COMMAND_MODULES.
"""

from caspian_etl.commands import catalog, ingest_file, report, run, sources

COMMAND_MODULES = [run, sources, ingest_file, catalog, report]
