"""The object store (S3, via minio): the one module that talks to it.

Objects are written once under a key that names a fresh id, never overwritten, so a key the
database holds always means the same bytes. Uploads stream in multipart parts (one part in
memory at a time); downloads stream in chunks from an offset, for HTTP Range.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from troupe.runtime.store import Credentials  # shared with the operator's artifacts

PART = 16 << 20
CHUNK = 1 << 20


class StoreDown(Exception):
    """The store could not be reached or refused us; the message says which and why."""


@dataclass
class Store:
    creds: Credentials
    bucket: str

    def __post_init__(self):
        import urllib3
        from minio import Minio

        url = urlsplit(
            self.creds.endpoint if "://" in self.creds.endpoint else "http://" + self.creds.endpoint
        )
        # few, quick retries: a store that is down should be a 503 in seconds, not a minute
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=60),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(502, 503, 504)),
            maxsize=16,
        )
        self.s3 = Minio(
            url.netloc,
            access_key=self.creds.access_key,
            secret_key=self.creds.secret_key,
            secure=url.scheme == "https",
            region=self.creds.region,
            http_client=http,
        )

    def _call(self, what: str, fn, *args, **kwargs):
        from minio.error import MinioException, S3Error
        from urllib3.exceptions import HTTPError

        try:
            return fn(*args, **kwargs)
        except S3Error as exc:
            raise StoreDown(f"object store ({self.creds.endpoint}): {what}: {exc.code}") from exc
        except (HTTPError, OSError, MinioException) as exc:
            raise StoreDown(
                f"object store unreachable at {self.creds.endpoint} ({what}): {type(exc).__name__}"
            ) from exc

    def ensure_bucket(self) -> None:
        if not self._call("bucket check", self.s3.bucket_exists, self.bucket):
            self._call("bucket create", self.s3.make_bucket, self.bucket)

    def put(self, key: str, data: IO[bytes], length: int = -1) -> None:
        """Stream `data` to `key`; multipart in PART-sized parts."""
        self._call(
            f"upload {key}",
            self.s3.put_object,
            self.bucket,
            key,
            data,
            length,
            part_size=PART,
            num_parallel_uploads=1,
        )

    def size(self, key: str) -> int:
        return self._call(f"stat {key}", self.s3.stat_object, self.bucket, key).size

    def read(self, key: str, offset: int = 0, length: int = 0) -> Iterator[bytes]:
        """The bytes of `key` from `offset` (`length` of them, or to the end), in chunks.

        The first request happens here, so an unreachable store fails before a response starts.
        """
        response = self._call(
            f"download {key}", self.s3.get_object, self.bucket, key, offset=offset, length=length
        )

        def chunks() -> Iterator[bytes]:
            try:
                yield from response.stream(CHUNK)
            finally:
                response.close()
                response.release_conn()

        return chunks()

    def delete(self, key: str) -> None:
        self._call(f"delete {key}", self.s3.remove_object, self.bucket, key)

    def listing(self, prefix: str) -> Iterator[tuple[str, dt.datetime | None]]:
        """(key, last modified) of every object under `prefix`."""
        items = self._call(
            f"list {prefix}",
            lambda: list(self.s3.list_objects(self.bucket, prefix, recursive=True)),
        )
        for item in items:
            if not item.is_dir:
                yield item.object_name, item.last_modified

    def sizes(self, prefix: str) -> list[tuple[str, int]]:
        """(key, size) of every object under `prefix`, in key order."""
        items = self._call(
            f"list {prefix}",
            lambda: list(self.s3.list_objects(self.bucket, prefix, recursive=True)),
        )
        return sorted((i.object_name, i.size or 0) for i in items if not i.is_dir)

    def ping(self) -> None:
        self._call("bucket check", self.s3.bucket_exists, self.bucket)


class ObjectReader(io.RawIOBase):
    """An object as a seekable file: one streaming download from the current offset, a new
    one after a seek (zip reads its directory at the end, then its first members)."""

    def __init__(self, store: Store, key: str):
        self.store, self.key, self.length = store, key, store.size(key)
        self.pos, self._chunks, self._left = 0, None, memoryview(b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.length}[whence]
        if base + offset != self.pos:
            self._drop()
            self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, b) -> int:
        if self.pos >= self.length:
            return 0
        if not self._left:
            if self._chunks is None:
                self._chunks = self.store.read(self.key, offset=self.pos)
            self._left = memoryview(next(self._chunks, b""))
            if not self._left:
                return 0
        n = min(len(b), len(self._left))
        b[:n] = self._left[:n]
        self._left, self.pos = self._left[n:], self.pos + n
        return n

    def _drop(self) -> None:
        if self._chunks is not None:
            self._chunks.close()
        self._chunks, self._left = None, memoryview(b"")

    def close(self) -> None:
        self._drop()
        super().close()
