"""The instance's run coordinator: Dagster's queue, checked twice a second rather than once.

A queued job waits for the daemon's next look at the queue: with Dagster's whole-second
`dequeue_interval_seconds` (1 at least) that was ~0.5 s of every queued job, a seventh of a
1,000-document job's 3.9 s (2026-12-07). The daemon's loop sleeps in steps of 0.5 s, so an
interval below that buys nothing; 0.5 s halves the wait, and a look at an empty queue costs a
query or two. Everything else — the limits, the tag limits, the order — is Dagster's.

It is also where the daemon's run workers start warming when `symage up` starts the daemon
(`PRESTART_ENV`): the coordinator is made when the daemon starts, the launcher only at its
first launch, which then paid a cold worker.
"""

from __future__ import annotations

import os
from typing import Any

from dagster import Field
from dagster._core.run_coordinator import QueuedRunCoordinator

from symage_pipeline.defs.names import PRESTART_ENV

DAEMON_SLEEP_SECONDS = 0.5  # IntervalDaemon.core_loop waits on its shutdown event in steps of this


class PromptRunCoordinator(QueuedRunCoordinator):
    """`QueuedRunCoordinator` whose `dequeue_interval_seconds` may be a fraction of a second."""

    def __init__(self, *args: Any, dequeue_interval_seconds: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if dequeue_interval_seconds is not None:
            self._dequeue_interval_seconds = max(float(dequeue_interval_seconds), DAEMON_SLEEP_SECONDS)  # type: ignore[assignment]

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {
            **super().config_type(),
            "dequeue_interval_seconds": Field(
                float,
                is_required=False,
                description="Seconds between the daemon's looks at the run queue; 0.5 at least.",
            ),
        }

    def register_instance(self, instance: Any) -> None:
        super().register_instance(instance)
        if os.environ.pop(PRESTART_ENV, None):  # the daemon's own instance, once
            prestart = getattr(instance.run_launcher, "prestart", None)
            if prestart is not None:
                prestart()
