"""A document's PDF from its template's bytes with some streams replaced, without a PDF library.

Why: a typed page is the form's template plus one values content stream per page. Opening the
template in PyMuPDF, replacing the placeholder stream and saving rewrote every object of the file
for each document: ~1 ms of a typed W-2's ~6. The template is small and written by PyMuPDF with
a plain cross-reference table, so its objects can be cut out once and a document assembled from
them: the replaced objects written the way PyMuPDF writes them (`deflate_as_pymupdf`), the
others copied, the table's offsets recomputed. The output is byte for byte what
``tobytes(garbage=0, deflate=True, no_new_id=True)`` writes for the same streams (a test checks
every form of the catalog), so datasets are unchanged.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_STARTXREF = re.compile(rb"startxref\n(\d+)\n%%EOF\n$")
_TABLE = re.compile(rb"xref\n0 (\d+)\n")
_ENTRY = 20  # "0000000042 00000 n \n"


@dataclass(frozen=True)
class SplitPdf:
    head: bytes  # the header, before the first object
    objects: tuple[tuple[int, bytes], ...]  # (object number, its bytes) in file order
    size: int  # entries of the cross-reference table
    trailer: bytes  # from "\ntrailer" up to (not including) the startxref offset


@lru_cache(maxsize=64)
def split_pdf(pdf: bytes) -> SplitPdf:
    """A template's objects by number; only what PyMuPDF writes is understood (one table, one
    section, every object in use), anything else is refused rather than guessed at."""
    tail = _STARTXREF.search(pdf)
    if tail is None:
        raise ValueError("not a PDF with a plain cross-reference table")
    xref_at = int(tail.group(1))
    table = _TABLE.match(pdf, xref_at)
    if table is None:
        raise ValueError("no cross-reference table at startxref")
    size = int(table.group(1))
    rows = pdf[table.end() : table.end() + _ENTRY * size]
    offsets = {}
    for n in range(1, size):
        row = rows[_ENTRY * n : _ENTRY * (n + 1)]
        if row[17:18] != b"n":
            raise ValueError(f"object {n} is not in use")
        offsets[n] = int(row[:10])
    order = sorted(offsets, key=offsets.__getitem__)
    ends = [offsets[n] for n in order[1:]] + [xref_at]
    objects = tuple((n, pdf[offsets[n] : end]) for n, end in zip(order, ends, strict=True))
    trailer_end = tail.start() + len(b"startxref\n")
    return SplitPdf(pdf[: offsets[order[0]]], objects, size, pdf[table.end() + _ENTRY * size : trailer_end])


def deflate_as_pymupdf(content: bytes) -> bytes:
    """PyMuPDF's `update_stream` deflates a stream of over 30 bytes at the best level and keeps it
    if it is smaller; otherwise saving with `deflate=True` deflates it at zlib's default level."""
    if len(content) > 30:
        best = zlib.compress(content, 9)
        if len(best) < len(content):
            return best
    return zlib.compress(content, 6)


def stream_object(number: int, content: bytes) -> bytes:
    data = deflate_as_pymupdf(content)
    return b"%d 0 obj\n<</Length %d/Filter/FlateDecode>>\nstream\n%s\nendstream\nendobj\n\n" % (number, len(data), data)


def replace_streams(pdf: bytes, streams: Mapping[int, bytes]) -> bytes:
    """`pdf` with the streams of the objects in `streams` replaced (each must be a stream object
    whose dictionary holds only its length and filter, as the templates' placeholders do)."""
    split = split_pdf(pdf)
    out = [split.head]
    offsets = [0] * split.size
    at = len(split.head)
    for number, body in split.objects:
        if number in streams:
            body = stream_object(number, streams[number])
        offsets[number] = at
        at += len(body)
        out.append(body)
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % split.size)
    out.append(b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, split.size)))
    out.append(split.trailer)
    out.append(b"%d\n%%%%EOF\n" % at)
    return b"".join(out)
