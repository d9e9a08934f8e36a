"""The bundle copies each chunk's zip part as it is: the archives come out byte for byte as if
every file had been read back from the store and compressed in place, in both layouts."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from symage_pipeline import pipeline
from symage_pipeline.bundle import build_dataset
from symage_pipeline.bundle.parts import PARTS_DIR
from symage_pipeline.catalog import load_catalog
from symage_pipeline.keys import dataset_key, files_prefix, shard_key
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def make_files(root: Path, spec: GenerationSpec, chunk_size: int) -> LocalStore:
    catalog, store = load_catalog(), LocalStore(root)
    for chunk in pipeline.plan_chunks("job", spec, chunk_size):
        pipeline.make_chunk(catalog, store, chunk)
    return store


def archives(store: LocalStore) -> dict[str, bytes]:
    root = store.path("jobs/job")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.zip") if "_work" not in p.parts}


@pytest.mark.parametrize("shard_size", [0, 4])
def test_archives_from_parts_equal_archives_compressed_in_place(tmp_path: Path, shard_size: int, monkeypatch) -> None:
    import symage_pipeline.bundle as bundle

    copied: list[str] = []
    real = bundle.copy_member
    monkeypatch.setattr(bundle, "copy_member", lambda a, s, info: (copied.append(info.filename), real(a, s, info)))
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=7, output_formats=("pdf_typed", "coco"), seed=3)
    with_parts = make_files(tmp_path / "a", spec, chunk_size=3)
    without = LocalStore(tmp_path / "b")
    shutil.copytree(with_parts.root, without.root, dirs_exist_ok=True)
    parts = without.path(f"{files_prefix('job')}/{PARTS_DIR}")
    assert len(list(parts.glob("*.zip"))) == 3  # one per chunk
    shutil.rmtree(parts)

    catalog = load_catalog()
    build_dataset(spec, catalog, with_parts, "job", generated_at=WHEN, shard_size=shard_size)
    assert any(name.startswith("pdfs/typed/") for name in copied)  # the documents came from the parts
    copied.clear()
    build_dataset(spec, catalog, without, "job", generated_at=WHEN, shard_size=shard_size)
    assert copied == []
    assert archives(with_parts) == archives(without)
    assert not with_parts.path(f"{files_prefix('job')}/{PARTS_DIR}").exists()  # the work area is cleared
    key = dataset_key("job") if not shard_size else shard_key("job", 0)
    with zipfile.ZipFile(with_parts.path(key)) as archive:
        assert archive.testzip() is None
        assert any(n.startswith("pdfs/typed/") for n in archive.namelist())


def test_the_chunking_does_not_show_in_the_dataset(tmp_path: Path) -> None:
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=6, output_formats=("pdf_typed",), seed=9)
    catalog = load_catalog()
    stores = [make_files(tmp_path / str(size), spec, chunk_size=size) for size in (1, 6)]
    for store in stores:
        build_dataset(spec, catalog, store, "job", generated_at=WHEN, shard_size=0)
    assert archives(stores[0]) == archives(stores[1])
