"""Engine, sessions and migrations for the app DB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the API read while a run worker writes progress; the timeout absorbs brief locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if url.startswith("sqlite") and path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    _ensure_sqlite_dir(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """One migrating process at a time: API processes started together on a fresh database
    otherwise both create the tables ("table accounts already exists"). A file lock beside a
    SQLite file; a session-level advisory lock on PostgreSQL."""
    if url.startswith("sqlite"):
        import fcntl

        path = url.split("///", 1)[-1]
        if not path or path == ":memory:":
            yield
            return
        with open(f"{path}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_lock(7419253)")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(7419253)")
                conn.commit()
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    """Bring the schema to head. Idempotent and safe to run from several processes at once; run at
    start-up by every process that writes."""
    from alembic import command  # imported here: run workers never migrate, and alembic costs ~90 ms
    from alembic.config import Config

    _ensure_sqlite_dir(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with _migration_lock(url):
        command.upgrade(cfg, "head")


class Database:
    def __init__(self, url: str, *, run_migrations: bool = True):
        self.url = url
        if run_migrations:
            migrate(url)
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def serialized(self, lock: Callable[[Session], object]) -> Iterator[Session]:
        """A unit of work that runs alone among its kind: a check and a write that must not interleave
        (the credit check and the reserve). On SQLite the transaction starts `BEGIN IMMEDIATE` (the
        write lock is taken before the first read); elsewhere `lock(session)` takes a row lock
        (`SELECT … FOR UPDATE`) before anything is read."""
        with self.session() as session:
            if self.engine.dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            else:
                lock(session)
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
