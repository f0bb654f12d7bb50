"""The peers `make bench --peers` runs beside Troupe: what each is, the job it is given and
how its status reads. Plain data and pure functions; bench/peer_process.py starts them.

The workload is the bench's: 1 master + N workers of the same container, workers waiting for
the master as far as each peer can say so.
  kubeflow  Training Operator v1, PyTorchJob (Master 1, Worker N). v1 has no way to order
            pod creation: the controller creates every pod at once. Its only wait is an init
            container it adds to each worker that loops `nslookup <master Service>`, so a
            worker's main container starts once the master's name resolves; on kwok nodes
            no container runs, so that wait costs nothing here.
  jobset    JobSet of two replicated Jobs (master: 1 pod; worker: N pods) with the workers'
            `dependsOn: [{name: master, status: Ready}]`: the worker Job is created once the
            master Job counts its pod Ready. Pods come from kube-controller-manager's Job
            controller, whose writes are counted as the peer's too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTAINER = {
    "image": "busybox:1.36",
    "command": ["sleep", "1"],
    "resources": {"requests": {"cpu": "10m"}},
}


def _pod_template(job: str, container_name: str, **spec) -> dict:
    return {
        "metadata": {"labels": {"bench/job": job}},
        "spec": {"containers": [{"name": container_name, **CONTAINER}], **spec},
    }


def pytorchjob_manifest(name: str, workers: int) -> dict:
    """A PyTorchJob of the bench's shape; `pytorch` is the container the operator watches."""

    def replica(count: int) -> dict:
        return {"replicas": count, "template": _pod_template(name, "pytorch")}

    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": name},
        "spec": {
            "runPolicy": {"cleanPodPolicy": "None"},
            "pytorchReplicaSpecs": {"Master": replica(1), "Worker": replica(workers)},
        },
    }


def jobset_manifest(name: str, workers: int) -> dict:
    """A JobSet of the bench's shape, with the fields its defaulting webhook would add
    written out: the bench runs JobSet without webhooks, as they need certificates."""

    def replicated(role: str, pods: int, **extra) -> dict:
        return {
            "name": role,
            "replicas": 1,
            "template": {
                "spec": {
                    "parallelism": pods,
                    "completions": pods,
                    "backoffLimit": 0,
                    "completionMode": "Indexed",
                    "template": _pod_template(name, "main", restartPolicy="OnFailure"),
                }
            },
            **extra,
        }

    return {
        "apiVersion": "jobset.x-k8s.io/v1alpha2",
        "kind": "JobSet",
        "metadata": {"name": name},
        "spec": {
            "successPolicy": {"operator": "All"},
            "startupPolicy": {"startupPolicyOrder": "AnyOrder"},
            "network": {"enableDNSHostnames": True, "publishNotReadyAddresses": True},
            "replicatedJobs": [
                replicated("master", 1),
                replicated("worker", workers, dependsOn=[{"name": "master", "status": "Ready"}]),
            ],
        },
    }


def _true_conditions(status: dict) -> set[str]:
    return {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}


def pytorchjob_phase(obj: dict) -> str | None:
    """Succeeded/Failed/Running from the job's conditions (Running: the master pod runs;
    v1 has no condition for all pods running), Created before that."""
    true = _true_conditions(obj.get("status") or {})
    for phase in ("Succeeded", "Failed", "Running", "Created"):
        if phase in true:
            return phase
    return None


def jobset_phase(obj: dict) -> str | None:
    """Succeeded/Failed from the JobSet's conditions; Running once every replicated Job of
    the spec counts all its Jobs ready (JobSet has no Running condition of its own)."""
    status = obj.get("status") or {}
    true = _true_conditions(status)
    if "Completed" in true:
        return "Succeeded"
    if "Failed" in true:
        return "Failed"
    wanted = {
        r["name"]: r.get("replicas", 1) for r in (obj.get("spec") or {}).get("replicatedJobs", [])
    }
    ready = {r.get("name"): r.get("ready", 0) for r in status.get("replicatedJobsStatus") or []}
    if wanted and all(ready.get(n, 0) >= count for n, count in wanted.items()):
        return "Running"
    return "Pending" if status else None


def troupe_phase(obj: dict) -> str | None:
    return (obj.get("status") or {}).get("phase")


@dataclass(frozen=True)
class Peer:
    """One peer: its build target, its resource, how to submit and read a job, and which
    API clients' requests are its own (audit log user agents)."""

    name: str
    title: str
    group: str
    version: str
    plural: str
    manifest: object  # (name, workers) -> dict
    phase: object  # (object) -> str | None
    agents: tuple[str, ...]  # user agent prefixes of the peer's own process
    agent_suffixes: tuple[str, ...] = ()  # other clients doing its work (the Job controller)
    namespace: str = ""  # where its cert rotator keeps the webhook Secret
    webhook_secret: str = ""
    defaults: dict = field(default_factory=dict)  # its client settings, as shipped

    def key_prefix(self, agent: str) -> str | None:
        """How the bench labels a request of this user agent: "" for the peer's own
        process, "<controller>: " for a kube-controller-manager controller doing its work,
        None for anyone else's."""
        if agent.startswith(self.agents):
            return ""
        last = agent.rsplit("/", 1)[-1]
        if agent.startswith("kube-controller-manager/") and f"/{last}" in self.agent_suffixes:
            return f"{last}: "
        return None


PEERS = {
    "kubeflow": Peer(
        name="kubeflow",
        title="Kubeflow Training Operator v1 (PyTorchJob)",
        group="kubeflow.org",
        version="v1",
        plural="pytorchjobs",
        manifest=pytorchjob_manifest,
        phase=pytorchjob_phase,
        agents=("training-operator/",),
        namespace="kubeflow",  # its default without MY_POD_NAMESPACE
        webhook_secret="training-operator-webhook-cert",
        defaults={"kube_api_qps": 20, "kube_api_burst": 30, "controller_threads": 1},
    ),
    "jobset": Peer(
        name="jobset",
        title="JobSet (+ the Job controller)",
        group="jobset.x-k8s.io",
        version="v1alpha2",
        plural="jobsets",
        manifest=jobset_manifest,
        phase=jobset_phase,
        agents=("jobset/",),
        agent_suffixes=("/job-controller",),
        namespace="jobset-system",
        webhook_secret="jobset-webhook-server-cert",
        defaults={
            "kube_api_qps": 500,
            "kube_api_burst": 500,
            "jobset_reconcilers": 1,  # controller-runtime's default: no MaxConcurrentReconciles
            "job_controller": "kube-controller-manager's, --concurrent-job-syncs default 5",
        },
    ),
}


def parse_peers(text: str) -> list[Peer]:
    """`kubeflow,jobset` -> the peers, in order; an unknown name is an error naming it."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in PEERS]
    if unknown:
        raise ValueError(f"unknown peer {', '.join(unknown)}: choose from {', '.join(PEERS)}")
    return [PEERS[n] for n in dict.fromkeys(names)]
