"""Logs a log pipeline can parse: one JSON object per line, with the request id every answer's
`meta.request_id` and `X-Request-ID` carry, and the job id where a line is about a job.

`SYMAGE_LOG_FORMAT=json` turns it on (`text` stays the default for a person at a terminal); the
access log is one `symage.access` line per request with method, path, status and duration.
"""

from __future__ import annotations

import logging
from typing import Any

from api.envelope import current_request_id
from symage_pipeline.logs import JsonFormatter as BaseJsonFormatter


class JsonFormatter(BaseJsonFormatter):
    """The API's lines: the request id of the request being served, when a line has none."""

    def context(self, record: logging.LogRecord) -> dict[str, Any]:
        return {"request_id": current_request_id()}


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
