"""Log lines a log pipeline can parse: one JSON object per line, with the ids that tie a line to
a request, a job, a run and a step. The API's formatter (`api/logs.py`) adds the request id; the
Dagster processes' (`defs/logs.py`) the job, run and step of the record."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Fields a line may carry beyond its message, from `extra=` or the formatter's context.
FIELDS = ("request_id", "job_id", "run_id", "step_key", "user_id", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def context(self, record: logging.LogRecord) -> dict[str, Any]:
        """Fields this process knows about the record beyond its `extra=` (none here)."""
        return {}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None})
        for key, value in self.context(record).items():
            if value is not None:
                line.setdefault(key, value)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
