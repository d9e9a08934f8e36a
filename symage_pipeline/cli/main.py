"""`symage`: run the whole service (`up`), make a dataset locally (`generate`), manage accounts."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from symage_pipeline.settings import Settings, get_settings


@click.group()
def main() -> None:
    """Symage: synthetic documents and identities."""


# ----------------------------------------------------------------------------------------------- up


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

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(args, env=self.env, start_new_session=True)
        self.children.append((name, proc))
        return proc

    def stop(self, timeout: float = 15.0) -> None:
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

    def wait_any(self) -> tuple[str, int]:
        while True:
            for name, proc in self.children:
                if proc.poll() is not None:
                    return name, proc.returncode
            time.sleep(0.5)


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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--ui-port", default=3000, show_default=True, type=int)
@click.option("--code-port", default=None, type=int, help="Dagster code server port [default: 4266]")
@click.option("--no-ui", is_flag=True, help="Do not start the Dagster webserver; jobs still run.")
def up(host: str, port: int, ui_port: int, code_port: int | None, no_ui: bool) -> None:
    """Start the API, the Dagster code server, daemon and (unless --no-ui) webserver."""
    from symage_pipeline.app.db import migrate
    from symage_pipeline.defs.instance import prepare_instance

    settings = get_settings()
    if code_port is not None:
        settings = settings.model_copy(update={"code_server_port": code_port})
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
        code = supervisor.start(
            "code-server",
            [
                py,
                "-m",
                "dagster",
                "api",
                "grpc",
                "-m",
                "symage_pipeline.definitions",
                "--location-name",
                "symage",
                "-h",
                settings.code_server_host,
                "-p",
                str(settings.code_server_port),
            ],
        )
        _wait_for_port(settings.code_server_host, settings.code_server_port, 60, code)
        supervisor.start("daemon", [py, "-m", "dagster._daemon", "run", "-w", str(home / "workspace.yaml")])
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
        supervisor.stop()


# ----------------------------------------------------------------------------------------- generate


@main.command()
@click.argument("form_ids", nargs=-1, required=True)
@click.option("-n", "--quantity", default=1, show_default=True, type=int)
@click.option("--format", "formats", multiple=True, default=("pdf_typed",), show_default=True)
@click.option("--seed", type=int, default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def generate(
    form_ids: tuple[str, ...], quantity: int, formats: tuple[str, ...], seed: int | None, output: Path
) -> None:
    """Make one dataset locally through the same Dagster job, with a progress bar."""
    from tqdm import tqdm

    from symage_pipeline.app.db import Database
    from symage_pipeline.app.intake import GenerateRequest, create_job
    from symage_pipeline.app.records import JobTracker
    from symage_pipeline.catalog import load_catalog
    from symage_pipeline.defs.launch import InProcessRunSubmitter
    from symage_pipeline.errors import SymageError
    from symage_pipeline.keys import dataset_key

    with tempfile.TemporaryDirectory(prefix="symage-") as tmp:
        # One archive whatever the size: the output is a single file the user named.
        settings = Settings(data_dir=Path(tmp), default_credits=None, shard_size=0)
        db = Database(settings.resolved_database_url)
        submitter = InProcessRunSubmitter(settings)
        body: dict = {"quantity": quantity, "output_formats": list(formats)}
        body.update({"form_id": form_ids[0]} if len(form_ids) == 1 else {"form_ids": list(form_ids)})
        if seed is not None:
            body["seed"] = seed
        try:
            job = create_job(
                db=db,
                catalog=load_catalog(),
                launcher=submitter,
                settings=settings,
                user_id="local",
                request=GenerateRequest.model_validate(body),
                created_via="cli",
            )
        except SymageError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
        tracker = JobTracker(db)
        with tqdm(total=job.documents_total, unit="doc", desc="generating") as bar:
            while True:
                current = tracker.get(job.job_id)
                assert current is not None
                bar.update(current.documents_done - bar.n)
                if current.status in ("completed", "failed"):
                    break
                time.sleep(0.2)
        submitter.close()
        if current.status != "completed":
            raise click.ClickException(f"generation failed: {current.error}")
        store = settings.open_store()
        output.parent.mkdir(parents=True, exist_ok=True)
        with store.open_read(dataset_key(job.job_id)) as source, output.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        db.dispose()
    click.echo(f"wrote {output} ({output.stat().st_size:,} bytes, {job.documents_total} documents)")


# ----------------------------------------------------------------------------------------- accounts


@main.group()
def accounts() -> None:
    """Manage accounts and API keys in the configured app DB (no server needed)."""


def _db():  # type: ignore[no-untyped-def]
    from symage_pipeline.app.db import Database

    return Database(get_settings().resolved_database_url)


def _run(action):  # type: ignore[no-untyped-def]
    from symage_pipeline.errors import SymageError

    try:
        with _db().session() as session:
            return action(session)
    except SymageError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


@accounts.command("set")
@click.argument("user_id")
@click.option("--credit-limit", type=int, default=None)
@click.option("--unlimited", is_flag=True, help="Remove the credit limit.")
@click.option("--tier", type=click.Choice(["free", "pro", "scale", "enterprise"]), default=None)
@click.option("--flag", "flags", multiple=True, help="Feature flag (repeatable); replaces the current set.")
def set_account(
    user_id: str, credit_limit: int | None, unlimited: bool, tier: str | None, flags: tuple[str, ...]
) -> None:
    """Create or update an account (like PUT /api/admin/accounts/{user_id})."""
    from symage_pipeline.app import accounts as acc

    changes: dict = {}
    if credit_limit is not None or unlimited:
        changes["credit_limit"] = None if unlimited else credit_limit
    if tier:
        changes["tier"] = tier
    if flags:
        changes["feature_flags"] = list(flags)
    default = get_settings().default_credits
    view = _run(lambda s: acc.account_view(s, acc.update_account(s, user_id, changes, default)))
    click.echo(json.dumps(view, indent=2))


@accounts.command("show")
@click.argument("user_id")
def show_account(user_id: str) -> None:
    from symage_pipeline.app import accounts as acc
    from symage_pipeline.app.db import Account

    def action(session):  # type: ignore[no-untyped-def]
        account = session.get(Account, user_id)
        if account is None:
            raise click.ClickException(f"no account {user_id!r}")
        return acc.account_view(session, account)

    click.echo(json.dumps(_run(action), indent=2))


@accounts.command("create-key")
@click.argument("user_id")
@click.option("--name", default="cli", show_default=True)
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["generate", "read", "account"]))
def create_key(user_id: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print it (shown once)."""
    from symage_pipeline.app import accounts as acc

    default = get_settings().default_credits
    raw = _run(lambda s: acc.create_key(s, user_id, name, acc.validate_scopes(list(scopes) or None), default)[1])
    click.echo(raw)


