"""The API's side of the warm lane: a job the lane accepts is the lane's; with no lane listening
(or a lane that does not know the job) the API runs it itself; a lane too slow to answer keeps it,
so a job is never run by both."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from symage_pipeline.defs.lane import LaneSubmitter
from symage_pipeline.spec import GenerationSpec
from tests.api.test_credits_and_idempotency import QueueOnly
from tests.helpers import free_port

SPEC = GenerationSpec(form_ids=("irs_w2_2025",), quantity=1, seed=1)


def lane(status: int, delay: float = 0.0) -> tuple[str, ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.mark.parametrize(("status", "delay", "runs_here"), [(202, 0.0, False), (404, 0.0, True), (202, 3.0, False)])
def test_who_runs_a_tiny_job(status: int, delay: float, runs_here: bool) -> None:
    url, server = lane(status, delay)
    own = QueueOnly()
    try:
        LaneSubmitter(url, own).submit("j", SPEC)
    finally:
        server.shutdown()
    assert own.submitted == (["j"] if runs_here else [])


def test_with_no_lane_listening_the_api_runs_the_job() -> None:
    own = QueueOnly()
    LaneSubmitter(f"http://127.0.0.1:{free_port()}", own).submit("j", SPEC)
    assert own.submitted == ["j"]
