"""Extraction scores on the 32 real articles of ../shared/research/samples/news/articles/ (run by hand):

    .venv/bin/python benchmarks/extraction_articles.py [--part dev|heldout|all] [--errors] [--dir PATH]

Prints, per publisher and overall: value+unit recall and precision; periods exact / coarser / wrong / missing
(of matched figures whose text states a period) and spurious; metric, kind, direction and bound accuracy; the
share of unclassified figures; and the precision of figures at or above the promotion threshold. --errors lists
every missed, extra and wrongly attached figure. How each is counted: caspian_etl.extract.gold_eval.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from caspian_etl.extract import REPORTED_THRESHOLD
from caspian_etl.extract.gold_eval import DEFAULT_DIR, CaseResult, Scores, confident, errors, evaluate, scores

HEADER = (f"{'publisher':<12} {'gold':>4} {'ext':>4} {'rec':>5} {'prec':>5} | {'exact':>5} {'coars':>5} "
          f"{'wrong':>5} {'miss':>4} {'spur':>4} {'ex%':>5} | {'metric':>6} {'kind':>5} {'dir':>5} {'bound':>5} "
          f"{'uncl':>5} {'full':>5}")


def row(name: str, s: Scores) -> str:
    p = s.periods
    return (f"{name:<12} {s.gold:>4} {s.extracted:>4} {s.recall:>5.2f} {s.precision:>5.2f} | {p.get('exact', 0):>5} "
            f"{p.get('coarser', 0):>5} {p.get('wrong', 0):>5} {p.get('missing', 0):>4} {p.get('spurious', 0):>4} "
            f"{s.period_exact_rate:>5.2f} | {s.rate(s.metric_right):>6.2f} {s.rate(s.kind_right):>5.2f} "
            f"{s.rate(s.direction_right):>5.2f} {s.rate(s.bound_right):>5.2f} {s.rate(s.unclassified):>5.2f} "
            f"{s.rate(s.fully_right):>5.2f}")


def report(results: list[CaseResult], title: str) -> None:
    by_publisher: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        by_publisher[r.case.publisher].append(r)
    print(f"== {title}: {len(results)} articles")
    print(HEADER)
    for publisher in sorted(by_publisher):
        print(row(publisher, scores(by_publisher[publisher])))
    print(row("ALL", scores(results)))
    total, right, wrong_period = confident(results, REPORTED_THRESHOLD)
    share = right / total if total else 0.0
    print(f"confidence >= {REPORTED_THRESHOLD}: {total} figures, {right} fully right ({share:.2f}), "
          f"{wrong_period} with a wrong, coarser or spurious period")
    total, right, wrong_period = confident(results, REPORTED_THRESHOLD, promoted_only=True)
    _, exact, _ = confident(results, REPORTED_THRESHOLD, promoted_only=True, exact_metric=True)
    share = right / total if total else 0.0
    print(f"promoted (feed the indicator tables): {total} figures, {right} fully right ({share:.2f}), {exact} of them "
          f"with the exact metric, {wrong_period} with a wrong, coarser or spurious period")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["dev", "heldout", "all", "both"], default="both")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args()
    started = time.perf_counter()
    parts = ["dev", "heldout"] if args.part == "both" else [args.part]
    for part in parts:
        results = evaluate(args.dir, part)  # type: ignore[arg-type]
        report(results, part)
        if args.errors:
            for line in errors(results):
                print("  " + line)
    print(f"{(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
