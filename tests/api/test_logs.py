"""With SYMAGE_LOG_FORMAT=json every line is one JSON object; an API request's lines carry the
request id its answer carries, and a job's admission carries the job id."""

from __future__ import annotations

import io
import json
import logging

from api.logs import JsonFormatter


def test_access_and_intake_lines_carry_the_request_and_job_ids(api) -> None:
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("symage")
    logger.addHandler(handler)
    try:
        key = api.key("logged")
        response = api.client.post("/api/v1/generate", json={"form_id": "irs_w2_2025", "quantity": 1},
                                   headers=api.auth(key))  # fmt: skip
        api.submitter.drain()
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in sink.getvalue().splitlines()]
    request_id, job_id = response.headers["x-request-id"], response.json()["data"]["job_id"]
    mine = [line for line in lines if line.get("request_id") == request_id]
    access = next(line for line in mine if line["logger"] == "symage.access")
    assert access | {"duration_ms": 0} == {
        "ts": access["ts"], "level": "info", "logger": "symage.access", "message": "POST /api/v1/generate 200",
        "request_id": request_id, "method": "POST", "path": "/api/v1/generate", "status": 200, "duration_ms": 0,
    }  # fmt: skip
    admitted = next(line for line in mine if line["logger"] == "symage.intake")
    assert admitted["job_id"] == job_id and admitted["user_id"] == "logged"


def test_errors_are_logged_with_their_traceback_as_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("symage.api", logging.ERROR, __file__, 1, "failed %s", ("x",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "failed x" and "ValueError: boom" in parsed["error"]
