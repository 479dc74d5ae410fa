"""The natural key of bulk rows, packed into one exact int64 per row for the duplicate check.

Within one bulk ingest, `source` is comtrade and `claim_id` is null on every row, and each partition holds one
reporter, so a row's key is its (partner, flow, period, classification, commodity_code). Each value gets a small
number the first time it is seen (one vocabulary for the whole ingest) and the numbers are packed side by side
into an int64: equal keys give equal integers, different keys different ones. The numbers are only compared
for equality, so which thread saw a value first does not matter.
"""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caspian_etl.core.errors import ContractError
from caspian_etl.sources.comtrade.codes import NAME as SOURCE_NAME

# bits per column (58 in all): distinct values one ingest may hold (4,095 partners, 4,095 periods, ...)
KEY_BITS = {"partner": 12, "flow": 4, "period": 12, "classification": 6, "commodity_code": 24}
CONSTANT_KEY = ("source", "reporter", "claim_id")  # the same on every row of a partition


class KeyPacker:
    """Packs the varying natural-key columns into one int64 per row; safe to call from several threads."""

    def __init__(self) -> None:
        self._vocab: dict[str, dict[str, int]] = {c: {} for c in KEY_BITS}
        self._lock = threading.Lock()

    def _ids(self, column: str, values: list[str]) -> np.ndarray:
        vocab, bits = self._vocab[column], KEY_BITS[column]
        with self._lock:
            ids = [vocab.setdefault(v, len(vocab)) for v in values]
            if len(vocab) >= 1 << bits:
                raise ContractError(f"more than {(1 << bits) - 1} distinct {column} values in one bulk ingest; "
                                    f"the duplicate check cannot pack them", source=SOURCE_NAME)
        return np.array(ids, dtype=np.int64)

    def pack(self, table: pa.Table) -> np.ndarray:
        key = np.zeros(table.num_rows, dtype=np.int64)
        for column, bits in KEY_BITS.items():
            encoded = pc.dictionary_encode(table[column].combine_chunks())
            ids = self._ids(column, encoded.dictionary.to_pylist())
            key = (key << bits) | ids[encoded.indices.to_numpy(zero_copy_only=False)]
        return key


def later_duplicates(keys: np.ndarray) -> np.ndarray:
    """Positions of the rows whose key an earlier row already has (the first row of each key stays).

    A plain sort answers the usual case (no key repeats) about ten times faster than np.unique's stable
    argsort: 0.12 -> 0.01 s for a 768,000-row partition. Only when a key repeats is the first row of each
    key looked up."""
    ordered = np.sort(keys)
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(0, dtype=np.intp)
    later = np.ones(len(keys), dtype=bool)
    later[np.unique(keys, return_index=True)[1]] = False
    return np.flatnonzero(later)
