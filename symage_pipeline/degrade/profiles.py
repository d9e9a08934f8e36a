"""The degradation profiles: what a scanner, a fax line and a phone camera do to a clean page.

Each profile is a geometric step (one homography, see ``geometry.py``) followed by photometric
steps that move no ink: paper tone, lighting, blur, noise, binarization, streaks, compression.
The geometry is decided first, before any pixel exists, so a renderer can draw the page straight
into place (``render.raster`` does for affine maps: exact, and it saves a 5-14 ms warp); the
clean page in place is kept as the reference the legibility audit compares against.

Built on OpenCV + NumPy rather than Augraphy, after measuring both on one core on the same 150 dpi
W-2 page (``bench/bench_surfaces.py --augraphy`` where Augraphy is installed): Augraphy 8.2.6's
default pipeline took 2-5 s a page (it draws its steps at random), a scan-like subset
(NoiseTexturize, SubtleNoise, Geometric, Jpeg) ~0.3 s and a photo-like one (LightingGradient,
ShadowCast, Jpeg) 0.5-0.9 s, against 35-80 ms for a whole degraded page image here. It also pulls
in numba, scikit-learn, scikit-image and matplotlib, and its geometric augmentations do not hand
back the transform, so word boxes could not follow the pixels.

Every random choice comes from the ``numpy.random.Generator`` passed in, and noise is cut from a
fixed-seed bank, so a page degrades to the same pixels on every run.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from symage_pipeline.degrade.geometry import perspective, rotation

# One worker process per core is how the pipeline scales; OpenCV's own thread pool on top of
# that would only make the workers fight over the same cores.
cv2.setNumThreads(1)

PROFILES = ("clean", "scanned", "faxed", "photographed", "mixed")
DEGRADED = ("scanned", "faxed", "photographed")  # what `mixed` chooses among, per document
FAX_DPI = (204, 98)  # ITU-T T.4 standard resolution: fine across, coarse down


@dataclass(frozen=True)
class DegradedPage:
    pixels: np.ndarray  # uint8: (h, w) gray, (h, w, 3) RGB, or (h, w) 0/255 for a bilevel fax
    reference: np.ndarray  # the clean page in gray, warped by the same homography (for the audit)
    homography: np.ndarray  # clean-page pixels -> degraded-image pixels
    mode: str  # "L" | "RGB" | "1"
    ext: str  # "jpg" | "png"
    quality: int  # JPEG quality (0 for PNG)
    vertical_dpi: float  # rows per inch that really carry detail (a fax keeps 98)

    def encode(self) -> bytes:
        out = io.BytesIO()
        if self.mode == "1":
            Image.fromarray(self.pixels).convert("1", dither=Image.Dither.NONE).save(out, "PNG", optimize=False)
        else:
            Image.fromarray(self.pixels, self.mode).save(out, "JPEG", quality=self.quality, optimize=False)
        return out.getvalue()


@functools.cache
def _noise_bank(height: int, width: int) -> np.ndarray:
    """Unit Gaussian noise a little larger than a page; pages take shifted windows of it.

    Drawing fresh noise costs ~20 ms a page; a window of a bank made once costs nothing.
    """
    return np.random.default_rng(20250101).standard_normal((height + 257, width + 257), dtype=np.float32)


def _noise(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    bank = _noise_bank((h + 255) // 256 * 256, (w + 255) // 256 * 256)
    oy, ox = (int(v) for v in rng.integers(0, 257, 2))
    return bank[oy : oy + h, ox : ox + w]


def _smooth_field(shape: tuple[int, int], rng: np.random.Generator, cells: int = 8) -> np.ndarray:
    """Low-frequency random field in about [-1, 1] (paper fibre density, light falloff), full size."""
    h, w = shape
    small = rng.uniform(-1.0, 1.0, (cells, max(2, round(cells * w / h)))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _gray(pixels: np.ndarray) -> np.ndarray:
    return pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def _tone(img: np.ndarray, ink: float, paper: float, tint: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """White -> the paper's tone (tinted per channel), black -> a not-quite-black ink; a LUT, so ~free."""
    ramp = np.arange(256, dtype=np.float32) / 255.0
    if img.ndim == 2:
        return cv2.LUT(img, np.round(ink + (paper - ink) * ramp).astype(np.uint8))
    lut = np.stack([np.round(ink * t + (paper * t - ink * t) * ramp) for t in tint], axis=1)
    return cv2.LUT(img, lut.astype(np.uint8).reshape(256, 1, 3))


