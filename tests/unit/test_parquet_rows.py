"""A document's parquet rows, made in one pass that takes the form's printed runs whole, are the
rows of the plain definition: per page its words, boxes normalised to the page (or its image) and
BIO tags over the page's own words, for every form, with and without page images."""

from __future__ import annotations

import numpy as np
import pytest

from symage_pipeline import pipeline, render
from symage_pipeline.annotate.hf import normalise
from symage_pipeline.annotate.model import annotate_surface, label_words, page_raster
from symage_pipeline.annotate.outputs import _hf_rows, _page_images
from symage_pipeline.catalog import load_catalog
from symage_pipeline.spec import GenerationSpec


def plain_rows(ann, doc, images) -> list[dict]:
    """The definition, word by word."""
    rows = []
    for page in range(ann.page_count):
        idx = [i for i, w in enumerate(ann.words) if w.page == page]
        raster = ann.rasters.get(page)
        if raster is not None:
            boxes = normalise(raster.boxes, raster.width, raster.height)
        else:
            boxes = normalise([ann.words[i].box for i in idx], *ann.page_sizes[page])
        tags, previous = [], None
        for i in idx:
            fid, label = ann.words[i].field_id, ann.labels[i]
            if label is None or fid is None:
                tags.append("O")
                previous = None
            else:
                tags.append(f"{'I' if previous == fid else 'B'}-{label}")
                previous = fid
        rows.append({"words": [ann.words[i].text for i in idx], "boxes": boxes, "tags": tags})
    return rows


@pytest.mark.parametrize("formats", [("pdf_typed",), ("pdf_typed", "png_typed")], ids=["points", "image pixels"])
def test_every_forms_rows_are_the_plain_definitions(formats: tuple[str, ...]) -> None:
    catalog = load_catalog()
    for form in catalog:
        spec = GenerationSpec(form_ids=(form.id,), quantity=2, output_formats=formats, seed=5)
        (chunk,) = pipeline.plan_chunks("j", spec, 2)
        for doc in pipeline.fill(chunk, catalog, pipeline.identities(chunk)):
            surfaces = render.render_document(form, doc, spec)
            surface = surfaces["typed"]
            images, paths, _ = _page_images(doc, "typed", surface, spec)
            words = label_words(surface.words, doc)
            rasters = {
                im.page: page_raster(im, paths[im.page], [w for w in words if w.page == im.page], form.page_size)
                for im in images
            }
            ann = annotate_surface(form, doc, surface, spec.label_scheme, rasters)
            made, expected = _hf_rows(ann, doc, images), plain_rows(ann, doc, images)
            assert len(made) == len(expected) == form.page_count
            for row, plain in zip(made, expected, strict=True):
                assert row["words"] == plain["words"] and row["tags"] == plain["tags"]
                assert np.array_equal(row["boxes"], plain["boxes"])
            assert any(tag.startswith("B-") for row in made for tag in row["tags"])  # values are tagged
