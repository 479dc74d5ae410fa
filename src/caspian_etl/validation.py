"""Validate a parsed table against its contract; split off the rows that fail instead of dropping them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from caspian_etl.contracts import TableContract
from caspian_etl.errors import ContractError

REASON_COLUMN = "quarantine_reason"
_MAX_PASSES = 4


@dataclass
class ValidationResult:
    valid: pd.DataFrame  # coerced to the contract's dtypes, in the contract's column order
    quarantined: pd.DataFrame  # the failing rows as parsed, plus `quarantine_reason`

    @property
    def n_valid(self) -> int:
        return len(self.valid)

    @property
    def n_quarantined(self) -> int:
        return len(self.quarantined)


def _describe(failure: pd.Series, contract: TableContract) -> str:
    check = str(failure["check"])
    if failure["schema_context"] == "DataFrameSchema":
        # table-wide checks are reported once per column of the row; one reason per row is enough
        if check == "multiple_fields_uniqueness":
            return f"duplicate natural key ({', '.join(contract.natural_key)}): an earlier row has the same key"
        return check if check.startswith("row check") else f"row check {check} failed"
    column = failure["column"] if isinstance(failure["column"], str) else "?"
    value = str(failure["failure_case"])
    if len(value) > 80:
        value = value[:77] + "..."
    return f"{column}: {check} failed for value {value!r}"


def validate_table(contract: TableContract, frame: pd.DataFrame, *, source: str | None = None) -> ValidationResult:
    """Lazily validate `frame`; return the valid rows (coerced) and the failing rows with their reasons.

    Pandera leaves a column uncoerced when any of its values fails coercion, which makes the column's other
    checks fail as a whole (no row index). So failing rows are removed and the rest validated again, until
    only valid rows remain. A failure that belongs to no row (a missing column, say) fails the whole table.
    """
    flagged = pd.DataFrame()
    if REASON_COLUMN in frame.columns:  # rows the parser itself could not interpret, with its reason
        is_flagged = frame[REASON_COLUMN].notna()
        flagged = frame[is_flagged]
        frame = frame[~is_flagged].drop(columns=[REASON_COLUMN])
    missing = [c for c in contract.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in contract.column_names]
    if missing or extra:
        raise ContractError(
            f"table {contract.name}: parsed columns do not match schemas/{contract.name}.yaml "
            f"(missing {missing}, unexpected {extra})", source=source)
    frame = frame.reset_index(drop=True)
    schema = contract.pandera_schema()
    reasons: dict[int, list[str]] = {}
    remaining = frame
    for _ in range(_MAX_PASSES):
        try:
            valid = schema.validate(remaining, lazy=True)
            break
        except pa.errors.SchemaErrors as err:
            failures = err.failure_cases
            per_row = failures[failures["index"].notna()]
            if per_row.empty:
                detail = "; ".join(dict.fromkeys(_describe(f, contract) for _, f in failures.iterrows()))
                raise ContractError(f"table {contract.name} fails its contract as a whole: {detail}",
                                    source=source) from None
            for _, failure in per_row.iterrows():
                reasons.setdefault(int(failure["index"]), []).append(_describe(failure, contract))
            remaining = remaining.drop(index=sorted({int(i) for i in per_row["index"]}))
    else:
        raise ContractError(f"table {contract.name}: validation did not settle after {_MAX_PASSES} passes",
                            source=source)

    bad_index = sorted(reasons)
    quarantined = frame.loc[bad_index].copy()
    quarantined[REASON_COLUMN] = ["; ".join(dict.fromkeys(reasons[i])) for i in bad_index]
    if len(flagged):
        quarantined = pd.concat([flagged, quarantined], ignore_index=True)
    return ValidationResult(valid=valid[contract.column_names].reset_index(drop=True),
                            quarantined=quarantined.reset_index(drop=True))