def _gain_and_noise(img: np.ndarray, gain: np.ndarray | None, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Multiply by a smooth gain map (h, w) and add sensor noise, in one float pass; saturate back to uint8."""
    h, w = img.shape[:2]
    channels = 1 if img.ndim == 2 else img.shape[2]
    x = img.reshape(h, w * channels).astype(np.float32)
    if gain is not None:
        g = gain if channels == 1 else cv2.merge([gain] * channels).reshape(h, w * channels)
        cv2.multiply(x, g, dst=x)
    cv2.scaleAdd(_noise((h, w * channels), rng), sigma, x, dst=x)
    return cv2.convertScaleAbs(x).reshape(img.shape)  # saturating (and |x| for the odd -1)


def _specks(img: np.ndarray, rng: np.random.Generator, count: int, level: float) -> None:
    """Dust on the glass: a few small dark dots."""
    h, w = img.shape[:2]
    color = (level,) * (3 if img.ndim == 3 else 1)
    for _ in range(count):
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.circle(img, (cx, cy), int(rng.integers(1, 3)), color, -1, lineType=cv2.LINE_AA)


@dataclass(frozen=True)
class Geometry:
    """Where the page lands in the image, decided before any pixel exists: the renderer can then
    draw the page straight into place (vector-exact, no resampling) when the map is affine."""

    homography: np.ndarray  # clean-page pixels -> degraded-image pixels
    border: tuple[float, float, float]  # RGB of what shows around the page (scanner lid, desk)

    @property
    def affine(self) -> bool:
        return bool(np.allclose(self.homography[2], (0.0, 0.0, 1.0)))


def warp(page: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The clean page moved into place by pixels (for maps a renderer cannot draw directly)."""
    h, w = page.shape[:2]
    border = geometry.border if page.ndim == 3 else float(np.mean(geometry.border))
    return cv2.warpPerspective(page, geometry.homography, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def _scanned_geometry(rng: np.random.Generator, w: int, h: int) -> Geometry:
    """Laid on the glass a little crooked and off-centre; the lid is white."""
    shift = (rng.uniform(-0.01, 0.01) * w, rng.uniform(-0.01, 0.01) * h)
    return Geometry(rotation(rng.uniform(-1.6, 1.6), (w / 2, h / 2), shift), (255.0, 255.0, 255.0))


def _faxed_geometry(rng: np.random.Generator, w: int, h: int) -> Geometry:
    """Pulled through the feeder at a slight angle."""
    hom = rotation(rng.uniform(-0.9, 0.9), (w / 2, h / 2), (rng.uniform(-0.006, 0.006) * w, 0.0))
    return Geometry(hom, (255.0, 255.0, 255.0))


def _photographed_geometry(rng: np.random.Generator, w: int, h: int) -> Geometry:
    """Shot from a little off-axis, so the page is a quadrilateral on a desk."""
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
    margin = rng.uniform(0.03, 0.07)
    dst = src * (1 - 2 * margin) + np.array([w, h]) * margin
    dst += rng.uniform(-0.025, 0.025, (4, 2)) * np.array([w, h])
    desk = rng.uniform(40, 110) * np.array([1.0, 0.85, 0.7])
    return Geometry(perspective(src, dst), (float(desk[0]), float(desk[1]), float(desk[2])))


def _scanned_look(warped: np.ndarray, geometry: Geometry, rng: np.random.Generator, dpi: int) -> DegradedPage:
    """Grey paper, soft optics, sensor noise, dust, JPEG."""
    h, w = warped.shape[:2]
    tint = (1.0, rng.uniform(0.985, 1.0), rng.uniform(0.95, 0.99))  # slightly yellowed paper
    toned = _tone(warped, rng.uniform(18, 45), rng.uniform(222, 240), tint)
    soft = cv2.GaussianBlur(toned, (0, 0), rng.uniform(0.45, 0.85) * dpi / 150)  # optics blur inches, not pixels
    fibre = 1.0 + _smooth_field((h, w), rng, 12) * rng.uniform(0.01, 0.025)
    out = _gain_and_noise(soft, fibre, rng.uniform(2.0, 4.0), rng)
    _specks(out, rng, int(rng.integers(5, 30)), rng.uniform(60, 140))
    mode = "RGB" if warped.ndim == 3 else "L"
    return DegradedPage(out, _gray(warped), geometry.homography, mode, "jpg", int(rng.integers(50, 68)), dpi)


def _faxed_look(warped: np.ndarray, geometry: Geometry, rng: np.random.Generator, dpi: int) -> DegradedPage:
    """Sampled at 204 x 98 dpi, thresholded to black and white, with the streaks of a dirty scan
    head and dropped lines on a noisy phone line."""
    gray = _gray(warped)
    h, w = gray.shape
    fw, fh = max(1, round(w * min(1.0, FAX_DPI[0] / dpi))), max(1, round(h * FAX_DPI[1] / dpi))
    small = cv2.resize(gray, (fw, fh), interpolation=cv2.INTER_AREA)
    small = _gain_and_noise(small, None, rng.uniform(6, 14), rng)
    bits = np.where(small < rng.uniform(145, 185), 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(1, 5))):  # line noise: a row lost or smeared black
        y = int(rng.integers(0, fh))
        x0 = int(rng.integers(0, fw))
        bits[y, x0 : x0 + int(rng.integers(fw // 8, fw))] = 0 if rng.random() < 0.5 else 255
    if rng.random() < 0.7:  # dirt on the scan head: a thin vertical streak down part of the page
        x = int(rng.integers(0, fw))
        y0 = int(rng.integers(0, fh // 2))
        bits[y0 : y0 + int(rng.integers(fh // 4, fh)), x : x + int(rng.integers(1, 3))] = 0
    specks = rng.integers(0, (fh, fw), (int(rng.integers(20, 120)), 2))  # salt on the line
    bits[specks[:, 0], specks[:, 1]] = 0
    out = cv2.resize(bits, (w, h), interpolation=cv2.INTER_NEAREST)
    return DegradedPage(out, gray, geometry.homography, "1", "png", 0, min(dpi, FAX_DPI[1]))


def _photographed_look(warped: np.ndarray, geometry: Geometry, rng: np.random.Generator, dpi: int) -> DegradedPage:
    """Warm, uneven light falling off from a bright spot, a shadow (a hand, the phone), JPEG."""
    rgb = warped if warped.ndim == 3 else cv2.cvtColor(warped, cv2.COLOR_GRAY2RGB)
    h, w = rgb.shape[:2]
    white_balance = (1.0, rng.uniform(0.93, 0.98), rng.uniform(0.80, 0.92))
    toned = _tone(rgb, rng.uniform(25, 50), rng.uniform(215, 245), white_balance)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32) / 31.0
    ly, lx = rng.uniform(0.0, 1.0, 2)
    light = 1.0 - rng.uniform(0.12, 0.3) * ((xx - lx) ** 2 + (yy - ly) ** 2)
    edge = rng.uniform(0.55, 0.95)
    side = int(rng.integers(0, 4))
    coord = [xx, yy, 1 - xx, 1 - yy][side] + 0.15 * np.sin(yy * rng.uniform(2, 6) + rng.uniform(0, 6.3))
    shadow = 1.0 - rng.uniform(0.2, 0.4) * np.clip((coord - edge) / 0.08 + 0.5, 0.0, 1.0)
    gain = cv2.resize((light * shadow).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(toned, (0, 0), rng.uniform(0.6, 1.1) * dpi / 150)
    out = _gain_and_noise(soft, gain, rng.uniform(2.0, 4.0), rng)
    return DegradedPage(out, _gray(warped), geometry.homography, "RGB", "jpg", int(rng.integers(55, 72)), dpi)


GEOMETRIES = {"scanned": _scanned_geometry, "faxed": _faxed_geometry, "photographed": _photographed_geometry}
LOOKS = {"scanned": _scanned_look, "faxed": _faxed_look, "photographed": _photographed_look}


def resolve_profile(profile: str, seed: int) -> str:
    """`mixed` picks one of the degraded looks per document from its seed; others are themselves."""
    if profile != "mixed":
        return profile
    return DEGRADED[int(np.random.default_rng(seed).integers(0, len(DEGRADED)))]


def plan_geometry(profile: str, rng: np.random.Generator, size: tuple[int, int]) -> Geometry:
    """Step 1 of a concrete profile (not clean/mixed): where the page goes, for an image of ``size``."""
    return GEOMETRIES[profile](rng, *size)


def apply_look(
    profile: str, warped: np.ndarray, geometry: Geometry, rng: np.random.Generator, dpi: int
) -> DegradedPage:
    """Step 2: the photometric look, on the page already in place (uint8 gray or RGB)."""
    return LOOKS[profile](warped, geometry, rng, dpi)


def degrade_page(page: np.ndarray, profile: str, rng: np.random.Generator, dpi: int) -> DegradedPage:
    """Both steps on a clean page raster (uint8 gray or RGB), moving the pixels with OpenCV."""
    h, w = page.shape[:2]
    geometry = plan_geometry(profile, rng, (w, h))
    return apply_look(profile, warp(page, geometry), geometry, rng, dpi)
