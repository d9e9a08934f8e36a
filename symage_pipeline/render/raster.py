"""Page images of a rendered PDF, with the word boxes carried into pixel coordinates.

Clean pages are 4-bit palette PNGs: 16 grey levels for typed pages (and black ink), or 8 greys +
8 tints of the ink for coloured handwriting, so the ink keeps its hue at a fraction of RGB's bytes.
PNG encoding is most of the cost of a page image (docs/decisions/render-speed.md) and 4-bit pixels
halve what zlib has to chew: 6.6 ms and ~50 KB for a 150 dpi W-2 against 9.7 ms and 83 KB in 8-bit
grey, with no visible loss (antialiasing needs only a few levels).

Degraded pages go through ``symage_pipeline.degrade``: the image, its word boxes (mapped with the
same homography as the pixels) and a legibility audit per field.
"""

from __future__ import annotations

import io
from collections.abc import Collection

import cv2
import numpy as np
import pymupdf
from PIL import Image

from symage_pipeline.degrade import Geometry, apply_look, audit_page, map_boxes, plan_geometry, warp
from symage_pipeline.document import PageImage, RenderedSurface
from symage_pipeline.render.options import DEFAULT_DPI
from symage_pipeline.render.words import Word
from symage_pipeline.render.writers import stable_seed

_GRAY_PALETTE = [v for i in range(16) for v in (i * 17,) * 3]


def _is_chromatic(rgb: tuple[float, float, float] | None) -> bool:
    return rgb is not None and max(rgb) - min(rgb) > 0.1


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1, bits=4)
    return out.getvalue()


def _gray_png(pix: pymupdf.Pixmap) -> bytes:
    """The grey page as 16 levels, read off the pixmap without copying it. ``pix.samples`` (a
    copy), ``bytes.translate`` and ``Image.frombytes`` (a zero-filled image, then a copy in) took
    2.3 ms of a 150 dpi W-2 page on their own, a shift in NumPy and an image over its array 0.1 ms;
    in a whole `rasterize`, 13.2 → 12.5 ms a page (best of 8, interleaved in one process). Same
    pixels, same PNG bytes."""
    levels = _pixels(pix) >> 4
    image = Image.frombuffer("P", (pix.width, pix.height), levels, "raw", "P", 0, 1)
    image.putpalette(_GRAY_PALETTE)
    return _png(image)


def _ink_palette(ink: tuple[float, float, float]) -> Image.Image:
    grays = [round(255 * (1 - k / 7)) for k in range(8)]
    tints = [[round(255 - k / 7 * (255 - 255 * c)) for c in ink] for k in range(8)]
    palette = [v for g in grays for v in (g, g, g)] + [v for t in tints for v in t]
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette + [0] * (768 - len(palette)))
    return holder


def _ink_png(pix: pymupdf.Pixmap, ink: tuple[float, float, float]) -> bytes:
    """Nearest of 8 greys and 8 ink tints: Pillow maps the few distinct colours of a page fast."""
    page = Image.frombuffer("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", 0, 1)
    return _png(page.quantize(palette=_ink_palette(ink), dither=Image.Dither.NONE))


def _moved(w: Word, x0: float, y0: float, x1: float, y1: float) -> Word:
    """The word at a new box (the constructor: dataclasses.replace costs 5x more, per word)."""
    return Word(w.text, w.page, x0, y0, x1, y1, w.field_id, w.kind)


def _scaled(words: tuple[Word, ...], page: int, scale: float) -> list[Word]:
    return [_moved(w, w.x0 * scale, w.y0 * scale, w.x1 * scale, w.y1 * scale) for w in words if w.page == page]


def _flat(matrix: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(v), 9) for v in matrix.ravel())


def _pixels(pix: pymupdf.Pixmap) -> np.ndarray:
    """A view on the pixmap's samples (no copy: keep ``pix`` alive while the view is used)."""
    shape = (pix.height, pix.width) if pix.n == 1 else (pix.height, pix.width, pix.n)
    return np.frombuffer(pix.samples_mv, np.uint8).reshape(shape)


