"""Benchmark: the whole `caspian-etl ingest-file comtrade FILE` command against Polars and DuckDB on the same file.

    python benchmarks/bench_trade_bulk.py [--rows 10000000] [--workdir benchmarks/out] [--only caspian,polars]
                                          [--rounds 5]

Generates N SYNTHETIC rows in the bulk format (benchmarks/comtrade_synth.py: gzipped TSV with the API's 47
columns, one invalid commodity code every 1,000,000 rows) unless the file exists, then runs each contender in
its own child process, one after the other, on the same file:
  caspian  the command a user runs, `caspian-etl ingest-file comtrade FILE --data-dir D` (interpreter start,
           imports, snapshot copy + sha256, parse, validate every row against schemas/trade_flows.yaml,
           quarantine, reporter-year partitions, then the derived tables, catalog and report it rebuilds);
  caspian_ingest  the same without the derived tables, catalog and report (pipeline.run.ingest_files: the
           snapshot and the bulk curation only), to tell the two parts apart;
  polars   pl.scan_csv(FILE, separator='\\t', infer_schema=False).sink_parquet(OUT): no types, no checks
           (infer_schema=False: inferred integer code columns would fail on the planted bad codes);
  duckdb   COPY (SELECT * FROM read_csv('FILE')) TO 'OUT' (FORMAT parquet): no checks.
For each: wall seconds (measured by the parent around the child, interpreter start included), CPU seconds
(user + system of the child and its threads) and peak resident memory (the child's VmHWM). The machine
should be quiet: wall times move with other load, CPU seconds much less. On a shared machine, `--rounds N`
runs every contender once per round (each round starting with the next contender), N rounds, and reports
medians and the median of each round's ratios (runs next to each other meet the same load). Dirty pages are
written out (`sync`) before each child, so no contender pays for the previous one's output. The package's
bytecode is compiled first, as pip does when it installs a wheel: with an editable install and
PYTHONDONTWRITEBYTECODE=1, every start would compile the package's modules again (about 0.3 s, which no user
pays twice). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONTENDERS = ("caspian", "caspian_ingest", "polars", "duckdb")


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux a child's ru_maxrss can start from
    the parent's peak at fork time."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process
    return usage.ru_utime + usage.ru_stime


def _child(mode: str, file: Path, workdir: Path) -> None:
    """Runs in the child process; prints one JSON line with its CPU time and peak memory."""
    report: dict = {}
    if mode == "caspian":
        from caspian_etl.cli import run_console  # what the console script runs (caspian_etl.cli.entry)

        code = run_console(["ingest-file", "comtrade", str(file), "--data-dir", str(workdir / "data")])
        if code != 0:
            raise SystemExit(f"caspian-etl ingest-file exited {code}")
    elif mode == "caspian_ingest":
        from caspian_etl.core.settings import DataPaths
        from caspian_etl.pipeline.run import ingest_files

        result = ingest_files("comtrade", DataPaths(workdir / "data"), [file])
        if result.status != "ok":
            raise SystemExit(f"caspian ingest failed: {result.reason}")
    elif mode == "polars":
        import polars as pl

        pl.scan_csv(file, separator="\t", infer_schema=False).sink_parquet(workdir / "polars.parquet")
    else:
        import duckdb

        out = workdir / "duckdb.parquet"
        duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{file}')) TO '{out}' (FORMAT parquet)")
    report.update(cpu_s=cpu_seconds(), peak_rss_mb=peak_rss_mb())
    print(json.dumps(report))


def run_child(mode: str, file: Path, workdir: Path) -> dict:
    """The child's JSON line, with the wall time of the whole child (interpreter start to exit)."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    os.sync()  # the previous contender's output is on disk: no contender pays for another one's writeback
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", mode, "--file", str(file), "--workdir", str(workdir)],
                          stdout=subprocess.PIPE, env=env, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{mode} child failed (exit {proc.returncode})")
    return {"wall_s": wall, **json.loads(proc.stdout.strip().splitlines()[-1])}


