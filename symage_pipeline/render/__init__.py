"""Renderers: draw a form from its definition and fill it, computing word boxes while placing text."""

from symage_pipeline.render.filled import render_filled
from symage_pipeline.render.handwritten import render_handwritten
from symage_pipeline.render.options import DEFAULT_DPI, RenderOptions
from symage_pipeline.render.raster import rasterize
from symage_pipeline.render.surfaces import render_document, surface_files
from symage_pipeline.render.typed import RenderedPdf, layout_value, render_typed
from symage_pipeline.render.words import Word
from symage_pipeline.render.writers import INK_RGB, WRITERS, Writer

__all__ = [
    "DEFAULT_DPI",
    "INK_RGB",
    "WRITERS",
    "RenderOptions",
    "RenderedPdf",
    "Word",
    "Writer",
    "layout_value",
    "rasterize",
    "render_document",
    "render_filled",
    "render_handwritten",
    "render_typed",
    "surface_files",
]
