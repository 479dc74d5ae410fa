"""Benchmark: CPU time of the streaming validator (failure_reasons) on one batch of SYNTHETIC bulk rows.

    python benchmarks/bench_validate_batch.py [--rows 1000000] [--bad-every 1000] [--repeat 5]

Builds N synthetic Comtrade bulk rows (benchmarks/comtrade_synth.py), maps them to the trade_flows shape as the
bulk ingest does (caspian_etl.sources.comtrade.rows.to_trade_flows), then times only the contract checks
(caspian_etl.contracts.arrow_checks.failure_reasons) with time.process_time. Prints the best and median of
`--repeat` runs and the number of rows flagged, as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comtrade_synth import bulk_table  # noqa: E402

from caspian_etl.contracts.arrow_checks import failure_reasons  # noqa: E402
from caspian_etl.contracts.schema import load_contract  # noqa: E402
from caspian_etl.core.snapshots import SnapshotEntry  # noqa: E402
from caspian_etl.sources.comtrade.rows import NUMERIC, RAW_COLUMNS, to_trade_flows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad-every", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    contract = load_contract("trade_flows")
    entry = SnapshotEntry(name="synthetic.tsv.gz", url="file:///synthetic.tsv.gz", requested_at="2026-01-01T00:00:00Z",
                          status=None, content_type=None, etag=None, last_modified=None, size=0, sha256="a" * 64)
    raw = bulk_table(0, args.rows, bad_every=args.bad_every).select(list(RAW_COLUMNS))
    # typed as rows.read_batches reads the file: codes as dictionary strings, numbers as text
    dictionary = pa.dictionary(pa.int32(), pa.string())
    raw = pa.table([raw[c] if c in NUMERIC else raw[c].cast(dictionary) for c in RAW_COLUMNS], names=list(RAW_COLUMNS))
    batch = raw.combine_chunks().to_batches()[0]
    table = to_trade_flows(batch, contract, entry).table
    times, flagged = [], 0
    for _ in range(args.repeat):
        start = time.process_time()
        reasons = failure_reasons(contract, table)
        times.append(time.process_time() - start)
        flagged = reasons.null_count
    print(json.dumps({"rows": table.num_rows, "flagged": table.num_rows - flagged,
                      "cpu_best_s": round(min(times), 4), "cpu_median_s": round(statistics.median(times), 4)}))


if __name__ == "__main__":
    main()
