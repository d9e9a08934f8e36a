"""JSON log lines from Dagster's processes (run workers, step processes, the in-process lane):
`dagster.yaml` attaches a handler with this formatter to every run's loggers when
`SYMAGE_LOG_FORMAT=json` (`instance_yaml/python_logs_json.yaml`), so a line from a step says
which job, run and step it belongs to, as the API's lines say which request."""

from __future__ import annotations

import logging
from typing import Any

from symage_pipeline.defs.names import JOB_ID_TAG, PARTITION_TAG
from symage_pipeline.logs import JsonFormatter


class DagsterJsonFormatter(JsonFormatter):
    def context(self, record: logging.LogRecord) -> dict[str, Any]:
        meta = getattr(record, "dagster_meta", None) or {}
        tags = meta.get("job_tags") or {}
        event = meta.get("dagster_event")
        return {
            "job_id": tags.get(JOB_ID_TAG) or tags.get(PARTITION_TAG),
            "run_id": meta.get("run_id"),
            "step_key": meta.get("step_key"),
            "event": event.event_type_value if event is not None else None,
        }
