"""`caspian-etl ingest-file`: turn files the user downloaded into a snapshot of a source, then curate it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow as pa

from caspian_etl.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, add_data_dir, print_summary, writable_data_dir
from caspian_etl.derived import DERIVED
from caspian_etl.pipeline.downstream import build_derived, publish, warm_up
from caspian_etl.pipeline.run import RunSummary, ingest_files
from caspian_etl.sources import REGISTRY

NAME = "ingest-file"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    accepting = sorted(n for n, s in REGISTRY.items() if s.accepts_files)
    p = sub.add_parser(
        NAME, help="ingest downloaded files of a source (bulk files, files behind bot walls)",
        description="Copy the given files into a new raw snapshot of SOURCE (keeping their sha256, like any "
                    "fetched response), then parse, validate and write the source's curated tables, and "
                    "rebuild the derived tables, the catalog and the report. "
                    f"Sources that accept files: {', '.join(accepting) or 'none yet'}.",
    )
    p.add_argument("source", metavar="SOURCE", choices=accepting or None, help="the source the files belong to")
    p.add_argument("files", metavar="PATH", nargs="+", type=Path, help="file(s) to ingest")
    add_data_dir(p)
    return p


def _lean_arrow_memory() -> None:
    """Arrow's jemalloc pool instead of its default mimalloc, where the build has it: a bulk ingest allocates and
    frees hundreds of MB on five threads, and jemalloc hands freed memory back sooner (peak RSS of a 5M-row
    ingest: about 605 -> 550 MiB). A pool chosen with ARROW_DEFAULT_MEMORY_POOL=system is left alone."""
    if pa.default_memory_pool().backend_name != "mimalloc":
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a build without jemalloc (e.g. Windows wheels)
        pass


def execute(args: argparse.Namespace) -> int:
    paths = writable_data_dir(args.data_dir, args.settings)
    _lean_arrow_memory()
    # the steps after the ingest load their libraries while the files are copied into the snapshot (a copy
    # hardly needs the GIL), and the curation starts when they are loaded: beside the stream, the imports held
    # the GIL from the parsing threads and cost the stream about what they saved later (8 paired runs at 5M
    # rows: 0.4 s faster in 7 of them)
    warming = warm_up()
    try:
        result = ingest_files(args.source, paths, list(args.files), after_copy=warming.join)
    finally:
        warming.join()
    results = [result]
    if result.status == "ok" and DERIVED:  # the new figures reach the claim checks, targets and report now
        results += [build_derived(paths), publish(paths)]
    summary = RunSummary(results)
    print_summary(summary, paths)
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED
