"""read_object's resumption: it resumes a transfer that moved, never a store it cannot reach
(the client has retried that request already; resuming on top multiplied the wait)."""

from __future__ import annotations

import io
import socket

import pytest
import urllib3
from minio import Minio

from troupe.runtime import store


def test_a_store_nobody_answers_fails_without_resuming():
    with socket.socket() as s:  # a loopback port that refuses: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s3 = Minio(
            f"127.0.0.1:{port}",
            access_key="key",
            secret_key="secret",
            secure=False,
            http_client=urllib3.PoolManager(retries=urllib3.Retry(total=1, backoff_factor=0)),
        )
        slept: list[float] = []
        with pytest.raises(urllib3.exceptions.HTTPError):
            store.read_object(s3, "bucket", "key", io.BytesIO(), sleep=slept.append)
    assert slept == []
