"""What every publisher layout shares: the article shape, noise removal, paragraph text, publication dates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from caspian_etl.core.errors import ParseError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

# never part of an article body: navigation, scripts, ads, footers, share bars, related-article lists
NOISE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button",
              "select", "template", "figcaption")
NOISE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|footer|header|sidebar|related|share|sharing|social|comments?|advert|ads?|"
    r"adv|promo|banner|subscribe|newsletter|cookie|breadcrumbs?|tags?|widget|popular|recommend(?:ed)?|"
    r"read-?also|more-news|most-?read|trending|ticker|author-box)(?:$|[\s_-])", re.I)
MIN_PARAGRAPH = 25  # shorter <p> are captions, bylines, "Photo: ..." lines


class LayoutError(ParseError):
    """A page whose layout yields no article body (the publisher changed its markup, or it is not an article)."""


@dataclass(frozen=True)
class Article:
    title: str | None
    published: date | None
    body: str  # paragraphs joined by blank lines; spans of extracted figures index into this text
    layout: str  # which extractor read it (a publisher name, or 'generic')


def soup_of(html: bytes | str, *, url: str | None = None) -> BeautifulSoup:
    """Parse HTML; markup the parser rejects outright is a layout error of that page, not a crash."""
    # imported here: Beautiful Soup (and the article extractor) load only in the commands that read pages
    from bs4 import BeautifulSoup
    from bs4.exceptions import ParserRejectedMarkup

    try:
        return BeautifulSoup(html, "html.parser")
    except ParserRejectedMarkup as exc:
        raise LayoutError(f"the HTML parser rejected the page's markup ({str(exc).splitlines()[-1][:120]})",
                          source="news", url=url) from None


def strip_noise(node: Tag) -> Tag:
    """Remove navigation, scripts, ads, footers and the like from `node` (in place) and return it."""
    for tag in node.find_all(NOISE_TAGS):
        tag.decompose()
    for tag in node.find_all(True):
        if getattr(tag, "decomposed", False):  # inside a tag removed a moment ago
            continue
        attrs = getattr(tag, "attrs", None)
        if not attrs:
            continue
        marker = " ".join(attrs.get("class") or []) + " " + str(attrs.get("id") or "")
        if NOISE_CLASS.search(marker):
            tag.decompose()
    return node


def parse_date(text: str | None) -> date | None:
    """ISO dates and datetimes ('2024-12-17T10:31:00+04:00'), '17 December 2024', 'December 17, 2024', '17.12.2024'."""
    if not text:
        return None
    text = text.strip()
    if m := re.match(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    # here: the extractor's module compiles its patterns on import (0.06 s), and most commands read no page
    from caspian_etl.extract.periods import MONTHS

    if m := re.search(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", text):
        month = MONTHS.get(m[2].lower())
        return date(int(m[3]), month, int(m[1])) if month else None
    if m := re.search(r"([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})", text):
        month = MONTHS.get(m[1].lower())
        return date(int(m[3]), month, int(m[2])) if month else None
    if m := re.search(r"(\d{2})\.(\d{2})\.(\d{4})", text):
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return None
    try:
        return datetime.strptime(text[:31], "%a, %d %b %Y %H:%M:%S %z").date()  # RSS pubDate
    except ValueError:
        return None


def json_ld_articles(soup: BeautifulSoup) -> list[dict]:
    found = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            doc = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError, RecursionError):  # a hostile page's JSON-LD is just skipped
            continue
        stack = doc if isinstance(doc, list) else [doc]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                if "@graph" in item and isinstance(item["@graph"], list):
                    stack.extend(item["@graph"])
                kinds = item.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if any(k in ("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting") for k in kinds):
                    found.append(item)
    return found


def meta_published(soup: BeautifulSoup) -> date | None:
    """Publication date from the page's metadata (Open Graph article:published_time, itemprop, <time>, JSON-LD)."""
    for attrs in ({"property": "article:published_time"}, {"itemprop": "datePublished"},
                  {"name": "pubdate"}, {"name": "publish-date"}):
        tag = soup.find("meta", attrs=attrs)
        if tag and (d := parse_date(tag.get("content"))):
            return d
    for item in json_ld_articles(soup):
        if d := parse_date(item.get("datePublished")):
            return d
    time_tag = soup.find("time", attrs={"datetime": True})
    return parse_date(time_tag["datetime"]) if time_tag else None


def meta_title(soup: BeautifulSoup) -> str | None:
    tag = soup.find("meta", attrs={"property": "og:title"})
    if tag and tag.get("content"):
        return " ".join(tag["content"].split())
    h1 = soup.find("h1")
    if h1:
        return " ".join(h1.get_text(" ", strip=True).split()) or None
    return " ".join(soup.title.get_text().split()) if soup.title else None
