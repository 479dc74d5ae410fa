"""The derived tables, catalog and report read the rows they use, not the whole of trade_flows.

trade_flows holds a few SYNTHETIC official figures the claims speak about (KAZ-AZE annual totals, invented for
the test) and thousands of SYNTHETIC bulk-like lines no derived table or chart uses (monthly HS6 lines of
other reporters, like a Comtrade bulk file). A spy on the curated readers counts the rows each table hands
over as DataFrames: they must follow the rows used, not the size of the table, and the indicator tables and
trade_flows are read for the official figures once per run, not once per consumer.
"""

from __future__ import annotations

import sys
from collections import Counter

import pandas as pd

from caspian_etl.contracts import curated
from caspian_etl.contracts.curated import read_table, write_part
from caspian_etl.contracts.schema import load_contract
from caspian_etl.pipeline.downstream import build_derived, publish
from caspian_etl.pipeline.run import run_source
from tests.derived.test_trade_mirror import flow

M = 1e6
REPORTERS = ["GEO", "TUR", "CHN", "UZB"]
N_BULK = 6000


def bulk_like_rows() -> list[dict]:
    """SYNTHETIC monthly HS6 lines (made-up values) of reporters the claims never mention."""
    rows = []
    for i in range(N_BULK):
        reporter = REPORTERS[i % len(REPORTERS)]
        partner = REPORTERS[(i + 1) % len(REPORTERS)]
        month = 1 + (i // len(REPORTERS)) % 12
        code = f"{1 + i % 97:02d}{(i // 97) % 100:02d}{(i * 7) % 100:02d}"
        rows.append(flow("comtrade", reporter, partner, "XM"[i % 2], 1000.0 + i, period=f"2021-{month:02d}",
                         code=code))
    return rows


USED_ROWS = [  # SYNTHETIC annual totals between the two countries the claims are about
    flow("comtrade", "KAZ", "AZE", "X", 300 * M), flow("comtrade", "KAZ", "AZE", "M", 100 * M),
    flow("comtrade", "AZE", "KAZ", "M", 330 * M), flow("comtrade", "AZE", "KAZ", "X", 90 * M),
]


class ReadSpy:
    """Wraps the curated readers (read_table, and first_rows where it exists) in every caspian_etl module that
    imported them; counts, per table, the reads and the rows they hand over as DataFrames."""

    def __init__(self, monkeypatch) -> None:
        self.reads: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()
        import caspian_etl.publish.report.data  # noqa: F401  (the report imports it when it runs)

        for name in ("read_table", "first_rows"):
            real = getattr(curated, name, None)
            if real is None:
                continue
            spy = self._counting(real)
            for module in [m for n, m in list(sys.modules.items()) if n.startswith("caspian_etl") and m]:
                if getattr(module, name, None) is real:
                    monkeypatch.setattr(module, name, spy)

    def _counting(self, reader):
        def read(paths, table, *args, **kwargs):
            frame = reader(paths, table, *args, **kwargs)
            self.reads[table] += 1
            self.rows[table] += len(frame)
            return frame
        return read


def test_derived_tables_and_report_read_only_the_trade_rows_they_use(paths, monkeypatch) -> None:
    assert run_source("claims", paths).status == "ok"  # the real registry: claims and reported rows
    frame = pd.DataFrame(USED_ROWS + bulk_like_rows()).astype({"period_start": "datetime64[ns]",
                                                                "period_end": "datetime64[ns]"})
    write_part(paths, load_contract("trade_flows"), "comtrade", frame)
    reported = len(read_table(paths, "trade_flows")) - len(frame)  # the registry's own trade rows

    spy = ReadSpy(monkeypatch)
    derived = build_derived(paths)
    published = publish(paths)
    assert derived.status == "ok" and published.status == "ok", (derived.reason, published.reason)

    # at most every row but the bulk-like ones, once for the official figures and once for the mirror
    # (reading whole tables, as before, hands over 4 x N_BULK rows)
    assert spy.rows["trade_flows"] <= 2 * (len(USED_ROWS) + reported) + 10, spy.rows
    # the official figures are computed once for claim_checks, targets and the report
    assert spy.reads["macro_indicators"] == 1, spy.reads
    mirror = read_table(paths, "trade_mirror")
    assert {"KAZ", "AZE"} >= set(mirror["exporter"]) and len(mirror)  # the used rows were used


def test_warm_up_loads_the_report_libraries_and_ingest_file_waits_for_it(paths, tmp_path, monkeypatch) -> None:
    """`ingest-file` loads the plotting library on a thread while the files stream, and leaves no thread behind;
    a failure of the warm-up is not the command's (the real step reports it)."""
    import sys
    import threading

    from caspian_etl.cli import main
    from caspian_etl.pipeline import code_version, downstream

    code_version.module_closure.cache_clear()
    thread = downstream.warm_up()
    thread.join(timeout=60)
    assert not thread.is_alive() and "matplotlib.figure" in sys.modules
    # the derived tables' import graphs are known before their code digests are asked for
    assert code_version.module_closure.cache_info().currsize >= len(downstream.DERIVED)

    monkeypatch.setattr(downstream, "load_contract", lambda name: (_ for _ in ()).throw(RuntimeError("boom")))
    downstream.warm_up().join(timeout=60)  # swallowed: nothing raised here

    missing = tmp_path / "absent.tsv.gz"
    assert main(["ingest-file", "comtrade", str(missing), "--data-dir", str(paths.root)]) != 0
    assert not [t for t in threading.enumerate() if t.name == "warm-up"]
