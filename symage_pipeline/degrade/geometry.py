"""Geometric transforms of a page image and of the boxes on it, from one 3x3 homography.

Every geometric change a degradation makes (skew, shift, perspective) is one homography H that
maps clean-page pixel coordinates to degraded-image coordinates. The image is warped with H, and
every word box is mapped with the same H, so labels stay exact: a box becomes the axis-aligned
box around its four mapped corners (for a rotation or a perspective this is the tightest upright
box that still contains everything the original box contained).
"""

from __future__ import annotations

import math

import numpy as np

Box = tuple[float, float, float, float]


def rotation(angle_deg: float, center: tuple[float, float], shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Rotate by angle (degrees, counter-clockwise on screen) about center, then shift."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    cx, cy = center
    # image y points down, so a counter-clockwise turn on screen is (c, s; -s, c)
    return np.array(
        [
            [c, s, cx - c * cx - s * cy + shift[0]],
            [-s, c, cy + s * cx - c * cy + shift[1]],
            [0.0, 0.0, 1.0],
        ]
    )


def perspective(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The homography taking four src points to four dst points (both 4x2)."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    h = np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float))
    return np.append(h, 1.0).reshape(3, 3)


def map_points(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map an (n, 2) array of points through homography h."""
    pts = np.hstack([points, np.ones((len(points), 1))]) @ h.T
    return pts[:, :2] / pts[:, 2:3]


def map_boxes(h: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Map (n, 4) boxes [x0, y0, x1, y1] to the upright boxes around their mapped corners."""
    if len(boxes) == 0:
        return boxes.reshape(0, 4)
    x0, y0, x1, y1 = boxes.T
    corners = np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1), np.stack([x0, y1], 1), np.stack([x1, y1], 1)], 1)
    mapped = map_points(h, corners.reshape(-1, 2)).reshape(-1, 4, 2)
    return np.concatenate([mapped.min(axis=1), mapped.max(axis=1)], axis=1)


def clip_box(box: Box, width: int, height: int) -> tuple[Box, float]:
    """The box cut to the image, and the share of its area that was inside."""
    x0, y0, x1, y1 = box
    area = max(x1 - x0, 0.0) * max(y1 - y0, 0.0)
    cx0, cy0 = min(max(x0, 0.0), width), min(max(y0, 0.0), height)
    cx1, cy1 = min(max(x1, 0.0), width), min(max(y1, 0.0), height)
    inside = max(cx1 - cx0, 0.0) * max(cy1 - cy0, 0.0)
    return (cx0, cy0, cx1, cy1), (inside / area if area else 1.0)
