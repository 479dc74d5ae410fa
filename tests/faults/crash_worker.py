"""Run by tests/faults/test_crash.py in a subprocess that gets SIGKILLed at a random moment.

Imports everything first, says READY, then runs the offline pipeline on the data dir given as argv[1]."""

import sys

from caspian_etl.core.settings import resolve_data_dir
from caspian_etl.pipeline.run import run_pipeline

paths = resolve_data_dir(sys.argv[1])
print("READY", flush=True)
summary = run_pipeline(["claims"], paths, offline=True)
print("DONE" if summary.ok else "FAILED", flush=True)
