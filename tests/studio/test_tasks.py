"""Tasks through real HTTP and a real database: references pinned and held, bad input named."""

from __future__ import annotations

CSV = b"x,y\n1,2\n3,4\n"
TRAIN = b"print('training')\n"


def seed(api):
    for kind, name, filename, body in (
        ("datasets", "points", "points.csv", CSV),
        ("datasets", "points", "points.csv", CSV + b"5,6\n"),
        ("algorithms", "fit", "train.py", TRAIN),
    ):
        r = api.post(f"/{kind}/{name}/versions", params={"filename": filename}, content=body)
        assert r.status_code == 201, r.text


def task(name="fit", **over):
    body = {
        "name": name,
        "description": "a small fit",
        "framework": "pytorch",
        "roles": [{"name": "master", "cpu": "500m", "memory": "512Mi"}],
        "hyperparameters": {"lr": 0.1, "epochs": 3},
        "references": {"dataset": {"name": "points"}, "algorithm": {"name": "fit", "version": 1}},
    }
    return body | over


def test_a_task_pins_its_references_and_holds_those_versions(api):
    seed(api)
    r = api.post("/tasks", json=task())
    assert r.status_code == 201, r.text
    got = api.get("/tasks/fit").json()
    assert got["spec"]["references"]["dataset"] == {"name": "points", "version": 2}
    assert got["runs"] == 0 and got["description"] == "a small fit"
    assert [t["name"] for t in api.get("/tasks").json()] == ["fit"]
    held = api.delete("/datasets/points/versions/2")
    assert held.status_code == 409 and "task:default/fit" in held.json()["detail"]
    assert api.delete("/datasets/points/versions/1").status_code == 204  # not used

    moved = api.put("/tasks/fit", json=task(references={
        "dataset": {"name": "points", "version": 2}, "algorithm": {"name": "fit"}}))  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert api.delete("/algorithms/fit").status_code == 409
    assert api.delete("/tasks/fit").status_code == 204
    assert api.get("/tasks/fit").status_code == 404
    assert api.delete("/datasets/points/versions/2").status_code == 204  # released


def test_bad_tasks_are_refused_naming_the_field_and_nothing_is_saved(api):
    seed(api)
    cases = [
        (task(references={"dataset": {"name": "nope"}, "algorithm": {"name": "fit"}}),
         ["body", "references.dataset"]),
        (task(references={"dataset": {"name": "points", "version": 9},
                          "algorithm": {"name": "fit"}}), ["body", "references.dataset"]),
        (task(hyperparameters={"bad name": 1}), ["body", "hyperparameters"]),
        (task(roles=[]), ["body", "roles"]),
        (task(roles=[{"name": "Master"}]), ["body", "roles", 0, "name"]),
        (task(name="Fit_1"), ["body", "name"]),
        (task(framework="caffe"), ["body", "framework"]),
        (task(extra=1), ["body", "extra"]),
    ]  # fmt: skip
    for body, loc in cases:
        r = api.post("/tasks", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"][0]["loc"] == loc, r.text
    assert api.get("/tasks").json() == []
    assert api.delete("/datasets/points").status_code == 204  # nothing holds it


def test_a_task_name_is_taken_once_per_project(api, service):
    seed(api)
    assert api.post("/tasks", json=task()).status_code == 201
    again = api.post("/tasks", json=task())
    assert again.status_code == 409 and "fit" in again.json()["detail"]
    elsewhere = service.root.post("/projects/other/tasks", json=task())
    assert elsewhere.status_code == 422  # their project has no such dataset
    assert elsewhere.json()["detail"][0]["loc"] == ["body", "references.dataset"]


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:%d"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
"""


def test_an_unreachable_cluster_is_503_and_leaves_nothing(settings, tmp_path):
    """Without the API server nobody can be authorized: every project route is 503, none writes."""
    from servers import Service, free_port

    from troupe_studio.app import create_app

    config = tmp_path / "kubeconfig"
    config.write_text(KUBECONFIG % free_port())
    down = settings.__class__(**{**settings.__dict__, "kubeconfig": str(config)})
    svc = Service(create_app(down)).start()
    try:
        for r in (
            svc.http.post("/tasks", json=task()),
            svc.http.get("/tasks"),
            svc.http.post("/tasks/fit/runs"),
        ):
            assert r.status_code == 503, r.text
            assert "Kubernetes API unreachable" in r.json()["detail"]
    finally:
        svc.stop()
    up = Service(create_app(settings)).start()
    try:
        assert up.http.get("/tasks").json() == []
    finally:
        up.stop()
