"""News pages: publishers (discovery and layout), the generic extractor, and reading one article.

    extract_article(html, url)   -> Article(title, published, body, layout)

A publisher's own layout is used for its pages; a page whose layout yields no body raises LayoutError (an error
for that page, never an empty success). Pages of other sites go through the generic extractor.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from caspian_etl.news import astanatimes, generic, inform, trend
from caspian_etl.news.page import Article, LayoutError
from caspian_etl.news.publishers import Publisher

PUBLISHERS: dict[str, Publisher] = {p.name: p for p in (astanatimes.PUBLISHER, inform.PUBLISHER, trend.PUBLISHER)}


def publisher_for_url(url: str | None) -> Publisher | None:
    """The publisher whose (default) host serves `url`, if any."""
    if not url:
        return None
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    return next((p for p in PUBLISHERS.values()
                 if urlsplit(p.default_base_url).netloc.lower().removeprefix("www.") == host), None)


def extract_article(html: bytes | str, url: str | None = None, publisher: str | None = None) -> Article:
    """Read one page with its publisher's layout (given, or known from the URL's host), else the generic one."""
    chosen = PUBLISHERS[publisher] if publisher else publisher_for_url(url)
    if chosen is None:
        return generic.extract(html, url)
    return chosen.extract(html, url)


__all__ = ["PUBLISHERS", "Article", "LayoutError", "Publisher", "extract_article", "publisher_for_url"]
