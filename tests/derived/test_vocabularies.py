"""The Literal vocabularies of verdicts and statuses are the values their tables' contracts allow: one list,
checked here, so neither the code nor schemas/ can gain a value the other does not know."""

from __future__ import annotations

from typing import get_args

import pytest

from caspian_etl.contracts.schema import load_contract
from caspian_etl.derived import citation_checks, claim_checks, targets

PAIRS = [
    (claim_checks.Verdict, "claim_checks", "verdict"),
    (claim_checks.Comparability, "claim_checks", "comparability"),
    (targets.Status, "targets", "status"),
    (citation_checks.Verdict, "citation_checks", "verdict"),
]


@pytest.mark.parametrize(("vocabulary", "table", "column"), PAIRS, ids=[f"{t}.{c}" for _, t, c in PAIRS])
def test_literal_vocabulary_is_the_contracts_list(vocabulary: object, table: str, column: str) -> None:
    allowed = load_contract(table).column(column).checks["isin"]
    assert list(get_args(vocabulary)) == list(allowed)
