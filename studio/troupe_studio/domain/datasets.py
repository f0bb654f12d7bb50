"""What a dataset file is, from its first bytes: format, columns and types, a preview.

The service streams an upload (or an object in the store) and hands over a bounded prefix,
the total size and the file name; nothing here reads a file. Rows of a table larger than
the prefix are counted by `RowCounter`, which the service feeds chunk by chunk.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import struct
import tarfile
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

from troupe_studio.domain.issues import Issue

PREFIX_BYTES = 1024 * 1024  # what the service should pass: enough for types and a preview
MAX_PREVIEW = 100
MAX_ERRORS = 20
MAX_FILES = 1000
MAX_INFLATE = 64 * 1024 * 1024  # a gzip prefix never expands past this (no bombs)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")
TABLES = ("csv", "tsv", "jsonl")


@dataclass
class Column:
    name: str
    type: str  # integer | number | boolean | string | null | object | array | mixed


@dataclass
class DatasetInfo:
    format: str
    size: int
    complete: bool  # the prefix was the whole file: counts are exact
    columns: list[Column] = field(default_factory=list)
    rows: int | None = None  # exact count, when known (complete, or from a RowCounter)
    rows_in_prefix: int | None = None
    preview: list[Any] = field(default_factory=list)
    files: list[str] | None = None  # archive members (at most MAX_FILES)
    file_count: int | None = None  # members seen; exact only when complete
    image_files: int | None = None
    classes: list[str] | None = None  # image folders by class: the images' parent directories
    array: dict[str, Any] | None = None  # npy: dtype, shape, fortran_order
    arrays: dict[str, dict[str, Any]] | None = None  # npz: one per member
    notes: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def counter_needed(self) -> bool:
        """Whether the service should stream the whole file through a RowCounter."""
        return self.format in TABLES and not self.complete

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def detect_format(prefix: bytes, filename: str) -> str:
    """Magic bytes first (names lie), then the extension."""
    name = filename.lower()
    if prefix.startswith(b"PAR1"):
        return "parquet"
    if prefix.startswith(b"\x93NUMPY"):
        return "npy"
    if prefix.startswith(b"PK\x03\x04") or prefix.startswith(b"PK\x05\x06"):
        return "npz" if name.endswith(".npz") else "zip"
    if prefix.startswith(b"\x1f\x8b"):
        return "gzip"
    if len(prefix) > 262 and prefix[257:262] == b"ustar":
        return "tar"
    if prefix.startswith(b"\x89PNG\r\n\x1a\n") or prefix.startswith(b"\xff\xd8\xff"):
        return "image"
    for ext, fmt in ((".tsv", "tsv"), (".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl")):
        if name.endswith(ext):
            return fmt
    if name.endswith(".json"):
        return "json"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".txt", ".text")):
        return "text"
    return "unknown"


def inspect_dataset(
    prefix: bytes, total_size: int, filename: str, preview_rows: int = 20
) -> DatasetInfo:
    """Everything the first bytes tell; `prefix` may be the whole file (then counts are exact)."""
    if total_size < len(prefix):
        raise ValueError(f"total_size {total_size} is less than the {len(prefix)} bytes given")
    preview_rows = max(0, min(preview_rows, MAX_PREVIEW))
    complete = len(prefix) == total_size
    fmt = detect_format(prefix, filename)
    info = DatasetInfo(fmt, total_size, complete)
    if fmt == "gzip":
        return _gzip(prefix, filename, info, preview_rows)
    _INSPECTORS.get(fmt, _other)(prefix, info, preview_rows)
    return info


class RowCounter:
    """Counts a table's rows over a stream: records end at newlines outside quotes.

    Blank lines are not rows; a header line is not counted for csv/tsv. Feed every chunk in
    order, then read `rows`.
    """

    def __init__(self, fmt: str):
        if fmt not in TABLES:
            raise ValueError(f"RowCounter counts {', '.join(TABLES)}, not {fmt!r}")
        self.format = fmt
        self._quotes = fmt in ("csv", "tsv")
        self._in_quotes = False
        self._last = 0x0A  # as if after a newline: leading blank lines count nothing
        self._ends = 0
        self.bytes = 0

    def feed(self, chunk: bytes) -> None:
        self.bytes += len(chunk)
        data = chunk.replace(b"\r", b"")
        parts = data.split(b'"') if self._quotes else [data]
        for k, part in enumerate(parts):
            if k:
                self._in_quotes = not self._in_quotes
                self._last = 0x22
            if part and not self._in_quotes:
                self._ends += len(_LINE_END.findall(bytes([self._last]) + part))
            if part:
                self._last = part[-1]

    @property
    def rows(self) -> int:
        records = self._ends + (1 if self._last != 0x0A else 0)
        if self.format in ("csv", "tsv") and records:
            records -= 1
        return records


_LINE_END = re.compile(rb"[^\n]\n")


def _text(prefix: bytes, info: DatasetInfo) -> str | None:
    """The prefix as text, cut at its last newline when the file goes on past it."""
    data = prefix
    if not info.complete:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut >= 0 else b""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        info.errors.append(
            Issue(f"line {line}", f"not UTF-8: byte 0x{data[exc.start]:02x} at column {col}")
        )
        return None


def _table(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    text = _text(prefix, info)
    if text is None:
        return
    reader = csv.reader(io.StringIO(text), delimiter="\t" if info.format == "tsv" else ",")
    header: list[str] | None = None
    rows: list[list[str]] = []
    try:
        for record in reader:
            if not record:
                continue
            if header is None:
                header = record
                _header_errors(header, info)
                continue
            if len(record) != len(header):
                _error(
                    info,
                    f"line {reader.line_num}",
                    f"{len(record)} fields, the header has {len(header)}",
                )
                continue
            rows.append(record)
    except csv.Error as exc:
        _error(info, f"line {reader.line_num}", f"unreadable: {exc}")
    if header is None:
        info.notes.append("no header line")
        return
    types = [_merge(_scalar_type(r[i]) for r in rows) for i in range(len(header))]
    info.columns = [Column(n, t) for n, t in zip(header, types, strict=True)]
    info.rows_in_prefix = len(rows)
    info.rows = len(rows) if info.complete else None
    info.preview = [dict(zip(header, r, strict=True)) for r in rows[:preview_rows]]


def _header_errors(header: list[str], info: DatasetInfo) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header):
        if not name.strip():
            _error(info, "line 1", f"column {i + 1} has no name")
        elif name in seen:
            _error(info, "line 1", f"column name {name!r} appears twice")
        seen.add(name)


def _jsonl(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    text = _text(prefix, info)
    if text is None:
        return
    columns: dict[str, list[str]] = {}
    count = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            _error(info, f"line {n}", f"not JSON: {exc}")
            continue
        if not isinstance(row, dict):
            _error(info, f"line {n}", f"a JSON {_json_type(row)}, not an object")
            continue
        count += 1
        for key, value in row.items():
            columns.setdefault(key, []).append(_json_type(value))
        if len(info.preview) < preview_rows:
            info.preview.append(row)
    info.columns = [Column(k, _merge(v)) for k, v in columns.items()]
    info.rows_in_prefix = count
    info.rows = count if info.complete else None


def _json(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    """A JSON array of objects is a table; its elements are read one by one from the prefix."""
    try:
        text = prefix.decode("utf-8-sig", errors="strict" if info.complete else "ignore")
    except UnicodeDecodeError as exc:
        info.errors.append(Issue(f"byte {exc.start}", "not UTF-8"))
        return
    body = text.lstrip()
    if not body.startswith("["):
        if info.complete:
            try:
                value = json.loads(text)
            except ValueError as exc:
                info.errors.append(Issue(f"line {exc.lineno}", f"not JSON: {exc.msg}"))
                return
            info.notes.append(f"a JSON {_json_type(value)}, not an array of records")
            if isinstance(value, dict):
                info.columns = [Column(k, _json_type(v)) for k, v in value.items()]
        else:
            info.notes.append("not a JSON array; read once complete")
        return
    decoder, pos, rows = json.JSONDecoder(), len(text) - len(body) + 1, []
    columns: dict[str, list[str]] = {}
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] == "]":
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError as exc:
            if info.complete:
                info.errors.append(Issue(f"line {exc.lineno}", f"not JSON: {exc.msg}"))
            break
        rows.append(value)
        if isinstance(value, dict):
            for key, v in value.items():
                columns.setdefault(key, []).append(_json_type(v))
    info.columns = [Column(k, _merge(v)) for k, v in columns.items()]
    info.rows_in_prefix = len(rows)
    info.rows = len(rows) if info.complete and not info.errors else None
    info.preview = rows[:preview_rows]
    if not info.complete:
        info.notes.append("rows of a JSON array are counted only when the whole file is read")


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n,":
        pos += 1
    return pos


def _parquet(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    info.notes.append("parquet: rows and columns are not read here (no pyarrow)")


def _npy(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    try:
        info.array = npy_header(prefix)
    except ValueError as exc:
        info.errors.append(Issue("header", str(exc)))


def npy_header(data: bytes) -> dict[str, Any]:
    """dtype, shape and order from an .npy header (format versions 1-3)."""
    if not data.startswith(b"\x93NUMPY") or len(data) < 10:
        raise ValueError("not an .npy file (no \\x93NUMPY magic)")
    major = data[6]
    if major == 1:
        (length,), start = struct.unpack("<H", data[8:10]), 10
    elif major in (2, 3) and len(data) >= 12:
        (length,), start = struct.unpack("<I", data[8:12]), 12
    else:
        raise ValueError(f"unknown .npy format version {major}")
    raw = data[start : start + length]
    if len(raw) < length:
        raise ValueError("the .npy header is cut off")
    try:
        header = ast.literal_eval(raw.decode("latin1" if major < 3 else "utf-8"))
        shape = [int(d) for d in header["shape"]]
        return {
            "dtype": str(header["descr"]),
            "shape": shape,
            "fortran_order": header["fortran_order"],
        }
    except (ValueError, SyntaxError, KeyError, TypeError) as exc:
        raise ValueError(f"unreadable .npy header: {exc}") from exc


def _zip(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    if info.complete:
        try:
            archive = zipfile.ZipFile(io.BytesIO(prefix))
        except zipfile.BadZipFile as exc:
            info.errors.append(Issue("archive", f"unreadable zip: {exc}"))
            return
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        if info.format == "npz":
            info.arrays = {}
            for name in names:
                with archive.open(name) as member:
                    try:
                        info.arrays[name.removesuffix(".npy")] = npy_header(member.read(4096))
                    except ValueError as exc:
                        _error(info, name, str(exc))
    else:
        names = _zip_local_names(prefix)
        info.notes.append("members listed from the start of the archive only")
    _members(names, info)


def _zip_local_names(data: bytes) -> list[str]:
    """Names from the local file headers that fit in the prefix (sizes known up front)."""
    names, pos = [], 0
    while data.startswith(b"PK\x03\x04", pos) and pos + 30 <= len(data):
        flags, size, name_len, extra_len = struct.unpack("<H10xI4xHH", data[pos + 6 : pos + 30])
        name = data[pos + 30 : pos + 30 + name_len].decode("utf-8", "replace")
        if not name.endswith("/"):
            names.append(name)
        if flags & 0x08:  # sizes come after the data: the next header cannot be found
            break
        pos += 30 + name_len + extra_len + size
    return names


def _tar(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    names: list[str] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(prefix), mode="r|") as archive:
            for member in archive:
                if member.isfile():
                    names.append(member.name)
    except (tarfile.TarError, EOFError) as exc:
        if info.complete:
            info.errors.append(Issue("archive", f"unreadable tar: {exc}"))
    if not info.complete:
        info.notes.append("members listed from the start of the archive only")
    _members(names, info)


def _gzip(prefix: bytes, filename: str, info: DatasetInfo, preview_rows: int) -> DatasetInfo:
    """A .tar.gz is an archive; anything else gzipped is inspected as what it holds."""
    inflate = zlib.decompressobj(wbits=31)
    try:
        data = inflate.decompress(prefix, MAX_INFLATE)
    except zlib.error as exc:
        info.errors.append(Issue("archive", f"unreadable gzip: {exc}"))
        return info
    whole = info.complete and inflate.eof and len(data) < MAX_INFLATE
    inner_name = re.sub(r"\.(gz|tgz)$", "", filename.lower())
    if filename.lower().endswith(".tgz"):
        inner_name += ".tar"
    inner = inspect_dataset(data, len(data) if whole else len(data) + 1, inner_name, preview_rows)
    inner.format = "tar.gz" if inner.format == "tar" else f"{inner.format}.gz"
    inner.size, inner.complete = info.size, whole
    return inner


def _members(names: list[str], info: DatasetInfo) -> None:
    info.file_count = len(names)
    info.files = names[:MAX_FILES]
    images = [n for n in names if n.lower().endswith(IMAGE_EXTENSIONS)]
    info.image_files = len(images)
    if images and len(images) * 2 >= len(names):
        parents = sorted({n.rsplit("/", 2)[-2] for n in images if "/" in n})
        info.classes = parents or None


def _image(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    if prefix.startswith(b"\x89PNG") and len(prefix) >= 24:
        width, height = struct.unpack(">II", prefix[16:24])
        info.array = {"width": width, "height": height}


def _other(prefix: bytes, info: DatasetInfo, preview_rows: int) -> None:
    if info.format == "text":
        text = _text(prefix, info)
        if text is not None:
            lines = text.splitlines()
            info.rows_in_prefix = len(lines)
            info.rows = len(lines) if info.complete else None
            info.preview = lines[:preview_rows]


_INSPECTORS = {
    "csv": _table,
    "tsv": _table,
    "jsonl": _jsonl,
    "json": _json,
    "parquet": _parquet,
    "npy": _npy,
    "zip": _zip,
    "npz": _zip,
    "tar": _tar,
    "image": _image,
}

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|nan)$", re.I)


def _scalar_type(value: str) -> str:
    v = value.strip()
    if not v:
        return "null"
    if _INT.match(v):
        return "integer"
    if _FLOAT.match(v):
        return "number"
    if v.lower() in ("true", "false"):
        return "boolean"
    return "string"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _merge(types) -> str:
    """One column type from its values': nulls ignored, integer within number."""
    kinds = set(types) - {"null"}
    if not kinds:
        return "null"
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _error(info: DatasetInfo, at: str, message: str) -> None:
    if len(info.errors) < MAX_ERRORS:
        info.errors.append(Issue(at, message))
    elif len(info.errors) == MAX_ERRORS:
        info.errors.append(Issue("(more)", f"only the first {MAX_ERRORS} problems are listed"))
