"""What every command shares: quiet logs, errors in one line, and suggestions for mistyped values."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable

import click

from symage_pipeline.errors import SymageError


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
