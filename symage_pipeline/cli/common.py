"""What every command shares: quiet logs, errors in one line, and suggestions for mistyped values."""

from __future__ import annotations

import difflib
import logging
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from symage_pipeline.errors import SymageError

if TYPE_CHECKING:  # imported when a command runs: `symage --help` stays fast
    from symage_pipeline.app.db import Database, Job
    from symage_pipeline.defs.launch import RunSubmitter
    from symage_pipeline.settings import Settings


def quiet_dagster(verbose: bool) -> None:
    """Dagster logs every step event at DEBUG; a person at a terminal wants the progress bar."""
    level = logging.DEBUG if verbose else logging.WARNING
    for name in ("dagster", "dagster.builtin", "dagster.code_server", "alembic"):
        logging.getLogger(name).setLevel(level)


def suggest(value: str, valid: Iterable[str]) -> str:
    """`Did you mean …?` plus the valid values, for a message about an unknown `value`."""
    options = sorted(valid)
    close = sorted((o for o in options if o.startswith(value)), key=len)[:1]
    close = close or difflib.get_close_matches(value, options, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{hint} Valid: {', '.join(options)}."


def fail(error: SymageError) -> click.ClickException:
    return click.ClickException(f"{error.code}: {error.message}")


def follow_and_fetch(
    db: Database, submitter: RunSubmitter, settings: Settings, job: Job, *, key: str, output: Path, unit: str
) -> None:
    """Show the job's progress until its run ends, then copy the store's `key` to `output`:
    what `symage generate` and `symage tabular` do once their job is admitted."""
    from tqdm import tqdm

    from symage_pipeline.app.records import JobTracker

    tracker = JobTracker(db)
    with tqdm(total=job.documents_total, unit=unit, desc="generating") as bar:
        while True:
            current = tracker.get(job.job_id)
            assert current is not None
            bar.update(current.documents_done - bar.n)
            if current.status in ("completed", "failed"):
                break
            time.sleep(0.1)
    submitter.close()
    if current.status != "completed":
        raise click.ClickException(f"generation failed: {current.error}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with settings.open_store().open_read(key) as source, output.open("wb") as sink:
        shutil.copyfileobj(source, sink)
    db.dispose()
