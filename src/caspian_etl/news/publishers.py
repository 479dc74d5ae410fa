"""The news publishers the seeds cite: where to discover articles, which links are articles, how to read one.

Each publisher is one `Publisher`; caspian_etl.news.PUBLISHERS lists them. Base URLs are overridable per
publisher with CASPIAN_ETL_NEWS_<NAME>_BASE_URL (tests point them at 127.0.0.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from caspian_etl.core.settings import Settings
from caspian_etl.news.article import PageRules, read_article
from caspian_etl.news.page import Article

DiscoveryKind = Literal["rss", "html", "sitemap"]


@dataclass(frozen=True)
class Discovery:
    """One request that lists articles: an RSS/Atom feed, an XML sitemap or an HTML listing page."""

    name: str  # snapshot file name
    path: str  # under the base URL
    kind: DiscoveryKind
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Publisher:
    name: str  # short id, used in snapshot file names, claim ids and the env variable
    display: str
    default_base_url: str
    home_country: str  # ISO3: whose side a bilateral figure is taken to be reported by, when the page does not say
    discoveries: tuple[Discovery, ...]
    article_path: re.Pattern[str]  # a link path that is an article of this publisher
    markup_basis: str  # what of the site was observed in public code/pages and what is assumed
    rules: PageRules = PageRules()  # what its pages need beyond the default article extractor
    other_hosts: tuple[str, ...] = ()  # further hosts serving the same articles (www.trend.az, old domains)

    def base_url(self, settings: Settings) -> str:
        """The publisher's base URL in this run (CASPIAN_ETL_NEWS_<PUBLISHER>_BASE_URL overrides it)."""
        return settings.base_url(f"news_{self.name}", self.default_base_url)

    def hosts(self) -> set[str]:
        main = urlsplit(self.default_base_url).netloc.lower().removeprefix("www.")
        return {main, *(h.lower().removeprefix("www.") for h in self.other_hosts)}

    def extract(self, html: bytes | str, url: str | None = None) -> Article:
        return read_article(html, url, layout=self.name, rules=self.rules)
