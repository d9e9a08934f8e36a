"""Timestamps read back from the app DB: SQLite hands back naive datetimes even for
timezone-aware columns, so every comparison and rendering goes through `aware` first."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def is_past(moment: datetime | None) -> bool:
    return moment is not None and aware(moment) <= datetime.now(UTC)
