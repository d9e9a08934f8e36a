"""Replacing a template's placeholder streams by splicing its bytes writes exactly what PyMuPDF
writes when it opens the template, updates the streams and saves: for every form of the catalog,
typed and handwritten templates, one page or several, short streams and long ones."""

from __future__ import annotations

import random

import pymupdf
import pytest

from symage_pipeline.catalog import load_catalog
from symage_pipeline.render.fonts import FONT_FILES
from symage_pipeline.render.handwritten import hand_template
from symage_pipeline.render.splice import replace_streams
from symage_pipeline.render.template import SAVE_OPTIONS, template_for

CATALOG = load_catalog()


def with_pymupdf(pdf: bytes, streams: dict[int, bytes]) -> bytes:
    doc = pymupdf.open("pdf", pdf)
    for xref, content in streams.items():
        doc.update_stream(xref, content)
    out = doc.tobytes(**SAVE_OPTIONS)
    doc.close()
    return out


def values_stream(rng: random.Random, lines: int) -> bytes:
    ops = [f"BT /F1 {rng.uniform(6, 12):.2f} Tf {rng.uniform(0, 600):.2f} {rng.uniform(0, 800):.2f} Td"
           f" ({rng.randrange(10**9)} Main St) Tj ET" for _ in range(lines)]  # fmt: skip
    return "\n".join(ops).encode()


@pytest.mark.parametrize("form_id", sorted(CATALOG.ids()))
def test_spliced_pdfs_are_the_bytes_pymupdf_writes(form_id: str) -> None:
    form = CATALOG.get(form_id)
    base = template_for(form)
    rng = random.Random(form_id)
    for pdf in (base.pdf, hand_template(form, tuple(sorted(FONT_FILES))).pdf):
        for lines in (0, 1, 40, 2000):
            streams = {xref: values_stream(rng, lines) for xref in base.placeholder_xrefs}
            spliced = replace_streams(pdf, streams)
            assert spliced == with_pymupdf(pdf, streams)
            with pymupdf.open("pdf", spliced) as doc:
                assert not doc.is_repaired and doc.page_count == len(base.placeholder_xrefs)
        first = {base.placeholder_xrefs[0]: values_stream(rng, 3)}  # the other pages keep their placeholder
        assert replace_streams(pdf, first) == with_pymupdf(pdf, first)


def test_a_pdf_it_does_not_understand_is_refused() -> None:
    doc = pymupdf.open()
    doc.new_page()
    with_object_streams = doc.tobytes(use_objstms=1, compression_effort=0)
    with pytest.raises(ValueError, match="cross-reference"):
        replace_streams(with_object_streams, {})
