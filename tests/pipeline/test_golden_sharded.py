"""Golden hashes of sharded datasets, and the same bytes wherever a shard was bundled.

The single-archive goldens (test_golden_datasets.py) do not reach the sharded path: shards,
preview.zip, annotations.zip, item pages across shard edges, a partial dataset. These hashes were
pinned from the code before shards could be bundled by the chunk steps that made them, so moving
that work between steps (or processes) must not change a byte; nor may the chunking. Re-pinned
on purpose twice in issue 10: when the identity graph went column-wise (new identities, same code
paths), and when item rows began to name the archive that holds their files (only the
`items/page_*.json` hashes changed; every archive, manifest and download kept its bytes); and
the archives once more when their members went to deflate level 1.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest

from symage_pipeline import pipeline
from symage_pipeline.bundle import build_dataset
from symage_pipeline.catalog import load_catalog
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore

ML = ("pdf_typed", "png_typed", "bio", "coco", "yolo", "donut")
# name: (spec, items per chunk, shard size in documents, items of a partial dataset)
CASES = {
    "two_forms_ml": (GenerationSpec(form_ids=("irs_w2_2025", "irs_f1040_2024"), quantity=11, seed=4,
                                    output_formats=ML, config={"dpi": 50}), 4, 4, None),
    "w2_typed": (GenerationSpec(form_ids=("irs_w2_2025",), quantity=23, seed=8,
                                output_formats=("pdf_typed", "coco")), 7, 5, None),
    "pages": (GenerationSpec(form_ids=("irs_w2_2025", "irs_w9_2024"), quantity=130, seed=2,
                             output_formats=("pdf_typed",)), 40, 50, None),
    "partial": (GenerationSpec(form_ids=("irs_w2_2025",), quantity=23, seed=8,
                               output_formats=("pdf_typed", "donut")), 7, 5, 14),
}  # fmt: skip
GOLDEN = {
    "pages": "ad8664ab6cb3ad75b97ae88fd372b661ef85150f77554944a1d897e2c79c3455",
    "partial": "63bfd480069b7f42ef19d4976d089602e7ad18ad7a727aa3921a79cab154a170",
    "two_forms_ml": "82def8890beaad52fd65f303b378a6b45fbaf1d3e661dbcd674f66586853f671",
    "w2_typed": "0bc7f41aee1826d51433dbceb9511d267ac66f371e5eb6af5105c006c8c99adb",
}


def outputs(root: Path, spec: GenerationSpec, chunk_items: int, shard_size: int, items: int | None,
            *, chunks_bundle: bool = True) -> tuple[dict, int]:  # fmt: skip
    """Every file the job leaves outside its per-document files, by hash; and how many shards its
    chunks bundled (none when they are kept from it)."""
    store, catalog = LocalStore(root), load_catalog()
    bundled = 0
    for chunk in pipeline.plan_chunks("job", spec, chunk_items, shard_size):
        if chunks_bundle:
            bundled += pipeline.make_chunk(catalog, store, chunk).shards
        else:  # the chunk's parts as ever, its whole shards left to the bundle step
            with mock.patch.object(pipeline, "bundle_whole_shards", return_value=0):
                bundled += pipeline.make_chunk(catalog, store, chunk).shards
    info = build_dataset(spec, catalog, store, "job", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                         shard_size=shard_size, items=items)  # fmt: skip
    job = root / "jobs/job"
    paths = [p for p in sorted(job.rglob("*")) if p.is_file() and p.relative_to(job).parts[0] != "files"]
    found = {p.relative_to(job).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in paths}
    found["info"] = [info.key, info.size_bytes, info.documents, info.files, info.layout]
    return found, bundled


def digest(found: dict) -> str:
    return hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(CASES))
def test_sharded_datasets_keep_their_bytes(tmp_path: Path, name: str) -> None:
    found, bundled = outputs(tmp_path, *CASES[name])
    assert digest(found) == GOLDEN[name], json.dumps(found, indent=1, sort_keys=True)
    assert bundled > 0  # some shards were bundled by their chunks, the rest by the bundle step


def test_shards_bundled_by_the_chunks_or_by_the_bundle_step_are_the_same_bytes(tmp_path: Path) -> None:
    spec, chunk_items, shard_size, items = CASES["w2_typed"]
    by_chunks, bundled = outputs(tmp_path / "a", spec, chunk_items, shard_size, items)
    by_bundle, none = outputs(tmp_path / "b", spec, chunk_items, shard_size, items, chunks_bundle=False)
    # Chunks of 7 items over shards of 5: [0, 5) and [15, 20) lie in one chunk; the others straddle two.
    assert (bundled, none) == (2, 0) and by_chunks == by_bundle
    # Nothing of the work area is left once the dataset is whole.
    assert not (tmp_path / "a/jobs/job/files/_work").exists()
