"""The bundle copies the chunks' zip parts as they are, one shard's parts at a time: the archives
come out byte for byte as if every file had been compressed in place, whatever the chunking, and
the bundle never holds more than one shard's files."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from symage_pipeline import pipeline
from symage_pipeline.bundle import build_dataset
from symage_pipeline.bundle.items import stem_parser
from symage_pipeline.bundle.parts import PARTS_DIR, zip_entry
from symage_pipeline.catalog import load_catalog
from symage_pipeline.keys import dataset_key, files_prefix, shard_key
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def make_files(root: Path, spec: GenerationSpec, chunk_size: int, shard_size: int = 0) -> LocalStore:
    catalog, store = load_catalog(), LocalStore(root)
    for chunk in pipeline.plan_chunks("job", spec, chunk_size, shard_size):
        pipeline.make_chunk(catalog, store, chunk)
    return store


def archives(store: LocalStore) -> dict[str, bytes]:
    root = store.path("jobs/job")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.zip") if "_work" not in p.parts}


def compressed_in_place(data: bytes) -> bytes:
    """The same archive written member by member with `writestr`, each file compressed here."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            archive.writestr(zip_entry(name), source.read(name))
    return out.getvalue()


@pytest.mark.parametrize("shard_size", [0, 4])
def test_archives_from_parts_equal_archives_compressed_in_place(tmp_path: Path, shard_size: int) -> None:
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=7, output_formats=("pdf_typed", "coco"), seed=3)
    store = make_files(tmp_path, spec, chunk_size=3, shard_size=shard_size)
    parts = store.path(f"{files_prefix('job')}/{PARTS_DIR}")
    # Chunks [0,3) [3,6) [6,7); with shards of 4 items the middle chunk leaves a part per shard.
    assert len(list(parts.glob("*.zip"))) == (3 if not shard_size else 4)

    build_dataset(spec, load_catalog(), store, "job", generated_at=WHEN, shard_size=shard_size)
    made = archives(store)
    assert made and all(compressed_in_place(data) == data for data in made.values())
    assert not parts.exists()  # the work area is cleared
    key = dataset_key("job") if not shard_size else shard_key("job", 0)
    with zipfile.ZipFile(store.path(key)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert any(n.startswith("pdfs/typed/") for n in names)
        assert not any(n.startswith("_work/") for n in names)  # work files are not shipped


@pytest.mark.parametrize("shard_size", [0, 4])
def test_the_chunking_does_not_show_in_the_dataset(tmp_path: Path, shard_size: int) -> None:
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=9, output_formats=("pdf_typed", "coco"), seed=9)
    catalog = load_catalog()
    stores = [make_files(tmp_path / str(size), spec, size, shard_size) for size in (1, 5, 9)]
    for store in stores:
        build_dataset(spec, catalog, store, "job", generated_at=WHEN, shard_size=shard_size)
    assert archives(stores[0]) == archives(stores[1]) == archives(stores[2])
    assert len(archives(stores[0])) == (1 if not shard_size else 5)  # shards of 4+4+1 items, preview, annotations


def test_the_bundle_holds_one_shards_files_at_a_time(tmp_path: Path, monkeypatch) -> None:
    import symage_pipeline.bundle.parts as parts

    held: list[int] = []
    real = parts.ShardFiles.__init__

    def counting(self, handles, keep) -> None:  # type: ignore[no-untyped-def]
        real(self, handles, keep)
        held.append(len(self.members))

    monkeypatch.setattr(parts.ShardFiles, "__init__", counting)
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=40, output_formats=("pdf_typed",), seed=4)
    store = make_files(tmp_path, spec, chunk_size=40, shard_size=5)  # one chunk, eight shards
    part = store.path(f"{files_prefix('job')}/{PARTS_DIR}")
    item_of = stem_parser(spec)
    items = [item_of(n)[0] for p in part.glob("*.zip") for n in zipfile.ZipFile(p).namelist()]

    def members(start: int, stop: int) -> int:
        return sum(start <= item < stop for item in items)

    build_dataset(spec, load_catalog(), store, "job", generated_at=WHEN, shard_size=5)
    *shards, preview = sorted(held)
    assert preview == members(0, 20)  # preview.zip: its first 20 documents
    # else one shard's five documents at a time, each shard once
    assert shards == sorted(members(k, k + 5) for k in range(0, 40, 5))


def test_a_retried_bundle_after_the_parts_were_cleared_returns_the_finished_dataset(tmp_path: Path) -> None:
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=5, output_formats=("pdf_typed",), seed=2)
    store = make_files(tmp_path, spec, chunk_size=5, shard_size=2)
    catalog = load_catalog()
    first = build_dataset(spec, catalog, store, "job", generated_at=WHEN, shard_size=2)
    before = archives(store)
    again = build_dataset(spec, catalog, store, "job", generated_at=WHEN, shard_size=2)
    assert again == first and archives(store) == before


@pytest.mark.parametrize("shard_size", [0, 2])
def test_a_partial_dataset_keeps_the_parts_for_a_later_full_bundle(tmp_path: Path, shard_size: int) -> None:
    """A failed job's partial dataset, then a re-execution that finishes it: the full dataset is the
    one a clean run makes, though the partial bundle rewrote or removed shards the chunks had bundled."""
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=6, output_formats=("pdf_typed",), seed=6)
    catalog = load_catalog()
    store = make_files(tmp_path / "a", spec, chunk_size=3, shard_size=shard_size)
    partial = build_dataset(spec, catalog, store, "job", generated_at=WHEN, items=3, shard_size=shard_size)
    assert partial.documents == 3
    full = build_dataset(spec, catalog, store, "job", generated_at=WHEN, shard_size=shard_size)
    reference = make_files(tmp_path / "b", spec, chunk_size=6, shard_size=shard_size)
    assert full == build_dataset(spec, catalog, reference, "job", generated_at=WHEN, shard_size=shard_size)
    assert archives(store) == archives(reference)
    assert len(archives(store)) == (1 if not shard_size else 5)
