"""The instance's files are replaced whole: every process of a stack writes them when it first
opens the instance, while the others read them."""

from __future__ import annotations

import threading
from pathlib import Path

from symage_pipeline.defs.instance import dagster_yaml, write_dagster_home


def test_a_reader_never_sees_a_half_written_dagster_yaml(settings) -> None:
    embedded = settings.model_copy(update={"code_server_port": 4266})
    production = embedded.model_copy(update={"dagster_postgres_url": "postgresql://u@127.0.0.1:5432/dagster"})
    home = write_dagster_home(embedded)
    expected = {dagster_yaml(embedded), dagster_yaml(production)}
    stop = threading.Event()

    def rewrite() -> None:
        while not stop.is_set():
            for s in (production, embedded):
                write_dagster_home(s)

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        seen = [(home / "dagster.yaml").read_text() for _ in range(3_000)]
    finally:
        stop.set()
        writer.join()
    assert set(seen) <= expected  # never empty, never a prefix: a truncated file reads as SQLite
    assert sorted(p.name for p in home.iterdir()) == ["dagster.yaml", "workspace.yaml"]  # no temp file left


def test_an_unchanged_file_is_not_written_again(settings) -> None:
    home = write_dagster_home(settings)
    before = (home / "dagster.yaml").stat()
    write_dagster_home(settings)
    after = (home / "dagster.yaml").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert Path(home / "dagster.yaml").stat().st_mode & 0o777 == 0o644
