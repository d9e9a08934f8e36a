"""Annotation cost against render cost, and the memory of packaging a big dataset.

``annotation share``: per document, the time of every label export (ground truth, words, FUNSD,
BIO, Donut per document; COCO, YOLO, Hugging Face parquet and Donut metadata at bundle time,
amortised) divided by the time to render it (PDF + the page images the ML formats need, as
``png_typed`` would make them). Rasterizing done *only* for the parquet of a PDF-only job is
reported on its own line: it is a render cost the HF export adds, not label work.

``--package N``: renders N items into a local store, then runs the bundle (data.json/csv, all
exports, archives, item index) in a fresh process and reports its peak RSS.

Run: ``python bench/bench_annotate.py [--n 200] [--form irs_w2_2025] [--package 10000]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from symage_pipeline import annotate, coherence, pipeline, render
from symage_pipeline.annotate.outputs import HF_IMAGE_DPI
from symage_pipeline.bundle import build_dataset
from symage_pipeline.catalog import load_catalog
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore

ALL_ML = ("pdf_typed", "png_typed", "bio", "coco", "yolo", "donut")


def _documents(spec: GenerationSpec):  # type: ignore[no-untyped-def]
    catalog = load_catalog()
    people = coherence.chunk_identities(spec, 0, spec.quantity)
    return catalog, coherence.fill_documents(spec, catalog, 0, people)


class _Files(dict[str, bytes]):
    def read(self, path: str) -> bytes:
        return self[path]


def measure_share(form_id: str, n: int, formats: tuple[str, ...], with_images: bool) -> dict[str, float]:
    spec = GenerationSpec(form_ids=(form_id,), quantity=n, output_formats=formats, seed=99)
    catalog, docs = _documents(spec)
    form = catalog.get(form_id)
    t_render = t_raster = t_annotate = t_hf_raster = 0.0
    files = _Files()  # what a chunk's parts hold, in memory
    for doc in docs[:5]:  # warm-up: templates, caches, imports
        annotate.document_files(form, doc, render.render_document(form, doc, spec), spec)
    for doc in docs:
        t0 = time.perf_counter()
        surfaces = render.render_document(form, doc, spec)
        t1 = time.perf_counter()
        if with_images:
            surfaces = {
                k: s if s.images else replace(s, images=render.rasterize(s, render.DEFAULT_DPI))
                for k, s in surfaces.items()
            }
        t2 = time.perf_counter()
        outputs = annotate.document_files(form, doc, surfaces, spec)
        t3 = time.perf_counter()
        t_render += t1 - t0
        t_raster += t2 - t1
        t_annotate += t3 - t2
        if not with_images:  # what the parquet's own page images cost inside document_files
            t4 = time.perf_counter()
            for s in surfaces.values():
                render.rasterize(s, HF_IMAGE_DPI)
            t_hf_raster += time.perf_counter() - t4
        files.update([*render.surface_files(doc, surfaces), *outputs])
    with tempfile.TemporaryDirectory() as tmp:
        t4 = time.perf_counter()
        annotate.dataset_files(spec, catalog, lambda start, stop: contextlib.nullcontext(files), Path(tmp))
        t_dataset = time.perf_counter() - t4
    return {
        "render_ms": 1000 * t_render / n,
        "raster_ms": 1000 * t_raster / n,
        "annotate_doc_ms": 1000 * t_annotate / n,
        "annotate_dataset_ms": 1000 * t_dataset / n,
        "hf_raster_ms": 1000 * t_hf_raster / n,
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def package(n: int, form_id: str, formats: tuple[str, ...], root: Path, shard_size: int) -> None:
    """Render n items into ``root`` (chunk after chunk, as the job does), then bundle them in a child."""
    catalog = load_catalog()
    spec = GenerationSpec(form_ids=(form_id,), quantity=n, output_formats=formats, seed=5)
    store = LocalStore(root)
    start = time.perf_counter()
    for chunk in pipeline.plan_chunks("big", spec, 500):
        pipeline.make_chunk(catalog, store, chunk)
    print(f"rendered {n} items in {time.perf_counter() - start:.0f} s")
    cmd = [sys.executable, __file__, "--bundle-only", str(root), "--n", str(n), "--form", form_id]
    cmd += ["--formats", ",".join(formats), "--shard-size", str(shard_size)]
    print(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())


def bundle_only(root: Path, n: int, form_id: str, formats: tuple[str, ...], shard_size: int) -> None:
    catalog = load_catalog()
    spec = GenerationSpec(form_ids=(form_id,), quantity=n, output_formats=formats, seed=5)
    before = _peak_rss_mb()
    start = time.perf_counter()
    info = build_dataset(spec, catalog, LocalStore(root), "big", generated_at=datetime.now(UTC), shard_size=shard_size)
    elapsed = time.perf_counter() - start
    print(
        f"packaged {info.documents} documents ({info.layout}, {info.files} files, {info.size_bytes / 1e6:.0f} MB) "
        f"in {elapsed:.0f} s; peak RSS {_peak_rss_mb():.0f} MB (process baseline before packaging {before:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--form", default="irs_w2_2025")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--package", type=int, default=0, help="also package a job of this many items")
    parser.add_argument("--formats", default=",".join(ALL_ML))
    parser.add_argument("--shard-size", type=int, default=5_000)
    parser.add_argument("--bundle-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = tuple(args.formats.split(","))
    if args.bundle_only is not None:
        bundle_only(args.bundle_only, args.n, args.form, formats, args.shard_size)
        return
    for form_id in (args.form, "irs_f1040_2024") if args.form == "irs_w2_2025" else (args.form,):
        full = measure_share(form_id, args.n, ALL_ML, with_images=True)
        render_cost = full["render_ms"] + full["raster_ms"]
        labels = full["annotate_doc_ms"] + full["annotate_dataset_ms"]
        print(f"{form_id}, {args.n} docs, formats {','.join(ALL_ML)}:")
        print(
            f"  render {full['render_ms']:.2f} ms + page images {full['raster_ms']:.2f} ms = {render_cost:.2f} ms/doc"
        )
        print(
            f"  annotation {full['annotate_doc_ms']:.2f} ms per document + {full['annotate_dataset_ms']:.2f} ms "
            f"at bundle = {labels:.2f} ms/doc -> share {100 * labels / render_cost:.0f}% of render"
        )
        pdf = measure_share(form_id, args.n, ("pdf_typed",), with_images=False)
        labels_only = pdf["annotate_doc_ms"] - pdf["hf_raster_ms"] + pdf["annotate_dataset_ms"]
        print(
            f"  pdf_typed only: render {pdf['render_ms']:.2f} ms; labels {labels_only:.2f} ms/doc "
            f"({100 * labels_only / pdf['render_ms']:.0f}% of render) + the parquet's {HF_IMAGE_DPI} dpi page images "
            f"{pdf['hf_raster_ms']:.2f} ms/doc"
        )
        print("  " + json.dumps({k: round(v, 3) for k, v in full.items()}))
    if args.package:
        with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
            package(args.package, args.form, formats, Path(tmp), args.shard_size)


if __name__ == "__main__":
    main()
