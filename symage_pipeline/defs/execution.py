"""The one execution-plan decision: how a job is chunked and which executor runs the chunks.

Measured (docs/decisions/dagster-overhead.md): a run costs ~1.1–1.6 s to launch and a
multiprocess step ~1 s to spawn, so small jobs run in one process and big jobs use few large
chunks (a few hundred steps at most, whatever the quantity).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Literal

from symage_pipeline.pipeline import MIN_PARALLEL_DOCUMENTS
from symage_pipeline.settings import Settings
from symage_pipeline.spec import GenerationSpec

Lane = Literal["queued", "in_process"]


@dataclass(frozen=True)
class ExecutionPlan:
    chunk_size: int  # items per chunk (each item makes one document per form)
    multiprocess_workers: int  # 0 = Dagster's in-process executor
    render_processes: int  # forked render processes per chunk (in-process runs only)
    worker_count: int  # what the job reports as its workers
    shard_size: int

    def executor_config(self) -> dict:
        if self.multiprocess_workers:
            return {"multiprocess": {"max_concurrent": self.multiprocess_workers, "start_method": {"forkserver": {}}}}
        return {"in_process": {}}


def plan_execution(spec: GenerationSpec, settings: Settings, lane: Lane = "queued") -> ExecutionPlan:
    """In-process for jobs up to `settings.inprocess_max_documents` (and always in the in-process
    lane, whose run is `execute_in_process`), multiprocess with one worker per core beyond."""
    documents = spec.documents_total
    per_chunk = max(settings.min_chunk_size, math.ceil(documents / settings.target_chunks))
    chunk_size = max(1, per_chunk // len(spec.form_ids))
    multiprocess = 0 if lane == "in_process" or documents <= settings.inprocess_max_documents else os.cpu_count() or 2
    # The multiprocess executor already runs chunks side by side; in-process runs fork instead.
    render_processes = 1 if multiprocess else settings.render_processes
    worker_count = multiprocess or (render_processes if documents >= MIN_PARALLEL_DOCUMENTS else 1)
    return ExecutionPlan(chunk_size, multiprocess, render_processes, worker_count, settings.shard_size)
