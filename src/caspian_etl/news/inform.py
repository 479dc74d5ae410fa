"""en.inform.kz (Kazinform International News Agency, Astana).

Markup observed in public scraper code for Kazinform pages: listing cards `.allNewsCard a[href]` with the title in
`.allNewsCard_title`; the article lead in `.article__description` and the body in `.article__body-text`. Article
URLs look like /news/<slug>-<6 hex>/ (seen in the seeds' citations). The date is read from the page metadata
(article:published_time, JSON-LD, <time>) -- which of these the site carries is assumed, not observed.
Discovery: the home page and the economy listing (HTML cards; paths assumed).
"""

from __future__ import annotations

import re

from caspian_etl.news.page import Article, LayoutError, meta_published, meta_title, paragraphs, soup_of, strip_noise
from caspian_etl.news.publishers import Discovery, Publisher

NAME = "inform"
BODY = ".article__body-text"


def extract(html: bytes | str, url: str | None = None) -> Article:
    soup = soup_of(html, url=url)
    title, published = meta_title(soup), meta_published(soup)
    body_node = soup.select_one(BODY)
    if body_node is None:
        raise LayoutError(f"inform layout: no {BODY} element (layout changed?)", source="news", url=url)
    parts = []
    if lead := soup.select_one(".article__description"):
        parts += paragraphs(strip_noise(lead)) or [" ".join(lead.get_text(" ", strip=True).split())]
    parts += paragraphs(strip_noise(body_node))
    body = "\n\n".join(p for p in parts if p)
    if not body:
        raise LayoutError(f"inform layout: {BODY} holds no paragraphs (layout changed?)", source="news", url=url)
    return Article(title, published, body, NAME)


PUBLISHER = Publisher(
    name=NAME, display="Kazinform (en.inform.kz)", default_base_url="https://en.inform.kz", home_country="KAZ",
    discoveries=(Discovery("inform__listing_home.html", "/", "html"),
                 Discovery("inform__listing_economy.html", "/category/economy/", "html")),
    article_path=re.compile(r"^/news/[a-z0-9-]+-[0-9a-f]{6}/?$"),
    extract=extract,
    markup_basis="body/listing classes observed in public scraper code; URL shape from cited pages; paths assumed",
)
