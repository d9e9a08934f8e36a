"""Label-true degradation: boxes follow the ink through every profile, and the audit flags what got lost."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from symage_pipeline.degrade import audit_page, resolve_profile
from symage_pipeline.document import RenderedSurface
from symage_pipeline.render import INK_RGB, WRITERS, rasterize, render_handwritten, render_typed
from tests.unit.surface_forms import catalog_values, form_with

DPI = 100  # plenty to see every effect, and quick
PROFILES = ("scanned", "faxed", "photographed")


def _surfaces() -> dict[str, tuple[RenderedSurface, RenderedSurface]]:
    """(filled, blank) surface pairs: the blank one tells the value ink from the printed form."""
    form, values = catalog_values("irs_w2_2025", index=1)
    blank = {f.id: "" for f in form.fields}
    out = {}
    for name in ("typed", "handwritten"):
        if name == "typed":
            full, empty, meta = render_typed(form, values), render_typed(form, blank), {}
        else:
            writers = {f.id: WRITERS[4] for f in form.fields}
            full = render_handwritten(form, values, writers=writers, ink=INK_RGB["blue"], seed=2)
            empty = render_handwritten(form, blank, writers=writers, ink=INK_RGB["blue"], seed=2)
            meta = {"ink_rgb": INK_RGB["blue"]}
        out[name] = tuple(
            RenderedSurface(name, r.pdf, r.words, (form.page_size,), metadata=meta) for r in (full, empty)
        )
    return out


SURFACES = _surfaces()


def _gray(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


def _value_ink(filled: RenderedSurface, blank: RenderedSurface) -> np.ndarray:
    """Mask of the value ink on the clean page: dark in the filled render, paper in the blank one."""
    full, empty = (_gray(rasterize(s, DPI)[0].data) for s in (filled, blank))
    return ((full < 160) & (empty > 200)).astype(np.uint8)


@pytest.mark.parametrize("surface", ["typed", "handwritten"])
@pytest.mark.parametrize("profile", PROFILES)
def test_transformed_boxes_still_cover_the_ink(profile: str, surface: str) -> None:
    filled, blank = SURFACES[surface]
    ink = _value_ink(filled, blank)
    (image,) = rasterize(filled, DPI, profile=profile, seed=11)
    to_pixels = np.array(image.transform).reshape(3, 3) @ np.diag([72 / DPI, 72 / DPI, 1.0])
    moved = cv2.warpPerspective(ink, to_pixels, (image.width, image.height), flags=cv2.INTER_NEAREST)
    boxes = np.zeros_like(moved)
    for w in image.words:
        if w.kind == "value":
            cv2.rectangle(boxes, (int(w.x0) - 1, int(w.y0) - 1), (int(w.x1) + 1, int(w.y1) + 1), 1, -1)
    assert moved.sum() > 2000
    assert (moved & boxes).sum() / moved.sum() > 0.995  # the mapped boxes hold the mapped ink
    # ... and the pixels were really moved that way: the degraded page lines up with the warped clean one
    clean = cv2.warpPerspective(_gray(rasterize(filled, DPI)[0].data), to_pixels, (image.width, image.height))
    degraded = _gray(image.data)
    assert np.corrcoef(clean.ravel().astype(float), degraded.ravel().astype(float))[0, 1] > 0.5


@pytest.mark.parametrize(
    ("profile", "ext", "mode"), [("scanned", "jpg", "L"), ("faxed", "png", "1"), ("photographed", "jpg", "RGB")]
)
def test_profiles_encode_like_the_real_thing_and_are_deterministic(profile: str, ext: str, mode: str) -> None:
    filled, _ = SURFACES["typed"]
    (a,) = rasterize(filled, DPI, profile=profile, seed=5)
    (b,) = rasterize(filled, DPI, profile=profile, seed=5)
    (c,) = rasterize(filled, DPI, profile=profile, seed=6)
    assert a.ext == ext and Image.open(io.BytesIO(a.data)).mode == mode and a.degradation == profile
    assert a.data == b.data and a.words == b.words
    assert c.data != a.data


def test_handwritten_scans_keep_the_ink_colour() -> None:
    filled, _ = SURFACES["handwritten"]
    (image,) = rasterize(filled, DPI, profile="scanned", seed=1)
    assert Image.open(io.BytesIO(image.data)).mode == "RGB"


def test_mixed_picks_one_profile_per_document_from_its_seed() -> None:
    picks = [resolve_profile("mixed", seed) for seed in range(60)]
    assert set(picks) == set(PROFILES)
    assert picks == [resolve_profile("mixed", seed) for seed in range(60)]
    assert resolve_profile("faxed", 1) == "faxed"


def test_a_fax_cannot_carry_tiny_print_and_the_audit_says_which_fields() -> None:
    form = form_with(
        [
            {"id": "tiny", "rect": [60, 100, 300, 105], "font_size": 4},
            {"id": "normal", "rect": [60, 130, 300, 145], "font_size": 10},
        ]
    )
    values = {"tiny": "4218 Evergreen Terrace", "normal": "4218 Evergreen Terrace"}
    rendered = render_typed(form, values)
    surface = RenderedSurface("typed", rendered.pdf, rendered.words, (form.page_size,))
    (faxed,) = rasterize(surface, 150, profile="faxed", seed=3)
    assert [(i["field_id"], i["reason"]) for i in faxed.legibility] == [("tiny", "too_small")]
    (scanned,) = rasterize(surface, 150, profile="scanned", seed=3)
    assert scanned.legibility == ()


def test_audit_flags_clipped_lost_and_drowned_ink() -> None:
    rng = np.random.default_rng(0)
    reference = np.full((200, 400), 255, np.uint8)
    for x0 in (20, 150, 280):  # three "words" of ink
        cv2.putText(reference, "12345", (x0, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    degraded = reference.copy()
    degraded[70:110, 150:260] = 240  # the middle word wiped out (a fax dropout)
    faded = degraded.astype(float)  # the last one faded to grey on grey and drowned in noise
    faded[70:110, 280:400] = 200 + faded[70:110, 280:400] / 255 * 12 + rng.normal(0, 35, (40, 120))
    degraded = np.clip(faded, 0, 255).astype(np.uint8)
    words = [
        ("clipped", (-40.0, 70.0, 80.0, 110.0)),  # a third of it is off the image
        ("lost", (150.0, 70.0, 250.0, 110.0)),
        ("drowned", (280.0, 70.0, 380.0, 110.0)),
        ("fine", (20.0, 70.0, 120.0, 110.0)),
    ]
    issues = audit_page(words, degraded, reference, page=0, dpi=150, vertical_dpi=150)
    assert {(i.field_id, i.reason) for i in issues} == {
        ("clipped", "clipped"),
        ("lost", "ink_lost"),
        ("drowned", "low_contrast"),
    }
