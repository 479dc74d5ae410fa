"""What kind of statement a figure is, read from the clause that governs it, and its bound and sign.

Kinds (the vocabulary of claims.kind): growth_rate (a relative change or a multiple: '%' with a change word, a
ratio), share (a part of a whole in %), change (an absolute difference: 'grew by $7.5 million', 'an increase of
14-18 days'), capacity (throughput or installed capacity, existing or planned), then the levels: target (a goal),
plan (scheduled or agreed), forecast (expected, projected), observation (reported actual).
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["observation", "target", "plan", "forecast", "capacity", "change", "growth_rate", "share"]
KINDS: tuple[Kind, ...] = ("observation", "target", "plan", "forecast", "capacity", "change", "growth_rate", "share")
Bound = Literal[">", "<", "~"]

_GROWTH = re.compile(r"\b(?:increas\w*|grew|grow\w*|rose|ris\w+|up|jump\w*|surg\w+|soar\w*|climb\w*|skyrocket\w*|"
                     r"declin\w*|decreas\w*|fell|fall\w*|drop\w*|dipp?\w*|down|lower|higher|more|less|gain\w*|"
                     r"expan\w*|boost\w*|reduc\w*|shr[ai]nk\w*|contract\w*|year-on-year|y-o-y|yoy|added|"
                     r"went\s+up|go\s+up|raise\w*|cut|slash\w*|halv\w*)\b", re.I)
_DECLINE = re.compile(r"\b(?:declin\w*|decreas\w*|fell|fall\w*|drop\w*|dipp?\w*|down|lower|reduc\w*|shr[ai]nk\w*|"
                      r"contract\w*|less|cut|slash\w*)\b", re.I)
_SHARE = re.compile(r"\b(?:share|of\s+the\s+total|accounted\s+for|account\s+for|proportion|stake|free\s+up)\b", re.I)
_CHANGE_BEFORE = re.compile(r"(?:\b(?:increas\w*|grew|grow\w*|rose|ris\w+|expand\w*|rais\w+|boost\w*|declin\w*|"
                            r"decreas\w*|fell|drop\w*|reduc\w*|add\w*|up|down)\b[^,;]{0,40}\bby|"
                            r"\b(?:increase|rise|growth|reduction|decrease|decline|addition|expansion)\s+of)"
                            r"\s+(?:about|around|some|nearly|almost|over|more\s+than|up\s+to|at\s+least)?\s*$", re.I)
_CAPACITY = re.compile(r"\b(?:capacity|capacities|capable\s+of|designed\s+to|can\s+(?:take|handle|carry|accommodate|"
                       r"process|reach|receive)|possible\s+to\s+process|permitted|allowed|quota)\b", re.I)
_TARGET = re.compile(r"\b(?:target\w*|goal|aim|aims|aimed|the\s+plan\s+is\s+to|determined\s+to|ambition\w*|"
                     r"seek\w*\s+to|strive\w*|maximum\s+of)\b", re.I)
_PLAN = re.compile(r"\b(?:plan|plans|planned|planning|intend\w*|intention|scheduled|agreed|envisag\w*|"
                   r"is\s+to|are\s+to|purchas\w*|will\s+(?:send|move|ship|deliver|build|invest|buy|stay|remain|supply|"
                   r"have\s+a)|(?:put|bring)\s+\w+\s+(?:\w+\s+)?into\s+(?:service|operation))\b", re.I)
# a headline's infinitive: 'Kazakhstan to send Azerbaijan 125,000 tons of oil'
_HEADLINE_PLAN = re.compile(r"^\W*[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,3}\s+to\s+(?:send|ship|transport|deliver|invest|build|"
                            r"buy|purchase|supply|put|bring|export|raise|increase)\b")
_FORECAST = re.compile(r"\b(?:forecast\w*|expect\w*|projected|projection|anticipat\w*|estimat\w*|set\s+to|"
                       r"could|likely|will|would|predict\w*|outlook)\b", re.I)
_BOUND_BEFORE = (
    (">", re.compile(r"\b(?:more\s+than|over|exceed\w*|surpass\w*|above|at\s+least|no\s+less\s+than|in\s+excess\s+of)"
                     r"\s+(?:a\s+)?$", re.I)),
    ("<", re.compile(r"\b(?:up\s+to|maximum\s+of|less\s+than|under|below|no\s+more\s+than|at\s+most)\s+(?:a\s+)?$",
                     re.I)),
    ("~", re.compile(r"\b(?:about|around|approximately|nearly|almost|roughly|some|circa|close\s+to|an\s+estimated|"
                     r"approx\.?)\s+(?:a\s+)?$", re.I)),
)
POWER_UNITS = ("MW", "GW", "Tbps")


def bound_of(before: str) -> Bound | None:
    """The bound word right before a figure ('more than 2.7 million tons' -> '>')."""
    for sign, pattern in _BOUND_BEFORE:
        if pattern.search(before[-40:]):
            return sign  # type: ignore[return-value]
    return None


def is_decline(clause_before: str) -> bool:
    """'dipped 3.5%', 'decreased by 25%', 'down 67%': the nearest change word before the figure is a decline."""
    words = list(_GROWTH.finditer(clause_before))
    return bool(words) and bool(_DECLINE.fullmatch(words[-1].group(0)))


def states_modality(clause: str) -> bool:
    """A goal, plan or expectation word anywhere in the clause ('capacity will reach', 'plans to raise')."""
    return any(p.search(clause) for p in (_TARGET, _PLAN, _FORECAST))


def kind_of(clause: str, before: str, unit: str, after: str = "") -> Kind:
    """`clause`: the governing clause; `before`/`after`: its text before and after the figure. A modality word
    counts in the whole clause; a capacity word only before the figure or right after it ('a capacity of 4.1
    million tons', '40 GW capacity'), not at the far end of the clause."""
    if unit == "ratio":
        return "growth_rate"
    if unit == "%":
        if _SHARE.search(clause) or not _GROWTH.search(clause):
            return "share"
        return "growth_rate"
    if _CHANGE_BEFORE.search(before):
        return "change"
    if _CAPACITY.search(before) or _CAPACITY.search(after[:30]) or unit in POWER_UNITS:
        return "capacity"
    # the modality word nearest the figure governs it ('expects to handle 100,000 TEU', not the 'Planning
    # Department' of the speaker); a word after the figure counts a little further away than one before
    if _TARGET.search(before):  # a stated goal ('the plan is to raise ... to', 'our aim is to own') wins
        return "target"
    if _HEADLINE_PLAN.match(before) and not _FORECAST.search(before):
        return "plan"
    nearest: tuple[int, Kind] | None = None
    for kind, pattern in (("target", _TARGET), ("plan", _PLAN), ("forecast", _FORECAST)):
        for m in pattern.finditer(before):
            nearest = min(nearest or (10**6, kind), (len(before) - m.end(), kind))  # type: ignore[assignment]
        for m in pattern.finditer(after):
            nearest = min(nearest or (10**6, kind), (m.start() + 20, kind))  # type: ignore[assignment]
    return nearest[1] if nearest else "observation"
