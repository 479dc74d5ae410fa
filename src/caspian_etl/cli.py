"""The `caspian-etl` command line: builds the parser from caspian_etl.commands and dispatches."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.markup import escape

from caspian_etl import __version__
from caspian_etl.commands import COMMAND_MODULES
from caspian_etl.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, console
from caspian_etl.errors import CaspianError

__all__ = ["EXIT_OK", "EXIT_SOURCE_FAILED", "EXIT_USAGE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caspian-etl",
        description="Fetch, snapshot, validate and curate Kazakhstan–Azerbaijan trade, energy and Middle Corridor "
                    "indicators into Parquet tables.",
        epilog="Run `caspian-etl COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"caspian-etl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub).set_defaults(execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.execute(args)
    except CaspianError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
