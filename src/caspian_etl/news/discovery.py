"""Finding articles: RSS feeds and listing pages -> candidate links, kept when they match the corridor keywords."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET  # noqa: N817 - feeds are plain XML; no lxml needed
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from caspian_etl.core.errors import ParseError
from caspian_etl.news.page import parse_date, soup_of

# what the seeds cite: the Middle Corridor/TITR, BTC and Caspian shipping, Aktau, grain, Kazakhstan-Azerbaijan trade
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("Middle Corridor", r"middle corridor"),
    ("TITR", r"\bTITR\b|trans-caspian international transport route"),
    ("Trans-Caspian", r"trans-caspian"),
    ("BTC", r"\bBTC\b|baku-tbilisi-ceyhan"),
    ("Aktau", r"\baktau\b"),
    ("Caspian", r"\bcaspian\b"),
    ("grain", r"\bgrain\b"),
    ("Kazakhstan-Azerbaijan", r"(?=.*\bkazakh)(?=.*\bazerbaijan)"),
)
SEARCH_TERMS = ("Middle Corridor", "TITR", "Baku-Tbilisi-Ceyhan", "Aktau", "Caspian", "grain Azerbaijan",
                "Kazakhstan Azerbaijan trade")


@dataclass(frozen=True)
class Candidate:
    url: str
    title: str
    summary: str
    published: date | None

    def keywords(self) -> list[str]:
        text = f"{self.title} {self.summary}"
        return [name for name, pattern in KEYWORDS if re.search(pattern, text, re.I | re.S)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(item: ET.Element, *names: str) -> str:
    for child in item:
        if _local(child.tag) in names:
            return (child.text or child.get("href") or "").strip()
    return ""


def parse_rss(data: bytes, *, origin: str) -> list[Candidate]:
    """RSS 2.0 or Atom items -> candidates. A body that is not a feed is a ParseError naming the file."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown declared encoding
        start = data[:60].decode("utf-8", "replace")
        raise ParseError(f"{origin}: not an RSS or Atom feed ({exc}; starts {start!r})", source="news") from None
    if _local(root.tag) not in ("rss", "feed", "rdf"):
        raise ParseError(f"{origin}: not an RSS or Atom feed (root element <{_local(root.tag)}>)", source="news")
    out = []
    for item in root.iter():
        if _local(item.tag) not in ("item", "entry"):
            continue
        link = _child_text(item, "link") or _child_text(item, "guid")
        summary_html = _child_text(item, "description", "summary")
        summary = soup_of(summary_html).get_text(" ", strip=True) if summary_html else ""
        out.append(Candidate(link, _child_text(item, "title"), summary,
                             parse_date(_child_text(item, "pubdate", "published", "updated", "date"))))
    return [c for c in out if c.url]


def _slug_words(url: str) -> str:
    """'/news/cargo-via-middle-corridor-soars/' -> 'cargo via middle corridor soars' (a sitemap's only title)."""
    last = [p for p in urlsplit(url).path.split("/") if p]
    return re.sub(r"[-_]+", " ", re.sub(r"\.html?$", "", last[-1])) if last else ""


def parse_sitemap(data: bytes, *, origin: str) -> tuple[list[Candidate], list[str]]:
    """An XML sitemap -> (article candidates, child sitemap URLs of a sitemap index). Google News sitemaps give
    a title and date; plain ones only the URL, whose slug words stand in for the title."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:
        start = data[:60].decode("utf-8", "replace")
        raise ParseError(f"{origin}: not an XML sitemap ({exc}; starts {start!r})", source="news") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ParseError(f"{origin}: not an XML sitemap (root element <{kind}>)", source="news")
    entries = [e for e in root if _local(e.tag) in ("url", "sitemap")]
    if kind == "sitemapindex":
        return [], [loc for e in entries if (loc := _child_text(e, "loc"))]
    out = []
    for entry in entries:
        loc = _child_text(entry, "loc")
        news = next((c for c in entry if _local(c.tag) == "news"), None)
        title = _child_text(news, "title") if news is not None else ""
        when = (_child_text(news, "publication_date") if news is not None else "") or _child_text(entry, "lastmod")
        if loc:
            out.append(Candidate(loc, title or _slug_words(loc), "", parse_date(when)))
    return out, []


def parse_listing(data: bytes, *, base_url: str, article_path: re.Pattern[str]) -> list[Candidate]:
    """An HTML listing page -> the links whose path looks like an article of this publisher."""
    from bs4 import XMLParsedAsHTMLWarning  # here, like Beautiful Soup itself (caspian_etl.news.page.soup_of)

    with warnings.catch_warnings():  # a feed served where a listing was expected is simply a page without cards
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = soup_of(data)
    seen: dict[str, Candidate] = {}
    for a in soup.find_all("a", href=True):
        url = urljoin(base_url + "/", a["href"])
        if not article_path.search(urlsplit(url).path):
            continue
        title = " ".join(a.get_text(" ", strip=True).split())
        if url not in seen or len(title) > len(seen[url].title):
            seen[url] = Candidate(url, title, "", None)
    return list(seen.values())


def same_site(url: str, base_url: str) -> bool:
    """Only pages of the publisher's own host are fetched (feeds may link to partners and ads)."""
    host, base = urlsplit(url).netloc.lower(), urlsplit(base_url).netloc.lower()
    return host == base or host == f"www.{base}" or base == f"www.{host}"


def same_site_origins(base_url: str) -> list[str]:
    """The origins `same_site` accepts for a base URL: itself and its www. twin."""
    parts = urlsplit(base_url)
    host = parts.netloc.lower()
    twin = host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"
    return [f"{parts.scheme}://{host}", f"{parts.scheme}://{twin}"]
