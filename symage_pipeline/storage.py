"""The artifact store: one interface, a local-folder implementation now and S3 behind the same calls.

Keys are '/'-separated paths such as `jobs/<job_id>/files/pdfs/typed/x.pdf`. Writes are atomic
(a reader never sees half a file), so a crashed chunk leaves nothing that looks finished.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlparse


class ArtifactStore(ABC):
    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]: ...

    @abstractmethod
    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        """A file-like sink that appears under `key` only once the block exits cleanly."""

    @abstractmethod
    def read_range(self, key: str, start: int, length: int) -> bytes:
        """`length` bytes of `key` from offset `start` (fewer at its end): a member of an archive
        is read without fetching the archive."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix`, sorted, so iteration order (and thus bundle bytes) is stable."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove one key; a missing key is not an error."""

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        """A URL that fetches `key` without credentials, or None when the API must sign it itself."""
        return None

    def discard_unfinished(self, prefix: str) -> int:
        """Remove what writers killed mid-write left under `prefix` (no writer of it may be alive);
        returns how many. Writes that fail clean up after themselves, but a SIGKILL runs no cleanup.
        S3 keeps nothing visible of an interrupted upload (a bucket lifecycle rule aborts it)."""
        return 0


class LocalStore(ArtifactStore):
    """Files under one folder. A job writes thousands of small files, so a write is one `open`,
    one `write` and one `rename`: keys are checked lexically (no `..`, no absolute paths: the store
    itself never makes symlinks), folders are made once per process, temp names are counted."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._made: set[str] = set()
        self._tmp = itertools.count()

    def path(self, key: str) -> Path:
        parts = key.strip("/").split("/") if key.strip("/") else []
        if key.startswith("/") or "\x00" in key or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"key escapes the store: {key!r}")
        return self.root.joinpath(*parts)

    def put_bytes(self, key: str, data: bytes) -> None:
        with self.open_write(key) as sink:
            sink.write(data)

    def get_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        with self.path(key).open("rb") as handle:
            yield handle

    def read_range(self, key: str, start: int, length: int) -> bytes:
        with self.path(key).open("rb") as handle:
            handle.seek(start)
            return handle.read(length)

    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        target = self.path(key)
        parent = str(target.parent)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        # Unique per process and call; `x` refuses a name left by a crashed process of the same pid.
        tmp = f"{parent}/.tmp-{os.getpid()}-{threading.get_ident()}-{next(self._tmp)}"
        try:
            handle = open(tmp, "xb")  # noqa: SIM115 - closed below, before the rename
        except FileNotFoundError:  # the folder was removed since (delete_prefix): make it again
            os.makedirs(parent, exist_ok=True)
            handle = open(tmp, "xb")  # noqa: SIM115
        try:
            with handle:
                yield handle
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def list(self, prefix: str) -> list[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return []
        root = self.root
        return sorted(
            p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)
        self._made.clear()

    def discard_unfinished(self, prefix: str) -> int:
        removed = 0
        for folder, _, names in os.walk(self.path(prefix)):
            for name in names:
                if name.startswith(".tmp-"):
                    Path(folder, name).unlink(missing_ok=True)
                    removed += 1
        return removed

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Store(ArtifactStore):
    """Objects under `s3://bucket/prefix`; uploads go through a spooled temp file so a failed write
    leaves no object behind."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, client: Any = None):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        byte_range = f"bytes={start}-{start + length - 1}"
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=byte_range)["Body"].read()

    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        try:
            yield body
        finally:
            body.close()

    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def size(self, key: str) -> int:
        return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix).rstrip("/") + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> None:
        keys = self.list(prefix)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires_in
        )


def s3_location(url: str) -> tuple[str, str] | None:
    """`(bucket, prefix)` of an `s3://bucket/prefix` storage URL; None for a local one."""
    parsed = urlparse(url)
    return (parsed.netloc, parsed.path.strip("/")) if parsed.scheme == "s3" else None


def open_store(url: str, *, s3_endpoint_url: str | None = None) -> ArtifactStore:
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return LocalStore(Path(parsed.path if parsed.scheme else url))
    if parsed.scheme == "s3":
        return S3Store(parsed.netloc, parsed.path, endpoint_url=s3_endpoint_url)
    raise ValueError(f"unsupported storage URL {url!r}: use file:// or s3://")
