"""Renderers: draw a form from its definition and fill it, computing word boxes while placing text."""

from symage_pipeline.render.raster import DEFAULT_DPI, rasterize
from symage_pipeline.render.surfaces import render_document, surface_files
from symage_pipeline.render.typed import RenderedPdf, layout_value, render_typed
from symage_pipeline.render.words import Word

__all__ = [
    "DEFAULT_DPI",
    "RenderedPdf",
    "Word",
    "layout_value",
    "render_document",
    "rasterize",
    "render_typed",
    "surface_files",
]
