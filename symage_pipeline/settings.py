"""One settings object for the API, the Dagster code location and the CLI.

Everything has an embedded default (SQLite, a local artifact folder under the data dir), so
`symage up` works on a fresh machine with nothing configured; production overrides come from
`SYMAGE_*` environment variables.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYMAGE_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path.cwd() / ".symage")
    database_url: str | None = None
    storage_url: str | None = None
    # S3-compatible endpoint for s3:// storage URLs (MinIO, moto, …); None = AWS.
    s3_endpoint_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    admin_token: str | None = None
    internal_token: str | None = None
    url_signing_key: str | None = None
    # Credit limit given to accounts created on first use; None = unlimited.
    default_credits: int | None = 1_000_000
    # Shared rate-limit buckets for several API processes (redis://…); None = in-process buckets.
    redis_url: str | None = None
    # Webhook targets on loopback / private addresses and plain http (development and tests only).
    allow_private_webhooks: bool = False
    # A terminal job's outputs are served this long, then it is `expired` and a schedule deletes them.
    retention_hours: float = Field(48, gt=0)
    # Request bodies above this many bytes are refused (413) before they are parsed.
    max_body_bytes: int = 256 * 1024
    dagster_home: Path | None = None
    # Datasets built on a schedule (app/builds.py); None = symage_pipeline/builds.yaml.
    builds_file: Path | None = None
    # Dagster's run, event-log and schedule storage on PostgreSQL (dagster-postgres), e.g.
    # postgresql://user@host:5432/dagster; None = SQLite under dagster_home. A database of its
    # own: Dagster and the app DB each keep an alembic_version table.
    dagster_postgres_url: str | None = None
    # Jobs of at least this much work (in typed-PDF documents: `defs/execution.typed_equivalents`,
    # so 400 handwritten count 1,000) fan out on Dagster's multiprocess executor; smaller ones run
    # in one process. A multiprocess run's plan, chunk and bundle steps each start a process
    # (~0.2 s each from the preloaded forkserver; docs/decisions/dagster-overhead.md), and at ~3 ms a
    # typed document the second core pays for them from ~1,000 documents on 2 cores (2026-12-07,
    # end to end: 1,000 a wash within the noise, 1,500 6.4 s fanned out against 8.2 s in one process).
    multiprocess_min_documents: int = 1_000
    # Steps that run at once in a multiprocess run: one per core by default. With a Celery broker,
    # the workers listening on it (on any machine) run the steps, and this sets how many chunks.
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    # Jobs that fan out run their steps as Celery tasks (dagster-celery) on this broker
    # (redis://host:6379/0, pyamqp://guest@host//) instead of this machine's processes; results
    # come back through celery_backend_url (default rpc://). Start workers with
    # `celery -A dagster_celery.app worker -Q dagster` and the same SYMAGE_* settings.
    celery_broker_url: str | None = None
    celery_backend_url: str | None = None
    # Chunks per worker: more balance the load, but each is a step launch (~0.6 s multiprocess).
    steps_per_worker: int = Field(1, ge=1)
    # A chunk of a one-process run, and the floor of a multiprocess chunk.
    min_chunk_documents: int = 250
    # A step streams its chunk a batch at a time, so memory does not grow with the chunk: these
    # bound the work a failed step redoes and the steps a run has, whatever the quantity
    # (10,000,000 documents: 200 steps of 50,000).
    max_chunk_documents: int = Field(50_000, ge=1)
    max_chunks: int = Field(256, ge=1)
    max_concurrent_runs: int = 2
    # Run workers the daemon keeps started and warm (imports, catalog, templates, forkserver: ~540 MB
    # each while it waits; two, so the two runs the queue starts at once both find one), so a
    # queued run skips ~2-4 s of process start (defs/run_launcher.py); 0 = Dagster's default
    # launcher, a fresh process per run spawned by the code server.
    run_workers_ready: int = Field(2, ge=0)
    # On SIGTERM / Ctrl-C, `symage up` stops the API and the daemon, then waits this long for the
    # runs in progress to finish before stopping them (a stopped run is re-executed at the next
    # start). 0 = stop at once.
    shutdown_grace_seconds: float = Field(60, ge=0)
    # Jobs of at most this many documents skip the run queue and execute in the API's warm lane
    # (0 = every job goes through the queue and the daemon).
    fast_lane_max_documents: int = 20
    # Tabular jobs of at most this many rows run in the warm lane too (a table of 2,000 rows takes
    # ~0.1 s to make; a queued run spends ~2.5 s starting).
    fast_lane_max_rows: int = 2_000
    # Where the warm lane process listens (`defs/lane.py`; `symage up` starts one and sets this):
    # tiny jobs run there instead of in the API's process. Unset: the API runs them itself.
    lane_url: str | None = None
    # Datasets of more documents than this are sharded (docs/spec/WIRE.md section 3): archives stay well under
    # the ~2 GiB a client should have to fetch in one piece.
    shard_size: int = 5_000
    # GET /jobs/{id}/downloads lists per-item files of at most this many items (then use /items).
    downloads_item_limit: int = 1_000
    # The one Dagster code server that the API, the daemon and the webserver share. `symage up`
    # picks a free port when none is set, so two stacks on one machine never share a code server.
    code_server_host: str = "127.0.0.1"
    code_server_port: int | None = None

    log_format: str = "text"  # "json": one object per line with request_id / job_id (api/logs.py)
    log_level: str = "INFO"

    # Run workers are processes of this machine (the default run launcher): the job reconciler may
    # check that a STARTED run's worker pid is alive. False when runs execute on other machines.
    reconcile_local_workers: bool = True
    # Runs a job gets: a run that fails after its steps' own retries (or loses its worker) is
    # re-executed from failure by the job_reconciler sensor until this many have run; only then
    # does the job fail, refund what was not made and queue its job.failed webhook.
    run_attempts: int = Field(3, ge=1)

    # An LLM for POST /tabular/parse, tried before the offline heuristic: "anthropic" or "openai"
    # (any OpenAI-compatible chat-completions server at llm_base_url); None = heuristic only.
    llm_provider: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_timeout_seconds: float = 10.0

    @property
    def retention(self) -> timedelta:
        return timedelta(hours=self.retention_hours)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'symage.db'}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{self.data_dir.resolve() / 'artifacts'}"

    @property
    def resolved_dagster_home(self) -> Path:
        return (self.dagster_home or self.data_dir / "dagster").resolve()

    def open_store(self):  # type: ignore[no-untyped-def]
        from symage_pipeline.storage import open_store

        return open_store(self.resolved_storage_url, s3_endpoint_url=self.s3_endpoint_url)

    def secret(self, name: str) -> str:
        """A configured secret, or one generated once and kept in the data dir.

        Embedded mode must work without configuration, but tokens must still be unguessable and
        stable across restarts, so they live in `secrets.json` beside the database.
        """
        configured = getattr(self, name)
        if configured:
            return configured
        path = self.data_dir / "secrets.json"
        stored = json.loads(path.read_text()) if path.exists() else {}
        if name not in stored:
            stored[name] = secrets.token_urlsafe(32)
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(stored, indent=2))
            path.chmod(0o600)
        return stored[name]


@cache
def get_settings() -> Settings:
    return Settings()
