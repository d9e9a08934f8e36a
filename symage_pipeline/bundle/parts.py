"""Zip parts: each chunk's files, deflated by the worker that made them, copied into the
dataset's archives by the bundle step without being read back file by file or compressed again.

Why: the bundle is one step at the end of the run; reading every document file back from the
store and deflating it there made it the longest serial stretch of a job. A part holds a chunk's
files as finished zip members (the same entry settings `zip_entry` gives every archive), so the
bundle copies a member's local header and compressed bytes as they are and records it in the
archive's central directory. The archive's bytes are the same as when each file is compressed in
place (tested), so chunking and parallelism never show in the dataset.

A chunk leaves one part per dataset shard its items fall in, and the work files the dataset-level
exports are built from (parquet rows, boxes in pixels) travel only in the parts, stored: the
bundle reads one shard's parts at a time, so its memory is bounded by the shard size, not the
job's, and it never lists or reads the store file by file (on S3, one GET per part).
"""

from __future__ import annotations

import contextlib
import copy
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from symage_pipeline.annotate.outputs import WORK_DIR
from symage_pipeline.bundle.items import stem_parser
from symage_pipeline.keys import files_prefix
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import ArtifactStore, LocalStore

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Already-compressed payloads are stored, not deflated: 4x faster for ~no size gain.
STORED = (".pdf", ".png", ".jpg", ".jpeg", ".parquet", ".zip")
# Deflate level 1, not zlib's 6: a typed W-2's labels (~75 KB of JSON) deflate in 0.26 ms, not 0.74
# (a sixth of the document's cost), for members ~20% larger (11.8 KB, not 9.8).
DEFLATE_LEVEL = 1
PARTS_DIR = f"{WORK_DIR}/zip"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zipfile's structFileHeader: 30 bytes


def zip_entry(name: str) -> zipfile.ZipInfo:
    """Every member of every archive: fixed time and mode, deflated unless already compressed."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_STORED if name.endswith(STORED) else zipfile.ZIP_DEFLATED
    info._compresslevel = DEFLATE_LEVEL  # noqa: SLF001 - how zipfile takes a level per member (3.11)
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def items_per_shard(spec: GenerationSpec, shard_size: int) -> int:
    """Items per dataset shard, 0 when the dataset is one archive: whole items per shard, so an
    identity's forms stay together (docs/spec/WIRE.md section 3)."""
    if not shard_size or spec.documents_total <= shard_size:
        return 0
    return max(1, shard_size // len(spec.form_ids))


def part_entry(path: str) -> zipfile.ZipInfo:
    """A part's member: a dataset file as every archive holds it; a work file stored (it is read
    once by the bundle and never shipped)."""
    info = zip_entry(path)
    if path.startswith(f"{WORK_DIR}/"):
        info.compress_type = zipfile.ZIP_STORED
    return info


def part_path(chunk_index: int, start: int, stop: int) -> str:
    """A chunk's part for its items [start, stop) of one shard: a chunk that spans shards leaves
    one part per shard, so the bundle of a shard opens only the parts of its items."""
    return f"{PARTS_DIR}/items_{start:09d}_{stop:09d}_chunk_{chunk_index:05d}.zip"


def chunk_done_path(chunk_index: int) -> str:
    """Written after a chunk's last part: the chunk's items are all made."""
    return f"{PARTS_DIR}/chunk_{chunk_index:05d}.done"


_PART_NAME = re.compile(r"/items_(\d+)_(\d+)_chunk_\d+\.zip$")


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


def read_member(source: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes: read from its local header on, inflated when deflated."""
    return read_member_at(source, info.header_offset, info.compress_size, info.compress_type)


def read_member_at(source: BinaryIO, header_offset: int, compress_size: int, compress_type: int) -> bytes:
    """`read_member` from the central directory's three fields: two reads, the local header (for
    the length of its name and extra field) and the data."""
    source.seek(header_offset)
    fields = _LOCAL_HEADER.unpack(source.read(_LOCAL_HEADER.size))
    source.seek(fields[9] + fields[10], 1)
    data = source.read(compress_size)
    return zlib.decompress(data, -15) if compress_type == zipfile.ZIP_DEFLATED else data


class ShardFiles:
    """The members of a job's parts for the items [start, stop) of one shard (or of the whole
    dataset), by dataset path: what the chunks made for those items, work files included. Only
    one shard's members are in memory at a time, so the bundle's memory is bounded by the shard
    size, not the job's."""

    def __init__(self, handles: list[BinaryIO], keep: Callable[[str], bool]) -> None:
        self.members: dict[str, tuple[BinaryIO, zipfile.ZipInfo]] = {}
        for handle in handles:
            for info in zipfile.ZipFile(handle).infolist():
                if keep(info.filename):
                    self.members[info.filename] = (handle, info)

    def __contains__(self, path: object) -> bool:
        return path in self.members

    def __iter__(self) -> Iterator[str]:
        return iter(self.members)

    def read(self, path: str) -> bytes:
        return read_member(*self.members[path])

    def shipped(self) -> list[tuple[str, tuple[str, tuple[BinaryIO, zipfile.ZipInfo]]]]:
        """The dataset's files among the members, as archive entries copied as they are
        (`archive.Source` "member"); work files stay behind."""
        return [(p, ("member", m)) for p, m in self.members.items() if not p.startswith(f"{WORK_DIR}/")]


class Parts:
    """A job's parts by the items they hold. A local store's parts are read in place; a remote
    store's are fetched once into a temporary folder. `items(start, stop)` opens the parts of
    those items."""

    def __init__(self, store: ArtifactStore, job_id: str, spec: GenerationSpec) -> None:
        self._stack = contextlib.ExitStack()
        self._store = store
        self._parse = stem_parser(spec)
        self.ranges: list[tuple[int, int, str]] = []
        for key in store.list(f"{files_prefix(job_id)}/{PARTS_DIR}"):
            if hit := _PART_NAME.search(key):
                self.ranges.append((int(hit.group(1)), int(hit.group(2)), key))
        self._local = isinstance(store, LocalStore)
        self._tmp: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def _path(self, key: str) -> Path:
        if self._local:
            assert isinstance(self._store, LocalStore)
            return self._store.path(key)
        if self._tmp is None:
            self._tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="symage-parts-")))
        path = self._tmp / key.rsplit("/", 1)[-1]
        if not path.exists():
            with self._store.open_read(key) as remote, path.open("wb") as local:
                shutil.copyfileobj(remote, local, 1 << 20)
        return path

    @contextlib.contextmanager
    def items(self, start: int, stop: int) -> Iterator[ShardFiles]:
        """The members of the items [start, stop)."""

        def keep(path: str) -> bool:
            hit = self._parse(path)
            return hit is not None and start <= hit[0] < stop

        keys = [key for first, end, key in self.ranges if first < stop and start < end]
        with contextlib.ExitStack() as stack:
            yield ShardFiles([stack.enter_context(self._path(key).open("rb")) for key in keys], keep)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
