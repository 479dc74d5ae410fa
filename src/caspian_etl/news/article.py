"""Reading one article page: trafilatura finds the body, title and date; publisher rules only add what it
cannot know (a lead paragraph outside the body, a date printed only in the page text).

trafilatura is a maintained boilerplate remover evaluated on thousands of real news pages; hand-written
selectors were guesses at markup nobody had seen. `favor_precision` because a figure from a "Read also" box or
a ticker is worse than a missed paragraph: every body figure becomes a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caspian_etl.news.page import (
    MIN_PARAGRAPH,
    Article,
    LayoutError,
    meta_published,
    meta_title,
    parse_date,
    soup_of,
    strip_noise,
)

MIN_BODY = 80  # characters: less is not an article (a listing, a cookie wall, a video page)
# calls to action that a boilerplate remover may keep when a page's layout is unusual; never article text
CALL_TO_ACTION = re.compile(r"^(?:share this|read also|read more|see also|follow us|subscribe|related:|photo:|"
                            r"advertisement)", re.I)


@dataclass(frozen=True)
class PageRules:
    """What one publisher's pages need beyond the default extractor (each rule has a test on a page)."""

    lead: str | None = None  # CSS selector of a lead paragraph kept outside the body's markup
    date_text: str | None = None  # CSS selector of a visible date, for pages without date metadata


def _normalise(line: str) -> str:
    text = " ".join(line.split())
    return re.sub(r"\s+([,.;:!?%)])", r"\1", text)


def read_article(html: bytes | str, url: str | None = None, *, layout: str = "generic",
                 rules: PageRules = PageRules()) -> Article:
    """Title, publication date and body paragraphs of one page; LayoutError when it holds no article body."""
    soup = soup_of(html, url=url)
    published = meta_published(soup)
    if published is None and rules.date_text and (node := soup.select_one(rules.date_text)):
        published = parse_date(node.get_text(" ", strip=True))
    title = meta_title(soup)
    lead = None
    if rules.lead and (node := soup.select_one(rules.lead)):
        lead = _normalise(node.get_text(" ", strip=True))
    # inline boxes ("Read also", share bars, related lists) sit inside the article's own markup, where a
    # boilerplate remover keeps them: take them out first (and their numbers with them)
    cleaned = strip_noise(soup)  # soup is not read again: no copy of the whole tree
    import trafilatura  # here: it takes 0.1 s to load, and most commands read no page

    doc = trafilatura.bare_extraction(str(cleaned), url=url, favor_precision=True, with_metadata=True,
                                      include_comments=False, include_tables=False, include_images=False,
                                      deduplicate=False)
    lines = (doc.text or "").splitlines() if doc is not None else []
    if doc is not None:
        title = title or doc.title
        published = published or parse_date(doc.date)
    paragraphs = [text for line in lines if len(text := _normalise(line)) >= MIN_PARAGRAPH and text != title
                  and not CALL_TO_ACTION.match(text)]
    if lead and len(lead) >= MIN_PARAGRAPH and lead not in paragraphs:
        paragraphs.insert(0, lead)
    body = "\n\n".join(paragraphs)
    if len(body) < MIN_BODY:
        raise LayoutError(f"{layout}: no article body in the page ({len(body)} characters of paragraphs found by "
                          f"the article extractor; a listing, a paywall or a page that is not an article?)",
                          source="news", url=url)
    return Article(title, published, body, layout)
