"""What may never happen: half-written versions, lost versions, deleting what is used, and
stack traces where the store or the database is down."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from servers import Service, until

from troupe_studio import db
from troupe_studio.app import create_app

CSV = b"a,b\n1,2\n"


def objects(service) -> list[str]:
    return [k for k, _ in service.app.state.store.listing("artifacts/")]


def spooled(settings) -> list:
    d = settings.data_dir / "uploads"
    return list(d.iterdir()) if d.exists() else []


def test_oversized_upload_is_413_naming_the_limit_and_stores_nothing(api, service, settings):
    big = b"x" * (settings.max_upload_bytes + 1)
    r = api.post("/datasets/big/versions", params={"filename": "big.csv"}, content=big)
    assert r.status_code == 413 and str(settings.max_upload_bytes) in r.json()["detail"]

    def chunks():  # no Content-Length: the limit is found while streaming
        for _ in range(settings.max_upload_bytes // 65536 + 2):
            yield b"y" * 65536

    try:
        r = api.post("/datasets/big/versions", params={"filename": "big.csv"}, content=chunks())
        assert r.status_code == 413 and "max_upload_bytes" in r.json()["detail"]
    except httpx.TransportError:
        pass  # the server may close the connection before reading the rest: also a refusal
    assert api.get("/datasets/big").status_code == 404
    assert objects(service) == [] and spooled(settings) == []


def test_an_upload_cut_off_midway_leaves_nothing(api, service, settings):
    with socket.create_connection(("127.0.0.1", service.port)) as s:
        s.sendall(
            b"POST /api/v1/projects/default/datasets/cut/versions?filename=cut.csv HTTP/1.1\r\n"
            b"Host: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 5000
        )
        until(lambda: spooled(settings), 10, "the spool to start")
    until(lambda: spooled(settings) == [], 10, "the spool to go")
    assert api.get("/datasets/cut").status_code == 404
    assert api.get("/datasets").json() == [] and objects(service) == []


def test_orphaned_objects_are_swept_on_start(settings, service):
    store = service.app.state.store
    import io

    store.put("artifacts/datasets/x/deadbeef/x.csv", io.BytesIO(b"orphan"), 6)
    kept = service.http.post("/datasets/kept/versions", params={"filename": "k.csv"}, content=CSV)
    assert kept.status_code == 201
    again = Service(create_app(settings)).start()
    try:
        assert objects(again) == [kept.json()["uri"].split("/", 3)[3]]
        assert again.http.get("/datasets/kept/versions/1/file").content == CSV
    finally:
        again.stop()


def test_concurrent_uploads_of_one_name_get_distinct_numbers(api):
    def one(i):
        return api.post(
            "/datasets/race/versions", params={"filename": "r.csv"}, content=b"%d\n" % i
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(16)))
    assert all(r.status_code == 201 for r in results), [r.text for r in results]
    numbers = sorted(r.json()["number"] for r in results)
    assert numbers == list(range(1, 17))
    listed = api.get("/datasets/race").json()["versions"]
    assert sorted(v["sha256"] for v in listed) == sorted(r.json()["sha256"] for r in results)


def test_a_dataset_in_use_cannot_be_deleted(api, service):
    api.post("/datasets/used/versions", params={"filename": "u.csv"}, content=CSV)
    api.post("/datasets/used/versions", params={"filename": "u.csv"}, content=CSV)
    with service.app.state.sessions() as s:
        art = s.query(db.Artifact).filter_by(kind="datasets", name="used").one()
        v2 = next(v for v in art.versions if v.number == 2)
        s.add(db.Use(artifact_id=art.id, version_id=v2.id, holder="task:7"))
        s.commit()
    r = api.delete("/datasets/used")
    assert r.status_code == 409 and "task:7" in r.json()["detail"]
    assert api.delete("/datasets/used/versions/2").status_code == 409
    assert api.delete("/datasets/used/versions/1").status_code == 204
    assert api.get("/datasets/used/versions/2/file").content == CSV


def test_store_down_is_503_naming_the_store(settings, tmp_path):
    from servers import S3Server

    s3 = S3Server(tmp_path / "s3b").start()
    svc = Service(
        create_app(settings.__class__(**{**settings.__dict__, "store_endpoint": s3.endpoint}))
    ).start()
    try:
        assert (
            svc.http.post(
                "/datasets/a/versions", params={"filename": "a.csv"}, content=CSV
            ).status_code
            == 201
        )
        s3.stop()
        r = svc.http.post("/datasets/a/versions", params={"filename": "a.csv"}, content=CSV)
        assert r.status_code == 503 and "object store" in r.json()["detail"]
        r = svc.http.get("/datasets/a/versions/1/file")
        assert r.status_code == 503 and "object store" in r.json()["detail"]
        assert svc.http.get("/datasets/a").json()["version_count"] == 1  # no row for the failed one
        h = svc.root.get("/health")
        assert h.status_code == 503 and h.json()["database"] == "ok"
    finally:
        svc.stop()
        s3.stop()


def test_database_down_is_503_naming_the_database(settings):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=2"
    down = settings.__class__(**{**settings.__dict__, "database_url": url, "migrate": False})
    svc = Service(create_app(down)).start()
    try:
        r = svc.http.get("/datasets")
        assert r.status_code == 503 and r.json()["detail"].startswith("database unavailable")
        r = svc.http.post("/datasets/a/versions", params={"filename": "a.csv"}, content=CSV)
        assert r.status_code == 503 and "database" in r.json()["detail"]
        assert objects(svc) == []
        assert svc.root.get("/health").json()["store"] == "ok"
    finally:
        svc.stop()


_ = threading
