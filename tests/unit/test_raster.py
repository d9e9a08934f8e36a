"""Page images: size at the chosen dpi, word boxes in pixels, which surfaces get images, file names."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from symage_pipeline.document import FilledDocument, RenderedSurface
from symage_pipeline.render import INK_RGB, WRITERS, rasterize, render_document, render_handwritten, render_typed
from symage_pipeline.render.surfaces import surface_files
from symage_pipeline.spec import GenerationSpec
from tests.unit.surface_forms import catalog_values


def _typed(form_id: str = "irs_f1040_2024") -> RenderedSurface:
    form, values = catalog_values(form_id)
    rendered = render_typed(form, values)
    return RenderedSurface("typed", rendered.pdf, rendered.words, (form.page_size,) * rendered.page_count)


@pytest.mark.parametrize("dpi", [72, 150, 200])
def test_png_size_matches_the_page_at_the_chosen_dpi(dpi: int) -> None:
    surface = _typed()
    images = rasterize(surface, dpi)
    assert [im.page for im in images] == [0, 1]
    for im in images:
        png = Image.open(io.BytesIO(im.data))
        assert png.format == "PNG" and im.ext == "png" and im.dpi == dpi
        assert png.size == (im.width, im.height) == (round(612 * dpi / 72), round(792 * dpi / 72))


def test_word_boxes_are_the_pdf_boxes_in_pixels() -> None:
    surface = _typed()
    scale = 200 / 72
    for im in rasterize(surface, 200):
        expected = [w for w in surface.words if w.page == im.page]
        assert len(im.words) == len(expected)
        for px, pt in zip(im.words, expected, strict=True):
            assert px.text == pt.text and px.field_id == pt.field_id
            assert np.allclose(px.box, np.array(pt.box) * scale)
        # the transform maps PDF points to pixels the same way
        h = np.array(im.transform).reshape(3, 3)
        x0, y0, _, _ = expected[0].box
        assert np.allclose((h @ [x0, y0, 1])[:2], np.array([x0, y0]) * scale)


def test_typed_pages_are_grey_and_handwritten_pages_keep_their_ink() -> None:
    typed = Image.open(io.BytesIO(rasterize(_typed("irs_w2_2025"), 150)[0].data))
    assert typed.mode == "P" and {r == g == b for r, g, b in np.array(typed.getpalette()).reshape(-1, 3)} == {True}
    form, values = catalog_values("irs_w2_2025")
    hand = render_handwritten(form, values, writers={f.id: WRITERS[0] for f in form.fields}, ink=INK_RGB["red"], seed=1)
    surface = RenderedSurface(
        "handwritten", hand.pdf, hand.words, (form.page_size,), metadata={"ink_rgb": INK_RGB["red"]}
    )
    colours = Image.open(io.BytesIO(rasterize(surface, 150)[0].data)).convert("RGB").getcolors(1 << 16)
    assert any(r > g + 60 for _, (r, g, b) in colours)  # red ink survives as red


def _render(formats: tuple[str, ...], **config) -> tuple[FilledDocument, dict[str, RenderedSurface]]:
    form, values = catalog_values("irs_f1040_2024")
    doc = FilledDocument(form.id, 0, "irs_f1040_2024_000000", values, 0)
    return doc, render_document(
        form, doc, GenerationSpec(form_ids=(form.id,), quantity=1, output_formats=formats, seed=3, config=config)
    )


def test_png_formats_rasterize_their_own_surface_only() -> None:
    doc, surfaces = _render(("pdf_typed", "pdf_handwritten", "png_typed", "pdf_filled"), dpi=100)
    assert list(surfaces) == ["typed", "handwritten", "filled"]
    assert [im.page for im in surfaces["typed"].images] == [0, 1] and surfaces["typed"].images[0].dpi == 100
    assert not surfaces["handwritten"].images and not surfaces["filled"].images
    assert [p for p, _ in surface_files(doc, surfaces)] == [
        "pdfs/typed/irs_f1040_2024_000000.pdf",
        "images/typed/irs_f1040_2024_000000_p0.png",
        "images/typed/irs_f1040_2024_000000_p1.png",
        "pdfs/handwritten/irs_f1040_2024_000000.pdf",
        "pdfs/filled/irs_f1040_2024_000000.pdf",
    ]


def test_a_degradation_profile_gives_degraded_images_even_without_png_formats() -> None:
    doc, surfaces = _render(("pdf_typed", "pdf_handwritten", "pdf_filled"), degradation_profile="scanned")
    for name in ("typed", "handwritten"):
        assert [im.ext for im in surfaces[name].images] == ["jpg", "jpg"]
        assert surfaces[name].metadata["degradation"] == "scanned" and "illegible_fields" in surfaces[name].metadata
    assert not surfaces["filled"].images  # pdf_filled is never degraded
    names = [p for p, _ in surface_files(doc, surfaces)]
    assert "images/handwritten/irs_f1040_2024_000000_p1.jpg" in names
