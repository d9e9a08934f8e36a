"""Page images of a rendered PDF, with the word boxes carried into pixel coordinates."""

from __future__ import annotations

import io
from dataclasses import replace

import pymupdf
from PIL import Image

from symage_pipeline.document import PageImage, RenderedSurface

DEFAULT_DPI = 150


def rasterize(surface: RenderedSurface, dpi: int = DEFAULT_DPI) -> tuple[PageImage, ...]:
    """Grayscale PNG per page. Gray and a fast zlib level: PNG encoding is most of the cost
    (shared/notes/render-speed.md), and form pages carry no colour worth the bytes."""
    scale = dpi / 72
    images = []
    with pymupdf.open(stream=surface.pdf, filetype="pdf") as pdf:
        for page_no, page in enumerate(pdf):
            pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
            buffer = io.BytesIO()
            Image.frombytes("L", (pix.width, pix.height), pix.samples).save(buffer, "PNG", compress_level=1)
            words = tuple(
                replace(w, x0=w.x0 * scale, y0=w.y0 * scale, x1=w.x1 * scale, y1=w.y1 * scale)
                for w in surface.words
                if w.page == page_no
            )
            images.append(PageImage(page_no, buffer.getvalue(), "png", pix.width, pix.height, dpi, words))
    return tuple(images)
