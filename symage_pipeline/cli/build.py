"""`symage build`: build one of the scheduled datasets now, recorded in the stack's Dagster instance
as a materialization of its `datasets/<name>` asset, exactly as its schedule would."""

from __future__ import annotations

import click

from symage_pipeline.cli.common import quiet_dagster, suggest


@click.command()
@click.argument("name", required=False)
@click.option("--list", "list_builds", is_flag=True, help="List the builds file's datasets and their crons.")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's own step logs.")
def build(name: str | None, list_builds: bool, verbose: bool) -> None:
    """Build the dataset NAME of the builds file (SYMAGE_BUILDS_FILE) into builds/NAME/<version>/."""
    from dagster import DagsterInstance, Definitions

    from symage_pipeline.defs.builds import build_job_name, dataset_builds
    from symage_pipeline.defs.instance import write_dagster_home
    from symage_pipeline.defs.resources import job_resources
    from symage_pipeline.settings import get_settings

    quiet_dagster(verbose)
    builds, assets, jobs, _ = dataset_builds()
    if list_builds or name is None:
        for b in builds:
            state = "" if b.enabled else "  (schedule stopped)"
            click.echo(f"{b.name:<28} {b.cron:<14} {b.spec.quantity:>7} x {', '.join(b.spec.form_ids)}{state}")
        return
    by_name = {b.name: a for b, a in zip(builds, assets, strict=True)}
    if name not in by_name:
        raise click.ClickException(f"no dataset {name!r} in the builds file.{suggest(name, list(by_name))}")
    settings = get_settings()
    # the build's own job, so the run reads build_<name> in the UI as a scheduled one does
    job = Definitions(assets=assets, jobs=jobs, resources=job_resources(settings)).resolve_job_def(build_job_name(name))
    log_level = None if verbose else {"console": {"config": {"log_level": "WARNING"}}}
    with DagsterInstance.from_config(str(write_dagster_home(settings))) as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={"symage/trigger": "symage build"},
            run_config={"loggers": log_level} if log_level else None,
            raise_on_error=False,
        )
    if not result.success:
        raise click.ClickException(f"{build_job_name(name)} failed: see run {result.run_id} in the Dagster UI")
    (event,) = result.get_asset_materialization_events()
    meta = {k: v.value for k, v in event.materialization.metadata.items()}
    click.echo(f"{name} {meta['version']}: {meta['documents']} documents, {meta['bytes']:,} bytes in {meta['path']}")
