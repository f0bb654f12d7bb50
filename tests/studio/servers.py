"""The real servers Studio's tests run against: versitygw (S3), PostgreSQL, the service itself.

Each is started on a free port or a private socket, waited for with a deadline, and stopped
by the fixture that started it.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]
ACCESS, SECRET = "studio", secrets.token_hex(12)
PROJECT = "default"  # the project (namespace) the artifact tests work in


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(check, timeout: float, what: str, every: float = 0.05):
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if got := check():
                return got
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout}s")
        time.sleep(every)


def versitygw_binary() -> str:
    if path := os.environ.get("TROUPE_VERSITYGW"):
        return path
    found = glob.glob(os.path.expanduser("~/.cache/troupe/*/bin/versitygw"))
    if found:
        return found[0]
    build = ["bash", str(REPO / "hack/build-binaries.sh")]
    out = subprocess.run(build, capture_output=True, text=True, check=True)
    return str(Path(out.stdout.strip().splitlines()[-1]) / "versitygw")


class S3Server:
    """versitygw over a directory, on a free port."""

    def __init__(self, root: Path):
        self.root, self.port = root, free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> S3Server:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        (self.root / "meta").mkdir(exist_ok=True)
        env = {**os.environ, "ROOT_ACCESS_KEY_ID": ACCESS, "ROOT_SECRET_ACCESS_KEY": SECRET}
        self.proc = subprocess.Popen(
            [versitygw_binary(), "--port", f"127.0.0.1:{self.port}", "--region", "us-east-1",
             "--quiet", "posix", "--sidecar", str(self.root / "meta"), str(self.root / "data")],
            env=env, stdout=open(self.root / "log", "ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        until(lambda: httpx.get(self.endpoint + "/", timeout=1) is not None, 20, "versitygw")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Postgres:
    """A throwaway cluster from hack/postgres.sh; each test gets a fresh database in it."""

    def __init__(self, root: Path):
        self.root = root
        self.url = ""

    def start(self) -> Postgres:
        out = subprocess.run(
            ["bash", str(REPO / "hack/postgres.sh"), "up", str(self.root)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.url = out.stdout.strip().splitlines()[-1]
        return self

    def database(self) -> str:
        import psycopg

        name = "t_" + secrets.token_hex(6)
        with psycopg.connect(f"dbname=troupe user=postgres host={self.root}", autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return self.url.replace("/troupe?", f"/{name}?")

    def stop(self) -> None:
        subprocess.run(["bash", str(REPO / "hack/postgres.sh"), "down", str(self.root)], check=True)
        shutil.rmtree(self.root, ignore_errors=True)

    @staticmethod
    def available() -> bool:
        return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))


class Service:
    """The app served by uvicorn in a thread, on a free port; `http` is a client for it."""

    def __init__(self, app):
        self.app, self.port = app, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.root = httpx.Client(base_url=self.url + "/api/v1", timeout=60)
        self.http = httpx.Client(base_url=self.url + f"/api/v1/projects/{PROJECT}", timeout=60)

    def start(self) -> Service:
        self.thread.start()
        until(lambda: self.server.started or not self.thread.is_alive(), 30, "studio service")
        if not self.server.started:
            raise RuntimeError("studio service: start-up failed (see the log above)")
        return self

    def stop(self) -> None:
        self.http.close()
        self.root.close()
        self.server.should_exit = True
        self.thread.join(30)
