"""Scheduled dataset builds in Dagster: for every entry of the builds file (`app/builds.py`) an
asset `datasets/<name>` whose materializations are the versions built (documents, bytes, path,
version: the UI's asset catalog lists them all), an asset job `build_<name>` and a schedule on the
entry's cron. The asset is thin: `app.builds.build_version` does the work."""

from datetime import UTC, datetime

import dagster as dg

from symage_pipeline.app.builds import DEFAULT_BUILDS_FILE, DatasetBuild, build_version, load_builds, version_of
from symage_pipeline.catalog import load_catalog
from symage_pipeline.defs.resources import ArtifactStoreResource, CatalogResource
from symage_pipeline.settings import get_settings

SCHEDULED_TIME_TAG = "dagster/scheduled_execution_time"


def build_job_name(name: str) -> str:
    return f"build_{name}"


def _version(context: dg.AssetExecutionContext) -> str:
    """The tick's time for a scheduled run (so a version names the night it belongs to), else now."""
    scheduled = context.run.tags.get(SCHEDULED_TIME_TAG)
    return version_of(datetime.fromisoformat(scheduled) if scheduled else datetime.now(UTC))


def dataset_asset(build: DatasetBuild) -> dg.AssetsDefinition:
    spec = build.spec

    @dg.asset(
        key=dg.AssetKey(["datasets", build.name]),
        group_name="datasets",
        description=build.description or None,
        kinds={"zip"},
        metadata={
            "forms": ", ".join(spec.form_ids),
            "quantity": spec.quantity,
            "formats": ", ".join(spec.output_formats),
            "seed": spec.seed,
            "cron": build.cron,
        },
    )
    def _dataset(
        context: dg.AssetExecutionContext, catalog: CatalogResource, artifacts: ArtifactStoreResource
    ) -> dg.MaterializeResult:
        built = build_version(build, _version(context), catalog.catalog, artifacts.store)
        context.log.info(f"built {build.name} {built.version}: {built.documents} documents in {built.prefix}")
        return dg.MaterializeResult(
            metadata={
                "version": built.version,
                "documents": built.documents,
                "files": built.files,
                "bytes": built.size_bytes,
                "layout": built.layout,
                "path": dg.MetadataValue.path(f"{get_settings().resolved_storage_url.rstrip('/')}/{built.prefix}"),
                "dataset_key": built.dataset_key,
            }
        )

    return _dataset


def dataset_builds() -> tuple[list[DatasetBuild], list[dg.AssetsDefinition], list, list[dg.ScheduleDefinition]]:
    """Every build of the builds file (SYMAGE_BUILDS_FILE, default the repo's `builds.yaml`) as an
    asset, its job and its schedule. Read when the code location loads: builds are definitions."""
    path = get_settings().builds_file or DEFAULT_BUILDS_FILE
    builds = load_builds(path, load_catalog())
    assets = [dataset_asset(b) for b in builds]
    jobs = [dg.define_asset_job(build_job_name(b.name), selection=[a.key]) for b, a in zip(builds, assets, strict=True)]
    schedules = [
        dg.ScheduleDefinition(
            name=build_job_name(b.name),
            job=job,
            cron_schedule=b.cron,
            execution_timezone="UTC",
            description=f"Builds datasets/{b.name} into builds/{b.name}/<version>/.",
            default_status=dg.DefaultScheduleStatus.RUNNING if b.enabled else dg.DefaultScheduleStatus.STOPPED,
        )
        for b, job in zip(builds, jobs, strict=True)
    ]
    return builds, assets, jobs, schedules
