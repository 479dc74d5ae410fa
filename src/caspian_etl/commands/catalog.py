"""`caspian-etl catalog`: write the data dictionary (CATALOG.md) and the Frictionless datapackage.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from caspian_etl.commands.common import EXIT_OK, add_data_dir, console
from caspian_etl.core.settings import resolve_data_dir
from caspian_etl.publish.catalog import REGENERATE, write_catalog

NAME = "catalog"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="write the data catalog (CATALOG.md) and datapackage.json from schemas/",
        description="Generate, from the contracts in schemas/ and the source registry, a data dictionary "
                    "(CATALOG.md: every table, column, type, unit, description, natural key, source and licence) "
                    "and a Frictionless Data Package v2 (datapackage.json) describing the curated Parquet files. "
                    "Written into data/curated/ (listing the files present there) unless --out is given.",
        epilog=f"The copy committed in docs/ is regenerated with `{REGENERATE}`; a test fails when it is stale.",
    )
    p.add_argument("--out", metavar="DIR", type=Path,
                   help="write into DIR instead, listing the files the source registry expects (for docs/)")
    add_data_dir(p)
    return p


def execute(args: argparse.Namespace) -> int:
    paths = resolve_data_dir(args.data_dir, args.settings)
    for written in write_catalog(paths, args.out):
        console.print(f"wrote {written}", soft_wrap=True)
    return EXIT_OK
