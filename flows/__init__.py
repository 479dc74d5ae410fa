"""Prefect flows of caspian-etl (installed as the package `caspian_etl.flows`).

- source_flows.py: one flow per registered source (fetch with retries, then parse/validate/write)
- pipeline.py: the pipeline flow that runs every selected source flow and summarises the run

The flows are thin: the work is done by plain functions in caspian_etl.pipeline.run, .downstream and .backfills.
"""

import os

# No network here and no telemetry wanted; and let Prefect show the library's own log lines in run logs.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "caspian_etl")
# the library logs outside flow runs too (plain mode, tests): no warning for each such line
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
