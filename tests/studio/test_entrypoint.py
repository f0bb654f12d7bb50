"""`troupe-studio` itself: settings from flags, env and the store's env file; a real process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import httpx
from servers import ACCESS, SECRET, free_port, until

from troupe_studio.settings import parse


def test_settings_come_from_the_store_env_file_env_and_flags(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text(
        "TROUPE_STORE_ENDPOINT=http://127.0.0.1:7070\nTROUPE_STORE_ACCESS_KEY=troupe\n"
        "TROUPE_STORE_SECRET_KEY=s3cret\nTROUPE_STORE_REGION=us-east-1\n"
    )
    env = {"TROUPE_STUDIO_STORE_ENV": str(env_file), "TROUPE_STUDIO_MAX_UPLOAD_BYTES": "99"}
    s, listen = parse(["--data-dir", str(tmp_path / "d"), "--port", "9"], env)
    assert (s.store_endpoint, s.store_access_key, s.store_secret_key) == (
        "http://127.0.0.1:7070", "troupe", "s3cret",
    )  # fmt: skip
    assert s.max_upload_bytes == 99 and listen == {"host": "127.0.0.1", "port": 9}
    assert s.db_url == f"sqlite:///{tmp_path / 'd' / 'studio.db'}"
    env["TROUPE_STORE_ACCESS_KEY"] = "override"
    assert parse(["--bucket", "b"], env)[0].store_access_key == "override"
    assert parse(["--bucket", "b"], env)[0].bucket == "b"


def test_troupe_studio_serves_its_openapi_schema(s3, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "TROUPE_STORE_ENDPOINT": s3.endpoint,
        "TROUPE_STORE_ACCESS_KEY": ACCESS,
        "TROUPE_STORE_SECRET_KEY": SECRET,
        "TROUPE_STUDIO_BUCKET": "entry",
    }
    cmd = [sys.executable, "-m", "troupe_studio", "--port", str(port), "--data-dir", str(tmp_path)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/api/v1"
        schema = until(
            lambda: httpx.get(url + "/openapi.json", timeout=2).json(), 30, "troupe-studio"
        )
        assert "/api/v1/projects/{project}/datasets/{name}/versions" in schema["paths"]
        assert httpx.get(url + "/health").json() == {"database": "ok", "store": "ok"}
        assert (tmp_path / "studio.db").exists()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_file_larger_than_one_part_streams_through(settings, tmp_path):
    from servers import Service

    from troupe_studio.app import create_app

    big = settings.__class__(**{**settings.__dict__, "max_upload_bytes": 64 << 20})
    svc = Service(create_app(big)).start()
    try:
        block = os.urandom(1 << 20)
        body = block * 40  # 40 MiB: three multipart parts of 16 MiB
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        r = svc.http.post("/datasets/big/versions", params={"filename": "big.npy"}, content=chunks)
        assert r.status_code == 201, r.text
        assert r.json()["sha256"] == hashlib.sha256(body).hexdigest()
        with svc.http.stream("GET", "/datasets/big/versions/1/file") as down:
            got = hashlib.sha256()
            for chunk in down.iter_bytes():
                got.update(chunk)
        assert got.hexdigest() == r.json()["sha256"]
        part = svc.http.get(
            "/datasets/big/versions/1/file", headers={"Range": "bytes=20971520-20971529"}
        )
        assert part.content == body[20971520:20971530]
    finally:
        svc.stop()
