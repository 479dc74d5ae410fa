"""Prefect flows of caspian-etl (installed as the package `caspian_etl.flows`).

- source_flows.py: one flow per registered source (fetch with retries, then parse/validate/write)
- pipeline.py: the pipeline flow that runs every selected source flow and summarises the run

The flows are thin: the work is done by plain functions in caspian_etl.pipeline.run, .downstream and .backfills.
"""

from caspian_etl.core.settings import apply_prefect_defaults

# No network here and no telemetry wanted; and let Prefect show the library's own log lines in run logs.
apply_prefect_defaults(slow_start=False)
