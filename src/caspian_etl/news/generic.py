"""The fallback extractor for pages of unknown layout: JSON-LD articleBody, else the element holding the most
paragraph text once navigation, scripts, ads and footers are removed."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from caspian_etl.news.page import (
    Article,
    LayoutError,
    json_ld_articles,
    meta_published,
    meta_title,
    paragraphs,
    soup_of,
    strip_noise,
)

LAYOUT = "generic"
MIN_BODY = 80  # characters: less is not an article


def _best_container(soup: BeautifulSoup) -> Tag | None:
    for selector in ("[itemprop=articleBody]", "article"):
        node = soup.select_one(selector)
        if node is not None and sum(map(len, paragraphs(node))) >= MIN_BODY:
            return node
    best, best_len = None, 0
    for node in soup.find_all(["div", "section", "main"]):
        # only the paragraphs that are direct children count, so the page wrapper does not win over the article
        own = sum(len(t) for p in node.find_all("p", recursive=False) if len(t := p.get_text(" ", strip=True)) >= 25)
        if own > best_len:
            best, best_len = node, own
    return best


def extract(html: bytes | str, url: str | None = None) -> Article:
    soup = soup_of(html, url=url)
    title, published = meta_title(soup), meta_published(soup)
    for item in json_ld_articles(soup):
        body = item.get("articleBody")
        if isinstance(body, str) and len(body.strip()) >= MIN_BODY:
            paras = [" ".join(p.split()) for p in body.replace("\r", "").split("\n") if p.strip()]
            return Article(item.get("headline") or title, published, "\n\n".join(paras), LAYOUT)
    strip_noise(soup)
    node = _best_container(soup)
    text = "\n\n".join(paragraphs(node)) if node is not None else ""
    if len(text) < MIN_BODY:
        raise LayoutError(f"no article body found by the generic extractor ({len(text)} characters of paragraphs)",
                          source="news", url=url)
    return Article(title, published, text, LAYOUT)