def _in_place(page: pymupdf.Page, scale: float, size: tuple[int, int], geometry: Geometry, colorspace) -> np.ndarray:
    """The clean page at its degraded position. MuPDF draws an affine placement directly from the
    vectors (exact, and no 5-14 ms warp of a finished raster); a perspective is warped with OpenCV."""
    w, h = size
    if not geometry.affine:
        pix = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), colorspace=colorspace, alpha=False)
        return warp(_pixels(pix), geometry)
    m = geometry.homography @ np.diag([scale, scale, 1.0])  # PDF points -> image pixels
    matrix = pymupdf.Matrix(m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2])
    pix = page.get_pixmap(matrix=matrix, colorspace=colorspace, alpha=False)  # white outside the page
    drawn = _pixels(pix)
    canvas = np.empty((h, w, *drawn.shape[2:]), np.uint8)
    x0, y0 = max(pix.x, 0), max(pix.y, 0)
    x1, y1 = min(pix.x + pix.width, w), min(pix.y + pix.height, h)
    if (x0, y0, x1, y1) != (0, 0, w, h):  # the drawing does not reach every edge: fill the rest first
        canvas[...] = np.asarray(geometry.border if drawn.ndim == 3 else np.mean(geometry.border), np.uint8)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = drawn[y0 - pix.y : y1 - pix.y, x0 - pix.x : x1 - pix.x]
    return canvas


def _degraded(
    page: pymupdf.Page,
    colorspace,
    words: list[Word],
    profile: str,
    seed: int,
    page_no: int,
    dpi: int,
    marks: Collection[str],
) -> PageImage:
    scale = dpi / 72
    size = tuple((page.rect * pymupdf.Matrix(scale, scale)).irect[2:])
    rng = np.random.default_rng(stable_seed("degrade", seed, page_no))
    geometry = plan_geometry(profile, rng, size)
    degraded = apply_look(profile, _in_place(page, scale, size, geometry, colorspace), geometry, rng, dpi)
    h, w = degraded.pixels.shape[:2]
    boxes = map_boxes(degraded.homography, np.array([wd.box for wd in words], dtype=float).reshape(-1, 4))
    mapped = [_moved(wd, *b) for wd, b in zip(words, boxes.tolist(), strict=True)]
    pixels = degraded.pixels
    gray = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    issues = audit_page(
        ((wd.field_id, wd.box) for wd in mapped if wd.kind == "value" and wd.field_id),
        gray,
        degraded.reference,
        page=page_no,
        dpi=dpi,
        vertical_dpi=degraded.vertical_dpi,
        marks=marks,
    )
    # Boxes are cut to the image so that every label format gets valid coordinates; what was cut
    # off is reported by the audit.
    np.clip(boxes[:, 0::2], 0.0, w, out=boxes[:, 0::2])
    np.clip(boxes[:, 1::2], 0.0, h, out=boxes[:, 1::2])
    clipped = [_moved(wd, *b) for wd, b in zip(words, boxes.tolist(), strict=True)]
    return PageImage(
        page=page_no,
        data=degraded.encode(),
        ext=degraded.ext,
        width=w,
        height=h,
        dpi=dpi,
        words=tuple(clipped),
        degradation=profile,
        legibility=tuple(
            {"field_id": i.field_id, "page": i.page, "reason": i.reason, "score": i.score} for i in issues
        ),
        transform=_flat(degraded.homography @ np.diag([scale, scale, 1.0])),
    )


def rasterize(
    surface: RenderedSurface,
    dpi: int = DEFAULT_DPI,
    *,
    profile: str = "clean",
    seed: int = 0,
    marks: Collection[str] = (),
) -> tuple[PageImage, ...]:
    """One image per page at ``dpi``, degraded by a concrete ``profile`` (clean/scanned/faxed/photographed).

    Coloured handwriting (``surface.metadata["ink_rgb"]``) is rendered in colour; everything else
    in grey. ``seed`` drives every random choice of the degradation, so the same surface, profile
    and seed give the same bytes. ``marks``: check-box fields, which the legibility audit does not
    hold to text size.
    """
    scale = dpi / 72
    ink = surface.metadata.get("ink_rgb")
    color = _is_chromatic(ink)
    colorspace = pymupdf.csRGB if color else pymupdf.csGRAY
    images = []
    with pymupdf.open(stream=surface.pdf, filetype="pdf") as pdf:
        for page_no, page in enumerate(pdf):
            words = _scaled(surface.words, page_no, scale)
            if profile != "clean":
                images.append(_degraded(page, colorspace, words, profile, seed, page_no, dpi, marks))
                continue
            pix = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), colorspace=colorspace, alpha=False)
            data = _ink_png(pix, ink) if color else _gray_png(pix)
            transform = _flat(np.diag([scale, scale, 1.0]))
            images.append(
                PageImage(page_no, data, "png", pix.width, pix.height, dpi, tuple(words), transform=transform)
            )
    return tuple(images)
