"""One sentence a reader understands for each claim-check verdict ("2.7 Mt (news.az) and 2.75 Mt (en.trend.az)
agree within their rounding ...). Plain string building; the verdicts themselves are decided in claim_checks."""

from __future__ import annotations

import math

from caspian_etl.contracts.units import convert


def number(value: float) -> str:
    """A figure as a reader writes it: 2.764, 533.4, 840000 -> 840,000, 5e-05 -> 0.00005."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:.6g}"
    return f"{value:,.6f}".rstrip("0").rstrip(".") if "e" in text else text


def short(value: float, digits: int = 6) -> str:
    """A value to `digits` significant digits, written as number() does."""
    return number(float(format(value, f".{digits}g")))


def _in_stated_unit(figure: dict, value: float) -> float:
    try:
        return convert(value, figure["unit"], figure["stated_unit"])
    except Exception:  # noqa: BLE001 -- a rate-over-a-year conversion: show the canonical value
        return value


def who(figure: dict) -> str:
    if figure["basis"] == "official":
        return f"{figure['ref']} ({figure['source']})"
    return figure["publisher"] or figure["document"] or figure["ref"]


def describe(figure: dict) -> str:
    """'2.7 Mt (news.az)', 'more than 1.4 Mt (timesca.com)', '38-53 days (...)', '87.9 Mt from EI.oilprod_mt'."""
    if figure["basis"] == "official":
        text = f"{short(figure['value'])} {figure['unit']} from {who(figure)}"
        return f"{text}, {figure['conversion']}" if figure.get("conversion") else text
    stated = f"{number(figure['stated_value'])} {figure['stated_unit']}"
    if figure.get("range_of"):
        stated = f"{figure['range_of']} (a stated range)"
    elif figure["bound"] == "lower":
        stated = f"more than {stated}"
    elif figure["bound"] == "upper":
        stated = f"less than {stated}"
    return f"{stated} ({who(figure)})"


def interval(figure: dict) -> str:
    low, high = figure["low"], figure["high"]
    unit = figure["stated_unit"] if figure["basis"] == "reported" else figure["unit"]
    lo = None if math.isinf(low) else short(_in_stated_unit(figure, low))
    hi = None if math.isinf(high) else short(_in_stated_unit(figure, high))
    if lo is None and hi is None:
        return "any value"
    if lo is None:
        return f"up to {hi} {unit}"
    if hi is None:
        return f"{lo} {unit} or more"
    return f"{lo} {unit}" if lo == hi else f"{lo}-{hi} {unit}"


def _forecast(claim: dict, other: dict) -> str:
    if claim["kind"] == "forecast" and other["basis"] == "official":
        return " (a forecast checked against the outturn)"
    return ""


def agree(claim: dict, other: dict) -> str:
    return (f"{describe(claim)} and {describe(other)} agree within their rounding "
            f"({interval(claim)} and {interval(other)} overlap){_forecast(claim, other)}.")


def same_origin(claim: dict, other: dict) -> str:
    return (f"{describe(claim)} and {describe(other)} agree within their rounding, but both repeat "
            f"{claim['origin']}: one source stated twice, not an independent confirmation.")


def differ(claim: dict, other: dict, excess: float, excess_pct: float | None) -> str:
    pct = "" if excess_pct is None else f", {excess_pct:.2g}% of the compared figure"
    shared = f" although both cite {claim['origin']}" if _shared_origin(claim, other) else ""
    gap = f"{short(_in_stated_unit(claim, excess), 4)} {claim['stated_unit']}"
    return (f"{describe(claim)} and {describe(other)} differ by {gap} "
            f"beyond their rounding{pct} ({interval(claim)} against {interval(other)}){shared}"
            f"{_forecast(claim, other)}.")


def _shared_origin(claim: dict, other: dict) -> bool:
    return bool(claim.get("origin") and other.get("origin")
                and claim["origin"].casefold() == other["origin"].casefold())


def validity(claim: dict, other: dict, claim_time: str | None, other_time: str | None) -> str:
    if claim_time is None or other_time is None:
        undated = claim if claim_time is None else other
        dated_time = other_time if claim_time is None else claim_time
        return (f"{describe(undated)} gives no date, so it cannot be set against a figure valid in {dated_time}: "
                f"not comparable (validity).")
    return (f"{describe(claim)} is valid in {claim_time} and {describe(other)} in {other_time}: a capacity "
            f"changes over time, so neither checks the other: not comparable (validity).")


def unit(claim_text: str, why: str) -> str:
    return f"{claim_text} cannot be set against any other figure: {why}: not comparable (unit)."


def nothing(claim: dict, metric_name: str) -> str:
    if not claim["period"] and claim["kind"] != "capacity":
        return f"{describe(claim)} states no period, and only capacities are compared without one."
    pair = "/".join(x for x in (claim["country"], claim["partner"]) if x) or "the whole route"
    where = f" in {claim['period']}" if claim["period"] else ""
    return (f"No other document and no official series states {metric_name} ({claim['kind']}) for "
            f"{pair}{where}.")
