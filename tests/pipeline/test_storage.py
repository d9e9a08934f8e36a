"""One storage interface, two implementations: a local folder and S3 (a local moto server)."""

from __future__ import annotations

import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import boto3
import httpx
import pytest

from symage_pipeline.bundle.members import read_archived_file
from symage_pipeline.bundle.parts import zip_entry
from symage_pipeline.keys import archived_file_key
from symage_pipeline.storage import ArtifactStore, LocalStore, S3Store
from tests.helpers import free_port, moto_s3_server


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, s3_endpoint, monkeypatch) -> ArtifactStore:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    bucket = f"b{free_port()}"
    client.create_bucket(Bucket=bucket)
    return S3Store(bucket, "prefix", client=client)


def test_round_trip_listing_and_deletion(store: ArtifactStore) -> None:
    store.put_bytes("jobs/j/files/b.json", b"{}")
    with store.open_write("jobs/j/files/a.pdf") as sink:
        sink.write(b"%PDF-")
    assert store.get_bytes("jobs/j/files/a.pdf") == b"%PDF-"
    with store.open_read("jobs/j/files/b.json") as source:
        assert source.read() == b"{}"
    assert store.list("jobs/j/files") == ["jobs/j/files/a.pdf", "jobs/j/files/b.json"]
    assert store.exists("jobs/j/files/a.pdf") and not store.exists("jobs/j/nope")
    assert store.size("jobs/j/files/a.pdf") == 5
    store.delete_prefix("jobs/j")
    assert store.list("jobs/j") == []


def test_a_failed_write_leaves_nothing(store: ArtifactStore) -> None:
    with pytest.raises(RuntimeError), store.open_write("jobs/x/half.bin") as sink:
        sink.write(b"half")
        raise RuntimeError("crash mid-write")
    assert not store.exists("jobs/x/half.bin")


def test_s3_presigned_urls_fetch_without_credentials(store: ArtifactStore) -> None:
    store.put_bytes("jobs/p/file.txt", b"hello")
    url = store.presigned_url("jobs/p/file.txt", 60)
    if isinstance(store, LocalStore):
        assert url is None  # the API signs local URLs itself
        return
    assert httpx.get(url).content == b"hello"


def test_local_store_refuses_keys_that_escape(tmp_path) -> None:
    with pytest.raises(ValueError):
        LocalStore(tmp_path).put_bytes("../outside", b"x")
    for key in ("/etc/passwd", "a/../../b", "a//b", "a/./b", "a\x00b"):
        with pytest.raises(ValueError):
            LocalStore(tmp_path).put_bytes(key, b"x")
    assert not any(tmp_path.parent.glob("outside"))


def test_local_writes_are_atomic_and_leave_no_temp_files(tmp_path) -> None:
    store = LocalStore(tmp_path)
    for i in range(50):
        store.put_bytes(f"jobs/j/files/{i % 5}/f{i}.json", b"{}")
    store.put_bytes("jobs/j/files/0/f0.json", b"again")  # replacing a file is a rename too
    store.delete_prefix("jobs/j/files/1")
    store.put_bytes("jobs/j/files/1/back.json", b"{}")  # a removed folder is made again
    assert store.get_bytes("jobs/j/files/0/f0.json") == b"again"
    assert len(store.list("jobs/j")) == 41
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_what_a_killed_writer_left_is_discarded_once_its_job_has_ended(tmp_path) -> None:
    """A SIGKILL runs no cleanup: the temp file of a write in progress stays. The bundle, once every
    chunk has ended, discards such leftovers; finished files are kept."""
    code = (
        "import os, signal, sys; from pathlib import Path; from symage_pipeline.storage import LocalStore\n"
        "store = LocalStore(Path(sys.argv[1])); store.put_bytes('jobs/j/files/a/done.json', b'{}')\n"
        "with store.open_write('jobs/j/files/a/half.json') as sink:\n"
        "    sink.write(b'{'); sink.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
    assert killed.returncode == -signal.SIGKILL
    store = LocalStore(tmp_path)
    assert len(list(tmp_path.rglob(".tmp-*"))) == 1 and store.list("jobs/j") == ["jobs/j/files/a/done.json"]
    assert store.discard_unfinished("jobs/j/files") == 1
    assert not list(tmp_path.rglob(".tmp-*")) and store.exists("jobs/j/files/a/done.json")


def test_a_dataset_file_is_read_out_of_its_archive(store: ArtifactStore) -> None:
    """Per-item URLs name `<archive key>/<path>`: the member comes back by ranged reads, deflated or
    stored, on either store; a missing member, archive or a key that names no archive is None."""
    members = {"pdfs/typed/a.pdf": b"%PDF-1.7 " + bytes(range(256)) * 40, "ground_truth/json/a.json": b'{"x": 1}' * 500}
    with store.open_write("jobs/j/shards/shard_00000.zip") as sink, zipfile.ZipFile(sink, "w") as archive:
        for path, data in members.items():
            archive.writestr(zip_entry(path), data)
    assert store.read_range("jobs/j/shards/shard_00000.zip", 0, 4) == b"PK\x03\x04"
    for path, data in members.items():
        assert read_archived_file(store, archived_file_key("jobs/j/shards/shard_00000.zip", path)) == data
    assert read_archived_file(store, "jobs/j/shards/shard_00000.zip/pdfs/typed/b.pdf") is None
    assert read_archived_file(store, "jobs/j/shards/shard_00001.zip/pdfs/typed/a.pdf") is None
    assert read_archived_file(store, "jobs/j/files/pdfs/typed/a.pdf") is None
