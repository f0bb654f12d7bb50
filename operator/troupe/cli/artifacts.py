"""`troupe artifacts fetch|upload`: the two containers the operator adds to a pod.

fetch (an init container) writes every input into the shared volume, checksummed, and ends
non-zero on the first input it cannot get, naming it, so no training starts on half the
data. upload (a native sidecar) waits until the kubelet stops it, which happens once the
training containers have ended (or the pod is deleted), then uploads the output directory
and, last, a manifest: results under a prefix are complete exactly when the manifest is.
Both report in the termination message, which the kubelet puts in the pod's status.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from troupe.runtime import store

TERMINATION_LOG = os.environ.get("TROUPE_TERMINATION_LOG", "/dev/termination-log")
MESSAGE_LIMIT = 4000  # the kubelet keeps 4096 bytes of a termination message
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")
MANIFEST = "troupe-manifest.json"


def report(body: dict) -> None:
    """Into the termination message (trimmed to fit) and onto stdout for `kubectl logs`."""
    text = json.dumps(body, separators=(",", ":"))
    print(text, flush=True)
    while len(text) > MESSAGE_LIMIT and body.get("inputs"):
        body = {**body, "inputs": body["inputs"][:-1], "truncated": True}
        text = json.dumps(body, separators=(",", ":"))
    try:
        Path(TERMINATION_LOG).write_text(text[:MESSAGE_LIMIT])
    except OSError as exc:
        print(f"cannot write {TERMINATION_LOG}: {exc}", file=sys.stderr)


def cmd_fetch(args) -> int:
    try:
        wanted = json.loads(os.environ.get("TROUPE_ARTIFACTS_INPUTS") or "[]")
        s3 = store.client(store.Credentials.from_env())
    except (ValueError, store.StoreError) as exc:
        report({"error": str(exc)})
        return 1
    root, fetched = Path(args.dir), []
    for item in wanted:
        started = time.monotonic()
        try:
            record = fetch_one(s3, item, root)
        except Exception as exc:  # every failure ends the pod: say which input and why
            message = exc if isinstance(exc, store.StoreError) else store.describe(exc, item["uri"])
            report({"error": f"input {item['name']}: {message}", "input": item["name"]})
            return 1
        seconds = time.monotonic() - started
        print(f"fetched {item['name']}: {record['bytes']} bytes in {seconds:.1f}s", flush=True)
        fetched.append(record)
    report({"inputs": fetched, "peakRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
    return 0


def fetch_one(s3, item: dict, root: Path) -> dict:
    """One input into root/<name>: a file, or a directory for a prefix or code."""
    bucket, key = store.split_uri(item["uri"])
    target, expected, uri = root / item["name"], item.get("sha256"), item["uri"]
    if key == "" or key.endswith("/"):
        return _fetch_prefix(s3, item, bucket, key, target)
    if item.get("directory"):
        target.mkdir(parents=True, exist_ok=True)
        name = key.rsplit("/", 1)[-1]
        if name.endswith(ARCHIVES):
            with tempfile.TemporaryDirectory(dir=root) as tmp:
                archive = Path(tmp) / name
                size, digest = _download(s3, bucket, key, archive, expected, uri)
                _extract(archive, target)
        else:
            size, digest = _download(s3, bucket, key, target / name, expected, uri)
    else:
        size, digest = _download(s3, bucket, key, target, expected, uri)
    return {"name": item["name"], "uri": item["uri"], "objects": 1, "bytes": size, "sha256": digest}


def _fetch_prefix(s3, item: dict, bucket: str, prefix: str, target: Path) -> dict:
    """Every object under the prefix; the digest is over the sorted (path, sha256) list."""
    lines, total = [], 0
    for key, _ in store.list_keys(s3, bucket, prefix):
        relative = key[len(prefix) :]
        path = _inside(target, relative)
        size, digest = _download(s3, bucket, key, path, None, f"s3://{bucket}/{key}")
        lines.append(f"{relative} {digest}\n")
        total += size
    if not lines:
        raise store.StoreError(f"{item['uri']}: no objects under this prefix")
    target.mkdir(parents=True, exist_ok=True)
    summary = hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()
    return {
        "name": item["name"],
        "uri": item["uri"],
        "objects": len(lines),
        "bytes": total,
        "sha256": summary,
    }


def _inside(root: Path, relative: str) -> Path:
    """root/relative, refusing a key or archive member that climbs out of root."""
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()) or path == root.resolve():
        raise store.StoreError(f"{relative!r} would land outside the input's directory")
    return path


def _download(s3, bucket: str, key: str, path: Path, expected: str | None, uri: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as out:
        size, digest = store.read_object(s3, bucket, key, out)
    if expected and digest != expected:
        partial.unlink()
        raise store.StoreError(f"{uri}: sha256 {digest} is not the expected {expected}")
    partial.rename(path)
    return size, digest


def _extract(archive: Path, target: Path) -> None:
    """Unpack code; a member that would land outside `target` fails the input."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for member in z.infolist():
                _inside(target, member.filename)
            z.extractall(target)
        return
    with tarfile.open(archive) as t:
        t.extractall(target, filter="data")  # refuses absolute paths, .., devices, links out