def caspian_rows(workdir: Path) -> dict:
    """Rows the caspian run wrote and quarantined, read back from its files (footers and the quarantine CSV)."""
    import pyarrow.parquet as pq

    parts = sorted((workdir / "data" / "curated" / "trade_flows").glob("comtrade__*.parquet"))
    written = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    quarantined = sum(max(sum(1 for _ in q.open(encoding="utf-8")) - 1, 0)
                      for q in (workdir / "data" / "quarantine" / "trade_flows").glob("comtrade__*.csv"))
    return {"rows_written": written, "rows_quarantined": quarantined, "partitions": len(parts)}


def ensure_file(rows: int, workdir: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from benchmarks.comtrade_synth import write_bulk_file

    workdir.mkdir(parents=True, exist_ok=True)
    file = workdir / f"comtrade_bulk_synthetic_{rows}.tsv.gz"
    if not file.exists():
        start = time.perf_counter()
        partial = file.with_suffix(".partial")
        write_bulk_file(partial, rows, bad_every=1_000_000)
        partial.rename(file)
        print(f"generated {rows} synthetic rows in {time.perf_counter() - start:.1f} s "
              f"({file.stat().st_size / 1e6:.0f} MB gz): {file}")
    return file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    parser.add_argument("--only", default=",".join(CONTENDERS), help="comma-separated contenders to run")
    parser.add_argument("--rounds", type=int, default=1, help="run every contender this many times, alternating")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.file, args.workdir)
        return 0

    file = ensure_file(args.rows, args.workdir)
    compileall.compile_dir(ROOT / "src" / "caspian_etl", quiet=1)
    modes = [m for m in CONTENDERS if m in args.only.split(",")]
    rounds: list[dict[str, dict]] = []
    for number in range(1, args.rounds + 1):
        results: dict[str, dict] = {}
        # each round starts with the next contender, so none always follows the same one
        for mode in modes[(number - 1) % len(modes):] + modes[:(number - 1) % len(modes)]:
            results[mode] = run_child(mode, file, args.workdir / mode)
            if mode.startswith("caspian"):
                results[mode].update(caspian_rows(args.workdir / mode))
            r = results[mode]
            print(f"{'round ' + str(number) + ' ' if args.rounds > 1 else ''}{mode:14s} wall {r['wall_s']:6.2f} s  "
                  f"cpu {r['cpu_s']:6.2f} s  peak RSS {r['peak_rss_mb']:5.0f} MB"
                  + (f"  rows written {r['rows_written']}, quarantined {r['rows_quarantined']}, partitions "
                     f"{r['partitions']}" if mode.startswith("caspian") else ""), flush=True)
        rounds.append(results)
    summary: dict = {"rows": args.rows, "rounds": args.rounds}
    for mode in modes:
        for measure in ("wall_s", "cpu_s", "peak_rss_mb"):
            values = [r[mode][measure] for r in rounds]
            summary[f"{mode}_{measure}"] = round(statistics.median(values), 2 if measure != "peak_rss_mb" else 1)
    for mine, label in (("caspian", "ratio"), ("caspian_ingest", "ingest_ratio")):
        if mine in modes and "polars" in modes:
            for measure in ("wall", "cpu"):
                ratios = [r[mine][f"{measure}_s"] / r["polars"][f"{measure}_s"] for r in rounds]
                summary[f"{label}_{measure}"] = round(statistics.median(ratios), 3)
                if args.rounds > 1:
                    summary[f"{label}_{measure}_range"] = [round(min(ratios), 3), round(max(ratios), 3)]
            print(f"{mine}/polars{' (median of the rounds)' if args.rounds > 1 else ''}: "
                  f"wall {summary[label + '_wall']:.2f}, cpu {summary[label + '_cpu']:.2f}"
                  + (" (target: wall <= 0.9, caspian peak RSS <= 600 MB)" if mine == "caspian" else ""))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
