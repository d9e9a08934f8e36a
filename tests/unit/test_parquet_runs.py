"""A chunk writes the parquet rows of a batch of documents as one run; the bundle cuts a run at
the splits it crosses and appends it to the pieces, to the same bytes as one document at a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symage_pipeline.annotate import RowRuns
from symage_pipeline.annotate.hf import PieceWriter, page_rows, rows_by_split


def page(item: int) -> dict:
    return {"id": f"w2_{item:03d}_p0", "document_id": f"w2_{item:03d}", "form_id": "w2", "item_index": item,
            "page": 0, "image": None, "image_name": None, "words": ["Wages", f"{item}.00"],
            "boxes": np.array([[1, 2, 3, 4], [5, 6, 7, 8]]), "tags": ["O", "B-wages"]}  # fmt: skip


def test_a_run_is_cut_at_the_splits_and_writes_the_bytes_of_one_document_at_a_time(tmp_path: Path) -> None:
    runs = RowRuns()
    for item in range(6, 12):
        runs.add(f"w2_{item:03d}", {"typed": [page(item)]})
    ((path, ipc),) = runs.flush()
    assert path == "_work/hf/typed/w2_006.arrow"  # named after the run's first document
    assert runs.flush() == []
    spans = {"train": (0, 8), "validation": (8, 10), "test": (10, 12)}
    cut = [(split, run.column("item_index").to_pylist()) for split, run in rows_by_split(ipc, spans)]
    assert cut == [("train", [6, 7]), ("validation", [8, 9]), ("test", [10, 11])]

    tags = ["O", "B-wages"]
    whole, apart = PieceWriter(tmp_path / "a.parquet", tags), PieceWriter(tmp_path / "b.parquet", tags)
    for _, run in rows_by_split(ipc, spans):  # sliced runs: their lists do not start at offset 0
        whole.add_batch(run)
    for item in range(6, 12):
        apart.add_rows(page_rows([page(item)]))
    whole.close(), apart.close()
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_rows_past_the_shard_are_an_error_not_lost() -> None:
    ipc = page_rows([page(4), page(5)])
    with pytest.raises(ValueError, match="run past the shard"):
        list(rows_by_split(ipc, {"train": (0, 5)}))
