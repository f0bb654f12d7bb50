"""`make bench`: many TrainingJobs on a local cluster, measured against a floor.

The operator runs as its own process, as in production. Request counts come from the API
server's audit log (filtered by user agent), not from the operator's own bookkeeping.
The floor is a plain script that creates the same pods and Services with the fewest
requests; Troupe's latencies are reported as ratios to it because absolute times on a
shared machine drift. Prints figures and writes JSON; asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import urllib3
from kubernetes import client, config
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from support.kubelet import finish_pod  # noqa: E402
from support.waiting import wait_for  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
import peer_process  # noqa: E402
from compare import format_table, side_by_side  # noqa: E402
from peers import Peer, parse_peers, troupe_phase  # noqa: E402

CLUSTER = "troupe-bench"
CACHE = Path(os.environ.get("TROUPE_CACHE", Path.home() / ".cache" / "troupe"))
KUBECONFIG = CACHE / "bench-kubeconfig"
IDLE_SECONDS = 35
AUDIT_LOGS = Path.home() / ".kwok" / "clusters" / CLUSTER / "logs"  # audit*.log, rotated
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Request  # status patch bodies: which fields each write changed
  verbs: [patch]
  resources: [{group: troupe.dev, resources: [trainingjobs/status]}]
- level: Request  # the peers' status writes (whole objects): when each job ran, ended
  verbs: [update, patch]
  resources:
  - {group: kubeflow.org, resources: [pytorchjobs/status]}
  - {group: jobset.x-k8s.io, resources: [jobsets/status]}
- level: Request  # pod creates: the Job controller's carry no name but their generateName
  verbs: [create]
  resources: [{group: "", resources: [pods]}]
- level: Metadata
"""


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return {
        "p50": at(0.5),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


KWOK_VERSION = os.environ.get("KWOK_VERSION", "v0.8.0")  # as hack/build-binaries.sh
KWOK_STAGES = (  # kwokctl's default Stages but pod-complete, from the module kwok is built of
    "node/fast/node-initialize.yaml",
    "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "pod/fast/pod-ready.yaml",
    "pod/fast/pod-delete.yaml",
)


def kwok_stages() -> Path:
    """kwok's Stages for the bench cluster: its defaults without pod-complete, which ends
    every pod a Job owns as soon as it runs. JobSet's pods are Job pods: they end by the
    bench's kubelet play, as every other system's do. (kwokctl takes all Stages or none.)"""
    modules = subprocess.run(
        ["go", "env", "GOMODCACHE"], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip()
    folder = Path(modules) / f"sigs.k8s.io/kwok@{KWOK_VERSION}" / "kustomize" / "stage"
    path = CACHE / "bench-kwok-stages.yaml"
    path.write_text("\n---\n".join((folder / stage).read_text() for stage in KWOK_STAGES))
    return path


def start_cluster(nodes: int) -> None:
    """A fresh cluster each run: an earlier run's pods and audit log would skew this one."""
    policy = CACHE / "bench-audit-policy.yaml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text(POLICY)
    env = dict(
        os.environ,
        TROUPE_CLUSTER=CLUSTER,
        TROUPE_NODES=str(nodes),
        TROUPE_REAL_NODE="0",  # kwok nodes only: the bench measures the control plane
        TROUPE_KUBECONFIG=str(KUBECONFIG),
        TROUPE_AUDIT_POLICY=str(policy),
        TROUPE_KWOK_CONFIG=str(kwok_stages()),
    )
    for step in ("down", "up"):
        subprocess.run(
            ["bash", str(REPO / "hack" / "cluster.sh"), step],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run(
        ["kubectl", "--kubeconfig", str(KUBECONFIG), "apply", "-f", str(REPO / "crds")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


TROUPE_JOBS = ("troupe.dev", "v1alpha1", "trainingjobs")


class Observer:
    """Watches pods and jobs of one namespace and stamps when each milestone was seen.

    Events are read as raw JSON lines: decoding them into the client's models cost the
    bench more CPU than the operator spends, on a machine both share. `jobs` names the job
    resource (group, version, plural) and `phase` reads a job object's phase (Troupe's or a
    peer's, bench/peers.py)."""

    def __init__(
        self,
        api: client.ApiClient,
        namespace: str,
        pods_per_job: int,
        on_master_ready: Callable[[str], None] | None = None,
        jobs: tuple[str, str, str] = TROUPE_JOBS,
        phase: Callable[[dict], str | None] = troupe_phase,
    ):
        self.jobs, self.phase = jobs, phase
        self.on_master_ready = on_master_ready  # called once per job, from the watch thread
        self.masters_ready: set[str] = set()
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace
        self.pods_per_job = pods_per_job
        self.pods_seen: dict[str, set[str]] = collections.defaultdict(set)
        self.all_created: dict[str, float] = {}
        self.all_running: dict[str, float] = {}
        self.running_pods: dict[str, set[str]] = collections.defaultdict(set)
        self.job_phase_at: dict[tuple[str, str], float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def _objects(self, list_fn, *args, **kwargs) -> Iterator[dict]:
        """Objects of watch events until stopped. A version gone from the watch cache (410)
        or a lagging cache (504) starts over from the beginning: stamps are first-seen."""
        version = None
        while not self.stop.is_set():
            try:
                response = list_fn(
                    *args,
                    watch=True,
                    resource_version=version,
                    timeout_seconds=30,
                    _preload_content=False,
                    **kwargs,
                )
            except client.ApiException as exc:
                if exc.status not in (410, 504):
                    raise
                version = None
                time.sleep(0.2)
                continue
            rest = b""
            for data in response.stream(64 * 1024, decode_content=True):
                *lines, rest = (rest + data).split(b"\n")
                for line in lines:
                    event = json.loads(line)
                    obj = event.get("object") or {}
                    if event.get("type") == "ERROR":
                        version = None  # 410 Gone: the version fell out of the cache
                        continue
                    version = obj["metadata"].get("resourceVersion", version)
                    if event.get("type") in ("ADDED", "MODIFIED"):
                        yield obj
                if self.stop.is_set():
                    break
            response.release_conn()

    def watch_pods(self) -> None:
        pods = self._objects(
            self.core.list_namespaced_pod, self.namespace, label_selector="bench/job"
        )
        for pod in pods:
            meta, status = pod["metadata"], pod.get("status") or {}
            job, name = meta["labels"]["bench/job"], meta["name"]
            now = time.monotonic()
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
            with self.lock:
                seen = self.pods_seen[job]
                seen.add(name)
                if len(seen) == self.pods_per_job and job not in self.all_created:
                    self.all_created[job] = now
                if status.get("phase") == "Running" and ready:
                    running = self.running_pods[job]
                    running.add(name)
                    if len(running) == self.pods_per_job and job not in self.all_running:
                        self.all_running[job] = now
                master = ready and name.startswith(f"{job}-master-")  # a JobSet's: -0-0-xyz
                first = master and job not in self.masters_ready
                if master:
                    self.masters_ready.add(job)
            if first and self.on_master_ready:
                self.on_master_ready(job)

    def watch_jobs(self) -> None:
        group, version, plural = self.jobs
        jobs = self._objects(
            self.custom.list_namespaced_custom_object, group, version, self.namespace, plural
        )
        for obj in jobs:
            name, now, phase = obj["metadata"]["name"], time.monotonic(), self.phase(obj)
            with self.lock:
                self.job_phase_at.setdefault((name, phase), now)


def job_manifest(name: str, workers: int, ordered: bool = True) -> dict:
    """1 master + `workers` workers; `ordered`: the workers wait for a Ready master."""

    def template(role: str) -> dict:
        return {
            "metadata": {"labels": {"bench/job": name}},
            "spec": {
                "containers": [
                    {
                        "name": "main",
                        "image": "busybox:1.36",
                        "command": ["sleep", "1"],
                        "resources": {"requests": {"cpu": "10m"}},
                    }
                ]
            },
        }

    return {
        "apiVersion": "troupe.dev/v1alpha1",
        "kind": "TrainingJob",
        "metadata": {"name": name},
        "spec": {
            "framework": "generic",
            "roles": [
                {"name": "master", "replicas": 1, "template": template("master")},
                {
                    "name": "worker",
                    "replicas": workers,
                    "template": template("worker"),
                }
                | ({"dependsOn": [{"role": "master", "condition": "Ready"}]} if ordered else {}),
            ],
            "runPolicy": {"cleanPodPolicy": "None"},
        },
    }


def floor_objects(name: str, workers: int, roles=("master", "worker")) -> list[dict]:
    """What the job boils down to: headless Services and pods, created directly."""
    objs: list[dict] = []
    for role, count in (("master", 1), ("worker", workers)):
        if role not in roles:
            continue
        objs.append(
            {
                "kind": "Service",
                "metadata": {"name": f"{name}-{role}"},
                "spec": {
                    "clusterIP": "None",
                    "selector": {"bench/job": name},
                    "publishNotReadyAddresses": True,
                },
            }
        )
        for i in range(count):
            objs.append(
                {
                    "kind": "Pod",
                    "metadata": {"name": f"{name}-{role}-{i}", "labels": {"bench/job": name}},
                    "spec": {
                        "hostname": f"{name}-{role}-{i}",
                        "subdomain": f"{name}-{role}",
                        "containers": [
                            {
                                "name": "main",
                                "image": "busybox:1.36",
                                "command": ["sleep", "1"],
                                "resources": {"requests": {"cpu": "10m"}},
                            }
                        ],
                    },
                }
            )
    return objs


def run_phase(
    api,
    label: str,
    jobs: int,
    workers: int,
    submit,
    after_master=None,
    kind: tuple[tuple[str, str, str], Callable[[dict], str | None]] = (TROUPE_JOBS, troupe_phase),
) -> dict:
    """Submit `jobs` jobs through `submit`, finish their pods, return per-job latencies.
    `after_master(namespace, job)` runs once a job's master is Ready (a floor that keeps
    the job's order: workers depend on the master). `kind`: the job resource and how its
    phase reads (Troupe's unless a peer's)."""
    namespace = f"bench-{label}-{int(time.time())}"
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    pool = concurrent.futures.ThreadPoolExecutor(16)
    hook = (lambda job: pool.submit(after_master, namespace, job)) if after_master else None
    obs = Observer(api, namespace, workers + 1, hook, *kind)
    threads = [threading.Thread(target=t, daemon=True) for t in (obs.watch_pods, obs.watch_jobs)]
    for t in threads:
        t.start()
    submitted: dict[str, float] = {}
    cpu_before = component_cpu()
    start = time.monotonic()
    with pool:
        futures = []
        for i in range(jobs):
            name = f"j{i:04d}"
            submitted[name] = time.monotonic()
            futures.append(pool.submit(submit, namespace, name))
        for f in futures:
            f.result()
        finished_at: dict[str, float] = {}
        # Kubeflow v1 at its default 20 QPS needs about 2 s a job for its ~40 writes
        deadline = time.monotonic() + max(600, jobs * 3)
        done = False
        while time.monotonic() < deadline:
            # a job's pods exit once they all run and (for Troupe) the job says Running: its
            # pods are all up (a status that counts them ready is progress, and may wait)
            with obs.lock:
                due = [
                    j
                    for j in obs.all_running
                    if j not in finished_at
                    and (label.startswith("floor") or (j, "Running") in obs.job_phase_at)
                ]
                pods = [(j, p) for j in due for p in sorted(obs.running_pods[j])]
            list(pool.map(lambda jp: finish_pod(core, namespace, jp[1]), pods))
            finished_at.update({j: time.monotonic() for j in due})
            with obs.lock:  # the watch threads add to these while we count
                done = (
                    len(obs.all_running) == jobs
                    if label.startswith("floor")
                    else sum(1 for (_, ph) in obs.job_phase_at if ph == "Succeeded") == jobs
                )
            if done:
                break
            time.sleep(0.2)
    wall = time.monotonic() - start
    cpu_after = component_cpu()
    obs.stop.set()
    seen = [obs.all_created[j] - submitted[j] for j in submitted if j in obs.all_created]
    audited = audit_latencies(namespace, kind[0][2], kind[1])
    return {
        "namespace": namespace,
        "jobs": jobs,
        "pods_per_job": workers + 1,
        "wall_seconds": wall,
        "jobs_per_second": jobs / wall if wall else 0,
        **audited,
        "all_pods_created_seen_by_bench_watch": percentiles(seen),  # lags when starved
        "complete_jobs": len(seen),
        "succeeded_jobs": sum(1 for (_, ph) in obs.job_phase_at if ph == "Succeeded"),
        "hit_deadline": not done,
        "cpu_seconds": {k: round(v - cpu_before.get(k, 0.0), 1) for k, v in cpu_after.items()},
    }


def created(create: Callable, *args) -> None:
    """Create, again if the connection broke before the answer (the API server closes idle
    kept-alive connections; a request sent on one as it closes gets no reply): the object
    may exist by then, which is as good."""
    for attempt in range(3):
        try:
            create(*args)
            return
        except urllib3.exceptions.ProtocolError:
            if attempt == 2:
                raise
        except client.ApiException as exc:
            if exc.status == 409 and attempt:
                return
            raise


def delete_namespace(core, namespace: str, timeout: float = 900) -> float:
    """Seconds until the namespace and everything in it are gone."""
    start = time.monotonic()
    core.delete_namespace(namespace)
    while time.monotonic() - start < timeout:
        try:
            core.read_namespace(namespace)
        except client.ApiException as exc:
            if exc.status == 404:
                return time.monotonic() - start
            raise
        time.sleep(1)
    raise TimeoutError(f"namespace {namespace} still there after {timeout}s")


def wait_until_serving(api, workers: int, timeout: float = 600) -> float:
    """Seconds until a fresh operator writes a first job's status: startup (imports, initial
    lists of every watched kind) is measured apart, as production operators are long-lived."""
    namespace = f"bench-warmup-{int(time.time())}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": namespace}})
    custom = client.CustomObjectsApi(api)
    start = time.monotonic()
    custom.create_namespaced_custom_object(
        "troupe.dev", "v1alpha1", namespace, "trainingjobs", job_manifest("warmup", workers)
    )
    while time.monotonic() - start < timeout:
        job = custom.get_namespaced_custom_object(
            "troupe.dev", "v1alpha1", namespace, "trainingjobs", "warmup"
        )
        if (job.get("status") or {}).get("phase"):
            return time.monotonic() - start
        time.sleep(0.2)
    raise TimeoutError(f"the operator wrote no status within {timeout}s")


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def agent_name(agent: str) -> str:
    """A client by its user agent's program; kube-controller-manager's by controller too
    (its clients append their controller's name: `.../job-controller`)."""
    program = agent.split("/")[0]
    if program == "kube-controller-manager":
        return f"{program}/{agent.rsplit('/', 1)[-1]}"
    return program


def audit_latencies(
    namespace: str,
    job_resource: str = "trainingjobs",
    phase_of: Callable[[dict], str | None] = troupe_phase,
) -> dict[str, dict]:
    """Per-job latencies on the API server's own clock (microseconds, from its audit log).

    The bench's watches also see every milestone, but late whenever the bench itself is
    starved (it decodes every pod event): at 1000 jobs they lagged by minutes. Submit is the
    TrainingJob's create (the floor: its first create); created, the last pod create's
    response; a pod started with kwok's first status write; finished with the bench's own.
    A job's phases come from its status writes' bodies, read by `phase_of` (a patch's body
    for Troupe, the whole object for the peers).
    """
    submit: dict[str, float] = {}
    created: dict[str, float] = {}
    started: dict[str, float] = {}  # pod -> first kwok status write
    finished: dict[str, float] = {}  # pod -> the bench's status write
    phases: dict[tuple[str, str], float] = {}  # (job, phase) -> first status write of it
    pod_created: dict[str, float] = {}
    bound: dict[str, float] = {}  # pod -> the scheduler's binding
    writes: collections.Counter = collections.Counter()  # by every client, by user agent
    for path in sorted(AUDIT_LOGS.glob("audit*.log")):
        with open(path) as log:
            for line in log:
                if namespace not in line:
                    continue
                event = json.loads(line)
                ref = event.get("objectRef") or {}
                if ref.get("namespace") != namespace:
                    continue
                if (event.get("responseStatus") or {}).get("code", 0) >= 300:
                    continue
                name, resource = ref.get("name") or "", ref.get("resource")
                if not name:  # created from generateName (the Job controller's pods)
                    meta = (event.get("requestObject") or {}).get("metadata") or {}
                    name = meta.get("generateName") or ""
                job, sub, verb = name.split("-")[0], ref.get("subresource"), event["verb"]
                received, done = (
                    _stamp(event["requestReceivedTimestamp"]),
                    _stamp(event["stageTimestamp"]),
                )
                agent = event.get("userAgent", "")
                if verb in ("create", "update", "patch"):  # deletes: the bench's cleanup
                    writes[agent_name(agent)] += 1
                if verb == "create" and (
                    resource == job_resource or agent.startswith("troupe-bench")
                ):
                    submit[job] = min(submit.get(job, received), received)
                if verb == "create" and resource == "pods" and not sub:
                    created[job] = max(created.get(job, done), done)
                    pod_created[name] = done
                elif verb == "create" and resource == "pods" and sub == "binding":
                    bound.setdefault(name, done)
                elif resource == "pods" and sub == "status" and agent.startswith("kwok"):
                    started.setdefault(name, done)
                elif resource == "pods" and sub == "status" and agent.startswith("troupe-bench"):
                    finished.setdefault(name, done)
                elif resource == job_resource and sub == "status":
                    phase = phase_of(event.get("requestObject") or {})
                    if phase:
                        phases.setdefault((job, phase), done)

    def last(stamps: dict[str, float], job: str) -> float | None:
        own = [t for pod, t in stamps.items() if pod.split("-")[0] == job]
        return max(own) if own else None

    result: dict[str, list[float]] = collections.defaultdict(list)
    burst = min(submit.values(), default=0.0)  # every job of a phase is submitted at once
    for job, t in submit.items():
        if job in created:
            result["all_pods_created"].append(created[job] - t)
            result["all_pods_created_since_burst"].append(created[job] - burst)
        all_started, all_finished = last(started, job), last(finished, job)
        if all_started and (job, "Running") in phases:
            result["pods_ready_to_job_running"].append(phases[(job, "Running")] - all_started)
        if all_finished and (job, "Succeeded") in phases:
            result["pods_finished_to_job_succeeded"].append(
                phases[(job, "Succeeded")] - all_finished
            )
    for job, t in submit.items():  # the controller's own steps (the floor's: the bench's)
        master = next((p for p in pod_created if p.startswith(f"{job}-master-")), "")
        workers = [c for p, c in pod_created.items() if p.startswith(f"{job}-worker-")]
        if master in pod_created:
            result["submit_to_master_created"].append(pod_created[master] - t)
        if master in started and workers:
            result["master_started_to_workers_created"].append(min(workers) - started[master])
    for pod, t in pod_created.items():  # where a pod's start went: scheduler, then kwok
        role = "master" if "-master-" in pod else "worker"
        if pod in bound:
            result[f"{role}_created_to_bound"].append(bound[pod] - t)
            if pod in started:
                result[f"{role}_bound_to_started"].append(started[pod] - bound[pod])
    jobs = len(submit) or 1
    return {
        **{k: percentiles(v) for k, v in result.items()},
        "cluster_writes_per_job": {a: round(n / jobs, 2) for a, n in writes.most_common()},
    }


def audit_counts(namespace: str, owner: Callable[[str], str | None]) -> tuple[dict, dict]:
    """Requests by verb/resource from the API server's audit log, of the clients `owner`
    names (it maps a user agent to a prefix for its keys, None: not counted), and the
    job status patches by the set of status fields each one carried."""
    counts: collections.Counter = collections.Counter()
    shapes: collections.Counter = collections.Counter()
    for path in sorted(AUDIT_LOGS.glob("audit*.log")):
        _audit_file(path, namespace, owner, counts, shapes)
    return dict(sorted(counts.items())), dict(shapes.most_common())


def _audit_file(path: Path, namespace: str, owner, counts, shapes) -> None:
    with open(path) as log:
        for line in log:
            event = json.loads(line)
            prefix = owner(event.get("userAgent", ""))
            if prefix is None:
                continue
            ref = event.get("objectRef") or {}
            if ref.get("namespace") not in (namespace, None):
                continue
            sub = f"/{ref['subresource']}" if ref.get("subresource") else ""
            code = (event.get("responseStatus") or {}).get("code", 0)
            failed = f" -> {code}" if code >= 300 else ""  # conflicts and retries show apart
            counts[f"{prefix}{event['verb']} {ref.get('resource', '?')}{sub}{failed}"] += 1
            status = ((event.get("requestObject") or {}).get("status")) or {}
            if sub == "/status" and ref.get("resource") == "trainingjobs":
                shapes[" ".join(sorted(status))] += 1


COMPONENTS = ("etcd", "kube-apiserver", "kube-scheduler", "kube-controller", "kwok-controller")


def component_cpu() -> dict[str, float]:
    """CPU seconds so far of each of the bench cluster's control-plane processes and of the
    bench itself: who competes for the machine's cores during a phase."""
    cpu = {"bench": sum(os.times()[:2])}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            name = (proc / "comm").read_text().strip()
            ours = f"/clusters/{CLUSTER}/".encode() in (proc / "cmdline").read_bytes()
            if name.startswith(COMPONENTS) and ours:  # not the test cluster's, say
                cpu[name] = cpu.get(name, 0.0) + _cpu_seconds(proc)
        except OSError:
            continue  # the process ended while we looked
    return cpu


def _cpu_seconds(proc: Path) -> float:
    """User + system CPU of /proc/PID (fields after the command name, which may hold spaces)."""
    fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_stats(pid: int) -> dict[str, float]:
    status = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    return {
        "cpu_seconds": _cpu_seconds(Path(f"/proc/{pid}")),
        "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
        "peak_rss_mib": int(status["VmHWM"].split()[0]) / 1024,
        "cpu_seconds_by_thread": cpu_by_thread(pid),
    }


def traced_mib(pid: int, folder: Path, number: int, timeout: float = 300.0) -> float:
    """Ask the operator for its `number`th tracemalloc snapshot (bench/memtrace) and
    return the Python memory it holds, in MiB."""
    os.kill(pid, signal.SIGUSR1)
    path = folder / f"snapshot-{number}.pickle"
    wait_for(path.exists, timeout=timeout, interval=0.5, what=f"the operator's {path.name}")
    snapshot = tracemalloc.Snapshot.load(str(path))
    return sum(s.size for s in snapshot.statistics("filename")) / 2**20


def traced_growth(folder: Path, first: int, last: int, lines: int = 10) -> dict:
    """What the operator's Python allocations gained between two snapshots: in all and
    the source lines that gained or lost the most."""
    before = tracemalloc.Snapshot.load(str(folder / f"snapshot-{first}.pickle"))
    after = tracemalloc.Snapshot.load(str(folder / f"snapshot-{last}.pickle"))
    diff = after.compare_to(before, "lineno")
    top = sorted(diff, key=lambda d: -abs(d.size_diff))[:lines]
    return {
        "kib": sum(d.size_diff for d in diff) / 1024,
        "blocks": sum(d.count_diff for d in diff),
        "lines": [
            {
                "where": f"{d.traceback[0].filename}:{d.traceback[0].lineno}",
                "kib": d.size_diff / 1024,
                "blocks": d.count_diff,
            }
            for d in top
        ],
    }


def cpu_by_thread(pid: int) -> dict[str, float]:
    """The operator's CPU by the OS name of its threads (troupe/runtime/osthread.py), numbered
    threads of one pool together; the process's own name is the event loop's thread."""
    cpu: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = re.sub(r"-\d+$", "", (task / "comm").read_text().strip())
            cpu[name] = round(cpu.get(name, 0.0) + _cpu_seconds(task), 2)
        except OSError:
            continue  # the thread ended while we looked
    return dict(sorted(cpu.items(), key=lambda kv: -kv[1]))


def write_verb(key: str) -> bool:
    """Whether an audit count's key ("[controller: ]verb resource[ -> code]") is a write."""
    return key.split(": ")[-1].split()[0] in WRITE_VERBS


def failed_requests(requests: dict[str, int]) -> int:
    """Failed requests on resources; discovery (`get ?`: a group the client probes for,
    such as a gang scheduler's, answers 404 at startup) apart."""
    return sum(n for k, n in requests.items() if " -> " in k and " ? " not in k)


def wait_until_peer_serves(api, peer: Peer, submit, process, timeout: float = 300) -> float:
    """Seconds until a fresh peer creates a first job's pod (its controllers start only
    once its webhook certificate is in place), as wait_until_serving does for Troupe."""
    namespace = f"bench-warmup-{peer.name}-{int(time.time())}"
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    start = time.monotonic()
    submit(namespace, "warmup")
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{peer.name} exited ({process.returncode}); see its log")
        if core.list_namespaced_pod(namespace, label_selector="bench/job=warmup", limit=1).items:
            return time.monotonic() - start
        time.sleep(0.2)
    raise TimeoutError(f"{peer.name} created no pod within {timeout}s")


def run_peer(api, peer: Peer, folder: Path, args) -> dict:
    """One peer's phase, measured as Troupe's: its own process from a fresh start, the same
    jobs, then its requests from the audit log (the Job controller's too, for JobSet)."""
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    peer_process.install(peer, folder, KUBECONFIG, core)

    def submit(namespace: str, name: str) -> None:
        created(
            custom.create_namespaced_custom_object,
            peer.group,
            peer.version,
            namespace,
            peer.plural,
            peer.manifest(name, args.workers),
        )

    log = open(CACHE / f"bench-{peer.name}.log", "w")  # noqa: SIM115 - child owns it
    command = peer_process.command(peer, folder, free_port())
    process = peer_process.start(command, KUBECONFIG, log)
    try:
        cert = peer_process.mount_webhook_certs(core, peer, process)
        ready = wait_until_peer_serves(api, peer, submit, process)
        print(f"{peer.name}: serving after {ready:.1f}s (certificate after {cert:.1f}s)")
        cpu_serving = proc_stats(process.pid)["cpu_seconds"]
        print(f"{peer.name}: {args.jobs} {peer.plural}", flush=True)
        kind = ((peer.group, peer.version, peer.plural), peer.phase)
        result = run_phase(api, peer.name, args.jobs, args.workers, submit, kind=kind)
        result["operator"] = proc_stats(process.pid)
        result["operator"]["cpu_seconds_in_phase"] = result["operator"]["cpu_seconds"] - cpu_serving
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    requests, _ = audit_counts(result["namespace"], peer.key_prefix)
    writes = sum(n for k, n in requests.items() if write_verb(k))
    events = sum(n for k, n in requests.items() if k.split(": ")[-1] == "create events")
    return {
        **result,
        "title": peer.title,
        "version": peer_process.version_of(folder),
        "settings": peer.defaults,
        "command": command[1:],
        "startup_seconds": ready,
        "requests": requests,
        "writes_per_job": writes / args.jobs,
        "writes_per_job_without_events": (writes - events) / args.jobs,
        "writes_per_job_by_client": _writes_by_client(requests, peer.name, args.jobs),
        "failed_requests": failed_requests(requests),
    }


def _writes_by_client(requests: dict[str, int], own: str, jobs: int) -> dict[str, float]:
    by: collections.Counter = collections.Counter()
    for key, n in requests.items():
        if write_verb(key):
            by[key.split(": ")[0] if ": " in key else own] += n
    return {k: n / jobs for k, n in by.items()}


def load_facts() -> dict:
    """How busy the machine was (load averages over 1, 5, 15 min): it is shared."""
    return dict(zip(("load1", "load5", "load15"), os.getloadavg(), strict=True))


def machine_facts() -> dict:
    return {
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "versions": {"kubernetes": os.environ.get("K8S_VERSION", "v1.34.4")},
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WAITS = ("troupe_watch_lag_seconds", "troupe_pass_queue_seconds", "troupe_api_queue_seconds")


def operator_waits(port: int) -> dict[str, dict]:
    """The operator's own wait histograms (watch lag, pass slot, API thread), per label:
    count, mean, and the bucket bounds holding the median and the 99th percentile."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
    waits: dict[str, dict] = {}
    for family in text_string_to_metric_families(text.decode()):
        if family.name not in WAITS:
            continue
        series: dict[str, dict] = collections.defaultdict(lambda: {"buckets": []})
        for sample in family.samples:
            label = ",".join(v for k, v in sorted(sample.labels.items()) if k != "le")
            key = f"{family.name.removeprefix('troupe_').removesuffix('_seconds')} {label}"
            if sample.name.endswith("_bucket"):
                series[key]["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_count"):
                series[key]["count"] = sample.value
            elif sample.name.endswith("_sum"):
                series[key]["sum"] = sample.value
        for key, s in series.items():
            count = s.get("count", 0)
            if not count:
                continue
            waits[key] = {
                "count": int(count),
                "mean": s["sum"] / count,
                "p50_at_most": _bucket_bound(s["buckets"], 0.5 * count),
                "p99_at_most": _bucket_bound(s["buckets"], 0.99 * count),
            }
    return waits


def _bucket_bound(buckets: list[tuple[float, float]], rank: float) -> float:
    """The upper bound of the first cumulative bucket holding `rank` observations."""
    return next(le for le, n in sorted(buckets) if n >= rank)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=7, help="workers per job (plus 1 master)")
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--compare", type=Path, help="an earlier result file")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument(
        "--keep-floor",
        action="store_true",
        help="leave the floor's pods in the cluster while Troupe runs (kopf filters labels "
        "client-side, so the operator then also processes every one of them)",
    )
    parser.add_argument(
        "--flat",
        action="store_true",
        help="workers start with the master (no dependsOn): the floor all at once is then "
        "the job's own order, and the floor in the job's order is not run",
    )
    parser.add_argument(
        "--api-concurrency",
        type=int,
        help="the operator's --api-concurrency (its default if unset)",
    )
    parser.add_argument(
        "--operator-args",
        default="",
        help="more of the operator's flags, as one string (e.g. '--events warnings')",
    )
    parser.add_argument(
        "--waves",
        type=int,
        default=1,
        help="submit the jobs this many times, deleting the last wave's first: the "
        "operator's memory after each wave shows a leak (figures are the first wave's)",
    )
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="trace the operator's Python allocations after each wave (tracemalloc): tells a "
        "leak of Python objects from memory the C allocator keeps. The operator then runs "
        "several times slower and holds the traces too: such a run's times and RSS say "
        "nothing about the operator as shipped",
    )
    parser.add_argument(
        "--profile", type=Path, help="record the operator with py-spy (raw stacks) into this file"
    )
    parser.add_argument(
        "--peers",
        default="",
        help="also run these peers on the same cluster, one phase each, after Troupe's: "
        "kubeflow (Training Operator v1, PyTorchJob), jobset (JobSet + the Job controller); "
        "comma-separated",
    )
    args = parser.parse_args()
    try:
        peers = parse_peers(args.peers)
    except ValueError as exc:
        parser.error(f"--peers: {exc}")
    peer_folders = {p.name: peer_process.build(p) for p in peers}  # before the cluster: ~1 min
    py_spy = Path(sys.executable).with_name("py-spy")  # a dev dependency
    if args.profile and not py_spy.exists():
        parser.error(f"--profile needs {py_spy} (make venv installs it)")

    start_cluster(args.nodes)
    settings = client.Configuration()
    config.load_kube_config(config_file=str(KUBECONFIG), client_configuration=settings)
    settings.connection_pool_maxsize = 32  # one connection per thread: no TLS handshake per call
    api = client.ApiClient(settings)
    api.user_agent = "troupe-bench"
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)

    def create(namespace: str, objs: list[dict]) -> None:
        for obj in objs:
            if obj["kind"] == "Service":
                created(core.create_namespaced_service, namespace, obj)
            else:
                created(core.create_namespaced_pod, namespace, obj)

    def submit_floor(namespace: str, name: str) -> None:
        create(namespace, floor_objects(name, args.workers))

    def submit_master(namespace: str, name: str) -> None:
        create(namespace, floor_objects(name, args.workers, roles=("master",)))

    def submit_workers(namespace: str, name: str) -> None:
        create(namespace, floor_objects(name, args.workers, roles=("worker",)))

    def submit_job(namespace: str, name: str) -> None:
        created(
            custom.create_namespaced_custom_object,
            "troupe.dev",
            "v1alpha1",
            namespace,
            "trainingjobs",
            job_manifest(name, args.workers, not args.flat),
        )

    print(f"floor: {args.jobs} x {args.workers + 1} pods created directly", flush=True)
    floor = run_phase(api, "floor", args.jobs, args.workers, submit_floor)
    if not args.keep_floor:
        floor["cleanup_seconds"] = delete_namespace(core, floor["namespace"])
    ordered = None  # a flat job's own order is the floor's: all at once
    if not args.flat:
        print("floor in the job's order: workers created once their master is Ready", flush=True)
        ordered = run_phase(
            api, "floor-ordered", args.jobs, args.workers, submit_master, submit_workers
        )
        if not args.keep_floor:
            ordered["cleanup_seconds"] = delete_namespace(core, ordered["namespace"])

    log = open(CACHE / "bench-operator.log", "w")  # noqa: SIM115 - child owns it
    metrics_port = free_port()
    operator_env = dict(os.environ, KUBECONFIG=str(KUBECONFIG))
    snapshots = None
    if args.trace_memory:
        snapshots = Path(tempfile.mkdtemp(prefix="troupe-bench-tracemalloc-"))
        operator_env["TROUPE_BENCH_TRACEMALLOC"] = str(snapshots)
        operator_env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(REPO / "bench" / "memtrace"), os.environ.get("PYTHONPATH")])
        )
    operator = subprocess.Popen(
        [sys.executable, "-m", "troupe", "-A", "--liveness", ""]
        + ["--metrics-port", str(metrics_port)]
        + (["--api-concurrency", str(args.api_concurrency)] if args.api_concurrency else [])
        + shlex.split(args.operator_args),
        env=operator_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    profiler = None

    def memory_after_wave(wave: int) -> dict:
        stats = proc_stats(operator.pid)
        if snapshots:
            stats["traced_mib"] = traced_mib(operator.pid, snapshots, wave)
        return stats

    try:
        if args.profile:  # attached, so the figures below stay the operator's own
            profiler = subprocess.Popen(
                [
                    str(py_spy),
                    "record",
                    "--nonblocking",  # never pauses the operator
                    "--gil",  # what holds the interpreter: the operator's own CPU, no waits
                    "--rate",
                    "20",
                    "--pid",
                    str(operator.pid),
                    "--format",
                    "raw",
                    "-o",
                    str(args.profile),
                ],
                stdout=subprocess.DEVNULL,
            )
        troupe_ready = wait_until_serving(api, args.workers)
        print(f"troupe: operator serving after {troupe_ready:.1f}s", flush=True)
        cpu_serving = proc_stats(operator.pid)["cpu_seconds"]
        print(f"troupe: {args.jobs} TrainingJobs", flush=True)
        troupe = run_phase(api, "troupe", args.jobs, args.workers, submit_job)
        troupe["operator_startup_seconds"] = troupe_ready
        troupe["operator"] = proc_stats(operator.pid)
        troupe["operator"]["cpu_seconds_in_phase"] = troupe["operator"]["cpu_seconds"] - cpu_serving
        troupe["operator_waits"] = operator_waits(metrics_port)
        # is memory flat after the jobs end? once a resync pass and the operator's
        # allocator trim (both every 30 s) have run
        time.sleep(IDLE_SECONDS)
        troupe["operator_after_idle"] = memory_after_wave(1)
        troupe["memory_by_wave"] = [troupe["operator_after_idle"]]
        namespace = troupe["namespace"]
        for wave in range(2, args.waves + 1):  # a leak grows from one wave to the next
            print(
                f"troupe: wave {wave}: the last wave's jobs deleted, {args.jobs} more", flush=True
            )
            delete_namespace(core, namespace)
            again = run_phase(api, f"troupe{wave}", args.jobs, args.workers, submit_job)
            time.sleep(IDLE_SECONDS)
            troupe["memory_by_wave"].append(memory_after_wave(wave))
            namespace = again["namespace"]
        if snapshots and args.waves > 1:
            troupe["traced_growth"] = traced_growth(snapshots, 1, args.waves)
            troupe["traced_growth"]["snapshots"] = str(snapshots)  # for a closer look
    finally:
        if profiler:
            profiler.send_signal(2)
            profiler.wait(timeout=60)
        operator.terminate()
        operator.wait(timeout=30)
    requests, status_shapes = audit_counts(
        troupe["namespace"], lambda a: "" if a.startswith(("troupe-operator", "kopf")) else None
    )
    troupe["status_patches_by_fields"] = status_shapes
    writes = sum(n for k, n in requests.items() if k.split()[0] in WRITE_VERBS)
    minimum = args.workers + 1 + 2 + 3  # pods + Services + status Pending, Running, Succeeded
    troupe["requests"] = requests
    troupe["writes_per_job"] = writes / args.jobs
    event_writes = sum(n for k, n in requests.items() if k == "create events")
    troupe["writes_per_job_without_events"] = (writes - event_writes) / args.jobs
    troupe["minimum_writes_per_job"] = minimum
    troupe["failed_requests"] = failed_requests(requests)
    peer_results = {}
    for peer in peers:
        delete_namespace(core, namespace)  # the last phase's pods: every peer watches all pods
        peer_results[peer.name] = run_peer(api, peer, peer_folders[peer.name], args)
        namespace = peer_results[peer.name]["namespace"]

    def ratio(base: dict | None, key: str = "all_pods_created") -> dict:
        if base is None:
            return {}
        return {
            k: troupe[key][k] / base[key][k]
            for k in ("p50", "p95", "p99", "max")
            if base[key].get(k)
        }

    result = {
        **machine_facts(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "floor": floor,
        "floor_ordered": ordered,
        "troupe": troupe,
        "created_ratio_to_floor": ratio(floor),
        "created_ratio_to_floor_ordered": ratio(ordered),
        "created_since_burst_ratio_to_floor": ratio(floor, "all_pods_created_since_burst"),
        "created_since_burst_ratio_to_floor_ordered": ratio(
            ordered, "all_pods_created_since_burst"
        ),
        "peers": peer_results,
        "load": load_facts(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{time.strftime('%Y%m%dT%H%M%S')}-{args.jobs}x{args.workers + 1}.json"
    path.write_text(json.dumps(result, indent=2))
    print_table(result, json.loads(args.compare.read_text()) if args.compare else None)
    if peer_results:
        print_peers(result)
    print(f"\nwritten to {path}")
    return 0


def print_table(result: dict, earlier: dict | None) -> None:
    rows = [
        ("floor: submit -> all pods created", result["floor"]["all_pods_created"]),
        (
            "floor, job's order: -> all created",
            (result.get("floor_ordered") or {}).get("all_pods_created", {}),
        ),
        ("troupe: submit -> all pods created", result["troupe"]["all_pods_created"]),
        (
            "floor: burst start -> all created",
            result["floor"].get("all_pods_created_since_burst", {}),
        ),
        (
            "floor, job's order: burst -> created",
            (result.get("floor_ordered") or {}).get("all_pods_created_since_burst", {}),
        ),
        (
            "troupe: burst start -> all created",
            result["troupe"].get("all_pods_created_since_burst", {}),
        ),
        (
            "troupe: pods running -> job Running",
            result["troupe"].get("pods_ready_to_job_running", {}),
        ),
        (
            "troupe: pods running -> job Succeeded",
            result["troupe"].get("pods_finished_to_job_succeeded", {}),
        ),
    ]
    for phase in ("floor_ordered", "troupe"):  # the controller's steps, scheduler, kwok
        for step in (
            "submit_to_master_created",
            "master_created_to_bound",
            "master_bound_to_started",
            "master_started_to_workers_created",
            "worker_created_to_bound",
            "worker_bound_to_started",
        ):
            if step in (result.get(phase) or {}):
                rows.append((f"{phase}: {step.replace('_', ' ')}", result[phase][step]))
    print(f"\n{'seconds':40} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for label, p in rows:
        print(
            f"{label:40} "
            + " ".join(f"{p.get(k, float('nan')):8.2f}" for k in ("p50", "p95", "p99", "max"))
        )
    t = result["troupe"]
    for key, label in (
        ("created_ratio_to_floor", "floor"),
        ("created_ratio_to_floor_ordered", "floor in the job's order"),
        ("created_since_burst_ratio_to_floor", "floor, from the burst's start"),
        (
            "created_since_burst_ratio_to_floor_ordered",
            "floor in the job's order, from the burst's start",
        ),
    ):
        if not result.get(key):
            continue
        print(
            f"\nratio to {label} (all pods created): "
            + ", ".join(f"{k} {v:.2f}x" for k, v in result.get(key, {}).items())
        )
    print(
        f"wall: floor {result['floor']['wall_seconds']:.1f}s, troupe {t['wall_seconds']:.1f}s "
        f"({t['jobs_per_second']:.1f} jobs/s)"
    )
    print(
        f"writes per job: {t['writes_per_job']:.1f}, without Events "
        f"{t['writes_per_job_without_events']:.1f} (minimum {t['minimum_writes_per_job']})"
    )
    print(
        f"operator: ready {t.get('operator_startup_seconds', float('nan')):.1f}s after start, "
        f"{t['operator']['cpu_seconds']:.1f} CPU s, peak RSS "
        f"{t['operator']['peak_rss_mib']:.0f} MiB, RSS after idle "
        f"{t['operator_after_idle']['rss_mib']:.0f} MiB"
    )
    threads = t["operator"].get("cpu_seconds_by_thread", {})
    print("operator CPU s by thread: " + ", ".join(f"{k} {v:.1f}" for k, v in threads.items()))
    if len(t.get("memory_by_wave", [])) > 1:
        print(
            "operator RSS after each wave (peak): "
            + ", ".join(
                f"{m['rss_mib']:.0f} ({m['peak_rss_mib']:.0f})" for m in t["memory_by_wave"]
            )
            + " MiB"
        )
    if "traced_growth" in t:
        growth = t["traced_growth"]
        print(
            "operator Python memory (tracemalloc) after each wave: "
            + ", ".join(f"{m['traced_mib']:.1f}" for m in t["memory_by_wave"])
            + f" MiB; last against first {growth['kib']:+.0f} KiB in {growth['blocks']:+d} "
            f"blocks, by line (snapshots in {growth['snapshots']}):"
        )
        for line in growth["lines"]:
            print(f"  {line['kib']:+9.1f} KiB {line['blocks']:+7d}  {line['where']}")
    print("where the operator's steps waited (seconds; p50/p99: the histogram bucket's bound):")
    for key, w in t.get("operator_waits", {}).items():
        print(
            f"  {key:28} mean {w['mean']:7.2f}  p50 <= {w['p50_at_most']:<6g} "
            f"p99 <= {w['p99_at_most']:<6g} ({w['count']} observed)"
        )
    print("CPU seconds during each phase (who shares the cores):")
    for phase in ("floor", "floor_ordered", "troupe"):
        cpu = (result.get(phase) or {}).get("cpu_seconds", {})
        print(f"  {phase:14} " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items())))
    print("writes per job by every client (the cluster's side of a job, deletes apart):")
    for phase in ("floor", "floor_ordered", "troupe"):
        writes = (result.get(phase) or {}).get("cluster_writes_per_job", {})
        total = sum(writes.values())
        print(f"  {phase:14} {total:5.1f}: " + ", ".join(f"{a} {n:g}" for a, n in writes.items()))
    print("requests by the operator:")
    for key, n in t["requests"].items():
        print(f"  {n:7d}  {key}")
    print("job status patches by the fields they changed:")
    for key, n in t.get("status_patches_by_fields", {}).items():
        print(f"  {n:7d}  {key}")
    if earlier:
        print("\nchange against the earlier result (troupe, all pods created):")
        for k in ("p50", "p95", "p99", "max"):
            a = earlier["troupe"]["all_pods_created"].get(k)
            b = t["all_pods_created"].get(k)
            if a and b:
                print(f"  {k}: {a:.2f}s -> {b:.2f}s ({(b - a) / a:+.0%})")
        a, b = earlier["troupe"]["writes_per_job"], t["writes_per_job"]
        print(f"  writes per job: {a:.1f} -> {b:.1f}")


def print_peers(result: dict) -> None:
    """Every system side by side, Troupe's ratio to each peer, then each peer's own lines."""
    systems = {"troupe": result["troupe"], **result["peers"]}
    print("\nside by side (seconds unless named; T/x: Troupe's figure over the peer's):")
    print(format_table(side_by_side(systems)))
    for name, peer in result["peers"].items():
        print(f"\n{name}: {peer['title']} {peer['version']}, settings {peer['settings']}")
        print(f"  command: {' '.join(peer['command'])}")
        print(
            "  writes per job by client: "
            + ", ".join(f"{k} {v:.1f}" for k, v in peer["writes_per_job_by_client"].items())
        )
        cpu = peer.get("cpu_seconds", {})
        print("  CPU s in the phase: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cpu.items())))
        writes = peer.get("cluster_writes_per_job", {})
        print(
            f"  writes per job by every client ({sum(writes.values()):.1f}): "
            + ", ".join(f"{a} {n:g}" for a, n in writes.items())
        )
        print("  requests:")
        for key, n in peer["requests"].items():
            print(f"  {n:7d}  {key}")
    print(f"\nmachine load at the end: {result['load']}")


if __name__ == "__main__":
    sys.exit(main())
