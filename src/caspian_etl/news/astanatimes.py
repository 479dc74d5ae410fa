"""astanatimes.com (The Astana Times).

The site's article URLs (/YYYY/MM/<slug>/, seen in the seeds' citations) are WordPress permalinks, so discovery
uses WordPress's keyword search feed (/?s=<terms>&feed=rss2) and articles are read with WordPress theme
conventions: `h1.entry-title`, `div.entry-content`, `meta[property=article:published_time]`. These conventions are
assumed; the site's real markup was not available offline (see tests/fixtures/news/README.md).
"""

from __future__ import annotations

import re

from caspian_etl.news.discovery import SEARCH_TERMS
from caspian_etl.news.page import Article, LayoutError, body_text, meta_published, meta_title, soup_of
from caspian_etl.news.publishers import Discovery, Publisher

NAME = "astanatimes"
BODY_SELECTORS = ("div.entry-content", "div.post-content", "div.td-post-content")


def extract(html: bytes | str, url: str | None = None) -> Article:
    soup = soup_of(html, url=url)
    heading = soup.select_one("h1.entry-title")
    title = " ".join(heading.get_text(" ", strip=True).split()) if heading else meta_title(soup)
    published = meta_published(soup)
    node = next((n for s in BODY_SELECTORS if (n := soup.select_one(s)) is not None), None)
    body = body_text(node)
    if not body:
        raise LayoutError(f"astanatimes layout: no paragraphs in {' / '.join(BODY_SELECTORS)} (layout changed?)",
                          source="news", url=url)
    return Article(title, published, body, NAME)


def _slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


PUBLISHER = Publisher(
    name=NAME, display="The Astana Times (astanatimes.com)", default_base_url="https://astanatimes.com",
    home_country="KAZ",
    discoveries=tuple(Discovery(f"astanatimes__search_{_slug(t)}.rss", "/", "rss", {"s": t, "feed": "rss2"})
                      for t in SEARCH_TERMS),
    article_path=re.compile(r"^/\d{4}/\d{2}/[a-z0-9-]+/?$"),
    extract=extract,
    markup_basis="WordPress conventions assumed (search feed, entry-content); URL shape from cited pages",
)
