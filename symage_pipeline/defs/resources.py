"""Dagster resources: the app DB (job state, progress, credits) and the artifact store.

Both default to the shared Settings at run time (never read at import time), so the same code
location works under `symage up`, `symage generate` and tests with temporary folders.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

import dagster as dg
from pydantic import PrivateAttr

from symage_pipeline.app.db import Database
from symage_pipeline.app.records import JobTracker
from symage_pipeline.catalog import Catalog, load_catalog
from symage_pipeline.settings import Settings, get_settings
from symage_pipeline.storage import ArtifactStore, open_store, s3_location


class AppDatabaseResource(dg.ConfigurableResource):
    database_url: str | None = None
    retention_hours: float | None = None  # how long a finished job's outputs are served
    _db: Database | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._db = Database(self.database_url or get_settings().resolved_database_url, run_migrations=False)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._db is not None:
            self._db.dispose()

    @property
    def tracker(self) -> JobTracker:
        assert self._db is not None, "resource used outside execution"
        hours = self.retention_hours if self.retention_hours is not None else get_settings().retention_hours
        return JobTracker(self._db, timedelta(hours=hours))


class ArtifactStoreResource(dg.ConfigurableResource):
    storage_url: str | None = None
    s3_endpoint_url: str | None = None

    @cached_property
    def store(self) -> ArtifactStore:
        if self.storage_url is None:
            return get_settings().open_store()
        return open_store(self.storage_url, s3_endpoint_url=self.s3_endpoint_url)


class CatalogResource(dg.ConfigurableResource):
    forms_dir: str | None = None

    @cached_property
    def catalog(self) -> Catalog:
        from pathlib import Path

        return load_catalog(Path(self.forms_dir) if self.forms_dir else None)


class StepOutputsIOManager(dg.ConfigurableIOManagerFactory):
    """Step outputs beside the artifacts: on S3 (dagster-aws's pickle IO manager, under
    `<prefix>/dagster/step-outputs`) when the store is on S3, so a step can run on another machine
    than the one before it; else Dagster's filesystem one under DAGSTER_HOME/storage, as by default.
    Resolved when a run starts, like the other resources."""

    storage_url: str | None = None
    s3_endpoint_url: str | None = None

    def create_io_manager(self, context: dg.InitResourceContext) -> dg.IOManager:
        settings = get_settings()
        where = s3_location(self.storage_url or settings.resolved_storage_url)
        if where is None:
            from dagster._core.storage.fs_io_manager import PickledObjectFilesystemIOManager

            return PickledObjectFilesystemIOManager(base_dir=context.instance.storage_directory())
        import boto3
        from dagster_aws.s3.io_manager import PickledObjectS3IOManager

        bucket, prefix = where
        client = boto3.client("s3", endpoint_url=self.s3_endpoint_url or settings.s3_endpoint_url)
        return PickledObjectS3IOManager(
            s3_bucket=bucket, s3_session=client, s3_prefix="/".join(p for p in (prefix, "dagster/step-outputs") if p)
        )


def job_resources(settings: Settings | None = None) -> dict[str, dg.ConfigurableResource]:
    """The job's resources; unconfigured ones resolve the shared Settings when a run starts."""
    if settings is None:
        return {"app_db": AppDatabaseResource(), "artifacts": ArtifactStoreResource(), "catalog": CatalogResource()}
    return {
        "app_db": AppDatabaseResource(
            database_url=settings.resolved_database_url, retention_hours=settings.retention_hours
        ),
        "artifacts": ArtifactStoreResource(
            storage_url=settings.resolved_storage_url, s3_endpoint_url=settings.s3_endpoint_url
        ),
        "catalog": CatalogResource(),
    }


def resource_config(settings: Settings) -> dict[str, dict]:
    """The same resources as run config, for a run whose workers are other processes."""
    return {
        "app_db": {
            "config": {"database_url": settings.resolved_database_url, "retention_hours": settings.retention_hours}
        },
        "artifacts": {
            "config": {"storage_url": settings.resolved_storage_url, "s3_endpoint_url": settings.s3_endpoint_url}
        },
    }
