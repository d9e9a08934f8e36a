"""Zip parts: each chunk's document files, deflated by the worker that made them, copied into the
dataset's archives by the bundle step without being read back file by file or compressed again.

Why: the bundle is one step at the end of the run; reading every document file back from the
store and deflating it there made it the longest serial stretch of a job. A part holds a chunk's
files as finished zip members (the same entry settings `zip_entry` gives every archive), so the
bundle copies a member's local header and compressed bytes as they are and records it in the
archive's central directory. The archive's bytes are the same as when each file is compressed in
place (tested), so chunking and parallelism never show in the dataset.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.keys import files_prefix
from symage_pipeline.storage import ArtifactStore, LocalStore

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Already-compressed payloads are stored, not deflated: 4x faster for ~no size gain.
STORED = (".pdf", ".png", ".jpg", ".jpeg", ".parquet", ".zip")
PARTS_DIR = f"{WORK_DIR}/zip"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zipfile's structFileHeader: 30 bytes


def zip_entry(name: str) -> zipfile.ZipInfo:
    """Every member of every archive: fixed time and mode, deflated unless already compressed."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_STORED if name.endswith(STORED) else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def part_path(chunk_index: int) -> str:
    return f"{PARTS_DIR}/chunk_{chunk_index:05d}.zip"


def copy_member(archive: zipfile.ZipFile, source: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Append `info`'s member of the zip open as `source` to `archive` as it is: local header and
    compressed data verbatim, the central-directory record from the same fields at its new offset.

    This is `ZipFile.writestr`'s own bookkeeping (zipfile offers no raw copy); a test compares the
    result with compressing the file in place, byte for byte."""
    if info.flag_bits & 0x08:
        raise ValueError(f"{info.filename}: members with data descriptors are not copied raw")
    source.seek(info.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != zipfile.stringFileHeader:
        raise zipfile.BadZipFile(f"{info.filename}: no local header at {info.header_offset}")
    name_and_extra = source.read(fields[9] + fields[10])  # name length, extra length
    member = copy.copy(info)
    with archive._lock:  # noqa: SLF001 - zipfile's writer state, as writestr updates it
        if archive._seekable:  # noqa: SLF001
            archive.fp.seek(archive.start_dir)
        member.header_offset = archive.fp.tell()
        archive._writecheck(member)  # noqa: SLF001 - duplicate names, ZIP64 limits
        archive._didModify = True  # noqa: SLF001
        archive.fp.write(header + name_and_extra)
        remaining = info.compress_size
        while remaining:
            block = source.read(min(remaining, 1 << 20))
            if not block:
                raise zipfile.BadZipFile(f"{info.filename}: truncated member")
            archive.fp.write(block)
            remaining -= len(block)
        archive.start_dir = archive.fp.tell()
        archive.filelist.append(member)
        archive.NameToInfo[member.filename] = member


class PartIndex:
    """The members of a job's parts by dataset path. A local store's parts are read in place; a
    remote store's are fetched once into a temporary folder."""

    def __init__(self, store: ArtifactStore, job_id: str) -> None:
        self._stack = contextlib.ExitStack()
        self.members: dict[str, tuple[BinaryIO, zipfile.ZipInfo]] = {}
        prefix = files_prefix(job_id)
        keys = [k for k in store.list(f"{prefix}/{PARTS_DIR}") if k.endswith(".zip")]
        tmp = None if isinstance(store, LocalStore) or not keys else Path(self._stack.enter_context(
            tempfile.TemporaryDirectory(prefix="symage-parts-")))  # fmt: skip
        for n, key in enumerate(keys):
            if tmp is None:
                assert isinstance(store, LocalStore)
                path = store.path(key)
            else:
                path = tmp / f"{n}.zip"
                with store.open_read(key) as remote, path.open("wb") as local:
                    shutil.copyfileobj(remote, local, 1 << 20)
            handle = self._stack.enter_context(path.open("rb"))
            for info in zipfile.ZipFile(handle).infolist():
                self.members[info.filename] = (handle, info)

    def get(self, path: str) -> tuple[BinaryIO, zipfile.ZipInfo] | None:
        return self.members.get(path)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> PartIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