def cmd_upload(args) -> int:
    """Wait for SIGTERM, then upload. Exits 0 even when the upload fails: the report says so,
    and a sidecar's exit must not turn a pod that trained into a failed one."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"results in {args.dir} go to {args.to} when the training containers end", flush=True)
    while not stop.wait(3600):
        pass
    started = time.monotonic()
    try:
        body = upload(args.dir, args.to)
    except Exception as exc:
        report({"error": store.describe(exc, args.to), "uri": args.to})
        return 0
    seconds = time.monotonic() - started
    print(f"uploaded {body['files']} files, {body['bytes']} bytes in {seconds:.1f}s", flush=True)
    report(body)
    return 0


def upload(directory: str, prefix_uri: str) -> dict:
    """Old manifest out first, then every file, then stale keys out, then the manifest."""
    s3 = store.client(store.Credentials.from_env())
    bucket, prefix = store.split_uri(prefix_uri)
    s3.remove_object(bucket, prefix + MANIFEST)
    root, files = Path(directory), []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(root).as_posix()
        if relative == MANIFEST or relative.startswith("logs/"):
            continue  # the operator's names under the prefix
        digest = store.file_sha256(str(path))
        store.write_file(s3, bucket, prefix + relative, str(path))
        files.append({"path": relative, "bytes": path.stat().st_size, "sha256": digest})
    kept = {prefix + f["path"] for f in files}
    for key, _ in list(store.list_keys(s3, bucket, prefix)):
        if key not in kept and not key[len(prefix) :].startswith("logs/"):
            s3.remove_object(bucket, key)
    manifest = json.dumps({"uri": prefix_uri, "files": files}, indent=1).encode()
    store.write_bytes(s3, bucket, prefix + MANIFEST, manifest)
    return {
        "uri": prefix_uri,
        "files": len(files),
        "bytes": sum(f["bytes"] for f in files),
        "manifest": hashlib.sha256(manifest).hexdigest(),
    }


LOCAL_STORE_ENV = Path.home() / ".kwok/clusters/troupe/store/env"  # hack/store.sh writes it


def store_env(env_file: str | None) -> dict[str, str]:
    """TROUPE_STORE_* from the environment, else from an env file (the local store's)."""
    env = dict(os.environ)
    path = Path(env_file) if env_file else LOCAL_STORE_ENV
    if not env.get("TROUPE_STORE_ENDPOINT") and path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.startswith("TROUPE_STORE_"):
                env[key.strip()] = value.strip()
    return env


def cmd_cp(args) -> int:
    """Copy a local file to s3://bucket/key or back (the bucket is made if need be)."""
    try:
        s3 = store.client(store.Credentials.from_env(store_env(args.env_file)))
        if args.source.startswith("s3://") == args.dest.startswith("s3://"):
            raise store.StoreError("one of SOURCE and DEST must be s3://bucket/key, not both")
        if args.dest.startswith("s3://"):
            bucket, key = store.split_uri(args.dest)
            if not key or key.endswith("/"):
                key += Path(args.source).name
            if not s3.bucket_exists(bucket):
                s3.make_bucket(bucket)
            store.write_file(s3, bucket, key, args.source)
            print(f"s3://{bucket}/{key} sha256 {store.file_sha256(args.source)}")
        else:
            bucket, key = store.split_uri(args.source)
            target = Path(args.dest)
            if target.is_dir():
                target = target / key.rsplit("/", 1)[-1]
            size, digest = _download(s3, bucket, key, target, None, args.source)
            print(f"{target} {size} bytes sha256 {digest}")
    except Exception as exc:
        uri = args.dest if args.dest.startswith("s3://") else args.source
        message = exc if isinstance(exc, store.StoreError) else store.describe(exc, uri)
        print(f"troupe artifacts cp: {message}", file=sys.stderr)
        return 1
    return 0


def add_commands(command) -> None:
    """`troupe artifacts fetch|upload` on the main parser (`command` adds a subcommand)."""
    artifacts = command("artifacts", None, "the artifact containers' commands (in pods)")
    sub = artifacts.add_subparsers(dest="action", required=True)
    fetch = sub.add_parser("fetch", help="fetch the inputs in TROUPE_ARTIFACTS_INPUTS")
    fetch.add_argument("--dir", required=True)
    fetch.set_defaults(fn=cmd_fetch, local=True)
    up = sub.add_parser("upload", help="on SIGTERM, upload --dir to --to")
    up.add_argument("--dir", required=True)
    up.add_argument("--to", required=True)
    up.set_defaults(fn=cmd_upload, local=True)
    cp = sub.add_parser("cp", help="copy a file to or from the store (SOURCE DEST, one s3://)")
    cp.add_argument("source")
    cp.add_argument("dest")
    cp.add_argument("--env-file", help=f"TROUPE_STORE_* settings (default {LOCAL_STORE_ENV})")
    cp.set_defaults(fn=cmd_cp, local=True)
