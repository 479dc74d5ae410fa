"""Kazinform International News Agency (Astana): English site now at qazinform.com, formerly en.inform.kz.

URL shapes seen in the wild: qazinform.com/news/<slug>-<6 hex> (and the same path on en.inform.kz, as the
seeds cite), older en.inform.kz/news/<slug>_a<digits>/ and www.inform.kz/en/<slug>_a<digits>, and AMP
copies under /amp/. Discovery: the English feed qazinform.com/rss/en.xml. Rule kept: the lead paragraph
sits in `.article__description`, outside the body's markup (class observed in public scraper code), so the
default extractor alone would drop it.
"""

from __future__ import annotations

import re

from caspian_etl.news.article import PageRules
from caspian_etl.news.publishers import Discovery, Publisher

NAME = "inform"

PUBLISHER = Publisher(
    name=NAME, display="Kazinform (qazinform.com, formerly en.inform.kz)", default_base_url="https://qazinform.com",
    home_country="KAZ",
    discoveries=(Discovery("inform__feed_en.xml", "/rss/en.xml", "rss"),),
    article_path=re.compile(r"^/(?:amp/)?(?:news|en)/(?:[a-z0-9-]+-[0-9a-f]{6}|[a-z0-9-]+_a\d+)/?(?:amp/?)?$"),
    markup_basis="feed path and URL shapes from the site's move to qazinform.com; lead class from public code",
    rules=PageRules(lead=".article__description"),
    other_hosts=("en.inform.kz", "inform.kz"),
)
