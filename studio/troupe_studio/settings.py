"""The service's settings: flags over environment variables over defaults.

The defaults run it next to the local cluster with nothing to configure: a SQLite file in the
user's data dir and the cluster's S3 store, whose credentials hack/store.sh writes to an env file.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

STORE_ENV_FILE = Path.home() / ".kwok/clusters/troupe/store/env"
DATA_DIR = Path.home() / ".local/share/troupe-studio"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DATA_DIR
    database_url: str = ""  # empty: SQLite under data_dir
    store_endpoint: str = "http://127.0.0.1:7070"
    store_access_key: str = ""
    store_secret_key: str = ""
    store_region: str = "us-east-1"
    bucket: str = "troupe-studio"
    max_upload_bytes: int = 2 << 30
    orphan_grace_s: float = 3600.0  # a staged object younger than this may be an upload in flight
    migrate: bool = True
    auth: str = "local"  # "token": Bearer tokens (TokenReview); "local": the kubeconfig's user
    auth_cache_s: float = 10.0  # how long a token's or an access review's answer is reused
    kubeconfig: str = ""  # empty: the default kubeconfig, else in-cluster
    job_store_endpoint: str = ""  # the store as pods reach it (empty: store_endpoint)
    job_pod_spec: dict = field(default_factory=dict)  # merged into runs' pods: nodeSelector ...
    watch: bool = True  # follow studio's jobs, pods and events into the run history

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'studio.db'}"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as hack/store.sh writes them; a missing file is empty."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}


def default_auth(env: dict[str, str]) -> str:
    """Tokens in a pod (where a kubeconfig's identity would be the service's own), else local."""
    return "token" if env.get("KUBERNETES_SERVICE_HOST") else "local"


def parse(
    argv: list[str] | None = None, env: dict[str, str] | None = None
) -> tuple[Settings, dict]:
    """Settings and the listen address, from flags and TROUPE_STUDIO_* / TROUPE_STORE_* env."""
    env = dict(os.environ) if env is None else env
    store_file = Path(env.get("TROUPE_STUDIO_STORE_ENV", STORE_ENV_FILE))
    store = {
        **read_env_file(store_file),
        **{k: v for k, v in env.items() if k.startswith("TROUPE_STORE_")},
    }
    p = argparse.ArgumentParser(prog="troupe-studio", description="Troupe Studio's service")
    p.add_argument("--host", default=env.get("TROUPE_STUDIO_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env.get("TROUPE_STUDIO_PORT", "8700")))
    p.add_argument(
        "--data-dir", type=Path, default=Path(env.get("TROUPE_STUDIO_DATA_DIR", DATA_DIR))
    )
    p.add_argument("--database-url", default=env.get("TROUPE_STUDIO_DATABASE_URL", ""))
    p.add_argument(
        "--store-endpoint", default=store.get("TROUPE_STORE_ENDPOINT", Settings.store_endpoint)
    )
    p.add_argument("--store-access-key", default=store.get("TROUPE_STORE_ACCESS_KEY", ""))
    p.add_argument("--store-secret-key", default=store.get("TROUPE_STORE_SECRET_KEY", ""))
    p.add_argument("--store-region", default=store.get("TROUPE_STORE_REGION", "us-east-1"))
    p.add_argument("--bucket", default=env.get("TROUPE_STUDIO_BUCKET", Settings.bucket))
    p.add_argument(
        "--max-upload-bytes",
        type=int,
        default=int(env.get("TROUPE_STUDIO_MAX_UPLOAD_BYTES", Settings.max_upload_bytes)),
    )
    p.add_argument(
        "--auth",
        choices=["token", "local"],
        default=env.get("TROUPE_STUDIO_AUTH") or default_auth(env),
        help="token: callers send Kubernetes Bearer tokens; local: the kubeconfig's identity",
    )
    p.add_argument(
        "--auth-cache-s",
        type=float,
        default=float(env.get("TROUPE_STUDIO_AUTH_CACHE_S", Settings.auth_cache_s)),
    )
    p.add_argument("--kubeconfig", default=env.get("TROUPE_STUDIO_KUBECONFIG", ""))
    p.add_argument(
        "--job-store-endpoint",
        default=env.get("TROUPE_STUDIO_JOB_STORE_ENDPOINT", ""),
        help="the store's endpoint as the training pods reach it (default: --store-endpoint)",
    )
    p.add_argument(
        "--job-pod-spec",
        type=json.loads,
        default=json.loads(env.get("TROUPE_STUDIO_JOB_POD_SPEC", "{}")),
        help='JSON merged into every run pod\'s spec, e.g. {"nodeSelector": {...}}',
    )
    a = p.parse_args(argv)
    settings = Settings(
        data_dir=a.data_dir,
        database_url=a.database_url,
        store_endpoint=a.store_endpoint,
        store_access_key=a.store_access_key,
        store_secret_key=a.store_secret_key,
        store_region=a.store_region,
        bucket=a.bucket,
        max_upload_bytes=a.max_upload_bytes,
        auth=a.auth,
        auth_cache_s=a.auth_cache_s,
        kubeconfig=a.kubeconfig,
        job_store_endpoint=a.job_store_endpoint,
        job_pod_spec=a.job_pod_spec,
    )
    return settings, {"host": a.host, "port": a.port}
