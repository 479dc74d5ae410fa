"""Numbers as news pages write them: 4.1, 50,500, 2,76 (decimal comma), 23.8mln, six, $1.5bn."""

from __future__ import annotations

import re

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100,
}
# a multiple written as one word (unit ratio)
MULTIPLE_WORDS = {
    "twofold": 2.0, "two-fold": 2.0, "threefold": 3.0, "fourfold": 4.0, "fivefold": 5.0, "sixfold": 6.0,
    "sevenfold": 7.0, "eightfold": 8.0, "ninefold": 9.0, "tenfold": 10.0, "twice": 2.0, "doubled": 2.0,
    "double": 2.0, "doubling": 2.0, "tripled": 3.0, "triple": 3.0, "tripling": 3.0, "quadrupled": 4.0,
    "halved": 0.5,
}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "mln": 1e6, "mn": 1e6, "m": 1e6,
          "bln": 1e9, "bn": 1e9, "b": 1e9, "k": 1e3}
SCALE_WORDS = {"thousand": "thousand", "k": "thousand", "million": "million", "mln": "million", "mn": "million",
               "m": "million", "billion": "billion", "bln": "billion", "bn": "billion", "b": "billion",
               "trillion": "trillion"}

# digits: 1,234,567.8 | 1234.5 | 2,76 (a comma followed by other than three digits is a decimal comma) | 2 700 and
# 2 700,5 (groups of three digits after a space, no-break space or thin space, as Kazakh and Russian pages write)
_SPACE = "[ \u00a0\u202f]"
NUMBER_PATTERN = (rf"\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:[.,]\d+)?(?![\d,])|"
                  r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:[.,]\d+)?")
HALF = r"half\s+a"  # 'half a million tons' = 0.5 million tons
_WORDS = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
AND_A_HALF = rf"(?:{_WORDS})\s+and\s+a\s+half"  # 'two and a half million tons' = 2.5 million tons
WORD_PATTERN = r"\b(?:" + AND_A_HALF + "|" + HALF + "|" + _WORDS + r")\b"


def parse_number(text: str) -> float:
    """'50,500' -> 50500; '2,76' -> 2.76; '1.392' -> 1.392; 'six' -> 6."""
    text = text.strip()
    lowered = text.lower()
    if re.fullmatch(HALF, lowered):
        return 0.5
    if lowered in WORD_NUMBERS:
        return float(WORD_NUMBERS[lowered])
    if re.fullmatch(AND_A_HALF, lowered):
        return WORD_NUMBERS[lowered.split()[0]] + 0.5
    if re.fullmatch(rf"\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:[.,]\d+)?", text):
        return float(re.sub(_SPACE, "", text).replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))
