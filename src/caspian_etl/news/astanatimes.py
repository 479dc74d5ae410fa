"""astanatimes.com (The Astana Times).

Article URLs (/YYYY/MM/<slug>/, seen in the seeds' citations) are WordPress permalinks, so discovery uses
WordPress's keyword search feed (/?s=<terms>&feed=rss2); pages are read by the default article extractor.
"""

from __future__ import annotations

import re

from caspian_etl.news.discovery import SEARCH_TERMS
from caspian_etl.news.publishers import Discovery, Publisher

NAME = "astanatimes"


def _slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


PUBLISHER = Publisher(
    name=NAME, display="The Astana Times (astanatimes.com)", default_base_url="https://astanatimes.com",
    home_country="KAZ",
    discoveries=tuple(Discovery(f"astanatimes__search_{_slug(t)}.rss", "/", "rss", {"s": t, "feed": "rss2"})
                      for t in SEARCH_TERMS),
    article_path=re.compile(r"^/\d{4}/\d{2}/[a-z0-9-]+/?$"),
    markup_basis="WordPress search feed (standard); URL shape from cited pages",
)
