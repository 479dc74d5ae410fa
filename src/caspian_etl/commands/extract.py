"""`caspian-etl extract PATH|URL`: run the figure extraction on one page or text and print the figures as CSV,
so an analyst can check an article by hand (the same code the `news` source runs)."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from caspian_etl.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, iso_date, print_error
from caspian_etl.core.errors import ConfigError, RobotsRefused
from caspian_etl.core.http import HttpClient, HttpPolicy, RedirectRefused
from caspian_etl.core.settings import Settings
from caspian_etl.news import PUBLISHERS, extract_article, publisher_for_url
from caspian_etl.news.page import LayoutError
from caspian_etl.news.robots import RobotsBook, polite_client, robots_from_fetch

NAME = "extract"
COLUMNS = ["value", "unit", "period", "metric", "confidence", "span", "kind", "figure", "bound", "direction", "origin",
           "why", "promotion"]


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="print the figures found in one article (HTML or text file, or URL) as CSV",
        description="Extract figures (value, unit, period, metric, confidence, span of the stating sentence) from "
                    "the body text of one page -- never navigation, scripts, ads or footers -- and print them as "
                    "CSV. An HTML page is read by the article extractor, with its publisher's rules when the URL (or "
                    "--publisher) names a known one; a .txt file is taken as body text. Spans are "
                    "character offsets into the body text (see --show-body).",
    )
    p.add_argument("target", metavar="PATH|URL", help="an .html/.htm or text file, or an http(s) URL")
    p.add_argument("--published", type=iso_date, metavar="YYYY-MM-DD",
                   help="publication date, for periods like 'last year' (default: read from the page)")
    p.add_argument("--publisher", choices=sorted(PUBLISHERS), help="read the page with this publisher's rules")
    p.add_argument("--show-body", action="store_true", help="print the body text (to stderr) the spans index into")
    return p


def _download(url: str, settings: Settings) -> bytes:
    plain = HttpClient(NAME, HttpPolicy().with_overrides(settings.http))
    # robots.txt of every origin the request meets (a redirect may lead to another), each read once
    book = RobotsBook(lambda origin: robots_from_fetch(lambda: plain.get(f"{origin}/robots.txt").body, origin,
                                                       source=NAME))
    parts = urlsplit(url)
    if not book.for_url(url).allows(url):  # type: ignore[union-attr]
        raise RobotsRefused(f"robots.txt of {parts.netloc} disallows {url} (or could not be read); not fetched",
                            source=NAME)
    try:
        return polite_client(plain, book, None).get(url).body
    except RedirectRefused as exc:
        raise RobotsRefused(f"{exc}; not fetched") from None  # exc names the source already


def _looks_like_html(path: str, data: bytes) -> bool:
    return path.lower().endswith((".html", ".htm")) or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def execute(args: argparse.Namespace) -> int:
    target: str = args.target
    is_url = target.startswith(("http://", "https://"))
    if is_url:
        data = _download(target, args.settings)
    else:
        path = Path(target)
        if not path.is_file():
            raise ConfigError(f"no such file: {target}", source=NAME)
        data = path.read_bytes()
    published: date | None = args.published
    title = None
    home = None
    if _looks_like_html(target, data):
        try:
            article = extract_article(data, target if is_url else None, args.publisher)
        except LayoutError as exc:
            print_error(str(exc))
            return EXIT_SOURCE_FAILED
        text, title = article.body, article.title
        published = published or article.published
        publisher = PUBLISHERS.get(args.publisher or "") or publisher_for_url(target if is_url else None)
        home = publisher.home_country if publisher else None
        where = f"{article.layout} layout"
    else:
        text = data.decode("utf-8-sig", "replace")
        where = "plain text"
    from caspian_etl.extract import extract_figures  # here: see caspian_etl.news.page.parse_date

    figures = extract_figures(text, published=published, title=title, home_country=home)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in figures:
        writer.writerow([f"{f.value:g}", f.unit, f.period or "", f.metric, f"{f.confidence:.2f}",
                         f"{f.sentence_start}-{f.sentence_end}", f.kind, f.text, f.bound or "", f.direction or "",
                         f.origin or "", "; ".join(x for x in (f.confidence_note, f.note) if x),
                         f.promotion_note or "promoted"])
    print(f"{len(figures)} figure(s) from the body text ({where}, {len(text)} characters; published "
          f"{published or 'unknown'})", file=sys.stderr)
    if args.show_body:
        print(text, file=sys.stderr)
    return EXIT_OK
