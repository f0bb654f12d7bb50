"""Fixtures of the service tests: real S3 (versitygw), real SQLite and PostgreSQL, real HTTP."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from servers import ACCESS, SECRET, Postgres, S3Server, Service

from troupe_studio.app import create_app
from troupe_studio.settings import Settings


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    server = S3Server(tmp_path_factory.mktemp("s3")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    if not Postgres.available():
        if os.environ.get("TROUPE_REQUIRE_POSTGRES") == "1":  # .ci/run
            pytest.fail("PostgreSQL is not installed: bash hack/postgres.sh install")
        pytest.skip("PostgreSQL is not installed (bash hack/postgres.sh install)")
    # the cluster dir must be reachable by the postgres user when we run as root
    root = Path(f"/tmp/troupe-studio-pg-{secrets.token_hex(4)}")
    server = Postgres(root).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studio.db'}"
    return request.getfixturevalue("postgres").database()


@pytest.fixture
def settings(s3, database_url, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        store_endpoint=s3.endpoint,
        store_access_key=ACCESS,
        store_secret_key=SECRET,
        bucket="studio-" + secrets.token_hex(6),
        max_upload_bytes=1 << 20,
        orphan_grace_s=0,
        watch=False,  # the shared cluster is not these tests' business (tests/integration)
    )


@pytest.fixture
def service(settings):
    svc = Service(create_app(settings)).start()
    yield svc
    svc.stop()


@pytest.fixture
def api(service):
    return service.http
