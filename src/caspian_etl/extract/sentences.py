"""Split body text into sentences, keeping each sentence's character span in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# a full stop after one of these does not end a sentence
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "etc", "inc", "ltd", "co", "jan", "feb", "mar",
                  "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e", "approx"}
# a candidate boundary: . ! ? (optionally closing quotes/brackets) then whitespace, or a line break
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+|\n+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int  # slice end: text[start:end] is the sentence
    text: str


def _ends_with_abbreviation(chunk: str) -> bool:
    word = re.search(r"([A-Za-z.]+)\.$", chunk.rstrip("\"'”’)] "))
    return bool(word) and word.group(1).lower().rstrip(".") in _ABBREVIATIONS


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` with their spans; whitespace around a sentence is not part of its span."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate_end = match.start() + len(match.group(0).rstrip())
        if match.group(0)[0] in ".!?" and "\n" not in match.group(0):
            following = text[match.end():match.end() + 1]
            if _ends_with_abbreviation(text[start:match.start() + 1]) or (following and following.islower()):
                continue
        _add(sentences, text, start, candidate_end)
        start = match.end()
    _add(sentences, text, start, len(text))
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, text[start:end]))
