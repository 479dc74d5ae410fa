"""`caspian-etl settings`: every environment variable, its type, default and value now (README's tables)."""

from __future__ import annotations

import argparse
from typing import get_args

from rich.table import Table

from caspian_etl.commands.common import EXIT_OK, console, print_table
from caspian_etl.core.settings import SETTINGS, Section, Setting, Settings

NAME = "settings"
SECTIONS: tuple[Section, ...] = get_args(Section)
REGENERATE = "caspian-etl settings --markdown SECTION"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="list the environment variables caspian-etl reads, with their values now",
        description="List every setting (environment variable) with its type, default and description, and the "
                    "value this process sees (a secret shows only whether it is set). A bad value is reported "
                    "as one error line naming the variable, before any command runs.",
        epilog=f"README's tables of variables are `{REGENERATE}` (a test fails when they are stale).",
    )
    p.add_argument("--markdown", choices=SECTIONS, metavar="SECTION",
                   help=f"print the Markdown table of one section ({', '.join(SECTIONS)}) as README shows it")
    return p


def markdown(section: Section) -> str:
    """README's table of the variables of one section, generated from caspian_etl.core.settings.SETTINGS."""
    lines = ["| variable | type | default | effect |", "|---|---|---|---|"]
    for s in (s for s in SETTINGS if s.section == section):
        default = s.default if " " in s.default or s.default in ("unset", "empty") else f"`{s.default}`"
        secret = " (a secret: written nowhere, redacted from every message)" if s.secret else ""
        lines.append(f"| `{s.env}` | {s.kind} | {default} | {s.description}{secret} |")
    return "\n".join(lines) + "\n"


def shown_value(setting: Setting, settings: Settings) -> str:
    """The value in effect; a secret only says whether it is set."""
    if "<" in setting.env:
        return ", ".join(f"{k}={v}" for k, v in sorted(settings.base_urls.items())) or "-"
    if setting.attr.startswith("http."):
        value = settings.http.get(setting.attr.removeprefix("http."))
    else:
        value = getattr(settings, setting.attr)
    if setting.secret:
        return "set" if value else "unset"
    return "-" if value is None else str(value)


def execute(args: argparse.Namespace) -> int:
    if args.markdown:
        console.print(markdown(args.markdown), end="", soft_wrap=True, markup=False)
        return EXIT_OK
    table = Table(title="caspian-etl settings (- : the default)")
    for column in ("variable", "type", "default", "value now", "effect"):
        table.add_column(column)
    for s in SETTINGS:
        table.add_row(s.env, s.kind, s.default, shown_value(s, args.settings), s.description, style=None)
    print_table(table)
    return EXIT_OK
