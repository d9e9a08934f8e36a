"""Typed W-2 throughput on one core: identity -> packet -> fill -> PDF -> ground truth -> FUNSD.

No Dagster, no I/O: this is the per-document CPU cost a worker pays, so it bounds docs/s/core.
Run: ``python bench/bench_render.py [--n 2000] [--form irs_w2_2025]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time

from symage_pipeline.annotate import funsd_pages, ground_truth
from symage_pipeline.catalog import fill_values, load_catalog
from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.render import render_typed


def _pin_one_core() -> None:
    """Measure one core, as the target is stated per core."""
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run(form_id: str, n: int, seed: int) -> dict[str, float]:
    form = load_catalog().get(form_id)
    # warm-up: template build, imports, caches
    for i in range(20):
        values = fill_values(form, build_packet(make_identity(seed, i), [form_id]))
        render_typed(form, values)
    pdf_bytes = 0
    json_bytes = 0
    funsd_bytes = 0
    stage = dict.fromkeys(("identity", "packet", "fill", "render", "ground_truth", "funsd"), 0.0)
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        identity = make_identity(seed, i)
        t1 = time.perf_counter()
        packet = build_packet(identity, [form_id])
        t2 = time.perf_counter()
        values = fill_values(form, packet)
        t3 = time.perf_counter()
        rendered = render_typed(form, values)
        t4 = time.perf_counter()
        gt = ground_truth(form, values, item_index=i, document_id=f"{form_id}_{i:06d}", identity_seed=seed + i)
        t5 = time.perf_counter()
        pages = funsd_pages(form, rendered.words, image_path_template=f"images/typed/{form_id}_{i:06d}_p{{page}}.png")
        t6 = time.perf_counter()
        stage["identity"] += t1 - t0
        stage["packet"] += t2 - t1
        stage["fill"] += t3 - t2
        stage["render"] += t4 - t3
        stage["ground_truth"] += t5 - t4
        stage["funsd"] += t6 - t5
        pdf_bytes += len(rendered.pdf)
        if i < 200:  # serialisation is the writer's cost, sample sizes only
            json_bytes += len(json.dumps(gt))
            funsd_bytes += sum(len(json.dumps(p)) for p in pages)
    elapsed = time.perf_counter() - start
    sampled = min(n, 200)
    return {
        "docs_per_s": n / elapsed,
        "pdf_bytes": pdf_bytes / n,
        "gt_json_bytes": json_bytes / sampled,
        "funsd_json_bytes": funsd_bytes / sampled,
        **{f"ms_{k}": v / n * 1000 for k, v in stage.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--form", default="irs_w2_2025")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _pin_one_core()
    results = [run(args.form, args.n, args.seed) for _ in range(args.repeat)]
    rates = [r["docs_per_s"] for r in results]
    best = max(results, key=lambda r: r["docs_per_s"])
    print(f"form {args.form}, {args.n} docs x {args.repeat} runs, one core")
    print(f"typed docs/s: median {statistics.median(rates):.0f} (runs: {', '.join(f'{r:.0f}' for r in rates)})")
    print(f"bytes per PDF: {best['pdf_bytes']:.0f}")
    print(
        f"ground-truth JSON bytes: {best['gt_json_bytes']:.0f}; FUNSD JSON bytes (all pages): "
        f"{best['funsd_json_bytes']:.0f}"
    )
    print("ms per doc by stage: " + ", ".join(f"{k[3:]} {v:.3f}" for k, v in best.items() if k.startswith("ms_")))


if __name__ == "__main__":
    main()
