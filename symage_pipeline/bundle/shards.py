"""One shard of a sharded dataset, bundled on its own: by the chunk step that made all its items
(so shards are bundled in parallel, by as many steps as there are chunks) or, for a shard no
chunk held whole, by the bundle step.

A shard's archive is self-contained: its documents, parquet pieces and YOLO labels, and its own
manifest. What it adds to the dataset-level files (data.json / data.csv records, COCO images and
annotations, Donut rows, the item pages it shares with its neighbours) is left in the work area,
beside a summary written last; the bundle step joins those parts in item order instead of reading
the shard's documents again. The dataset's bytes are the same wherever a shard was bundled
(tested against bundling every shard in one process).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from symage_pipeline.annotate.dataset import CocoPart, ShardExports, shard_exports
from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.bundle.archive import local_entries, write_archive
from symage_pipeline.bundle.downloads import record_runs, write_records
from symage_pipeline.bundle.items import item_rows, write_item_pages
from symage_pipeline.bundle.parts import Parts
from symage_pipeline.catalog import Catalog
from symage_pipeline.keys import file_key, shard_key
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore, LocalStore

SHARDS_DIR = f"{WORK_DIR}/shards"


def work_key(job_id: str, shard: int, name: str) -> str:
    return file_key(job_id, f"{SHARDS_DIR}/shard_{shard:05d}/{name}")


def summary(store: ArtifactStore, job_id: str, shard: int, ranges: Sequence[tuple[int, int]]) -> dict[str, Any] | None:
    """The shard's summary if it was bundled for these ranges (the same items made) and its archive
    is still there (a partial dataset bundled since removes the shards it does not reach), else None."""
    key = work_key(job_id, shard, "summary.json")
    if not store.exists(key) or not store.exists(shard_key(job_id, shard)):
        return None
    found = json.loads(store.get_bytes(key))
    return found if found["ranges"] == [list(r) for r in ranges] else None


def bundle_shard(
    spec: GenerationSpec,
    catalog: Catalog,
    store: ArtifactStore,
    job_id: str,
    ranges: Sequence[tuple[int, int]],
    shard: int,
    parts: Parts,
) -> dict[str, Any]:
    """Write shard `shard` of the dataset whose shards hold `ranges`, from the parts of its items,
    and its parts of the dataset-level files; returns its summary."""
    start, stop = ranges[shard]
    forms = len(spec.form_ids)
    with tempfile.TemporaryDirectory(prefix="symage-shard-") as tmp, parts.items(start, stop) as files:
        with (
            store.open_write(work_key(job_id, shard, "data.json.part")) as json_sink,
            store.open_write(work_key(job_id, shard, "data.csv.part")) as csv_sink,
        ):
            count = write_records(
                spec, catalog, record_runs(spec, files, start, stop), json_sink, csv_sink, whole=False
            )
        exports = shard_exports(spec, catalog, files, ranges, shard, Path(tmp))
        members = sorted([*files.shipped(), *local_entries(exports.files)])
        size, manifest = write_archive(
            store,
            shard_key(job_id, shard),
            spec,
            catalog,
            members,
            layout="sharded",
            archive={"kind": "shard", "index": shard, "item_range": [start, stop]},
            documents=(stop - start) * forms,
        )
        rows = item_rows(spec, files, shard_key(job_id, shard))
        edges = write_item_pages(store, job_id, start * forms, rows)
        for key, part in exports.coco.items():
            store.put_bytes(work_key(job_id, shard, f"coco/{key}.images"), part.images.read_bytes())
            store.put_bytes(work_key(job_id, shard, f"coco/{key}.annotations"), part.annotations.read_bytes())
        for key, path in exports.donut.items():
            store.put_bytes(work_key(job_id, shard, f"donut/{key}.jsonl"), path.read_bytes())
    result = {
        "ranges": [list(r) for r in ranges],
        "entry": {
            "index": shard,
            "key": shard_key(job_id, shard),
            "size_bytes": size,
            "doc_count": (stop - start) * forms,
            "item_range": [start, stop],
            "annotation_coverage": sorted({m[0].split("/")[1] for m in members if m[0].startswith("annotations/")}),
        },
        "files": manifest["files"]["count"],
        "records": count,
        "items": len(rows),
        "item_edges": {str(page): page_rows for page, page_rows in edges.items()},
        "surfaces": exports.surfaces,
        "coco": {key: [part.image_count, part.annotation_count] for key, part in exports.coco.items()},
        "donut": list(exports.donut),
    }
    # Key order kept (not sorted): the item rows go into pages as they are.
    store.put_bytes(work_key(job_id, shard, "summary.json"), json.dumps(result).encode())
    return result


@contextlib.contextmanager
def shard_exports_of(
    store: ArtifactStore, job_id: str, summaries: Sequence[dict[str, Any]]
) -> Iterator[list[ShardExports]]:
    """The shards' parts of the dataset-level files as `merge_exports` reads them: local files
    (a remote store's fetched into a temporary folder for the block)."""
    with tempfile.TemporaryDirectory(prefix="symage-merge-") as tmp:

        def local(key: str) -> Path:
            if isinstance(store, LocalStore):
                return store.path(key)
            path = Path(tmp) / key.replace("/", "_")
            path.write_bytes(store.get_bytes(key))
            return path

        out = []
        for found in summaries:
            k = found["entry"]["index"]
            coco = {
                key: CocoPart(
                    local(work_key(job_id, k, f"coco/{key}.images")),
                    local(work_key(job_id, k, f"coco/{key}.annotations")),
                    images,
                    annotations,
                )
                for key, (images, annotations) in found["coco"].items()
            }
            donut = {key: local(work_key(job_id, k, f"donut/{key}.jsonl")) for key in found["donut"]}
            out.append(ShardExports([], coco, donut, found["surfaces"]))
        yield out
