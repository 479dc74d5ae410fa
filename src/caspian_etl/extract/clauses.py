"""The clause of a sentence that governs a figure: 'In 2024, Azerbaijan received 287 block trains, while within
the seven months of this year the count reached 225 trains' has two clauses, each with its own period.

English news prose joins clauses with a few markers: a semicolon or colon, ', while' / ', whereas' / ', but' /
', and' / ', with', a spaced dash. Those split; a bare comma does not ('more than 2.7 million tons of cargo, up
86% on 2022' is one clause: the growth rate belongs to the same statement).
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(
    r"\s*[;:]\s+|\s+[–—-]\s+|,?\s+(?:while|whereas)\s+|,\s+(?:but|and|with|although|though|as\s+well\s+as|plus)\s+",
    re.I,
)


# a sentence opening with a subordinate clause ('While oil refining fell, gas processing grew by 17%'): its comma
# ends the clause
_OPENING = re.compile(r"^\s*(?:while|whereas|although|though)\b[^,]*,\s*", re.I)


def clause_bounds(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause, covering the sentence."""
    bounds, start = [], 0
    if opening := _OPENING.match(sentence):
        bounds.append((0, opening.end()))
        start = opening.end()
    for m in _BOUNDARY.finditer(sentence, start):
        if m.start() > start:
            bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(sentence)))
    return bounds


def clause_of(sentence: str, fig_start: int) -> tuple[int, int]:
    for start, end in clause_bounds(sentence):
        if start <= fig_start < end:
            return start, end
    return 0, len(sentence)
