"""Items: one (item_index, form_id) document and its files, listed in the order the client reads them.

No database table: an item's id is its file stem (``document_stem``), and the item index is a set of
small JSON pages in the store (``jobs/<id>/items/page_<n>.json``, ``ITEMS_PER_PAGE`` items each),
built from the members of each archive as the bundle writes it; a row names that archive. A page
of the API's ``/items`` is then at most two small reads, whatever the job size.

File order is the contract with the official client (docs/spec/WIRE.md 4.2), which takes the *first* file
with a suffix: the preferred PDF comes first (typed, then handwritten, then the fillable one), then
the ground truth, then the primary surface's words, FUNSD pages, BIO and Donut files and images.
Only the primary surface's FUNSD pages are listed (the client would read every listed page, and two
surfaces would repeat page numbers); other surfaces' files follow, and all are in the dataset zip.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.document import document_stem
from symage_pipeline.keys import files_prefix, items_prefix
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore

ITEMS_PER_PAGE = 100
SURFACE_ORDER = ("typed", "handwritten", "filled")
_FORMAT_ORDER = {"words": 0, "funsd": 1, "bio": 2, "donut": 3}
_PAGE = re.compile(r"_p(\d+)(?:\.[A-Za-z0-9]+)$")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "csv": "text/csv",
    "zip": "application/zip",
    "md": "text/markdown",
    "parquet": "application/vnd.apache.parquet",
    "yaml": "application/yaml",
}


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(path.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def stem_parser(spec: GenerationSpec) -> Callable[[str], tuple[int, str] | None]:
    """Dataset path -> (item index, form id) of the document it belongs to, or None."""
    digits = {f: len(document_stem(f, 0, spec.quantity)) - len(f) - 1 for f in spec.form_ids}
    # Longest form id first, so a form id that prefixes another never steals its files.
    alternatives = "|".join(
        f"({re.escape(f)})_(\\d{{{digits[f]}}})" for f in sorted(spec.form_ids, key=len, reverse=True)
    )
    pattern = re.compile(f"^(?:{alternatives})(?=[._])")

    def parse(path: str) -> tuple[int, str] | None:
        m = pattern.match(path.rsplit("/", 1)[-1])
        if m is None:
            return None
        groups = [g for g in m.groups() if g is not None]
        return int(groups[1]), groups[0]

    return parse


def _surface_rank(surface: str) -> int:
    return SURFACE_ORDER.index(surface) if surface in SURFACE_ORDER else len(SURFACE_ORDER)


def _page(path: str) -> int:
    m = _PAGE.search(path)
    return int(m.group(1)) if m else 0


def _surface_of(path: str) -> str | None:
    parts = path.split("/")
    if parts[0] in ("pdfs", "images") and len(parts) >= 3:
        return parts[1]
    if parts[0] == "annotations" and len(parts) >= 4:
        return parts[2]
    return None


def order_item_files(paths: Iterable[str]) -> list[str]:
    """The client-facing order of one item's files (see module doc); duplicates for YOLO are dropped."""
    paths = [p for p in paths if not p.startswith(f"{WORK_DIR}/")]
    surfaces = sorted({s for s in map(_surface_of, paths) if s is not None}, key=_surface_rank)
    label_surfaces = [s for s in surfaces if s != "filled"] or surfaces
    primary = label_surfaces[0] if label_surfaces else None
    ranked: list[tuple[tuple[Any, ...], str]] = []
    for p in paths:
        parts = p.split("/")
        top = parts[0]
        if top == "pdfs":
            key: tuple[Any, ...] = (0, _surface_rank(parts[1]))
        elif top == "ground_truth":
            key = (1,)
        elif top == "annotations" and len(parts) >= 4:
            fmt, surface = parts[1], parts[2]
            if fmt == "yolo" or (fmt == "funsd" and surface != primary):
                continue
            rank = _FORMAT_ORDER.get(fmt, len(_FORMAT_ORDER))
            key = (2, rank, _page(p)) if surface == primary else (4, _surface_rank(surface), rank, _page(p))
        elif top == "images" and len(parts) >= 3:
            key = (3, _page(p)) if parts[1] == primary else (5, _surface_rank(parts[1]), _page(p))
        else:
            key = (6, p)
        ranked.append((key, p))
    return [p for _, p in sorted(ranked)]


def group_items(spec: GenerationSpec, paths: Iterable[str]) -> dict[tuple[int, str], list[str]]:
    parse = stem_parser(spec)
    groups: dict[tuple[int, str], list[str]] = {}
    for p in paths:
        hit = parse(p)
        if hit is not None:
            groups.setdefault(hit, []).append(p)
    return groups


