"""The warm lane: a long-lived process of `symage up` that runs tiny jobs (at most
`fast_lane_max_documents` documents, `fast_lane_max_rows` rows) on Dagster's in-process path, so
rendering never holds the API's interpreter and a one-document job still skips the run queue's
~2.5 s of dequeue and run-worker start.

The API hands a job over with one local HTTP call (`LaneSubmitter`): the job's row is already
committed, so the lane reads the request from the app DB and runs it, one job after another, as
the API's own lane did. When no lane is listening the API runs the job itself; when the lane is
too slow to answer, the job is left to it (and to the job_reconciler, should it be lost). A lane that
dies with jobs leaves them to the job_reconciler, as an API that died with its lane did: a job
with no run is resubmitted through the queue, a run whose worker is gone is re-executed.

Run it: ``python -m symage_pipeline.defs.lane --port N`` (`symage up` does, and passes its URL to
the API as ``SYMAGE_LANE_URL``).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from symage_pipeline.defs.launch import InProcessRunSubmitter, RunSubmitter
from symage_pipeline.settings import Settings, get_settings
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.tabular.spec import TabularSpec


class LaneSubmitter(RunSubmitter):
    """The API's side: tiny jobs to the lane process, or to `fallback` (this process's own lane)
    when it does not answer."""

    def __init__(self, url: str, fallback: RunSubmitter):
        self.url = url.rstrip("/")
        self.fallback = fallback
        self._client = httpx.Client(timeout=2.0)

    def submit(self, job_id: str, spec: GenerationSpec | TabularSpec, *, user_id: str = "") -> str:
        try:
            response = self._client.post(f"{self.url}/jobs/{job_id}")
            if response.status_code == 202:
                return ""
        except httpx.TimeoutException:
            # The lane may have taken it and be slow to say so: running it here too could run the
            # job twice. If the lane did lose it, the job_reconciler resubmits a job with no run.
            return ""
        except httpx.HTTPError:
            pass  # no lane listening: run it here
        return self.fallback.submit(job_id, spec, user_id=user_id)

    def close(self) -> None:
        self._client.close()
        self.fallback.close()


class Lane:
    """The lane process's side: takes job ids, runs each job (read back from the app DB)."""

    def __init__(self, settings: Settings):
        from symage_pipeline.app.db import Database

        self.settings = settings
        self.db = Database(settings.resolved_database_url, run_migrations=False)
        self.runs = InProcessRunSubmitter(settings, max_attempts=settings.run_attempts)

    def warm(self) -> None:
        """Imports, the catalog, the Dagster instance and the form templates, before the first job."""
        from symage_pipeline.defs.run_worker import warm_code

        warm_code()
        self.runs.instance.get_runs(limit=1)

    def take(self, job_id: str) -> bool:
        """Queue the pending job `job_id`; False when there is no such job waiting."""
        from symage_pipeline.app.db import Job

        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "pending" or job.dagster_run_id:
                return False
            spec = job.request
            user_id = job.user_id
        self.runs.submit(job_id, spec, user_id=user_id)
        return True

    def close(self) -> None:
        self.runs.close()  # the jobs already taken finish first
        self.db.dispose()


def serve(settings: Settings, host: str, port: int) -> None:
    lane = Lane(settings)
    lane.warm()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            parts = self.path.strip("/").split("/")
            ok = len(parts) == 2 and parts[0] == "jobs" and lane.take(parts[1])
            self._answer(202 if ok else 404, {"accepted": bool(ok)})

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200 if self.path == "/health" else 404, {"status": "ok"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: one line per job is noise
            pass

    server = ThreadingHTTPServer((host, port), Handler)

    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()  # shutdown() from another thread

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        lane.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Symage's warm lane for tiny jobs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(get_settings(), args.host, args.port)


if __name__ == "__main__":
    main()
