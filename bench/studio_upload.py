"""Upload throughput of Troupe Studio and the service's peak memory while it streams.

Starts a throwaway versitygw and `python -m troupe_studio` (SQLite) in a temp dir, streams a
generated file (default 1 GiB) to it over HTTP into a project (a namespace of the local
cluster, which local mode asks who may write there), downloads it back, and prints the figures: MB/s
each way and the service process's peak RSS (VmHWM), which should stay near its idle size
because uploads are spooled and sent in parts, never held whole.
    python bench/studio_upload.py [--size-mb 1024] [--project default]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHUNK = 1 << 20
QUIET = subprocess.DEVNULL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url: str, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start within {timeout}s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mb", type=int, default=1024)
    p.add_argument("--project", default="default")
    args = p.parse_args()
    size = args.size_mb * CHUNK
    gw = (
        os.environ.get("TROUPE_VERSITYGW")
        or glob.glob(os.path.expanduser("~/.cache/troupe/*/bin/versitygw"))[0]
    )
    with tempfile.TemporaryDirectory(prefix="studio-bench-", dir=os.path.expanduser("~")) as tmp:
        root = Path(tmp)
        for d in ("data", "meta", "studio"):
            (root / d).mkdir()
        s3_port, port = free_port(), free_port()
        env = {**os.environ, "ROOT_ACCESS_KEY_ID": "bench", "ROOT_SECRET_ACCESS_KEY": "benchsecret"}
        gw_cmd = [gw, "--port", f"127.0.0.1:{s3_port}", "--quiet", "posix", "--sidecar",
                  str(root / "meta"), str(root / "data")]  # fmt: skip
        store = subprocess.Popen(
            gw_cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        env = {
            **os.environ,
            "TROUPE_STORE_ENDPOINT": f"http://127.0.0.1:{s3_port}",
            "TROUPE_STORE_ACCESS_KEY": "bench",
            "TROUPE_STORE_SECRET_KEY": "benchsecret",
            "TROUPE_STUDIO_MAX_UPLOAD_BYTES": str(size + 1),
        }
        cmd = [sys.executable, "-m", "troupe_studio", "--port", str(port), "--data-dir",
               str(root / "studio")]  # fmt: skip
        service = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        try:
            api = f"http://127.0.0.1:{port}/api/v1"
            wait(f"http://127.0.0.1:{s3_port}/", "versitygw")
            wait(api + "/health", "troupe-studio")
            api += f"/projects/{args.project}"
            idle = peak_rss_mb(service.pid)
            block = os.urandom(CHUNK)
            expect = hashlib.sha256()
            for _ in range(size // CHUNK):
                expect.update(block)

            def body():
                for _ in range(size // CHUNK):
                    yield block

            with httpx.Client(timeout=600) as http:
                t0 = time.monotonic()
                r = http.post(api + "/datasets/bench/versions", params={"filename": "bench.npy"},
                              content=body(), headers={"Content-Length": str(size)})  # fmt: skip
                up = time.monotonic() - t0
                r.raise_for_status()
                assert r.json()["sha256"] == expect.hexdigest(), "checksum mismatch"
                peak = peak_rss_mb(service.pid)
                t0, got = time.monotonic(), 0
                with http.stream("GET", api + "/datasets/bench/versions/1/file") as down:
                    for chunk in down.iter_bytes(CHUNK):
                        got += len(chunk)
                down_s = time.monotonic() - t0
                assert got == size
            mb = size / CHUNK
            print(
                f"upload   {mb:.0f} MiB in {up:.1f}s: {mb / up:.0f} MiB/s (spool, sha256, S3 parts)"
            )
            print(f"download {mb:.0f} MiB in {down_s:.1f}s: {mb / down_s:.0f} MiB/s")
            print(f"service peak RSS {peak_rss_mb(service.pid):.0f} MiB "
                  f"(idle {idle:.0f} MiB, after upload {peak:.0f} MiB)")  # fmt: skip
        finally:
            for proc in (service, store):
                proc.terminate()
                proc.wait(30)


if __name__ == "__main__":
    main()
