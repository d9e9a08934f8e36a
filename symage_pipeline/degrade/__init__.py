"""Label-true degradation of page images: scanned, faxed, photographed (and `mixed` of them).

Domain library, no Dagster or FastAPI: ``render.raster`` plans each page's geometry, draws the page
into place, applies the look, maps the word boxes with the same homography and runs
``audit_page`` on the result (``degrade_page`` does all of it for a raster already in hand).
"""

from symage_pipeline.degrade.audit import Issue, audit_page
from symage_pipeline.degrade.geometry import map_boxes, map_points
from symage_pipeline.degrade.profiles import (
    DEGRADED,
    PROFILES,
    DegradedPage,
    Geometry,
    apply_look,
    degrade_page,
    plan_geometry,
    resolve_profile,
    warp,
)

__all__ = [
    "DEGRADED",
    "PROFILES",
    "DegradedPage",
    "Geometry",
    "Issue",
    "apply_look",
    "audit_page",
    "degrade_page",
    "map_boxes",
    "map_points",
    "plan_geometry",
    "resolve_profile",
    "warp",
]
