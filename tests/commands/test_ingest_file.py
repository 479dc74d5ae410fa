"""`caspian-etl ingest-file`: downloaded files become a snapshot (with sha256), then are curated.

The source used here is a toy registered only for the test; its file content is synthetic."""

from dataclasses import replace

import pandas as pd
import pytest

from caspian_etl.cli import EXIT_OK, EXIT_USAGE, main
from caspian_etl.contracts.curated import read_table
from caspian_etl.core.snapshots import SnapshotStore, sha256_bytes
from caspian_etl.sources import REGISTRY, worldbank


def _parse_toy(snapshot):
    rows = []
    for entry in snapshot.entries:
        for line in snapshot.read(entry.name).decode().splitlines()[1:]:
            country, year, value = line.split(",")
            rows.append(dict(indicator="TOY.X", indicator_name="toy", country=country, partner=None, period=year,
                             frequency="A", period_start=f"{year}-01-01", period_end=f"{year}-12-31", value=value,
                             unit="USD", kind="observation", basis="official", claim_id=None, note=None,
                             source="toy", source_url=entry.url, snapshot_sha256=entry.sha256))
    return {"macro_indicators": pd.DataFrame(rows)}


@pytest.fixture
def toy_source(monkeypatch):
    toy = replace(worldbank.SOURCE, name="toy", tables=("macro_indicators",), parse=_parse_toy, accepts_files=True)
    monkeypatch.setitem(REGISTRY, "toy", toy)
    return toy


def test_ingest_file_snapshots_and_curates(toy_source, paths, tmp_path) -> None:
    f = tmp_path / "download.csv"
    f.write_bytes(b"country,year,value\nKAZ,2020,1.5\nAZE,2020,oops\n")  # synthetic
    assert main(["ingest-file", "toy", str(f), "--data-dir", str(paths.root)]) == EXIT_OK
    snap = SnapshotStore(paths, "toy").latest()
    assert snap.entries[0].sha256 == sha256_bytes(f.read_bytes()) and snap.entries[0].url == f.resolve().as_uri()
    table = read_table(paths, "macro_indicators")
    assert table["value"].tolist() == [1.5]
    quarantined = list((paths.quarantine / "macro_indicators").glob("toy__*.csv"))
    assert len(quarantined) == 1 and "oops" in quarantined[0].read_text()


def test_ingest_file_missing_file_is_a_clear_error(toy_source, paths, tmp_path, capsys) -> None:
    assert main(["ingest-file", "toy", str(tmp_path / "nope.csv"), "--data-dir", str(paths.root)]) == EXIT_USAGE
    assert "no such file" in capsys.readouterr().err


def test_the_warm_up_is_waited_for_after_the_copy_and_before_the_curation(paths, tmp_path, monkeypatch) -> None:
    """ingest-file lets the warm-up finish while the files are copied, not while they stream."""
    from benchmarks.comtrade_synth import write_bulk_file
    from caspian_etl.commands import ingest_file
    from caspian_etl.contracts.curated import part_files

    bulk = tmp_path / "bulk.tsv.gz"
    write_bulk_file(bulk, 2_000)
    seen: list[tuple[str, int, int]] = []

    class Warming:  # what warm_up() returns: a thread the command joins
        def join(self) -> None:
            stored = SnapshotStore(paths, "comtrade").latest()
            seen.append(("join", len(stored.entries) if stored else 0, len(part_files(paths, "trade_flows"))))

    monkeypatch.setattr(ingest_file, "warm_up", Warming)
    assert main(["ingest-file", "comtrade", str(bulk), "--data-dir", str(paths.root)]) == EXIT_OK
    # first join: the file is in a stored snapshot and nothing is curated yet; the second is the command's finally
    assert seen[0] == ("join", 1, 0)
    assert len(seen) == 2 and seen[1][2] >= 1


def test_a_bulk_ingest_whose_derived_tables_are_empty_never_loads_pandera(tmp_path) -> None:
    """Pandera (about 0.45 s to import) is loaded where rows are validated with it. A bulk file is validated by
    the Arrow checks, and the derived tables of a folder without claims have no row: their typed empty frames
    come from the contracts (test_validation compares them with Pandera's), so the command runs without it."""
    import subprocess
    import sys

    from benchmarks.comtrade_synth import write_bulk_file

    bulk = tmp_path / "bulk.tsv.gz"
    write_bulk_file(bulk, 2_000)
    probe = ("import sys; from caspian_etl.cli import main; "
             f"code = main(['ingest-file', 'comtrade', {str(bulk)!r}, '--data-dir', {str(tmp_path / 'data')!r}]); "
             "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'pandera'}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "0 []"
