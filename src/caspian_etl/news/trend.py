"""Trend News Agency (Baku): en.trend.az, also served as www.trend.az.

Articles live at /<section>/<id>.html (e.g. /business/3982954.html, /business/transport/3877778.html).
Discovery: the site's RSS feed /rss (listed as a working feed in public feed directories). Rule kept: the
date is also printed in `span.date-time` ('7 July 2026 15:56 (UTC +04:00)', observed in public scraper code),
used when a page carries no date metadata.
"""

from __future__ import annotations

import re

from caspian_etl.news.article import PageRules
from caspian_etl.news.publishers import Discovery, Publisher

NAME = "trend"

PUBLISHER = Publisher(
    name=NAME, display="Trend News Agency (en.trend.az)", default_base_url="https://en.trend.az",
    home_country="AZE",
    discoveries=(Discovery("trend__feed.rss", "/rss", "rss"),),
    article_path=re.compile(r"^/[a-z/-]+/\d{5,}\.html$"),
    markup_basis="feed listed in public feed directories; date element observed in public scraper code",
    rules=PageRules(date_text="span.date-time"),
    other_hosts=("www.trend.az", "trend.az"),
)
