"""Helpers of the browser tests whose runs are on the local cluster's kwok nodes (pods, no
containers: nothing is pulled; tests/support/logs.py gives them logs), with conftest's
kwok_namespace and kwok_studio."""

from __future__ import annotations

SMALL = {"cpu": "100m", "memory": "64Mi"}


def make_task(api, name: str, **spec) -> dict:
    """A generic task of one small worker over a tiny dataset and algorithm (uploaded once per
    project); `spec` overrides its fields. Returns what the service stored."""
    if api.get("/datasets/pts").status_code == 404:
        api.post(
            "/datasets/pts/versions", params={"filename": "pts.csv"}, content=b"x,y\n1,2\n"
        ).raise_for_status()
        api.post(
            "/algorithms/fit/versions", params={"filename": "train.py", "framework": "generic"},
            content=b"print('fit')\n",
        ).raise_for_status()  # fmt: skip
    task = {
        "name": name,
        "framework": "generic",
        "roles": [{"name": "worker", **SMALL}],
        "command": ["python3", "train.py"],
        "references": {"dataset": {"name": "pts"}, "algorithm": {"name": "fit"}},
        **spec,
    }
    made = api.post("/tasks", json=task)
    assert made.status_code == 201, made.text
    return made.json()


def run_pods(core, namespace: str, run: str) -> list:
    """The run's pods as the API server has them now."""
    return core.list_namespaced_pod(namespace, label_selector=f"troupe.dev/job-name={run}").items
