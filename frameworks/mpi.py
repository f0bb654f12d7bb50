"""MPI: a launcher that runs mpirun over ssh against workers that run sshd.

Before any pod: a ConfigMap `<job>-mpi` whose `hostfile` lists `<worker host> slots=N`,
and a Secret `<job>-mpi-ssh` holding a fresh ed25519 key pair, which an init container
copies into every pod's private /root/.ssh (id_ed25519, id_ed25519.pub, authorized_keys;
0700, an in-memory emptyDir): sshd refuses the Secret volume's own world-writable dir.
The launcher gets the hostfile at /etc/mpi/hostfile and the variables that point Open MPI
4/5, MPICH and Intel MPI at it. N is the worker template's
`mpi.troupe.dev/slots-per-worker` annotation, else its GPU limit, else its whole CPU
limit, else 1. Workers are Ready when sshd accepts connections (a TCP probe
on 22 unless the template has a readiness probe); the launcher starts only after every
worker is Ready, and the job succeeds when the launcher does.

The key pair is random, so the Secret must be created once and never updated; repeated
reconciles of one job get the same pair while the operator runs.
"""

from __future__ import annotations

import copy
from functools import lru_cache

from troupe.api.spec import JobStatusPolicy, TrainingJobSpec
from troupe.core.framework import InstanceContext, JobContext
from troupe_frameworks import _common
from troupe_frameworks._common import RoleDefaults

SLOTS_ANNOTATION = "mpi.troupe.dev/slots-per-worker"
HOSTFILE_DIR = "/etc/mpi"
HOSTFILE = f"{HOSTFILE_DIR}/hostfile"
SSH_DIR = "/root/.ssh"
SSH_PORT = 22
SSH_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectionAttempts=10"
CONFIG_VOLUME, SSH_VOLUME, SSH_HOME_VOLUME = "mpi-hostfile", "mpi-ssh", "mpi-ssh-home"
SSH_SECRET_DIR = "/etc/mpi-ssh"
# sshd refuses keys in a world-writable directory (StrictModes), and the kubelet mounts a
# Secret volume as a sticky 1777 tmpfs: the keys are copied into a private /root/.ssh.
SSH_SETUP = (
    f"cp -L {SSH_SECRET_DIR}/id_ed25519 {SSH_SECRET_DIR}/id_ed25519.pub "
    f"{SSH_SECRET_DIR}/authorized_keys {SSH_DIR}/ && chmod 700 {SSH_DIR} && chmod 600 {SSH_DIR}/*"
)


def config_map_name(job: str) -> str:
    return f"{job}-mpi"


def ssh_secret_name(job: str) -> str:
    return f"{job}-mpi-ssh"


class MPI(_common.KnownRoles):
    name = "mpi"
    container = "mpi"
    roles = {
        "launcher": RoleDefaults(max_replicas=1, depends_on=(("worker", "Ready"),)),
        "worker": RoleDefaults(),
    }
    required_roles = (("launcher",), ("worker",))

    def default_status_policy(self, spec: TrainingJobSpec) -> JobStatusPolicy:
        return _common.succeeds_with(spec, "launcher")

    def slots(self, spec: TrainingJobSpec) -> int:
        worker = spec.role("worker")
        stated = ((worker.template.get("metadata") or {}).get("annotations") or {}).get(
            SLOTS_ANNOTATION
        )
        if stated is not None and str(stated).isdigit():
            return int(stated)
        return (
            _common.resource_count(spec, "worker", self.container, _common.GPU_RESOURCE)
            or _common.resource_count(spec, "worker", self.container, "cpu")
            or 1
        )

    def hostfile(self, job: JobContext) -> str:
        slots = self.slots(job.spec)
        return "".join(f"{host} slots={slots}\n" for host in job.hosts.get("worker", []))

    def extra_objects(self, ctx: JobContext) -> list[dict]:
        private, public = ssh_key_pair(ctx.uid, ctx.name)
        return [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": config_map_name(ctx.name)},
                "data": {"hostfile": self.hostfile(ctx)},
            },
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": ssh_secret_name(ctx.name)},
                "type": "kubernetes.io/ssh-auth",
                "stringData": {
                    "ssh-privatekey": private,
                    "ssh-publickey": public,
                    "authorized_keys": public,
                },
            },
        ]

    def instance_env(self, ctx: InstanceContext) -> dict[str, str]:
        if ctx.role != "launcher":
            return {}
        return {
            "OMPI_MCA_orte_default_hostfile": HOSTFILE,  # Open MPI 4
            "OMPI_MCA_orte_keep_fqdn_hostnames": "true",
            "OMPI_MCA_plm_rsh_args": SSH_ARGS,
            "PRTE_MCA_prte_default_hostfile": HOSTFILE,  # Open MPI 5 (PRRTE)
            "PRTE_MCA_prte_keep_fqdn_hostnames": "1",
            "PRTE_MCA_plm_ssh_args": SSH_ARGS,
            "HYDRA_HOST_FILE": HOSTFILE,  # MPICH
            "I_MPI_HYDRA_HOST_FILE": HOSTFILE,  # Intel MPI
        }

    def adjust_pod(self, ctx: InstanceContext, pod: dict) -> dict:
        pod = copy.deepcopy(pod)
        spec = pod.setdefault("spec", {})
        volumes = spec.setdefault("volumes", [])
        volumes.append(
            {
                "name": SSH_VOLUME,
                "secret": {
                    "secretName": ssh_secret_name(ctx.job.name),
                    "defaultMode": 0o600,
                    "items": [
                        {"key": "ssh-privatekey", "path": "id_ed25519"},
                        {"key": "ssh-publickey", "path": "id_ed25519.pub"},
                        {"key": "authorized_keys", "path": "authorized_keys"},
                    ],
                },
            }
        )
        volumes.append({"name": SSH_HOME_VOLUME, "emptyDir": {"medium": "Memory"}})
        mounts = [{"name": SSH_HOME_VOLUME, "mountPath": SSH_DIR}]
        if ctx.role == "launcher":
            volumes.append(
                {"name": CONFIG_VOLUME, "configMap": {"name": config_map_name(ctx.job.name)}}
            )
            mounts.append({"name": CONFIG_VOLUME, "mountPath": HOSTFILE_DIR, "readOnly": True})
        for container in spec.get("containers") or []:
            container.setdefault("volumeMounts", []).extend(copy.deepcopy(mounts))
        main = _common.main_container(spec, self.container)
        if main is not None:
            spec.setdefault("initContainers", []).insert(0, ssh_setup(main))
        if ctx.role == "worker" and main is not None and "readinessProbe" not in main:
            main["readinessProbe"] = {"tcpSocket": {"port": SSH_PORT}, "periodSeconds": 2}
        return pod


def ssh_setup(main: dict) -> dict:
    """The init container that gives the pod its private /root/.ssh, in the main image
    (any image that runs sshd or mpirun has a shell)."""
    return {
        "name": "mpi-ssh-setup",
        "image": main.get("image", ""),
        "command": ["sh", "-c", SSH_SETUP],
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
        "volumeMounts": [
            {"name": SSH_VOLUME, "mountPath": SSH_SECRET_DIR, "readOnly": True},
            {"name": SSH_HOME_VOLUME, "mountPath": SSH_DIR},
        ],
    }


@lru_cache(maxsize=1024)
def ssh_key_pair(job_uid: str, job_name: str) -> tuple[str, str]:
    """(OpenSSH private key, `ssh-ed25519 ... troupe/<job>` public line), one per job UID."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} troupe/{job_name}\n"
