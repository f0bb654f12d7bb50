"""A dataset's sample for a validation run: its first N records, in the dataset's own format.

Tables and text (csv, tsv, jsonl, txt) keep their header and first N rows; archives (tar,
tar.gz, zip) their first N files (held in memory: at most MAX_BYTES of them, and at least
one). Other formats (json, npy, npz, parquet) have no cheap
record boundary and are not sampled: the run gets the whole file. Nothing here reads the
store: the service hands over a file-like object (a seekable one for zip, whose directory is
at its end) and stores the bytes returned; samplers read only as far as the sample goes.
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

DEFAULT_RECORDS = 100
MAX_RECORDS = 100_000
MAX_BYTES = 256 << 20  # an archive's sample stops before the file that would pass this
READ = 64 * 1024
LINES = {"csv": True, "tsv": True, "jsonl": False, "text": False}  # format -> has a header
ARCHIVES = ("tar", "tar.gz", "zip")
_QUOTED = re.compile(rb'["\n]')


@dataclass(frozen=True)
class Sample:
    data: bytes
    unit: str  # "rows" or "files"
    count: int  # how many the sample holds (fewer than asked when the dataset is smaller)
    complete: bool  # the dataset had no more: the sample is all of it


def sample_unit(fmt: str) -> str | None:
    """What a sample of `fmt` counts ("rows", "files"), or None: that format is not sampled."""
    if fmt in LINES:
        return "rows"
    return "files" if fmt in ARCHIVES else None


def sample_dataset(
    source: BinaryIO, fmt: str, records: int, max_bytes: int = MAX_BYTES
) -> Sample | None:
    """The first `records` rows or files of `source`, a dataset in format `fmt` (as
    kinds.DATASET_FORMATS names it); None for a format that is not sampled."""
    if records < 1:
        raise ValueError(f"a sample holds at least one record, not {records}")
    if fmt in LINES:
        return sample_lines(source, records, header=LINES[fmt], quoted=fmt != "jsonl")
    if fmt in ("tar", "tar.gz"):
        return sample_tar(source, records, gz=fmt == "tar.gz", max_bytes=max_bytes)
    if fmt == "zip":
        return sample_zip(source, records, max_bytes)
    return None


def sample_lines(source: BinaryIO, rows: int, header: bool, quoted: bool) -> Sample:
    """The header line (csv, tsv) and the first `rows` non-blank records; in csv a newline
    inside double quotes does not end a record."""
    out = bytearray()
    wanted = rows + (1 if header else 0)
    seen, in_quotes, record_has_text, start = 0, False, False, 0
    rest = b""  # what was read past the sample
    while seen < wanted and (chunk := source.read(READ)):
        pos = 0
        while seen < wanted:
            if quoted:
                m = _QUOTED.search(chunk, pos)
                stop = m.start() if m else -1
            else:
                stop = chunk.find(b"\n", pos)
            piece = chunk[pos : len(chunk) if stop < 0 else stop + 1]
            out += piece
            record_has_text = record_has_text or bool(piece.strip(b'"\r\n\t '))
            if stop < 0:
                break
            pos = stop + 1
            if chunk[stop] == 0x22:  # a quote
                in_quotes = not in_quotes
                record_has_text = True
            elif not in_quotes:
                if record_has_text:
                    seen += 1
                else:  # a blank line: no record, and not kept
                    del out[start:]
                record_has_text, start = False, len(out)
        rest = chunk[pos:] if seen >= wanted else b""
    if seen < wanted and record_has_text:  # a last record without its newline
        seen += 1
    complete = seen < wanted or not (rest.strip() or _more(source))
    count = max(0, seen - (1 if header else 0))
    return Sample(bytes(out), "rows", count, complete)


def _more(source: BinaryIO) -> bool:
    """Whether anything but blank lines follows."""
    while chunk := source.read(READ):
        if chunk.strip():
            return True
    return False


def sample_tar(source: BinaryIO, files: int, gz: bool, max_bytes: int = MAX_BYTES) -> Sample:
    """The first `files` regular files of a tar (gzipped when `gz`), with the directories met
    before them; written reproducibly (gzip mtime 0), so a sample's checksum is stable."""
    buf = io.BytesIO()
    sink: BinaryIO = gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) if gz else buf
    count, size, complete = 0, 0, True
    with (
        tarfile.open(fileobj=source, mode="r|gz" if gz else "r|") as src,
        tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as dst,
    ):
        for member in src:
            if member.isdir():
                dst.addfile(member)
            elif member.isfile():
                if count == files or (count and size + member.size > max_bytes):
                    complete = False
                    break
                dst.addfile(member, src.extractfile(member))
                count, size = count + 1, size + member.size
    if gz:
        sink.close()
    return Sample(buf.getvalue(), "files", count, complete)


def sample_zip(source: BinaryIO, files: int, max_bytes: int = MAX_BYTES) -> Sample:
    """The first `files` files of a zip, in its directory's order, compressed as they were."""
    buf = io.BytesIO()
    count, size = 0, 0
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(buf, "w") as dst:
        members = [i for i in src.infolist() if not i.is_dir()]
        for info in members[:files]:
            if count and size + info.file_size > max_bytes:
                break
            size += info.file_size
            with src.open(info) as member:
                dst.writestr(info, member.read(), compress_type=info.compress_type)
            count += 1
    return Sample(buf.getvalue(), "files", count, count == len(members))
