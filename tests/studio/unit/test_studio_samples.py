"""A validation run's dataset sample (domain.samples): first N rows or files, same format."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
import zipfile

import pytest

from troupe_studio.domain import samples
from troupe_studio.domain.samples import sample_dataset


class Trickle(io.RawIOBase):
    """A stream that hands out a few bytes per read (as a socket would) and counts them."""

    def __init__(self, data: bytes, step: int = 7):
        self.data, self.pos, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += len(chunk)
        return chunk


def csv_rows(n: int) -> bytes:
    return ("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(n))).encode()


def test_a_csv_sample_is_its_header_and_first_rows():
    got = sample_dataset(io.BytesIO(csv_rows(1000)), "csv", 10)
    assert got.data == csv_rows(10)
    assert (got.unit, got.count, got.complete) == ("rows", 10, False)


def test_a_sample_reads_only_as_far_as_it_goes():
    source = io.BytesIO(csv_rows(200_000))
    sample_dataset(source, "csv", 5)
    # the rows it keeps, one read buffer, and one more read to see whether rows follow
    assert source.tell() <= 2 * samples.READ


@pytest.mark.parametrize("step", [1, 3, 64 * 1024])
def test_a_quoted_newline_does_not_end_a_csv_record(step):
    data = b'id,text\n1,"line one\nline two"\n2,"say ""hi""\n"\n3,plain\n'
    got = sample_dataset(Trickle(data, step), "csv", 2)
    assert list(csv.reader(io.StringIO(got.data.decode()))) == [
        ["id", "text"],
        ["1", "line one\nline two"],
        ["2", 'say "hi"\n'],
    ]
    assert got.count == 2 and not got.complete


def test_blank_lines_are_no_rows_and_are_dropped():
    data = b"a\tb\n\n1\t2\n   \n\n3\t4\n\n"
    got = sample_dataset(io.BytesIO(data), "tsv", 5)
    assert got.data == b"a\tb\n1\t2\n3\t4\n"
    assert (got.count, got.complete) == (2, True)


def test_a_jsonl_sample_has_no_header_and_keeps_quotes_as_they_are():
    lines = [json.dumps({"q": 'a "b"', "n": i}) for i in range(5)]
    data = ("\n".join(lines)).encode()  # no newline after the last
    got = sample_dataset(Trickle(data), "jsonl", 3)
    assert [json.loads(line) for line in got.data.splitlines()] == [
        {"q": 'a "b"', "n": i} for i in range(3)
    ]
    whole = sample_dataset(io.BytesIO(data), "jsonl", 5)
    assert (whole.data, whole.count, whole.complete) == (data, 5, True)


def test_a_dataset_smaller_than_the_sample_is_whole():
    got = sample_dataset(io.BytesIO(csv_rows(3)), "csv", 100)
    assert (got.data, got.count, got.complete) == (csv_rows(3), 3, True)
    text = sample_dataset(io.BytesIO(b"one\ntwo"), "text", 100)
    assert (text.data, text.count, text.complete) == (b"one\ntwo", 2, True)


def tar_of(files: dict[str, bytes], gz: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as t:
        for name, body in files.items():
            if name.endswith("/"):
                info = tarfile.TarInfo(name.rstrip("/"))
                info.type = tarfile.DIRTYPE
                t.addfile(info)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    return buf.getvalue()


FILES = {"cats/": b"", **{f"cats/{i}.png": bytes([i]) * 100 for i in range(4)}, "dogs/": b""}
FILES |= {f"dogs/{i}.png": bytes([i]) * 50 for i in range(4)}


@pytest.mark.parametrize("fmt", ["tar", "tar.gz"])
def test_an_archive_sample_is_its_first_files_in_the_same_format(fmt):
    gz = fmt == "tar.gz"
    got = sample_dataset(Trickle(tar_of(FILES, gz), 4096), fmt, 5)
    assert (got.unit, got.count, got.complete) == ("files", 5, False)
    assert got.data.startswith(b"\x1f\x8b") is gz
    with tarfile.open(fileobj=io.BytesIO(got.data)) as t:
        kept = {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
        dirs = [m.name for m in t.getmembers() if m.isdir()]
    assert kept == {k: v for k, v in FILES.items() if k in [*list(kept)]}
    assert list(kept) == ["cats/0.png", "cats/1.png", "cats/2.png", "cats/3.png", "dogs/0.png"]
    assert kept["dogs/0.png"] == FILES["dogs/0.png"]
    assert dirs == ["cats", "dogs"]
    again = sample_dataset(io.BytesIO(tar_of(FILES, gz)), fmt, 5)
    assert again.data == got.data, "a sample's bytes (and checksum) must not change"


def test_a_zip_sample_is_its_first_files():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(6):
            z.writestr(f"part-{i}.csv", csv_rows(i + 1))
    got = sample_dataset(buf, "zip", 4)
    with zipfile.ZipFile(io.BytesIO(got.data)) as z:
        assert z.namelist() == [f"part-{i}.csv" for i in range(4)]
        assert z.read("part-3.csv") == csv_rows(4)
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
    assert (got.count, got.complete) == (4, False)
    assert sample_dataset(buf, "zip", 6).complete


@pytest.mark.parametrize("fmt", ["json", "npy", "npz", "parquet"])
def test_formats_without_records_are_not_sampled(fmt):
    assert samples.sample_unit(fmt) is None
    assert sample_dataset(io.BytesIO(b"[1, 2, 3]"), fmt, 10) is None


def test_a_sample_holds_at_least_one_record():
    with pytest.raises(ValueError):
        sample_dataset(io.BytesIO(csv_rows(3)), "csv", 0)


def test_gzip_output_is_stable_across_runs():
    # the sample is stored under a key named by its dataset version and size, then checked by
    # its sha256 in the pod: rebuilding it must give the same bytes (gzip mtime 0)
    first = sample_dataset(io.BytesIO(tar_of(FILES, True)), "tar.gz", 2).data
    assert gzip.decompress(first)
    assert first[4:8] == b"\0\0\0\0"


@pytest.mark.parametrize("fmt", ["tar", "zip"])
def test_an_archive_sample_stops_at_its_byte_limit_but_keeps_one_file(fmt):
    big = {f"f{i}.bin": bytes(1000) for i in range(5)}
    if fmt == "tar":
        data = tar_of(big, gz=False)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, body in big.items():
                z.writestr(name, body)
        data = buf.getvalue()
    assert sample_dataset(io.BytesIO(data), fmt, 5, max_bytes=2500).count == 2
    one = sample_dataset(io.BytesIO(data), fmt, 5, max_bytes=10)
    assert (one.count, one.complete) == (1, False)
