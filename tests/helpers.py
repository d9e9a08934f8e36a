import itertools
import os
import random
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from symage_pipeline.bundle.downloads import run_records
from symage_pipeline.storage import LocalStore


def until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `condition` until it returns something truthy, and return that; fail with `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def _first_port() -> int:
    """Each pytest-xdist worker (`make test` runs two) counts in a range of its own, so two
    workers never hand out the same port at once; a random start within it keeps runs apart."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    lane = int(worker) % 4 if worker.isdigit() else 0
    return 20_000 + lane * 3_000 + random.Random().randrange(0, 1_500)


_PORTS = itertools.count(_first_port())


def free_port() -> int:
    """A free port below the kernel's ephemeral range (32768-60999 here). A port from `bind(0)` is
    free only until the test binds it, and meanwhile any process binding port 0 (a stack's code
    server, moto) may be handed the same one: two stacks started side by side once collided so."""
    while True:
        port = next(_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """A local S3-compatible server (moto) for the S3 store's tests; yields its endpoint URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(endpoint, timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def serve(app, port: int | None = None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The ASGI app on a real socket (uvicorn in a thread): for behaviour that needs real HTTP."""
    import threading

    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)


class Receiver:
    """A local webhook endpoint: records every POST (headers, raw body) and answers the statuses
    queued in `answers` (200 once they run out)."""

    def __init__(self, answers: list[int] | None = None):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.answers = list(answers or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def part_members(store: LocalStore, job_id: str) -> dict[str, bytes]:
    """Every file a job's chunks made, by dataset path: the members of their zip parts (a file is
    stored nowhere else until the bundle copies it into the dataset's archives). The parquet rows,
    which a chunk keeps a batch of documents at a time (a run named after its first document),
    appear per document, as `_work/hf/<surface>/<document id>.rows` (their repr), and so do the
    download records (`_work/records/<document id>.record`), so jobs cut into chunks differently
    compare equal."""
    import pyarrow as pa

    members: dict[str, bytes] = {}
    for key in store.list(f"jobs/{job_id}/files/_work/zip"):
        if key.endswith(".zip"):
            with zipfile.ZipFile(store.path(key)) as part:
                members |= {name: part.read(name) for name in part.namelist()}
    for name in [n for n in members if n.startswith("_work/hf/") and n.endswith(".arrow")]:
        surface = name.split("/")[2]
        rows: dict[str, list[dict]] = {}
        for batch in pa.ipc.open_stream(members.pop(name)):
            for row in batch.to_pylist():
                rows.setdefault(row["document_id"], []).append(row)
        members |= {f"_work/hf/{surface}/{doc}.rows": repr(pages).encode() for doc, pages in rows.items()}
    for name in [n for n in members if n.startswith("_work/records/")]:
        for stem, _, text, row in run_records(members.pop(name)):
            members[f"_work/records/{stem}.record"] = text + b"\n" + row
    return members
