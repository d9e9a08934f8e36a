"""The long-lived things the API holds: settings, app DB, artifact store, catalog, run submitter."""

from __future__ import annotations

from dataclasses import dataclass

from api.ratelimit import Limiter
from symage_pipeline.app.db import Database
from symage_pipeline.catalog import Catalog
from symage_pipeline.defs.launch import RunSubmitter
from symage_pipeline.settings import Settings
from symage_pipeline.storage import ArtifactStore


@dataclass
class Services:
    settings: Settings
    db: Database
    store: ArtifactStore
    catalog: Catalog
    submitter: RunSubmitter
    limiter: Limiter