def item_rows(spec: GenerationSpec, paths: Iterable[str], archive: str | None = None) -> list[dict[str, Any]]:
    """The index rows of the items these dataset paths belong to, in item order; `archive` is the
    key of the archive that holds their files (`keys.archived_file_key`). Without it (the index of
    a job that stopped before its bundle, or bundled before issue 10) the files are objects of
    their own, at `keys.file_key`."""
    groups = group_items(spec, paths)
    order = {f: n for n, f in enumerate(spec.form_ids)}
    return [
        {
            "item_id": document_stem(form_id, item, spec.quantity),
            "item_index": item,
            "form_id": form_id,
            "files": order_item_files(groups[(item, form_id)]),
            **({"archive": archive} if archive else {}),
        }
        for item, form_id in sorted(groups, key=lambda k: (k[0], order[k[1]]))
    ]


def write_item_pages(
    store: ArtifactStore, job_id: str, first: int, rows: Sequence[dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """Write the pages these rows (positions `first`, `first` + 1, …) fill whole; the rows of
    pages they only share with other rows come back by page, for `finish_item_index`. So the
    shards of a job write their pages apart, in parallel, and only the pages at their edges are
    joined at the end."""
    base = items_prefix(job_id)
    edges: dict[int, list[dict[str, Any]]] = {}
    end = first + len(rows)
    page = first // ITEMS_PER_PAGE
    while page * ITEMS_PER_PAGE < end:
        lo, hi = page * ITEMS_PER_PAGE, (page + 1) * ITEMS_PER_PAGE
        chunk = list(rows[max(lo, first) - first : min(hi, end) - first])
        if lo >= first and hi <= end:
            store.put_bytes(f"{base}/page_{page:06d}.json", json.dumps(chunk).encode())
        else:
            edges[page] = chunk
        page += 1
    return edges


def finish_item_index(
    store: ArtifactStore, job_id: str, edges: Iterable[Mapping[int, Sequence[dict[str, Any]]]], count: int
) -> None:
    """Write the edge pages (their rows from every writer, in order) and the index."""
    base = items_prefix(job_id)
    joined: dict[int, list[dict[str, Any]]] = {}
    for part in edges:
        for page, rows in part.items():
            joined.setdefault(int(page), []).extend(rows)
    if not count:
        joined[0] = []
    for page, rows in sorted(joined.items()):
        store.put_bytes(f"{base}/page_{page:06d}.json", json.dumps(rows).encode())
    store.put_bytes(f"{base}/index.json", json.dumps({"count": count, "per_page": ITEMS_PER_PAGE}).encode())


def build_item_index(spec: GenerationSpec, store: ArtifactStore, job_id: str, paths: Iterable[str]) -> int:
    """Write the item pages for these dataset paths; returns the number of items."""
    rows = item_rows(spec, paths)
    finish_item_index(store, job_id, [write_item_pages(store, job_id, 0, rows)], len(rows))
    return len(rows)


def item_count(store: ArtifactStore, job_id: str) -> int | None:
    key = f"{items_prefix(job_id)}/index.json"
    if not store.exists(key):
        return None
    return int(json.loads(store.get_bytes(key))["count"])


def read_items(store: ArtifactStore, job_id: str, offset: int, limit: int) -> list[dict[str, Any]]:
    """Items [offset, offset + limit) of the index, in item order."""
    out: list[dict[str, Any]] = []
    base = items_prefix(job_id)
    page = offset // ITEMS_PER_PAGE
    skip = offset % ITEMS_PER_PAGE
    while len(out) < limit:
        key = f"{base}/page_{page:06d}.json"
        if not store.exists(key):
            break
        rows = json.loads(store.get_bytes(key))[skip:]
        if not rows:
            break
        out.extend(rows[: limit - len(out)])
        page, skip = page + 1, 0
    return out


def find_item(store: ArtifactStore, job_id: str, spec: GenerationSpec, item_id: str) -> dict[str, Any] | None:
    """The index entry of one item id (a stem), found from the id itself: no scan."""
    hit = stem_parser(spec)(item_id + ".")
    if hit is None or document_stem(hit[1], hit[0], spec.quantity) != item_id:
        return None
    item, form_id = hit
    if not 0 <= item < spec.quantity:
        return None
    # Where it sits when every item was made; a job that stopped early falls back to a scan.
    position = item * len(spec.form_ids) + spec.form_ids.index(form_id)
    for row in read_items(store, job_id, max(position - len(spec.form_ids), 0), 2 * len(spec.form_ids) + 1):
        if row["item_id"] == item_id:
            return row
    offset = 0
    while rows := read_items(store, job_id, offset, ITEMS_PER_PAGE):
        for row in rows:
            if row["item_id"] == item_id:
                return row
        offset += ITEMS_PER_PAGE
    return None


def ensure_item_index(spec: GenerationSpec, store: ArtifactStore, job_id: str) -> int:
    """The item count. The bundle writes the index; without one, it is made now from the job's
    per-file objects, which only jobs bundled before issue 10 have (a job that never bundled has
    its files only in its chunks' parts, and lists no items)."""
    count = item_count(store, job_id)
    if count is not None:
        return count
    prefix = files_prefix(job_id)
    paths = [k[len(prefix) + 1 :] for k in store.list(prefix)]
    return build_item_index(spec, store, job_id, paths)
