"""Dataset inspection from a prefix of bytes: formats, columns, previews, named bad lines."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import numpy as np
import pytest

from troupe_studio.domain.datasets import RowCounter, detect_format, inspect_dataset

IRIS = (
    b"sepal_length,sepal_width,species,ok\n"
    b"5.1,3.5,setosa,true\n4.9,3,setosa,false\n6.2,,virginica,true\n"
)


def whole(data: bytes, name: str, **kw):
    return inspect_dataset(data, len(data), name, **kw)


def test_csv_columns_types_rows_preview():
    info = whole(IRIS, "iris.csv", preview_rows=2)
    assert (info.format, info.rows, info.complete, info.errors) == ("csv", 3, True, [])
    assert [(c.name, c.type) for c in info.columns] == [
        ("sepal_length", "number"),
        ("sepal_width", "number"),  # 3.5 and 3; the empty cell is a null
        ("species", "string"),
        ("ok", "boolean"),
    ]
    assert info.preview[0] == {
        "sepal_length": "5.1",
        "sepal_width": "3.5",
        "species": "setosa",
        "ok": "true",
    }
    assert len(info.preview) == 2


@pytest.mark.parametrize(
    "data, name, fmt",
    [
        (b"a\tb\n1\t2\n", "x.tsv", "tsv"),
        (b'{"a": 1}\n', "x.jsonl", "jsonl"),
        (b'{"a": 1}\n', "x.ndjson", "jsonl"),
        (b"[]", "x.json", "json"),
        (b"PAR1\x00\x00", "x.bin", "parquet"),
        (b"PK\x03\x04", "x.zip", "zip"),
        (b"PK\x03\x04", "x.npz", "npz"),
        (b"\x1f\x8b\x08", "x.tar.gz", "gzip"),
        (b"\x93NUMPY\x01\x00", "x.npy", "npy"),
        (b"\x89PNG\r\n\x1a\n", "x.csv", "image"),
        (b"hello", "notes.txt", "text"),
        (b"\x00\x01", "blob.bin", "unknown"),
    ],
)
def test_format_from_magic_then_extension(data, name, fmt):
    assert detect_format(data, name) == fmt


def test_tsv_and_quoted_newlines():
    data = b'id\tnote\n1\t"two\nlines"\n2\tplain\n'
    info = whole(data, "notes.tsv")
    assert info.rows == 2 and info.preview[0]["note"] == "two\nlines"
    assert [c.type for c in info.columns] == ["integer", "string"]


@pytest.mark.parametrize(
    "data, name, at, words",
    [
        (b"a,b\n1,2\n3\n4,5\n", "x.csv", "line 3", "1 fields, the header has 2"),
        (b"a,b\n1,2\n\xff\xfe,3\n", "x.csv", "line 3", "not UTF-8: byte 0xff at column 1"),
        (b"a,a\n1,2\n", "x.csv", "line 1", "column name 'a' appears twice"),
        (b'{"a": 1}\n{"a": \n', "x.jsonl", "line 2", "not JSON"),
        (b'{"a": 1}\n[1, 2]\n', "x.jsonl", "line 2", "a JSON array, not an object"),
        (b'[{"a": 1}, {"a": }]', "x.json", "line 1", "not JSON"),
    ],
)
def test_bad_rows_are_named_by_line(data, name, at, words):
    info = whole(data, name)
    assert any(e.path == at and words in e.message for e in info.errors), info.errors


def test_a_prefix_is_cut_at_its_last_full_line():
    big = b"x,y\n" + b"".join(b"%d,%d.5\n" % (i, i) for i in range(10000))
    prefix = big[:1000]
    info = inspect_dataset(prefix, len(big), "big.csv")
    assert not info.complete and info.rows is None and info.counter_needed
    assert info.errors == []  # the cut line is not a short row
    assert info.rows_in_prefix == prefix.rstrip(b"\n").count(b"\n") - (
        0 if prefix.endswith(b"\n") else 1
    )
    counter = RowCounter("csv")
    for start in range(0, len(big), 333):  # chunks that split lines anywhere
        counter.feed(big[start : start + 333])
    assert counter.rows == 10000 and counter.bytes == len(big)


@pytest.mark.parametrize(
    "fmt, data, rows",
    [
        ("csv", b"a,b\n1,2\n3,4", 2),  # no final newline
        ("csv", b"a,b\r\n1,2\r\n\r\n3,4\r\n", 2),  # CRLF and a blank line
        ("csv", b'a,b\n1,"x\n\ny"\n2,"say ""hi""\n"\n', 2),  # newlines inside quotes
        ("csv", b"a,b\n", 0),
        ("csv", b"", 0),
        ("jsonl", b'{"a": "\\"quoted\\""}\n\n{"a": 2}\n', 2),
        ("tsv", b"\n\na\tb\n1\t2\n", 1),
    ],
)
def test_row_counter_matches_the_parser(fmt, data, rows):
    for size in (1, 2, 7, len(data) or 1):
        counter = RowCounter(fmt)
        for start in range(0, len(data), size):
            counter.feed(data[start : start + size])
        assert counter.rows == rows, size
    if data:
        assert whole(data, f"x.{fmt}").rows == rows


def test_row_counter_refuses_other_formats():
    with pytest.raises(ValueError, match="not 'zip'"):
        RowCounter("zip")


def test_jsonl_columns_union_and_types():
    lines = [{"text": "hi", "label": 1}, {"text": "yo", "label": 0.5, "meta": {"k": 1}}]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    info = whole(data, "train.jsonl")
    assert [(c.name, c.type) for c in info.columns] == [
        ("text", "string"),
        ("label", "number"),
        ("meta", "object"),
    ]
    assert info.rows == 2 and info.preview == lines


def test_json_array_read_element_by_element_from_a_prefix():
    records = [{"i": i, "name": f"n{i}"} for i in range(500)]
    data = json.dumps(records).encode()
    info = inspect_dataset(data[:300], len(data), "records.json", preview_rows=3)
    assert info.format == "json" and info.rows is None
    assert info.preview == records[:3] and info.rows_in_prefix > 3
    assert [(c.name, c.type) for c in info.columns] == [("i", "integer"), ("name", "string")]
    assert whole(data, "records.json").rows == 500


def test_npy_header_from_real_numpy():
    buf = io.BytesIO()
    np.save(buf, np.zeros((60000, 28, 28), dtype=np.uint8))
    data = buf.getvalue()
    info = inspect_dataset(data[:256], len(data), "images.npy")
    assert info.array == {"dtype": "|u1", "shape": [60000, 28, 28], "fortran_order": False}


def test_npz_members_from_real_numpy():
    buf = io.BytesIO()
    np.savez(buf, x=np.ones((10, 3), dtype=np.float32), y=np.arange(10))
    info = whole(buf.getvalue(), "data.npz")
    assert info.format == "npz" and info.file_count == 2
    assert info.arrays["x"] == {"dtype": "<f4", "shape": [10, 3], "fortran_order": False}
    assert info.arrays["y"]["shape"] == [10]


def _images_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for cls in ("cat", "dog"):
            for i in range(3):
                z.writestr(f"pets/{cls}/{i}.png", b"\x89PNG" + bytes(500))
        z.writestr("pets/README.txt", "two classes")
    return buf.getvalue()


def test_zip_of_image_folders():
    info = whole(_images_zip(), "pets.zip")
    assert (info.format, info.file_count, info.image_files) == ("zip", 7, 6)
    assert info.classes == ["cat", "dog"]


def test_zip_prefix_lists_the_members_it_holds():
    data = _images_zip()
    info = inspect_dataset(data[:1200], len(data), "pets.zip")
    assert not info.complete and 1 <= info.file_count < 7
    assert info.files[0] == "pets/cat/0.png"


def _tar(names: list[str], gz: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as t:
        for name in names:
            payload = b"x" * 2000
            member = tarfile.TarInfo(name)
            member.size = len(payload)
            t.addfile(member, io.BytesIO(payload))
    return buf.getvalue()


@pytest.mark.parametrize("gz, fmt", [(False, "tar"), (True, "tar.gz")])
def test_tar_archives(gz, fmt):
    names = [f"train/{c}/{i}.jpg" for c in ("a", "b") for i in range(5)]
    data = _tar(names, gz)
    info = whole(data, "set.tar.gz" if gz else "set.tar")
    assert (info.format, info.file_count, info.classes, info.complete) == (
        fmt,
        10,
        ["a", "b"],
        True,
    )
    part = inspect_dataset(data[: len(data) // 2], len(data), "set.tar.gz" if gz else "set.tar")
    assert part.format == fmt and not part.complete and 0 < part.file_count < 10


def test_gzipped_csv_is_inspected_as_csv():
    data = gzip.compress(IRIS)
    info = whole(data, "iris.csv.gz")
    assert (info.format, info.rows, info.size) == ("csv.gz", 3, len(data))


def test_png_dimensions():
    data = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (640).to_bytes(4, "big")
        + (480).to_bytes(4, "big")
    )
    assert whole(data, "a.png").array == {"width": 640, "height": 480}


def test_parquet_without_pyarrow_is_named_only():
    info = whole(b"PAR1" + bytes(100) + b"PAR1", "t.parquet")
    assert info.format == "parquet" and info.rows is None and info.columns == []


def test_size_smaller_than_prefix_is_refused():
    with pytest.raises(ValueError, match="total_size 3 is less than the 4 bytes"):
        inspect_dataset(b"abcd", 3, "x.csv")
