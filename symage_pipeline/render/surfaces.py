"""Which surfaces a request asks for, rendering a document on each, and where the files go."""

from __future__ import annotations

from symage_pipeline.catalog import FormDef
from symage_pipeline.document import FilledDocument, OutputFile, RenderedSurface
from symage_pipeline.render.typed import render_typed
from symage_pipeline.request import GenerationSpec

# output format -> surface name (the directory under pdfs/, images/, annotations/<fmt>/)
PDF_SURFACES = {"pdf_typed": "typed"}


def render_document(form: FormDef, doc: FilledDocument, spec: GenerationSpec) -> dict[str, RenderedSurface]:
    """Every requested surface of one document, keyed by surface name, in request order."""
    surfaces: dict[str, RenderedSurface] = {}
    for fmt in spec.output_formats:
        if fmt == "pdf_typed":
            rendered = render_typed(form, doc.values)
            surfaces["typed"] = RenderedSurface(
                surface="typed",
                pdf=rendered.pdf,
                words=rendered.words,
                page_sizes=tuple(form.page_size for _ in range(rendered.page_count)),
            )
    return surfaces


def surface_files(doc: FilledDocument, surfaces: dict[str, RenderedSurface]) -> list[OutputFile]:
    files: list[OutputFile] = []
    for name, surface in surfaces.items():
        files.append((f"pdfs/{name}/{doc.stem}.pdf", surface.pdf))
        for image in surface.images:
            files.append((f"images/{name}/{doc.stem}_p{image.page}.{image.ext}", image.data))
    return files
