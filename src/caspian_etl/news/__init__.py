"""News pages: publishers (discovery, article links, page rules), the article extractor, and reading one article.

    extract_article(html, url)   -> Article(title, published, body, layout)

Every page goes through the default article extractor (trafilatura, caspian_etl.news.article), with its
publisher's few rules when the URL's host (or `publisher`) names one. A page that yields no body raises
LayoutError (an error for that page, never an empty success).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from caspian_etl.news import astanatimes, inform, regional, trend
from caspian_etl.news.article import read_article
from caspian_etl.news.page import Article, LayoutError
from caspian_etl.news.publishers import Publisher

PUBLISHERS: dict[str, Publisher] = {
    p.name: p for p in (astanatimes.PUBLISHER, inform.PUBLISHER, trend.PUBLISHER, *regional.PUBLISHERS)}


def publisher_for_url(url: str | None) -> Publisher | None:
    """The publisher whose hosts (its default one, www. or not, and the others it serves from) serve `url`."""
    if not url:
        return None
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    return next((p for p in PUBLISHERS.values() if host in p.hosts()), None)


def extract_article(html: bytes | str, url: str | None = None, publisher: str | None = None) -> Article:
    """Read one page with its publisher's rules (given, or known from the URL's host), else the default ones."""
    chosen = PUBLISHERS[publisher] if publisher else publisher_for_url(url)
    if chosen is None:
        return read_article(html, url)
    return chosen.extract(html, url)


__all__ = ["PUBLISHERS", "Article", "LayoutError", "Publisher", "extract_article", "publisher_for_url"]
