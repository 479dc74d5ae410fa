"""official_observations is computed once per version of its input files and shared (SYNTHETIC rows)."""

from caspian_etl.derived import observations
from caspian_etl.derived.observations import official_observations
from tests.synthetic import trade_row, write_rows


def test_shared_once_per_version_of_the_files_and_each_caller_gets_its_own_copy(paths, monkeypatch) -> None:
    write_rows(paths, "trade_flows", [trade_row("KAZ", "AZE", "X", "2022", 1e6)])
    reads = []
    real = observations._trade_rows
    monkeypatch.setattr(observations, "_trade_rows", lambda p: reads.append(p) or real(p))

    first = official_observations(paths)
    assert list(first[first["metric"] == "goods_exports"]["period"]) == ["2022"]
    first["value"] = -1.0  # a caller changing its copy changes nobody else's
    again = official_observations(paths)
    assert len(reads) == 1 and (again["value"] > 0).all()

    write_rows(paths, "trade_flows", [trade_row("KAZ", "AZE", "X", "2022", 1e6),
                                      trade_row("KAZ", "AZE", "X", "2023", 2e6)])
    changed = official_observations(paths)  # a new file version: computed again
    assert len(reads) == 2
    assert list(changed[changed["metric"] == "goods_exports"]["period"]) == ["2022", "2023"]