@accounts.command("list-keys")
@click.argument("user_id")
def list_keys(user_id: str) -> None:
    from symage_pipeline.app import accounts as acc

    keys = _run(lambda s: [acc.key_view(k) for k in acc.list_keys(s, user_id)])
    click.echo(json.dumps(keys, indent=2))


@accounts.command("revoke-key")
@click.argument("user_id")
@click.argument("key_id")
def revoke_key(user_id: str, key_id: str) -> None:
    from symage_pipeline.app import accounts as acc

    _run(lambda s: acc.revoke_key(s, user_id, key_id))
    click.echo(f"revoked {key_id}")


@accounts.command("tokens")
def tokens() -> None:
    """Print the admin and internal tokens of this data dir (generated on first use)."""
    settings = get_settings()
    click.echo(json.dumps({n: settings.secret(n) for n in ("admin_token", "internal_token")}, indent=2))


# ------------------------------------------------------------------------------------------ gallery


@main.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/gallery"))
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option("--form", "form_ids", multiple=True, help="Only these forms (repeatable); default all.")
def gallery(output: Path, seed: int, form_ids: tuple[str, ...]) -> None:
    """Render one sample of every form x surface x degradation profile as page images (docs/gallery/)."""
    from symage_pipeline.catalog import Catalog, load_catalog
    from symage_pipeline.cli.gallery_build import build_gallery

    catalog = load_catalog()
    if form_ids:
        unknown = [f for f in form_ids if f not in catalog]
        if unknown:
            raise click.ClickException(f"unknown form: {', '.join(unknown)}")
        catalog = Catalog([catalog.get(f) for f in form_ids])
    samples = build_gallery(catalog, output, seed=seed, progress=lambda p: click.echo(f"  {p}"))
    click.echo(f"wrote {len(samples)} samples and {output / 'README.md'}")


# -------------------------------------------------------------------------------------------- check


@main.command()
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--mode", type=click.Choice(["coherent", "shuffled", "random"]), default=None,
              help="Coherence mode to check against [default: the dataset manifest's].")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(dataset: Path, mode: str | None, as_json: bool) -> None:
    """Verify a dataset's invariants (identifier validity, addresses, arithmetic, cross-form ties).

    Exits 1 when any document breaks a rule; the rules are listed in the dataset README.
    """
    from symage_pipeline.checker import check_dataset

    report = check_dataset(dataset, coherence_mode=mode)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
