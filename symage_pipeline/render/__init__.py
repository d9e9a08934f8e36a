"""Renderers: typed PDF surface with word boxes."""

from symage_pipeline.render.typed import RenderedPdf, layout_value, render_typed
from symage_pipeline.render.words import Word

__all__ = ["RenderedPdf", "Word", "layout_value", "render_typed"]
