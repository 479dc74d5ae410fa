"""SYNTHETIC Comtrade-shaped bulk files: every value here is generated, none is real trade data.

A Comtrade bulk download is gzipped tab-separated text with the columns of the API's data rows (see
`API_COLUMNS`, the field names of a real `data/v1/get/C/A/HS` answer). `write_bulk_file` writes `rows`
monthly rows, ordered like concatenated bulk files (reporter, then month, then partner, flow, commodity), so
the natural key is unique by construction; `bad_every` plants one invalid commodity code every N rows to
exercise the quarantine. Used by benchmarks/bench_trade_bulk.py and by the bulk ingest tests.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

API_COLUMNS = [
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
    "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
    "partner2ISO", "partner2Desc", "classificationCode", "classificationSearchCode", "isOriginalClassification",
    "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc",
    "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated", "cifvalue",
    "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
]

# (M49 code, ISO3, name) of the synthetic reporters and partners
REPORTERS = [(398, "KAZ", "Kazakhstan"), (31, "AZE", "Azerbaijan"), (268, "GEO", "Georgia"),
             (792, "TUR", "Türkiye"), (156, "CHN", "China"), (860, "UZB", "Uzbekistan")]
PARTNERS = REPORTERS + [(0, "W00", "World"), (643, "RUS", "Russian Federation"), (276, "DEU", "Germany"),
                        (380, "ITA", "Italy"), (842, "USA", "USA"), (364, "IRN", "Iran"), (795, "TKM", "Turkmenistan"),
                        (417, "KGZ", "Kyrgyzstan"), (762, "TJK", "Tajikistan"), (51, "ARM", "Armenia")]
FLOWS = [("X", "Export"), ("M", "Import")]
N_COMMODITIES = 2000
FIRST_YEAR = 2020


def commodity_codes(n: int = N_COMMODITIES) -> list[str]:
    """n distinct 6-digit HS-like codes, many with a leading zero (chapters 01-09)."""
    codes = [f"{1 + (i % 97):02d}{(i // 97) % 100:02d}{(i * 7) % 100:02d}" for i in range(n)]
    assert len(set(codes)) == n
    return codes


def _strings(values: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index))


def bulk_table(start: int, stop: int, *, bad_every: int = 0, seed: int = 7) -> pa.Table:
    """Rows start..stop-1 of the synthetic enumeration as an Arrow table of strings (the file's text)."""
    i = np.arange(start, stop, dtype=np.int64)
    cmds = commodity_codes()
    n_cmd, n_flow, n_partner = len(cmds), len(FLOWS), len(PARTNERS)
    cmd = i % n_cmd
    flow = (i // n_cmd) % n_flow
    partner = (i // (n_cmd * n_flow)) % n_partner
    month_index = i // (n_cmd * n_flow * n_partner)  # reporter-month blocks, like one bulk file each
    reporter = (month_index // 12) % len(REPORTERS)
    year = FIRST_YEAR + month_index // (12 * len(REPORTERS))
    month = month_index % 12 + 1
    rng = np.random.default_rng(seed + start)
    value = np.round(rng.lognormal(10, 2.5, len(i)), 2)
    weight = np.round(value / rng.uniform(0.5, 20, len(i)), 1)
    n = len(i)

    def col(a: np.ndarray | list) -> pa.Array:
        return pc.cast(pa.array(a), pa.string())

    period = year * 100 + month
    cmd_codes = _strings(cmds, cmd)
    if bad_every:
        bad = (i % bad_every) == bad_every - 1
        cmd_codes = pc.if_else(pa.array(bad), pa.scalar("ABC"), cmd_codes)
    weight_text = pc.if_else(pa.array(i % 10 == 3), pa.scalar(""), col(weight))

    def const(text: str) -> pa.Array:
        return pa.repeat(pa.scalar(text, pa.string()), n)

    empty, zeros, false = const(""), const("0"), const("false")
    columns = {
        "typeCode": const("C"), "freqCode": const("M"),
        "refPeriodId": col(period * 100 + 1), "refYear": col(year), "refMonth": col(month), "period": col(period),
        "reporterCode": _strings([str(r[0]) for r in REPORTERS], reporter),
        "reporterISO": _strings([r[1] for r in REPORTERS], reporter),
        "reporterDesc": _strings([r[2] for r in REPORTERS], reporter),
        "flowCode": _strings([f[0] for f in FLOWS], flow), "flowDesc": _strings([f[1] for f in FLOWS], flow),
        "partnerCode": _strings([str(p[0]) for p in PARTNERS], partner),
        "partnerISO": _strings([p[1] for p in PARTNERS], partner),
        "partnerDesc": _strings([p[2] for p in PARTNERS], partner),
        "partner2Code": zeros, "partner2ISO": const("W00"), "partner2Desc": const("World"),
        "classificationCode": const("H6"), "classificationSearchCode": const("HS"),
        "isOriginalClassification": const("true"), "cmdCode": cmd_codes,
        "cmdDesc": pc.binary_join_element_wise("Synthetic commodity ", cmd_codes, ""),
        "aggrLevel": const("6"), "isLeaf": const("true"),
        "customsCode": const("C00"), "customsDesc": const("TOTAL CPC"),
        "mosCode": zeros, "motCode": zeros, "motDesc": const("TOTAL MOT"),
        "qtyUnitCode": const("8"), "qtyUnitAbbr": const("kg"), "qty": weight_text,
        "isQtyEstimated": false, "altQtyUnitCode": const("-1"), "altQtyUnitAbbr": const("N/A"),
        "altQty": empty, "isAltQtyEstimated": false, "netWgt": weight_text, "isNetWgtEstimated": false,
        "grossWgt": empty, "isGrossWgtEstimated": false,
        "cifvalue": pc.if_else(pa.array(flow == 1), col(value), empty),
        "fobvalue": pc.if_else(pa.array(flow == 0), col(value), empty),
        "primaryValue": col(value), "legacyEstimationFlag": zeros, "isReported": const("true"),
        "isAggregate": false,
    }
    return pa.table([columns[c] for c in API_COLUMNS], names=API_COLUMNS)


def write_bulk_file(path: Path, rows: int, *, bad_every: int = 0, chunk: int = 1_000_000) -> Path:
    """Write `rows` synthetic rows as gzipped TSV (header line first), generated chunk by chunk."""
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(("\t".join(API_COLUMNS) + "\n").encode())
        for start in range(0, rows, chunk):
            table = bulk_table(start, min(rows, start + chunk), bad_every=bad_every)
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table, sink, write_options=options)
            out.write(sink.getvalue().to_pybytes())
    return path
