"""Making a table: column by column with NumPy, in fixed blocks of rows, written by pandas.

Blocks are `BLOCK_ROWS` rows whatever the run's plan, and each (column, block) has its own seed,
so the same spec and seed give byte-identical files however they were run, and a run can report
progress after every block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pandas as pd

from symage_pipeline.identities.seeding import derive
from symage_pipeline.tabular.registry import REGISTRY
from symage_pipeline.tabular.spec import TabularSpec
from symage_pipeline.tabular.types import Block

BLOCK_ROWS = 1_000
# pandas escapes every "/" in JSON; an escaped slash preceded by an even number of backslashes is one.
_ESCAPED_SLASH = re.compile(r"(?<!\\)((?:\\\\)*)\\/")


def _rng(seed: int, column: int, block: int) -> np.random.Generator:
    key = derive(seed, "tabular", column)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([key & 0xFFFFFFFF, key >> 32, block])))


def _null_mask(seed: int, column: int, block: int, rows: int, rate: float) -> np.ndarray:
    key = derive(seed, "tabular-nulls", column)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([key & 0xFFFFFFFF, key >> 32, block])))
    return rng.random(rows) < rate


def _is_text(values: object) -> bool:
    if isinstance(values, np.ndarray):
        return values.dtype.kind == "U" or (values.dtype.kind == "O" and len(values) > 0 and isinstance(values[0], str))
    return isinstance(values, list) and len(values) > 0 and isinstance(values[0], str)


def make_block(spec: TabularSpec, index: int) -> pd.DataFrame:
    """Block `index` of the table (rows [index * BLOCK_ROWS, …) up to `spec.rows`)."""
    start = index * BLOCK_ROWS
    rows = min(BLOCK_ROWS, spec.rows - start)
    types = [REGISTRY[c.type] for c in spec.columns]
    block = Block(spec.seed, start, rows, with_job=any(t.needs_job for t in types))
    data: dict[str, object] = {}
    for j, (column, ctype) in enumerate(zip(spec.columns, types, strict=True)):
        values = ctype.make(block, _rng(spec.seed, j, index), column.constraints)
        if _is_text(values):
            # Kept as Python objects: the same CSV and JSON bytes as pandas' Arrow strings, without
            # converting every cell to Arrow and back on the way to the writer (a tenth of the time).
            values = pd.Series(values, dtype=object)
        rate = column.constraints.get("null_rate", 0.0)
        if rate:
            series = pd.Series(values)
            if series.dtype.kind in "iub":
                series = series.astype("Int64" if series.dtype.kind in "iu" else "boolean")
            series[_null_mask(spec.seed, j, index, rows, rate)] = None
            values = series
        data[column.name] = values
    return pd.DataFrame(data)


def blocks(spec: TabularSpec) -> Iterator[pd.DataFrame]:
    for index in range(-(-spec.rows // BLOCK_ROWS)):
        yield make_block(spec, index)


def csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    return frame.to_csv(index=False, header=header, lineterminator="\n").encode()


def json_records(frame: pd.DataFrame) -> bytes:
    """The block's rows as JSON objects, comma-separated, without the enclosing brackets."""
    text = frame.to_json(orient="records", force_ascii=False, double_precision=15)
    return _ESCAPED_SLASH.sub(r"\1/", text)[1:-1].encode()


@dataclass(frozen=True)
class TableFiles:
    rows: int
    sizes: dict[str, int]


def write_table(
    spec: TabularSpec,
    sinks: dict[str, BinaryIO],
    on_progress: Callable[[int], None] = lambda rows: None,
) -> TableFiles:
    """Writes the table to one sink per format (`csv`, `json`: an array of row objects)."""
    sizes = dict.fromkeys(sinks, 0)

    def put(fmt: str, data: bytes) -> None:
        sinks[fmt].write(data)
        sizes[fmt] += len(data)

    if "json" in sinks:
        put("json", b"[")
    made = 0
    for index, frame in enumerate(blocks(spec)):
        if "csv" in sinks:
            put("csv", csv_bytes(frame, header=index == 0))
        if "json" in sinks:
            put("json", (b"," if index else b"") + json_records(frame))
        made += len(frame)
        on_progress(len(frame))
    if "json" in sinks:
        put("json", b"]")
    return TableFiles(made, sizes)


def table(spec: TabularSpec) -> pd.DataFrame:
    """The whole table in memory (tests, notebooks)."""
    return pd.concat(list(blocks(spec)), ignore_index=True)
