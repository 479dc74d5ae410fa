"""The other publishers the policy paper cites, or that report the corridor's figures. Each is read by the
default article extractor (no publisher rule was needed on any page tested); discovery through its feed or
sitemap. Feed paths marked "seen" are listed as working feeds in public feed directories and aggregator code;
"assumed" ones follow the site's CMS conventions and could not be checked offline.
"""

from __future__ import annotations

import re

from caspian_etl.news.publishers import Discovery, Publisher

REPORT = Publisher(
    name="report", display="Report News Agency (report.az)", default_base_url="https://report.az", home_country="AZE",
    discoveries=(Discovery("report__feed_en.rss", "/en/rss/", "rss"),),
    article_path=re.compile(r"^/en/[a-z-]+/[a-z0-9-]+/?$"),
    markup_basis="feed: /rss/ and /ru/rss/ seen, /en/rss/ assumed by analogy; URL shape from a cited page",
)
AZERNEWS = Publisher(
    name="azernews", display="AzerNews (azernews.az)", default_base_url="https://www.azernews.az", home_country="AZE",
    discoveries=(Discovery("azernews__feed_business.xml", "/rss/Business.xml", "rss"),),
    article_path=re.compile(r"^/[a-z_-]+/\d+\.html$"),
    markup_basis="section feed /rss/Business.xml seen; URL shape from cited pages",
)
NEWS_AZ = Publisher(
    name="newsaz", display="News.az", default_base_url="https://news.az", home_country="AZE",
    discoveries=(Discovery("newsaz__sitemap.xml", "/sitemap.xml", "sitemap"),),
    article_path=re.compile(r"^/news/[a-z0-9-]+/?$"),
    markup_basis="no feed (its /rss answers HTML, seen); sitemap path assumed; URL shape from a cited page",
)
CALIBER = Publisher(
    name="caliber", display="Caliber.Az (caliber.az)", default_base_url="https://caliber.az", home_country="AZE",
    discoveries=(Discovery("caliber__sitemap.xml", "/sitemap.xml", "sitemap"),),
    article_path=re.compile(r"^/en/post/[a-z0-9-]+/?$"),
    markup_basis="no feed (its /en/rss answers 404, seen); sitemap path assumed; URL shape from cited pages",
)
TIMESCA = Publisher(
    name="timesca", display="The Times of Central Asia (timesca.com)", default_base_url="https://timesca.com",
    home_country="KAZ",
    discoveries=(Discovery("timesca__feed.rss", "/feed/", "rss"),),
    article_path=re.compile(r"^/[a-z0-9]+(?:-[a-z0-9]+){2,}/?$"),
    markup_basis="WordPress feed /feed/ (standard); URL shape from a cited page",
)
INTERFAX = Publisher(
    name="interfax", display="Interfax (interfax.com)", default_base_url="https://interfax.com", home_country="KAZ",
    discoveries=(Discovery("interfax__feed.rss", "/news/rss/", "rss"),),
    article_path=re.compile(r"^/newsroom/[a-z-]+/\d+/?$"),
    markup_basis="feed /news/rss/ seen in aggregator code; URL shape from cited pages",
)
INBUSINESS = Publisher(
    name="inbusiness", display="Inbusiness.kz", default_base_url="https://inbusiness.kz", home_country="KAZ",
    discoveries=(Discovery("inbusiness__feed_en.rss", "/en/rss/all", "rss"),),
    article_path=re.compile(r"^/en/(?:news|last)/[a-z0-9-]+/?$"),
    markup_basis="feed: /ru/rss/all seen, /en/rss/all assumed by analogy; URL shape from the Russian site",
)

PUBLISHERS = (REPORT, AZERNEWS, NEWS_AZ, CALIBER, TIMESCA, INTERFAX, INBUSINESS)
