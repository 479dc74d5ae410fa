"""en.trend.az (Trend News Agency, Baku).

Markup observed in public scraper code for trend.az pages: the headline in `div.top-part h1`, the date in
`span.date-time` ('7 July 2026 15:56 (UTC +04:00)') and in `meta[property=article:published_time]`, the body in
`div.article-content.article-paddings` inside `div.right-part`. Articles live at /<section>/<id>.html (e.g.
/business/3982954.html). Discovery: the site's RSS feed /feeds/index.rss (path assumed, not observed offline).
"""

from __future__ import annotations

import re

from caspian_etl.news.page import Article, LayoutError, body_text, meta_published, parse_date, soup_of
from caspian_etl.news.publishers import Discovery, Publisher

NAME = "trend"
BODY = "div.article-content.article-paddings"


def extract(html: bytes | str, url: str | None = None) -> Article:
    soup = soup_of(html, url=url)
    heading = soup.select_one("div.top-part h1") or soup.find("h1")
    title = " ".join(heading.get_text(" ", strip=True).split()) if heading else None
    published = meta_published(soup)
    if published is None and (stamp := soup.select_one("span.date-time")):
        published = parse_date(stamp.get_text(" ", strip=True))
    body = body_text(soup.select_one(BODY))
    if not body:
        raise LayoutError(f"trend layout: no paragraphs in {BODY} (layout changed?)", source="news", url=url)
    return Article(title, published, body, NAME)


PUBLISHER = Publisher(
    name=NAME, display="Trend News Agency (en.trend.az)", default_base_url="https://en.trend.az",
    home_country="AZE",
    discoveries=(Discovery("trend__feed_index.rss", "/feeds/index.rss", "rss"),),
    article_path=re.compile(r"^/[a-z/-]+/\d{5,}\.html$"),
    extract=extract,
    markup_basis="article markup observed in public scraper code; feed path assumed",
)
