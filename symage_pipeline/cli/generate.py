"""`symage generate`: one dataset, locally, through the same Dagster job the service runs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from symage_pipeline.cli.common import fail, follow_and_fetch, quiet_dagster, suggest
from symage_pipeline.errors import SymageError
from symage_pipeline.settings import Settings
from symage_pipeline.spec import KNOWN_FORMATS


def _check_names(form_ids: tuple[str, ...], formats: tuple[str, ...]) -> None:
    """Mistyped form ids and formats, answered with the valid values and the closest one."""
    from symage_pipeline.catalog import load_catalog

    catalog = load_catalog()
    for form_id in form_ids:
        if form_id not in catalog:
            raise click.ClickException(f"unknown_form: no form {form_id!r}.{suggest(form_id, catalog.ids())}")
    for fmt in formats:
        if fmt not in KNOWN_FORMATS:
            raise click.ClickException(f"invalid_output_format: {fmt!r}.{suggest(fmt, KNOWN_FORMATS)}")


@click.command()
@click.argument("form_ids", nargs=-1, required=True)
@click.option("-n", "--quantity", default=1, show_default=True, type=int)
@click.option("--format", "formats", multiple=True, default=("pdf_typed",), show_default=True,
              help=f"Repeatable: {', '.join(KNOWN_FORMATS)}.")  # fmt: skip
@click.option("--seed", type=int, default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's own step logs.")
def generate(
    form_ids: tuple[str, ...], quantity: int, formats: tuple[str, ...], seed: int | None, output: Path, verbose: bool
) -> None:
    """Make one dataset locally through the same Dagster job, with a progress bar."""
    from symage_pipeline.app.db import Database
    from symage_pipeline.app.intake import GenerateRequest, create_job
    from symage_pipeline.catalog import load_catalog
    from symage_pipeline.defs.launch import InProcessRunSubmitter
    from symage_pipeline.keys import dataset_key

    quiet_dagster(verbose)
    _check_names(form_ids, formats)
    with tempfile.TemporaryDirectory(prefix="symage-") as tmp:
        # One archive whatever the size: the output is a single file the user named.
        settings = Settings(data_dir=Path(tmp), default_credits=None, shard_size=0)
        db = Database(settings.resolved_database_url)
        submitter = InProcessRunSubmitter(settings, quiet=not verbose)
        body: dict = {"quantity": quantity, "output_formats": list(formats)}
        body.update({"form_id": form_ids[0]} if len(form_ids) == 1 else {"form_ids": list(form_ids)})
        if seed is not None:
            body["seed"] = seed
        try:
            job = create_job(
                db=db,
                catalog=load_catalog(),
                launcher=submitter,
                settings=settings,
                user_id="local",
                request=GenerateRequest.model_validate(body),
                created_via="cli",
            ).job
            assert job is not None  # local accounts are unlimited and never ask for confirmation
        except SymageError as exc:
            raise fail(exc) from exc
        follow_and_fetch(db, submitter, settings, job, key=dataset_key(job.job_id), output=output, unit="doc")
    click.echo(f"wrote {output} ({output.stat().st_size:,} bytes, {job.documents_total} documents)")
