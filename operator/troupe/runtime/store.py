"""The S3-compatible store the artifacts live in: a client, and reads and writes that stream.

The minio client, not boto3: it speaks plain S3 to any server (versitygw, MinIO, Ceph RGW,
AWS), streams multipart uploads a part at a time, and fits in the operator's environment,
where boto3 cannot (botocore pins python-dateutil<3, the kubernetes client needs >=3).
Reads go through `read_object`, which streams fixed chunks, hashes as it goes and resumes a
broken transfer at the byte it reached, pinned to the object's ETag.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

CHUNK = 1 << 20
PART = 16 << 20  # multipart part size: what an upload holds in memory
RESUMES = 5
ENV = ("TROUPE_STORE_ENDPOINT", "TROUPE_STORE_ACCESS_KEY", "TROUPE_STORE_SECRET_KEY")


@dataclass(frozen=True)
class Credentials:
    endpoint: str  # http(s)://host:port
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        env = dict(os.environ) if env is None else env
        if missing := [k for k in ENV if not env.get(k)]:
            raise StoreError(f"missing store credentials: {', '.join(missing)} (see the Secret)")
        return cls(
            endpoint=env["TROUPE_STORE_ENDPOINT"],
            access_key=env["TROUPE_STORE_ACCESS_KEY"],
            secret_key=env["TROUPE_STORE_SECRET_KEY"],
            region=env.get("TROUPE_STORE_REGION") or "us-east-1",
        )


class StoreError(Exception):
    """A failure worth telling the user in one line (it names the object)."""


def split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def client(creds: Credentials):
    import urllib3
    from minio import Minio

    url = urlsplit(creds.endpoint if "://" in creds.endpoint else f"http://{creds.endpoint}")
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=60),
        retries=urllib3.Retry(total=5, backoff_factor=0.5, status_forcelist=(500, 502, 503, 504)),
        maxsize=8,
    )
    return Minio(
        url.netloc,
        access_key=creds.access_key,
        secret_key=creds.secret_key,
        secure=url.scheme == "https",
        region=creds.region,
        http_client=http,
    )


DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


def describe(exc: Exception, uri: str) -> str:
    """One line a user can act on."""
    from minio.error import S3Error
    from urllib3.exceptions import HTTPError

    if isinstance(exc, S3Error):
        if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
            return f"{uri}: no such object"
        if exc.code == "NoSuchBucket":
            return f"{uri}: no such bucket"
        if exc.code in DENIED:
            return f"{uri}: access denied ({exc.code}): check the Secret's accessKey and secretKey"
        return f"{uri}: {exc.code}: {exc.message}"
    if isinstance(exc, HTTPError):
        return f"{uri}: store unreachable: {type(exc).__name__}: {exc}"
    return f"{uri}: {exc}"


def list_keys(s3, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    """(key, size) of every object under `prefix`, folder markers left out."""
    for item in s3.list_objects(bucket, prefix=prefix, recursive=True):
        if not item.is_dir and not item.object_name.endswith("/"):
            yield item.object_name, item.size


def read_object(
    s3, bucket: str, key: str, out: IO[bytes], sleep: Callable[[float], None] = time.sleep
) -> tuple[int, str]:
    """Stream an object into `out`; bytes and sha256. A transfer that breaks resumes from
    the byte it reached, If-Match the first response's ETag, so an object replaced
    meanwhile fails instead of splicing two versions."""
    from minio.error import S3Error
    from urllib3.exceptions import HTTPError

    digest, done, etag, size = hashlib.sha256(), 0, None, None
    for attempt in range(RESUMES + 1):
        response, before = None, done
        try:
            headers = {"If-Match": etag} if etag else None
            response = s3.get_object(bucket, key, offset=done, request_headers=headers)
            etag = etag or response.headers.get("ETag")
            if size is None:
                size = int(response.headers.get("Content-Length", 0))
            for chunk in response.stream(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
            if done != size:
                raise StoreError(f"s3://{bucket}/{key}: got {done} of {size} bytes")
            return done, digest.hexdigest()
        except S3Error:
            raise
        except (HTTPError, OSError, StoreError):
            # the client already retried the request: resume only a transfer that moved, so
            # an unreachable store fails in seconds, not after RESUMES rounds of its retries
            if attempt == RESUMES or done == before:
                raise
            sleep(min(8.0, 0.5 * 2**attempt))
        finally:
            if response is not None:
                response.close()
                response.release_conn()
    raise AssertionError("unreachable")


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_file(s3, bucket: str, key: str, path: str) -> None:
    """Upload a file, in PART-sized parts once it is larger than one."""
    s3.fput_object(bucket, key, path, part_size=PART, num_parallel_uploads=1)


def write_bytes(
    s3, bucket: str, key: str, data: bytes, content_type: str = "application/json"
) -> None:
    import io

    s3.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type)
