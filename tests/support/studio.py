"""Troupe Studio's service against the local cluster: in this process (uvicorn in a thread),
a SQLite file, the cluster's S3 store (hack/store.sh), a fresh bucket; pods reach the store at
its in-cluster address, which the service writes into each project's Secret."""

from __future__ import annotations

import base64
import sys
import uuid
from pathlib import Path

import pytest

from support.cluster import REPO


def start_studio(kubeconfig: str, core, tmp_path: Path, pod_spec: dict | None = None):
    sys.path.insert(0, str(REPO / "tests/studio"))
    from servers import Service

    from troupe_studio.app import create_app
    from troupe_studio.settings import STORE_ENV_FILE, Settings, read_env_file

    host = read_env_file(STORE_ENV_FILE)
    if not host:
        pytest.skip(f"no store env file at {STORE_ENV_FILE} (make cluster)")
    cluster = core.read_namespaced_secret("store-credentials", "troupe-system").data
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'studio.db'}",
        store_endpoint=host["TROUPE_STORE_ENDPOINT"],
        store_access_key=host["TROUPE_STORE_ACCESS_KEY"],
        store_secret_key=host["TROUPE_STORE_SECRET_KEY"],
        bucket=f"studio-{uuid.uuid4().hex[:10]}",
        kubeconfig=kubeconfig,
        job_store_endpoint=base64.b64decode(cluster["endpoint"]).decode(),
        job_pod_spec=pod_spec or {},
    )
    return Service(create_app(settings)).start()
