"""The news publishers the seeds cite: where to discover articles, which links are articles, how to read one.

Each publisher module builds one `Publisher`; PUBLISHERS lists them. Base URLs are overridable per publisher
with CASPIAN_ETL_NEWS_<NAME>_BASE_URL (tests point them at 127.0.0.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from caspian_etl.news.page import Article
from caspian_etl.settings import base_url


@dataclass(frozen=True)
class Discovery:
    """One request that lists articles: an RSS feed or an HTML listing page."""

    name: str  # snapshot file name
    path: str  # under the base URL
    kind: str  # rss | html
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Publisher:
    name: str  # short id, used in snapshot file names, claim ids and the env variable
    display: str
    default_base_url: str
    home_country: str  # ISO3: whose side a bilateral figure is taken to be reported by, when the page does not say
    discoveries: tuple[Discovery, ...]
    article_path: re.Pattern[str]  # a link path that is an article of this publisher
    extract: Callable[[bytes | str, str | None], Article]
    markup_basis: str  # what of the layout was observed in public code/pages and what is assumed

    def base_url(self) -> str:
        return base_url(f"news_{self.name}", self.default_base_url)
