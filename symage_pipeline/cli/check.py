from __future__ import annotations

import json
import zipfile
from pathlib import Path

import click


@click.command()
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--mode", type=click.Choice(["coherent", "shuffled", "random"]), default=None,
              help="Coherence mode to check against [default: the dataset manifest's].")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the rules that checked nothing here.")
def check(dataset: Path, mode: str | None, as_json: bool, verbose: bool) -> None:
    """Verify a dataset's invariants (identifier validity, addresses, arithmetic, cross-form ties).

    Exits 1 when any document breaks a rule; the rules are listed in the dataset README.
    """
    from symage_pipeline.checker import check_dataset

    if dataset.is_file() and not zipfile.is_zipfile(dataset):
        raise click.ClickException(f"{dataset} is not a dataset zip (nor an unpacked dataset folder).")
    try:
        report = check_dataset(dataset, coherence_mode=mode)
    except (zipfile.BadZipFile, json.JSONDecodeError, KeyError, OSError) as exc:
        raise click.ClickException(f"{dataset} is not a readable dataset: {exc}") from None
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.summary(verbose=verbose))
    if not report.ok:
        raise SystemExit(1)
