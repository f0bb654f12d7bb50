"""The artifacts' reads resume a broken transfer where it stopped, against the real store:
a proxy in front of it cuts the first connections part-way through the object."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import threading
import uuid

import pytest

from troupe.runtime import store

STORE = ("127.0.0.1", 7070)


class CuttingProxy:
    """Forwards TCP to the store; the first `cuts` responses are dropped after `after` bytes."""

    def __init__(self, cuts: int, after: int):
        self.cuts, self.after, self.connections = cuts, after, 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            client, _ = self.server.accept()
            self.connections += 1
            limit = self.after if self.connections <= self.cuts else None
            upstream = socket.create_connection(STORE)
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, limit), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                if limit is not None and sent + len(data) > limit:
                    sink.sendall(data[: limit - sent])
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


@pytest.fixture
def creds(core) -> store.Credentials:
    data = core.read_namespaced_secret("store-credentials", "troupe-system").data
    secret = {k: base64.b64decode(v).decode() for k, v in data.items()}
    return store.Credentials("http://127.0.0.1:7070", secret["accessKey"], secret["secretKey"])


def test_a_read_cut_twice_resumes_and_gets_every_byte(creds):
    direct = store.client(creds)
    bucket, payload = f"t-{uuid.uuid4().hex[:10]}", os.urandom(24 << 20)
    direct.make_bucket(bucket)
    direct.put_object(bucket, "blob", io.BytesIO(payload), len(payload))
    proxy = CuttingProxy(cuts=2, after=5 << 20)
    cut = store.client(
        store.Credentials(f"http://127.0.0.1:{proxy.port}", creds.access_key, creds.secret_key)
    )
    out = io.BytesIO()
    size, digest = store.read_object(cut, bucket, "blob", out, sleep=lambda _: None)
    assert (size, digest) == (len(payload), hashlib.sha256(payload).hexdigest())
    assert out.getvalue() == payload
    assert proxy.connections >= 3  # two cut, then the rest on a third


def test_an_object_replaced_mid_read_fails_instead_of_splicing(creds):
    direct = store.client(creds)
    bucket = f"t-{uuid.uuid4().hex[:10]}"
    direct.make_bucket(bucket)
    first = os.urandom(12 << 20)
    direct.put_object(bucket, "blob", io.BytesIO(first), len(first))
    proxy = CuttingProxy(cuts=1, after=4 << 20)
    cut = store.client(
        store.Credentials(f"http://127.0.0.1:{proxy.port}", creds.access_key, creds.secret_key)
    )

    def replace_then_wait(_: float) -> None:
        second = os.urandom(12 << 20)
        direct.put_object(bucket, "blob", io.BytesIO(second), len(second))

    from minio.error import S3Error

    with pytest.raises(S3Error) as refused:
        store.read_object(cut, bucket, "blob", io.BytesIO(), sleep=replace_then_wait)
    assert refused.value.code == "PreconditionFailed"
