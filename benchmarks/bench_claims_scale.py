"""How the claims path scales: a SYNTHETIC registry of N rows -> claims -> indicator tables -> derived tables.

    .venv/bin/python benchmarks/bench_claims_scale.py --rows 10000 [--rows 20000 ...] [--publish]

Each size runs in a fresh data dir (one child process per size, so peak RSS is per size): the `claims`
source is curated from the generated registry, then the derived tables are built (and with --publish the
catalog and report). Prints one line per size: rows, seconds per step, peak RSS (MB); the last line is JSON.
For an outside measure of peak memory, run one size under `/usr/bin/time -v`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(rows: int, publish: bool, shape: str = "varied") -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.claims_synth import write_registry
    from caspian_etl.core.settings import DataPaths
    from caspian_etl.pipeline.downstream import build_derived
    from caspian_etl.pipeline.downstream import publish as publish_step
    from caspian_etl.pipeline.run import run_source

    with tempfile.TemporaryDirectory() as tmp:
        paths = DataPaths(Path(tmp))
        write_registry(paths.raw / "claims" / "claims.csv", rows, shape=shape)
        figures: dict = {"rows": rows, "shape": shape}
        t0 = time.perf_counter()
        result = run_source("claims", paths)
        figures["claims_s"] = round(time.perf_counter() - t0, 2)
        figures["claims_status"] = result.status
        figures["written"] = {t.table: t.rows_written for t in result.tables}
        t0 = time.perf_counter()
        derived = build_derived(paths)
        figures["derived_s"] = round(time.perf_counter() - t0, 2)
        figures["derived_status"] = derived.status
        if publish:
            t0 = time.perf_counter()
            figures["publish_status"] = publish_step(paths).status
            figures["publish_s"] = round(time.perf_counter() - t0, 2)
    figures["total_s"] = round(sum(v for k, v in figures.items() if k.endswith("_s")), 2)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def _child(rows: int, publish: bool, shape: str, queue: multiprocessing.Queue) -> None:
    queue.put(measure(rows, publish, shape))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="registry rows (repeatable)")
    parser.add_argument("--shape", choices=("varied", "replicated"), default="varied",
                        help="varied periods and countries, or the shipped rows repeated (see claims_synth)")
    parser.add_argument("--publish", action="store_true", help="also time the catalog and report")
    args = parser.parse_args()
    out = []
    for rows in args.rows or [5000, 10000, 20000]:
        queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(target=_child, args=(rows, args.publish, args.shape, queue))
        proc.start()
        while proc.is_alive() and queue.empty():
            time.sleep(0.5)
        if queue.empty():
            print(f"rows={rows:>9} the measuring process died (exit {proc.exitcode}; killed for memory?)",
                  flush=True)
            out.append({"rows": rows, "exitcode": proc.exitcode})
            continue
        figures = queue.get()
        proc.join()
        out.append(figures)
        print(f"rows={rows:>9} shape={args.shape} claims={figures['claims_s']:>7.2f}s "
              f"derived={figures['derived_s']:>7.2f}s "
              f"total={figures['total_s']:>7.2f}s peak_rss={figures['peak_rss_mb']} MB "
              f"({figures['claims_status']}/{figures['derived_status']})", flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
