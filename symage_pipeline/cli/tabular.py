"""`symage tabular`: a table from a description or a column file, locally, through the same
`generate_tabular` Dagster job and ledger the service uses."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from symage_pipeline.cli.common import fail, follow_and_fetch, quiet_dagster, suggest
from symage_pipeline.errors import SymageError
from symage_pipeline.settings import Settings
from symage_pipeline.tabular.spec import FORMATS


def _columns(description: str | None, schema: Path | None) -> tuple[list[dict], list[str]]:
    """The columns from `--schema FILE` (a JSON list, or an object with `columns`) or else from
    the description through the offline parser, with the parser's warnings."""
    from symage_pipeline.tabular.parse import parse_description

    if schema is not None:
        try:
            loaded = json.loads(schema.read_text())
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"invalid_schema: {schema} is not a JSON file ({exc}).") from exc
        return (loaded.get("columns") if isinstance(loaded, dict) else loaded), []
    if not description:
        raise click.ClickException("give a description, e.g. symage tabular \"first name, age, city\", or --schema.")
    parsed = parse_description(description)
    return parsed.columns, parsed.warnings


def _format(output: Path, fmt: str | None) -> str:
    chosen = fmt or output.suffix.lstrip(".").lower() or "csv"
    if chosen not in FORMATS:
        raise click.ClickException(f"invalid_output_format: {chosen!r}.{suggest(chosen, FORMATS)}")
    return chosen


@click.command()
@click.argument("description", required=False)
@click.option("-n", "--rows", "rows", default=100, show_default=True, type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=str, default=None, help="csv or json; default from the output's suffix.")
@click.option("--schema", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A JSON file of columns [{name, type, constraints}] instead of a description.")  # fmt: skip
@click.option("--seed", type=int, default=None)
@click.option("--show-columns", is_flag=True, help="Print the parsed columns before generating.")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's own step logs.")
def tabular(
    description: str | None,
    rows: int,
    output: Path,
    fmt: str | None,
    schema: Path | None,
    seed: int | None,
    show_columns: bool,
    verbose: bool,
) -> None:
    """Make a table (CSV or JSON) from a description such as "first name, age, city"."""
    from symage_pipeline.app.db import Database
    from symage_pipeline.app.tabular import TabularRequest, create_tabular_job
    from symage_pipeline.defs.launch import InProcessRunSubmitter
    from symage_pipeline.keys import table_key

    quiet_dagster(verbose)
    chosen = _format(output, fmt)
    body: dict = {"quantity": rows, "output_formats": [chosen]}
    if seed is not None:
        body["seed"] = seed
    try:
        columns, warnings = _columns(description, schema)
        request = TabularRequest.model_validate({**body, "columns": columns})
    except SymageError as exc:
        raise fail(exc) from exc
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if show_columns:
        for column in request.columns:
            click.echo(f"  {column.name}: {column.type} {json.dumps(column.constraints)}", err=True)
    with tempfile.TemporaryDirectory(prefix="symage-") as tmp:
        settings = Settings(data_dir=Path(tmp), default_credits=None)
        db = Database(settings.resolved_database_url)
        submitter = InProcessRunSubmitter(settings, quiet=not verbose)
        try:
            job = create_tabular_job(
                db=db, launcher=submitter, settings=settings, user_id="local", request=request, created_via="cli"
            ).job
            assert job is not None  # local accounts are unlimited and never ask for confirmation
        except SymageError as exc:
            raise fail(exc) from exc
        follow_and_fetch(db, submitter, settings, job, key=table_key(job.job_id, chosen), output=output, unit="row")
    click.echo(f"wrote {output} ({output.stat().st_size:,} bytes, {rows:,} rows × {len(request.columns)} columns)")
