"""How long a re-run costs when nothing changed, next to a trivial Prefect flow (run by hand).

    .venv/bin/python benchmarks/bench_noop_rerun.py [--repeat 3]

Under one prefect_test_harness (a local temporary server), with flow heartbeats off as in the tests and on as
in deployments: times a trivial flow, the pipeline flow's first offline run into an empty data dir, and its
no-op re-run (every source unchanged: no parse, no write); then the same runs without Prefect. Prints the
figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from caspian_etl.core.settings import DataPaths
    from caspian_etl.flows.pipeline import pipeline
    from caspian_etl.pipeline.run import run_pipeline
    from caspian_etl.sources import REGISTRY

    @flow
    def trivial() -> int:
        return 1

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=180):
        for heartbeat, label in ((None, "heartbeat_off"), (30, "heartbeat_on")):
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: heartbeat}):
                data = Path(tmp) / label
                figures[f"trivial_flow_s_{label}"] = timed(trivial, args.repeat)
                t0 = time.perf_counter()
                pipeline(offline=True, data_dir=str(data), return_state=True)
                figures[f"first_run_s_{label}"] = time.perf_counter() - t0
                figures[f"noop_rerun_s_{label}"] = timed(
                    lambda data=data: pipeline(offline=True, data_dir=str(data), return_state=True), args.repeat)
        plain = DataPaths(Path(tmp) / "plain")
        t0 = time.perf_counter()
        run_pipeline(list(REGISTRY), plain, offline=True)
        figures["first_run_s_without_prefect"] = time.perf_counter() - t0
        figures["noop_rerun_s_without_prefect"] = timed(
            lambda: run_pipeline(list(REGISTRY), plain, offline=True), args.repeat)
    for key, value in figures.items():
        print(f"{key:38} {value:7.2f}")
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
