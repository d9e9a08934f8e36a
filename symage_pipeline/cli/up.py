"""`symage up`: the whole service in the foreground, on embedded defaults when nothing is configured.

The supervisor prepares every store (app DB migrations, the Dagster instance's storage) itself,
before any child starts, so children never race to create them; then it starts the code server,
the daemon, the warm lane for tiny jobs (`defs/lane.py`), the webserver and the API, each in its
own process group, and stops them together.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click

from symage_pipeline.cli.common import quiet_dagster
from symage_pipeline.defs.names import DEFINITIONS_MODULE, LOCATION_NAME, PRESTART_ENV
from symage_pipeline.settings import Settings, get_settings


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen here now. SO_REUSEADDR as uvicorn and gRPC bind: connections
    of a stack just stopped (TIME_WAIT) must not block a restart on the same ports."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"{' '.join(proc.args[:4])} exited with {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise click.ClickException(f"nothing listening on {host}:{port} after {timeout:.0f} s")


class Supervisor:
    """Starts the children in their own process groups and stops every one of them together."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(
        self, name: str, args: list[str], *, nice: int = 0, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """`nice`: the child and every process it starts run at this lower priority; `env`: variables
        for this child only, over the stack's."""

        def before_exec() -> None:
            _die_with_parent()
            if nice:
                os.nice(nice)

        proc = subprocess.Popen(args, env={**self.env, **(env or {})}, start_new_session=True, preexec_fn=before_exec)
        self.children.append((name, proc))
        return proc

    def stop(self, timeout: float = 15.0, *, runs_grace: float = 0.0) -> None:
        """Stop everyone; with `runs_grace`, gracefully: the API first (it finishes the requests in
        flight), then the lane (the tiny jobs it took), then the daemon alone (no run is launched
        after it), then up to `runs_grace` seconds for the run workers it started (they live in its
        process group) to finish their runs; what is still running then is stopped and recovered
        at the next start (the job_reconciler re-executes it)."""
        if runs_grace > 0:
            self._stop_gracefully(timeout, runs_grace)
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, proc in self.children:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        # Run workers and compute-log tails live in the children's groups; make sure none linger.
        for _, proc in self.children:
            _signal_group(proc, signal.SIGKILL)

    def _stop_gracefully(self, timeout: float, runs_grace: float) -> None:
        procs = dict(self.children)
        for name in ("api", "lane"):  # the lane finishes the tiny jobs it took, then exits
            if name in procs and procs[name].poll() is None:
                _signal_group(procs[name], signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    procs[name].wait(timeout)
        daemon = procs.get("daemon")
        if daemon is None:
            return
        # The code server is stopped beside the daemon, not after it: no run needs it once the
        # daemon launches no more (run workers execute the code themselves), and its own stop takes
        # 1-3 s. The process only: with Dagster's default launcher its runs are in its group.
        for name in ("daemon", "code-server"):
            if name in procs and procs[name].poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(procs[name].pid, signal.SIGTERM)  # not the daemon's group: its run workers
        if daemon.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                daemon.wait(timeout)
        deadline = time.monotonic() + runs_grace
        while time.monotonic() < deadline and _group_alive(daemon.pid):
            time.sleep(0.1)

    def wait_any(self) -> tuple[str, int]:
        while True:
            for name, proc in self.children:
                if proc.poll() is not None:
                    return name, proc.returncode
            time.sleep(0.5)


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs. Zombies do not count: run workers orphaned by
    the daemon's exit are reaped by PID 1 when it gets to it (seconds, under some inits), and a
    signal test (`killpg(pgid, 0)`) succeeds on them."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after it
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split(" ", 3)[:3]
        if int(pgrp) == pgid and state != "Z":
            return True
    return False


# Rendering yields the cores to the API: the processes that run jobs (the code server starts the
# run workers, the daemon its sensors, the lane its tiny jobs) are niced, so `GET /jobs/{id}` stays
# fast while a large job keeps both cores busy.
RENDER_NICENESS = 10


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies, however it dies (even SIGKILL,
    which it cannot pass on), so no API or code server outlives it holding its ports (Linux)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def child_env(settings: Settings, public_url: str) -> dict[str, str]:
    """Resolved settings passed down explicitly, so every child agrees on where things live."""
    env = dict(os.environ)
    env.update(
        {
            "DAGSTER_HOME": str(settings.resolved_dagster_home),
            "SYMAGE_DATA_DIR": str(settings.data_dir.resolve()),
            "SYMAGE_DATABASE_URL": settings.resolved_database_url,
            "SYMAGE_STORAGE_URL": settings.resolved_storage_url,
            "SYMAGE_CODE_SERVER_HOST": settings.code_server_host,
            "SYMAGE_CODE_SERVER_PORT": str(settings.code_server_port),
            "SYMAGE_PUBLIC_URL": os.environ.get("SYMAGE_PUBLIC_URL", public_url),
        }
    )
    return env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--ui-port", default=3000, show_default=True, type=int)
@click.option("--code-port", default=None, type=int, help="Dagster code server port [default: a free one]")
@click.option("--no-ui", is_flag=True, help="Do not start the Dagster webserver; jobs still run.")
def up(host: str, port: int, ui_port: int, code_port: int | None, no_ui: bool) -> None:
    """Start the API, the Dagster code server, daemon and (unless --no-ui) webserver."""
    from symage_pipeline.app.db import migrate
    from symage_pipeline.defs.instance import prepare_instance

    quiet_dagster(False)
    settings = get_settings()
    code_port = code_port if code_port is not None else settings.code_server_port
    for name, wanted in (("API", port), ("Dagster UI", None if no_ui else ui_port), ("code server", code_port)):
        if wanted is not None and not port_is_free(
            host if name != "code server" else settings.code_server_host, wanted
        ):
            raise click.ClickException(f"the {name} port {wanted} is already in use; choose another")
    # A port of our own, never a fixed one: two stacks on one machine must not share a code server.
    settings = settings.model_copy(update={"code_server_port": code_port or free_port(settings.code_server_host)})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.resolved_database_url)
    home = prepare_instance(settings)
    settings.secret("admin_token"), settings.secret("internal_token"), settings.secret("url_signing_key")
    env = child_env(settings, f"http://{host}:{port}")
    py = sys.executable
    supervisor = Supervisor(env)

    def shutdown(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        # Everyone but the daemon starts at once: each is seconds of imports, and on two cores they
        # overlap (~10.5 s to a healthy API one after the other, ~7.5-8.5 s together, the daemon's
        # first run worker warming meanwhile). The code server, daemon and lane are niced, so the
        # API's own start comes first.
        code = supervisor.start(
            "code-server",
            [
                py,
                "-m",
                "dagster",
                "api",
                "grpc",
                "-m",
                DEFINITIONS_MODULE,
                "--location-name",
                LOCATION_NAME,
                "-h",
                settings.code_server_host,
                "-p",
                str(settings.code_server_port),
            ],
            nice=RENDER_NICENESS,
        )
        # The warm lane for tiny jobs, so the API never renders (defs/lane.py).
        lane_port = free_port(settings.code_server_host)
        lane = supervisor.start("lane", [py, "-m", "symage_pipeline.defs.lane", "--host", settings.code_server_host,
                                         "--port", str(lane_port)], nice=RENDER_NICENESS)  # fmt: skip
        env["SYMAGE_LANE_URL"] = f"http://{settings.code_server_host}:{lane_port}"
        if not no_ui:
            supervisor.start(
                "webserver",
                [py, "-m", "dagster_webserver", "-h", host, "-p", str(ui_port), "-w", str(home / "workspace.yaml")],
            )
        api = supervisor.start(
            "api",
            [
                py,
                "-m",
                "uvicorn",
                "api.main:create_app",
                "--factory",
                "--host",
                host,
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
        )
        _wait_for_port(settings.code_server_host, settings.code_server_port, 60, code)
        # The daemon loads the workspace from the code server, so it starts once that answers; its
        # run workers start warming now, not at its first run.
        supervisor.start("daemon", [py, "-m", "dagster._daemon", "run", "-w", str(home / "workspace.yaml")],
                         nice=RENDER_NICENESS, env={PRESTART_ENV: "1"})  # fmt: skip
        _wait_for_port(settings.code_server_host, lane_port, 60, lane)
        _wait_for_port(host, port, 60, api)
        click.echo(f"Symage API      http://{host}:{port}/api/v1  (docs at /docs)")
        if not no_ui:
            click.echo(f"Dagster UI      http://{host}:{ui_port}")
        click.echo(f"data dir        {settings.data_dir.resolve()}")
        click.echo("create a key    symage accounts create-key <user_id>")
        name, rc = supervisor.wait_any()
        click.echo(f"{name} exited with {rc}; stopping", err=True)
        raise SystemExit(rc or 1)
    except KeyboardInterrupt:
        click.echo("stopping", err=True)
    finally:
        if settings.shutdown_grace_seconds:
            click.echo(f"letting running jobs finish (up to {settings.shutdown_grace_seconds:.0f} s)", err=True)
        supervisor.stop(runs_grace=settings.shutdown_grace_seconds)
