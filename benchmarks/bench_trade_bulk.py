"""Benchmark: caspian-etl's streaming Comtrade bulk ingest against DuckDB's COPY on the same file.

    python benchmarks/bench_trade_bulk.py [--rows 10000000] [--workdir benchmarks/out]

Generates N SYNTHETIC rows in the bulk format (benchmarks/comtrade_synth.py: gzipped TSV with the API's 47
columns, one invalid commodity code every 1,000,000 rows), then, each in its own child process:
  caspian  snapshot the file (copy + sha256, as `caspian-etl ingest-file` does), then curate it: parse,
           validate every row against schemas/trade_flows.yaml, quarantine, write reporter-year partitions;
  duckdb   COPY (SELECT * FROM read_csv('<file>')) TO '<out>.parquet'.
caspian_s is the curate step (parse + validate + write); the snapshot copy is printed on its own line.
peak_rss_mb is the caspian child's peak resident memory. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from
    the parent's peak at fork time, which would charge the generator's memory to the ingest."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, file: Path, workdir: Path) -> None:
    """Runs in the child process; prints one JSON line with its timings and peak memory."""
    if mode == "duckdb":
        import duckdb

        out = workdir / "duckdb.parquet"
        start = time.perf_counter()
        duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{file}')) TO '{out}' (FORMAT parquet)")
        print(json.dumps({"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}))
        return
    from caspian_etl.core.settings import DataPaths
    from caspian_etl.core.snapshots import SnapshotStore, utc_now
    from caspian_etl.pipeline.run import curate
    from caspian_etl.sources import get_source

    paths = DataPaths(workdir / "data")
    source = get_source("comtrade")
    start = time.perf_counter()
    with SnapshotStore(paths, "comtrade").writer(params={"ingested_files": [str(file)]}) as writer:
        writer.add_file(file.name, file, url=file.resolve().as_uri(), requested_at=utc_now())
        snapshot = writer.commit()
    snapshotted = time.perf_counter()
    outcomes = curate(source, snapshot, paths)
    done = time.perf_counter()
    outcome = outcomes[0]
    if outcome.error:
        raise SystemExit(f"caspian ingest failed: {outcome.error}")
    print(json.dumps({"seconds": done - snapshotted, "snapshot_seconds": snapshotted - start,
                      "rows_written": outcome.rows_written, "rows_quarantined": outcome.rows_quarantined,
                      "partitions": len(list((paths.curated / "trade_flows").glob("comtrade__*.parquet"))),
                      "peak_rss_mb": peak_rss_mb()}))


def run_child(mode: str, file: Path, workdir: Path) -> dict:
    """The child's JSON line."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.run([sys.executable, __file__, "--child", mode, "--file", str(file), "--workdir", str(workdir)],
                          stdout=subprocess.PIPE, env=env, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} child failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    parser.add_argument("--child", choices=["caspian", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.file, args.workdir)
        return 0

    sys.path.insert(0, str(ROOT))
    from benchmarks.comtrade_synth import write_bulk_file

    args.workdir.mkdir(parents=True, exist_ok=True)
    file = args.workdir / f"comtrade_bulk_synthetic_{args.rows}.tsv.gz"
    if not file.exists():
        start = time.perf_counter()
        partial = file.with_suffix(".partial")
        write_bulk_file(partial, args.rows, bad_every=1_000_000)
        partial.rename(file)
        print(f"generated {args.rows} synthetic rows in {time.perf_counter() - start:.1f} s "
              f"({file.stat().st_size / 1e6:.0f} MB gz): {file}")
    for run in ("caspian", "duckdb"):
        shutil.rmtree(args.workdir / run, ignore_errors=True)
        (args.workdir / run).mkdir()
    caspian = run_child("caspian", file, args.workdir / "caspian")
    duck = run_child("duckdb", file, args.workdir / "duckdb")
    caspian_rss, duck_rss = caspian["peak_rss_mb"], duck["peak_rss_mb"]
    ratio = caspian["seconds"] / duck["seconds"]
    print(f"caspian-etl snapshot (copy + sha256): {caspian['snapshot_seconds']:.2f} s")
    print(f"caspian-etl ingest (parse + validate + write): {caspian['seconds']:.2f} s  "
          f"rows written {caspian['rows_written']}, quarantined {caspian['rows_quarantined']}, "
          f"partitions {caspian['partitions']}, peak RSS {caspian_rss:.0f} MB")
    print(f"duckdb COPY read_csv -> parquet: {duck['seconds']:.2f} s  peak RSS {duck_rss:.0f} MB")
    print(f"ratio caspian/duckdb: {ratio:.2f} (with the snapshot copy: "
          f"{(caspian['seconds'] + caspian['snapshot_seconds']) / duck['seconds']:.2f})")
    print(json.dumps({"rows": args.rows, "caspian_s": round(caspian["seconds"], 2),
                      "duckdb_s": round(duck["seconds"], 2), "ratio": round(ratio, 3),
                      "peak_rss_mb": round(caspian_rss, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
