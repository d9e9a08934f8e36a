"""Logs a log pipeline can parse: one JSON object per line, with the request id every answer's
`meta.request_id` and `X-Request-ID` carry, and the job id where a line is about a job.

`SYMAGE_LOG_FORMAT=json` turns it on (`text` stays the default for a person at a terminal); the
access log is one `symage.access` line per request with method, path, status and duration.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from api.envelope import current_request_id

# Fields a line may carry beyond its message, from `extra=` or the request context.
FIELDS = ("request_id", "job_id", "user_id", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None})
        if "request_id" not in line and (request_id := current_request_id()):
            line["request_id"] = request_id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """The `symage` loggers (API, access, intake) to stderr, as JSON or as plain text; once."""
    logger = logging.getLogger("symage")
    logger.setLevel(level.upper())
    if any(getattr(h, "_symage", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))  # fmt: skip
    handler._symage = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
