"""Benchmarks: run by hand (`python benchmarks/bench_<name>.py`), never part of the timed test suite."""
