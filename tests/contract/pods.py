"""Run a job's instances as local processes, each in its own network namespace, like pods.

Every instance gets a network namespace on a private bridge (inside a "switch" namespace,
so the machine's own network is untouched), an /etc/hosts (via /etc/netns/<ns>/hosts)
that resolves every rendered DNS host, and its own UTS namespace whose hostname is the pod
name, as a pod's is. The process sees exactly the env Troupe renders for that pod
(render.render_pod), with `status.podIP` filled in as the kubelet would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from troupe.api.spec import parse_spec
from troupe.core import naming, render
from troupe.core.framework import InstanceContext, JobContext, apply_defaults, get_framework

SUBNET = "10.213.{net}.{host}"


@dataclass
class Pod:
    role: str
    index: int
    name: str
    host: str
    ip: str
    netns: str
    env: dict[str, str]
    manifest: dict
    process: subprocess.Popen | None = None
    output: str = ""


@dataclass
class LocalCluster:
    """The pods of one job, with their namespaces; `close()` removes every trace."""

    job: JobContext
    pods: list[Pod]
    switch: str
    extra_objects: list[dict] = field(default_factory=list)

    def pod(self, role: str, index: int) -> Pod:
        return next(p for p in self.pods if (p.role, p.index) == (role, index))

    def start(
        self,
        pod: Pod,
        argv: list[str],
        extra_env: dict[str, str] | None = None,
        mounts: dict[str, str] | None = None,
    ) -> None:
        """Run argv inside the pod's namespaces with the rendered env (plus PATH etc.).

        `mounts` maps a path inside the pod to a local directory bind-mounted there (the
        pod's Secret and ConfigMap volumes), in a mount namespace of the pod's own."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            **pod.env,
            **(extra_env or {}),
        }
        binds = "".join(
            f"mkdir -p {target} && mount --bind {source} {target} && "
            for target, source in (mounts or {}).items()
        )
        wrapped = [
            "ip", "netns", "exec", pod.netns,
            "unshare", "--uts", "--mount", "--propagation", "private", "--",
            "sh", "-c", binds + 'hostname "$0" && exec "$@"', pod.name, *argv,
        ]  # fmt: skip
        pod.process = subprocess.Popen(
            wrapped, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def run(self, pod: Pod, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run to completion inside the pod's namespaces (helpers, not the workload)."""
        return subprocess.run(
            ["ip", "netns", "exec", pod.netns, *argv],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def wait_all(self, timeout: float) -> dict[str, int]:
        """Exit code of every started pod; kills them all at the deadline."""
        deadline = time.monotonic() + timeout
        codes = {}
        for pod in self.pods:
            if pod.process is None:
                continue
            try:
                out, _ = pod.process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
                pod.output = out
                codes[pod.name] = pod.process.returncode
            except subprocess.TimeoutExpired:
                self.kill()
                codes[pod.name] = -9
        return codes

    def logs(self) -> str:
        return "\n".join(f"----- {p.name}\n{p.output[-3000:]}" for p in self.pods)

    def kill(self) -> None:
        for pod in self.pods:
            if pod.process and pod.process.poll() is None:
                pod.process.kill()
                pod.output = pod.process.communicate()[0] or ""

    def close(self) -> None:
        self.kill()
        for pod in self.pods:
            _quiet(["ip", "netns", "delete", pod.netns])
            shutil.rmtree(f"/etc/netns/{pod.netns}", ignore_errors=True)
        _quiet(["ip", "netns", "delete", self.switch])


def job_from_manifest(manifest: dict, uid: str | None = None) -> JobContext:
    """The JobContext the planner builds for a TrainingJob manifest (defaults applied)."""
    framework = get_framework(manifest["spec"].get("framework", "generic"))
    spec = apply_defaults(parse_spec(manifest["spec"]), framework)
    name, namespace = manifest["metadata"]["name"], manifest["metadata"].get("namespace", "default")
    return JobContext(
        name=name,
        namespace=namespace,
        uid=uid or str(uuid.uuid4()),
        spec=spec,
        hosts=naming.role_hosts(name, namespace, spec),
    )


def local_cluster(job: JobContext, net: int = 0) -> LocalCluster:
    """Namespaces, addresses and rendered env for every instance of the job."""
    framework = get_framework(job.spec.framework)
    tag = uuid.uuid4().hex[:6]
    switch = f"trsw-{tag}"
    _ip("netns", "add", switch)
    _ip("-n", switch, "link", "add", "br0", "type", "bridge")
    _ip("-n", switch, "link", "set", "br0", "up")
    pods: list[Pod] = []
    instances = [(r, i) for r in job.hosts for i in range(len(job.hosts[r]))]
    for n, (role, index) in enumerate(instances, start=1):
        netns = f"trp-{tag}-{n}"
        ip = SUBNET.format(net=net, host=n)
        pods.append(
            Pod(role, index, naming.pod_name(job.name, role, index), job.hosts[role][index],
                ip, netns, {}, {})
        )  # fmt: skip
        _ip("netns", "add", netns)
        _ip("link", "add", f"v{tag}{n}", "netns", netns, "type", "veth",
            "peer", "name", f"s{n}", "netns", switch)  # fmt: skip
        _ip("-n", switch, "link", "set", f"s{n}", "master", "br0", "up")
        _ip("-n", netns, "link", "set", f"v{tag}{n}", "name", "eth0")
        _ip("-n", netns, "addr", "add", f"{ip}/24", "dev", "eth0")
        _ip("-n", netns, "link", "set", "eth0", "up")
        _ip("-n", netns, "link", "set", "lo", "up")
    hosts = "127.0.0.1 localhost\n" + "".join(f"{p.ip} {p.host} {p.name}\n" for p in pods)
    for pod in pods:
        etc = Path(f"/etc/netns/{pod.netns}")
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(hosts)
        ctx = InstanceContext(job, pod.role, pod.index)
        pod.manifest = render.render_pod(ctx, framework)
        pod.env = container_env(pod.manifest, pod.ip)
    cluster = LocalCluster(job, pods, switch)
    cluster.extra_objects = render.render_extra_objects(job, framework)
    return cluster


def container_env(pod: dict, pod_ip: str) -> dict[str, str]:
    """The first container's env as the kubelet resolves it (only status.podIP refs)."""
    env = {}
    for entry in pod["spec"]["containers"][0].get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif entry.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.podIP":
            env[entry["name"]] = pod_ip
        else:
            raise AssertionError(f"contract harness cannot resolve env {entry}")
    return env


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def _quiet(argv: list[str]) -> None:
    subprocess.run(argv, capture_output=True)
