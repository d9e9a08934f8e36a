"""Which surfaces a request asks for, rendering a document on each, and where the files go.

Surfaces: ``typed`` (pdf_typed), ``handwritten`` (pdf_handwritten), ``filled`` (pdf_filled). The
typed and handwritten renders of an item come from the same FilledDocument, so they share one
identity and one set of values.

Page images: a surface gets images when its png_* format is asked for, and also whenever the
request has a degradation profile other than ``clean`` -- a degraded look only exists as a page
image, and a customer paying 1.2-1.3x for "scanned" with only pdf_typed expects to receive scans.
The PDFs themselves always stay clean vector files (exact text layer, exact word boxes in points);
``pdf_filled`` is never rasterized or degraded. ``mixed`` picks one look per document, the same for
its typed and handwritten surfaces (that document went through one fax machine).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from symage_pipeline.catalog import FormDef
from symage_pipeline.degrade import resolve_profile
from symage_pipeline.document import FilledDocument, OutputFile, RenderedSurface
from symage_pipeline.render.filled import render_filled
from symage_pipeline.render.handwritten import render_handwritten
from symage_pipeline.render.options import RenderOptions
from symage_pipeline.render.raster import rasterize
from symage_pipeline.render.typed import RenderedPdf, render_typed
from symage_pipeline.render.writers import ink_rgb, pick_ink, pick_writer, stable_seed
from symage_pipeline.spec import GenerationSpec

# output format -> surface name (the directory under pdfs/, images/, annotations/<fmt>/)
PDF_SURFACES = {"pdf_typed": "typed", "pdf_handwritten": "handwritten", "pdf_filled": "filled"}
PNG_SURFACES = {"png_typed": "typed", "png_handwritten": "handwritten"}
RASTER_SURFACES = ("typed", "handwritten")


def _surface(name: str, form: FormDef, rendered: RenderedPdf, metadata: dict[str, Any]) -> RenderedSurface:
    return RenderedSurface(
        surface=name,
        pdf=rendered.pdf,
        words=rendered.words,
        page_sizes=tuple(form.page_size for _ in range(rendered.page_count)),
        metadata=metadata,
    )


def _handwritten(form: FormDef, doc: FilledDocument, spec: GenerationSpec, opts: RenderOptions) -> RenderedSurface:
    color = pick_ink(spec.seed, doc.form_id, doc.item_index, opts.ink_color, dict(opts.ink_distribution))
    rgb = ink_rgb(color, stable_seed("pen", spec.seed, doc.form_id, doc.item_index))
    metadata: dict[str, Any] = {"ink_color": color, "ink_rgb": list(rgb), "writer_consistency": opts.writer_consistency}
    if opts.writer_consistency == "per_field":
        writers = {f.id: pick_writer(spec.seed, doc.item_index, doc.form_id, f.id) for f in form.fields}
        metadata["writers"] = {fid: w.name for fid, w in writers.items()}
    else:
        writer = pick_writer(spec.seed, doc.item_index)
        writers = {f.id: writer for f in form.fields}
        metadata["writer"] = writer.name
    rendered = render_handwritten(
        form,
        doc.values,
        writers=writers,
        ink=rgb,
        seed=stable_seed("hand", spec.seed, doc.form_id, doc.item_index),
        stages=doc.stages,
    )
    return _surface("handwritten", form, rendered, metadata)


def _with_images(
    form: FormDef,
    surface: RenderedSurface,
    doc: FilledDocument,
    spec: GenerationSpec,
    opts: RenderOptions,
    profile: str,
) -> RenderedSurface:
    seed = stable_seed("pages", spec.seed, doc.form_id, doc.item_index, surface.surface)
    marks = [f.id for f in form.fields if f.type == "checkbox"]
    images = rasterize(surface, opts.dpi, profile=profile, seed=seed, marks=marks)
    issues = [issue for image in images for issue in image.legibility]
    metadata = {
        **surface.metadata,
        "dpi": opts.dpi,
        "degradation": profile,
        "illegible_fields": sorted({i["field_id"] for i in issues}),
        "legibility_issues": issues,
    }
    return replace(surface, images=images, metadata=metadata)


def render_document(form: FormDef, doc: FilledDocument, spec: GenerationSpec) -> dict[str, RenderedSurface]:
    """Every requested surface of one document, keyed by surface name, in request order."""
    opts = RenderOptions.from_spec(spec)
    surfaces: dict[str, RenderedSurface] = {}
    for fmt in spec.output_formats:
        if fmt == "pdf_typed":
            surfaces["typed"] = _surface("typed", form, render_typed(form, doc.values), {})
        elif fmt == "pdf_handwritten":
            surfaces["handwritten"] = _handwritten(form, doc, spec, opts)
        elif fmt == "pdf_filled":
            surfaces["filled"] = _surface("filled", form, render_filled(form, doc.values), {})
    profile = resolve_profile(opts.degradation, stable_seed("mixed", spec.seed, doc.form_id, doc.item_index))
    wanted = {PNG_SURFACES[f] for f in spec.output_formats if f in PNG_SURFACES}
    for name in RASTER_SURFACES:
        if name in surfaces and (name in wanted or profile != "clean"):
            surfaces[name] = _with_images(form, surfaces[name], doc, spec, opts, profile)
    return surfaces


def surface_files(doc: FilledDocument, surfaces: dict[str, RenderedSurface]) -> list[OutputFile]:
    files: list[OutputFile] = []
    for name, surface in surfaces.items():
        files.append((f"pdfs/{name}/{doc.stem}.pdf", surface.pdf))
        for image in surface.images:
            files.append((f"images/{name}/{doc.stem}_p{image.page}.{image.ext}", image.data))
    return files
