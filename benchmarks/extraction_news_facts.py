"""Extraction scores on the real short quotes of ../shared/research/samples/news/news_facts.csv (run by hand):

    .venv/bin/python benchmarks/extraction_news_facts.py [path/to/news_facts.csv] [--misses]

Prints recall, strict precision, same-dimension precision and period agreement (see caspian_etl.extract.evaluation
for how each is counted), and with --misses every figure missed or extracted beyond the annotations.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from caspian_etl.extract.evaluation import score

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "research" / "samples" / "news" / "news_facts.csv"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT
    started = time.perf_counter()
    s = score(path)
    elapsed = time.perf_counter() - started
    agree, wrong, none = s.period_agreement()
    print(f"rows {len(s.rows)}; annotated figures {s.annotated}, findable in the quotes {s.findable}")
    print(f"extracted {s.extracted}, true positives {s.true_positives}")
    print(f"recall {s.recall:.3f}; precision (strict) {s.precision:.3f}; "
          f"precision (same dimension) {s.precision_same_dimension:.3f} of {s.extracted_same_dimension}")
    print(f"periods of matched figures: {agree} agree with the row, {wrong} differ, {none} not found "
          f"(the quote does not state the period; it is elsewhere in the article)")
    print(f"{elapsed * 1000:.0f} ms for all rows")
    if "--misses" in sys.argv:
        for r in s.rows:
            matched = [m[0] for m in r.matched]
            missed = [e for e in r.findable if e not in [m[1] for m in r.matched]]
            extra = [f for f in r.extracted if f not in matched]
            if missed or extra:
                print(f"line {r.line}: missed {[(e.value, e.unit) for e in missed]}; "
                      f"beyond annotations {[(f.value, f.unit, f.metric) for f in extra]}")


if __name__ == "__main__":
    main()
