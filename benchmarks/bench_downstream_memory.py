"""Benchmark: time and peak memory of the pipeline run that follows a large Comtrade bulk ingest.

    python benchmarks/bench_downstream_memory.py [--rows 5000000] [--workdir benchmarks/out]

In a fresh data dir under the workdir, each step a child process under `/usr/bin/time -v`:
  first    `caspian-etl run --offline --without-prefect` (claims only: the small tables);
  ingest   snapshot and curate N SYNTHETIC bulk rows (benchmarks/comtrade_synth.py: monthly HS6 rows of six
           reporters, none of them a figure the claims speak about): `caspian_etl.pipeline.run.ingest_files`,
           i.e. `caspian-etl ingest-file comtrade <file>` without its closing derived/catalog/report step;
  next     `caspian-etl run --offline --without-prefect` again: comtrade is up to date, so this is the derived
           tables, catalog and report over a trade_flows table of N rows. Its peak should depend on the rows
           the claims need, not on N.
Then, unless --skip-command, `caspian-etl ingest-file comtrade <file>` (the whole command, downstream step
included) into a second fresh data dir. Peak RSS is /usr/bin/time's "Maximum resident set size". The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIME = "/usr/bin/time"


INGEST_ONLY = ("import sys; from pathlib import Path; from caspian_etl.core.settings import DataPaths; "
               "from caspian_etl.pipeline.run import ingest_files; "
               "r = ingest_files('comtrade', DataPaths(Path(sys.argv[1])), [Path(sys.argv[2])]); "
               "sys.exit(0 if r.status == 'ok' else f'ingest failed: {r.reason}')")


def timed(args: list[str]) -> dict:
    """Run `python <args>` under /usr/bin/time -v; its wall seconds, peak RSS (MB) and exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PREFECT_HOME": tempfile.mkdtemp(prefix="prefect-"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    command = [TIME, "-v", sys.executable, *args]
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if found is None:
        raise SystemExit(f"no peak RSS from /usr/bin/time for {args}: {proc.stderr[-2000:]}")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr[-1500:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(int(found.group(1)) / 1024, 1),
            "exit": proc.returncode}


def caspian(args: list[str], data_dir: Path) -> dict:
    return timed(["-m", "caspian_etl.cli", *args, "--data-dir", str(data_dir)])


def show(label: str, figures: dict) -> None:
    print(f"{label:<42} {figures['seconds']:7.2f} s  peak RSS {figures['peak_rss_mb']:7.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    parser.add_argument("--skip-command", action="store_true", help="do not time the whole ingest-file command")
    args = parser.parse_args(argv)
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} is needed (GNU time: apt-get install time)")

    sys.path.insert(0, str(ROOT))
    from benchmarks.comtrade_synth import write_bulk_file

    args.workdir.mkdir(parents=True, exist_ok=True)
    file = args.workdir / f"comtrade_bulk_synthetic_{args.rows}.tsv.gz"
    if not file.exists():
        partial = file.with_suffix(".partial")
        write_bulk_file(partial, args.rows, bad_every=1_000_000)
        partial.rename(file)
    data_dir = args.workdir / "downstream_data"
    shutil.rmtree(data_dir, ignore_errors=True)
    run = ["run", "--offline", "--without-prefect"]
    figures = {"rows": args.rows}
    figures["first_run"] = caspian(run, data_dir)
    show("first run (claims only)", figures["first_run"])
    figures["ingest_only"] = timed(["-c", INGEST_ONLY, str(data_dir), str(file)])
    show(f"ingest {args.rows} rows (no downstream step)", figures["ingest_only"])
    figures["next_run"] = caspian(run, data_dir)
    show("next run (derived, catalog, report)", figures["next_run"])
    if not args.skip_command:
        command_dir = args.workdir / "downstream_command"
        shutil.rmtree(command_dir, ignore_errors=True)
        figures["ingest_file_command"] = caspian(["ingest-file", "comtrade", str(file)], command_dir)
        show("caspian-etl ingest-file (whole command)", figures["ingest_file_command"])
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
