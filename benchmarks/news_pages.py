"""News pages: article bodies on the synthetic test pages, and article URL shapes on real cited URLs.

    .venv/bin/python benchmarks/news_pages.py

1. Every synthetic page of tests/fixtures/news read with its publisher's rules and with none: is a body found,
   and does page chrome (numbers and words the fixtures place outside the article, listed below) leak into it?
2. The real article URLs of ../shared/research/samples/news/articles/index.csv and the URLs the claims registry
   cites: how many name a known publisher and have its article URL shape.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from urllib.parse import urlsplit

from caspian_etl.news import extract_article, publisher_for_url
from caspian_etl.news.page import LayoutError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "news"
SHARED_INDEX = REPO.parent / "shared" / "research" / "samples" / "news" / "articles" / "index.csv"
# text the synthetic pages put outside the article body (tickers, share bars, boxes, comments, footers)
CHROME = ["83.4", "9,999", "1,000 friends", "15 million tons", "99 million", "12,345", "250 km", "Most read", "rights",
          "Follow us", "Advertisement", "Reader:", "88 dollars", "cookies", "Views"]
PAGES = [("trend_article.html", "trend"), ("trend_changed_layout.html", "trend"), ("inform_article.html", "inform"),
         ("astanatimes_article.html", "astanatimes"), ("astanatimes_no_figures.html", "astanatimes"),
         ("generic_article.html", None), ("trend_article.html", None), ("inform_article.html", None),
         ("astanatimes_article.html", None), ("regional_article.html", None)]


def bodies() -> None:
    found = leaking = 0
    for name, publisher in PAGES:
        try:
            article = extract_article((FIXTURES / name).read_bytes(), None, publisher)
        except LayoutError as exc:
            print(f"  {name:30} {publisher or '(none)':12} no body: {exc}")
            continue
        leaked = [c for c in CHROME if c in article.body]
        found += 1
        leaking += bool(leaked)
        print(f"  {name:30} {publisher or '(none)':12} {len(article.body):4} characters, "
              f"{article.body.count(chr(10) * 2) + 1} paragraphs, chrome leaked: {leaked or 'none'}")
    print(f"bodies found {found}/{len(PAGES)}; bodies with page chrome {leaking}")


def url_shapes(label: str, urls: list[str]) -> None:
    known = [u for u in urls if publisher_for_url(u)]
    articles = [u for u in known if publisher_for_url(u).article_path.search(urlsplit(u).path)]  # type: ignore[union-attr]
    print(f"{label}: {len(urls)} URLs, {len(known)} of a known publisher, {len(articles)} with its article shape")
    for u in sorted(set(urls) - set(articles)):
        print(f"  not recognised: {u}")


def main() -> int:
    print("Article bodies on the synthetic pages (tests/fixtures/news):")
    bodies()
    registry = REPO / "data" / "raw" / "claims" / "claims.csv"
    cited = sorted({r["source_url"] for r in csv.DictReader(registry.open(encoding="utf-8")) if r["source_url"]})
    url_shapes("claims registry source_url", cited)
    if SHARED_INDEX.is_file():
        url_shapes("real articles (../shared index.csv)",
                   [r["url"] for r in csv.DictReader(SHARED_INDEX.open(encoding="utf-8"))])
    else:
        print(f"{SHARED_INDEX} absent: real article URLs not measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
