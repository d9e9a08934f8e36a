"""Render surfaces on one core, side by side: typed / handwritten / filled documents per second, page
images per second (clean and per degradation profile), and bytes per file against SymageDocs'
calibrated sizes (GET /jobs/size-rates), whose fifth is our target.

No Dagster, no I/O, values filled up front: this is the render cost a worker pays per document.
Run: ``python bench/bench_surfaces.py [--form irs_w2_2025] [--n 200] [--pages 60]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
from collections.abc import Callable

import numpy as np
import pymupdf
from PIL import Image

from symage_pipeline.catalog import fill_values, load_catalog
from symage_pipeline.document import RenderedSurface
from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.render import INK_RGB, WRITERS, rasterize, render_filled, render_handwritten, render_typed
from symage_pipeline.render.fonts import FONT_FILES

# SymageDocs' calibrated bytes per file (docs/spec/api-user-manual.txt, /jobs/size-rates)
CALIBRATED = {
    "pdf_typed": 518_426,
    "pdf_handwritten": 2_240_759,
    "png_typed": 1_549_775,
    "png_handwritten": 549_089,
}


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _rate(fn: Callable[[int], object], n: int) -> float:
    for i in range(min(n, 5)):  # warm-up: templates, fonts, noise banks
        fn(i)
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def _psnr_vs_8bit(surface: RenderedSurface) -> float:
    """How far the 4-bit page image is from an 8-bit render of the same page (dB; 40+ = invisible)."""
    (image, *_) = rasterize(surface, 150)
    ours = np.asarray(Image.open(io.BytesIO(image.data)).convert("RGB"), dtype=float)
    with pymupdf.open("pdf", surface.pdf) as pdf:
        pix = pdf[0].get_pixmap(dpi=150, alpha=False)
    full = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, 3).astype(float)
    mse = float(np.mean((ours - full) ** 2))
    return 10 * np.log10(255**2 / mse) if mse else float("inf")


def run(form_id: str, n: int, pages: int) -> None:
    form = load_catalog().get(form_id)
    values = [fill_values(form, build_packet(make_identity(9000 + i, 0), [form_id])) for i in range(n)]
    one = {w.name: {f.id: w for f in form.fields} for w in WRITERS}
    names = [w.name for w in WRITERS]
    mixed = [{f.id: WRITERS[(i + k) % len(WRITERS)] for k, f in enumerate(form.fields)} for i in range(len(WRITERS))]
    rows: list[tuple[str, float, str]] = []
    sizes: dict[str, list[int]] = {k: [] for k in ("pdf_typed", "pdf_handwritten", "pdf_handwritten_per_field")}

    def typed(i: int) -> object:
        r = render_typed(form, values[i % n])
        sizes["pdf_typed"].append(len(r.pdf))
        return r

    def hand(i: int) -> object:
        r = render_handwritten(form, values[i % n], writers=one[names[i % len(names)]], ink=INK_RGB["blue"], seed=i)
        sizes["pdf_handwritten"].append(len(r.pdf))
        return r

    def hand_per_field(i: int) -> object:
        r = render_handwritten(form, values[i % n], writers=mixed[i % len(mixed)], ink=INK_RGB["blue"], seed=i)
        sizes["pdf_handwritten_per_field"].append(len(r.pdf))
        return r

    rows.append(("typed PDF (pdf_typed)", _rate(typed, n), "docs/s"))
    rows.append(("handwritten PDF, one writer per document", _rate(hand, n), "docs/s"))
    rows.append(("handwritten PDF, writer per field (all fonts embedded)", _rate(hand_per_field, n), "docs/s"))
    rows.append(("fillable PDF (pdf_filled)", _rate(lambda i: render_filled(form, values[i % n]), n), "docs/s"))

    typed_surfaces = []
    hand_surfaces = []
    for i in range(len(WRITERS)):
        t = render_typed(form, values[i])
        typed_surfaces.append(RenderedSurface("typed", t.pdf, t.words, (form.page_size,) * t.page_count))
        h = render_handwritten(form, values[i], writers=one[names[i]], ink=INK_RGB["blue"], seed=i)
        meta = {"ink_rgb": INK_RGB["blue"]}
        hand_surfaces.append(
            RenderedSurface("handwritten", h.pdf, h.words, (form.page_size,) * h.page_count, metadata=meta)
        )
    page_count = form.page_count
    image_sizes: dict[str, list[int]] = {}
    docs = max(1, pages // page_count)
    for kind, surfaces in (("typed", typed_surfaces), ("handwritten", hand_surfaces)):
        for profile in ("clean", "scanned", "faxed", "photographed"):
            got: list[int] = []

            def raster(i: int, surfaces=surfaces, profile=profile, got=got) -> object:
                images = rasterize(surfaces[i % len(surfaces)], 150, profile=profile, seed=i)
                got.extend(len(im.data) for im in images)
                return images

            rate = _rate(raster, docs) * page_count
            image_sizes[f"{kind}/{profile}"] = got
            label = "PNG" if profile == "clean" else f"{profile}"
            rows.append((f"{kind} page image 150 dpi, {label}", rate, "pages/s"))

    print(f"\n{form_id}: one core, {n} documents, {docs * page_count} pages per image row\n")
    print("| work | rate / core | unit |\n|---|---:|---|")
    for label, rate, unit in rows:
        print(f"| {label} | {rate:,.1f} | {unit} |")

    def mean(v: list[int]) -> float:
        return sum(v) / len(v)

    files = [
        ("pdf_typed", mean(sizes["pdf_typed"]), "pdf_typed"),
        ("pdf_handwritten (one writer)", mean(sizes["pdf_handwritten"]), "pdf_handwritten"),
        ("pdf_handwritten (writer per field)", mean(sizes["pdf_handwritten_per_field"]), "pdf_handwritten"),
        ("png_typed (clean)", mean(image_sizes["typed/clean"]), "png_typed"),
        ("png_handwritten (clean)", mean(image_sizes["handwritten/clean"]), "png_handwritten"),
    ]
    for profile in ("scanned", "faxed", "photographed"):
        files.append((f"png_typed, {profile}", mean(image_sizes[f"typed/{profile}"]), "png_typed"))
        files.append((f"png_handwritten, {profile}", mean(image_sizes[f"handwritten/{profile}"]), "png_handwritten"))
    print("\n| file | bytes | calibrated | share | within 1/5 |\n|---|---:|---:|---:|---|")
    for label, size, key in files:
        ref = CALIBRATED[key]
        print(f"| {label} | {size:,.0f} | {ref:,} | {size / ref:.1%} | {'yes' if size <= ref / 5 else 'no'} |")
    print(
        f"\nLegibility of the 4-bit clean page images against 8-bit renders (PSNR): typed "
        f"{_psnr_vs_8bit(typed_surfaces[0]):.1f} dB, handwritten {_psnr_vs_8bit(hand_surfaces[0]):.1f} dB"
    )
    print(f"Handwriting fonts: {', '.join(sorted({f for f, _ in FONT_FILES.values()}))}; writers: {', '.join(names)}")


def augraphy_rates(form_id: str, pages: int) -> None:
    """The same page through Augraphy, the library the degradations were measured against.

    Augraphy is not a dependency (it brings numba, scikit-learn, scikit-image, matplotlib); install
    it into a scratch venv with this project to run this part.
    """
    try:
        from augraphy import AugraphyPipeline, default_augraphy_pipeline
        from augraphy.augmentations import Geometric, Jpeg, LightingGradient, NoiseTexturize, ShadowCast, SubtleNoise
    except ImportError:
        print("\nAugraphy is not installed: skipped the comparison")
        return
    with contextlib.suppress(ImportError):  # Augraphy's Scribbles uses it without importing it
        import matplotlib.font_manager  # noqa: F401
    form = load_catalog().get(form_id)
    rendered = render_typed(form, fill_values(form, build_packet(make_identity(9000, 0), [form_id])))
    with pymupdf.open("pdf", rendered.pdf) as pdf:
        pix = pdf[0].get_pixmap(dpi=150, alpha=False)
    page = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, 3)[:, :, ::-1].copy()
    pipelines = {
        "default pipeline": default_augraphy_pipeline(),
        "scan-like (NoiseTexturize, SubtleNoise, Geometric, Jpeg)": AugraphyPipeline(
            ink_phase=[],
            paper_phase=[NoiseTexturize(p=1), SubtleNoise(p=1)],
            post_phase=[Geometric(rotate_range=(-2, 2), p=1), Jpeg(p=1)],
        ),
        "photo-like (LightingGradient, ShadowCast, Jpeg)": AugraphyPipeline(
            ink_phase=[], paper_phase=[], post_phase=[LightingGradient(p=1), ShadowCast(p=1), Jpeg(p=1)]
        ),
    }
    print("\n| Augraphy on the same typed page, 150 dpi | pages/s |\n|---|---:|")
    for label, pipeline in pipelines.items():
        print(f"| {label} | {_rate(lambda i, pipeline=pipeline: pipeline(page), max(2, pages // 20)):,.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--form", default="irs_w2_2025")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--augraphy", action="store_true", help="also time Augraphy (if installed)")
    args = parser.parse_args()
    _pin_one_core()
    run(args.form, args.n, args.pages)
    if args.augraphy:
        augraphy_rates(args.form, args.pages)


if __name__ == "__main__":
    main()
