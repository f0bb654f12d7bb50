"""Uploads, listings, downloads and deletes of every kind, through real HTTP, S3 and a database."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile

import pytest

CSV = b"a,b,label\n1,2,x\n3,4,y\n5,6,x\n"
MLP = {
    "format": "troupe.graph/v1",
    "name": "mlp",
    "inputs": [{"name": "x", "shape": [None, 4]}],
    "nodes": [
        {"id": "fc1", "layer": "Linear", "params": {"in_features": 4, "out_features": 8}},
        {"id": "act", "layer": "ReLU", "params": {}},
        {"id": "fc2", "layer": "Linear", "params": {"in_features": 8, "out_features": 3}},
    ],
    "edges": [
        {"from": "x", "to": "fc1"},
        {"from": "fc1", "to": "act"},
        {"from": "act", "to": "fc2"},
    ],
    "outputs": ["fc2"],
}


def upload(api, kind, name, filename, body, **params):
    return api.post(
        f"/{kind}/{name}/versions", params={"filename": filename, **params}, content=body
    )


def test_dataset_versions_count_up_and_carry_their_metadata(api):
    first = upload(api, "datasets", "iris", "iris.csv", CSV, description="flowers")
    assert first.status_code == 201, first.text
    second = upload(api, "datasets", "iris", "iris.csv", CSV + b"7,8,y\n")
    assert second.status_code == 201
    v1, v2 = first.json(), second.json()
    assert (v1["number"], v2["number"]) == (1, 2)
    assert v1["sha256"] == hashlib.sha256(CSV).hexdigest() and v1["size"] == len(CSV)
    assert v1["metadata"]["format"] == "csv"
    assert v1["metadata"]["rows"] == 3 and v2["metadata"]["rows"] == 4
    assert [c["name"] for c in v1["metadata"]["columns"]] == ["a", "b", "label"]
    assert v1["uri"].startswith("s3://") and v1["uri"].endswith("/iris.csv")

    listed = api.get("/datasets").json()
    assert [(a["name"], a["version_count"], a["latest"]["number"]) for a in listed] == [
        ("iris", 2, 2)
    ]
    detail = api.get("/datasets/iris").json()
    assert detail["description"] == "flowers"
    assert [v["number"] for v in detail["versions"]] == [1, 2]
    assert api.get("/datasets/iris/versions/1").json()["sha256"] == v1["sha256"]
    assert api.get("/models").json() == []


def test_download_streams_the_file_and_honours_ranges(api):
    body = bytes(range(256)) * 100
    upload(api, "datasets", "blob", "blob.npy", body)
    whole = api.get("/datasets/blob/versions/1/file")
    assert whole.status_code == 200 and whole.content == body
    assert whole.headers["accept-ranges"] == "bytes"
    part = api.get("/datasets/blob/versions/1/file", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == body[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(body)}"
    tail = api.get("/datasets/blob/versions/1/file", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == body[-5:]
    rest = api.get("/datasets/blob/versions/1/file", headers={"Range": f"bytes={len(body) - 3}-"})
    assert rest.content == body[-3:]
    beyond = api.get("/datasets/blob/versions/1/file", headers={"Range": f"bytes={len(body)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(body)}"


def test_delete_version_then_artifact_removes_rows_and_objects(api, service):
    upload(api, "datasets", "gone", "gone.csv", CSV)
    upload(api, "datasets", "gone", "gone.csv", CSV)
    assert api.delete("/datasets/gone/versions/1").status_code == 204
    assert api.get("/datasets/gone/versions/1").status_code == 404
    assert upload(api, "datasets", "gone", "gone.csv", CSV).json()["number"] == 3
    assert api.delete("/datasets/gone").status_code == 204
    assert api.get("/datasets/gone").status_code == 404
    assert api.get("/datasets").json() == []
    store = service.app.state.store
    assert list(store.listing("artifacts/")) == []


def test_algorithm_single_file_and_packages(api):
    code = b"print('train')\n"
    v = upload(api, "algorithms", "mnist", "train.py", code, framework="pytorch",
               requirements=["torch>=2", "numpy"]).json()  # fmt: skip
    assert v["metadata"] == {"size": len(code), "entry_point": "train.py", "framework": "pytorch",
                             "requirements": ["torch>=2", "numpy"], "files": 1}  # fmt: skip

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("pkg/model.py", "X = 1\n")
        z.writestr("main.py", "import pkg.model\n")
        z.writestr("requirements.txt", "xgboost==2.1  # pinned\n\n")
    v = upload(api, "algorithms", "pkg", "code.zip", buf.getvalue(), framework="xgboost").json()
    assert v["metadata"]["entry_point"] == "main.py"
    assert v["metadata"]["requirements"] == ["xgboost==2.1"]

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        data = b"print(1)\n"
        info = tarfile.TarInfo("run/job.py")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    r = upload(api, "algorithms", "tgz", "code.tar.gz", buf.getvalue())
    assert r.status_code == 422 and "entry_point" in r.text
    r = upload(api, "algorithms", "tgz", "code.tar.gz", buf.getvalue(), entry_point="run/job.py")
    assert r.status_code == 201 and r.json()["metadata"]["entry_point"] == "run/job.py"


def test_an_archive_that_escapes_its_directory_is_refused(api):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil.py", "x")
        z.writestr("main.py", "x")
    r = upload(api, "algorithms", "evil", "code.zip", buf.getvalue())
    assert r.status_code == 422 and "escapes" in r.text
    assert api.get("/algorithms/evil").status_code == 404


LAYER = b"""
import torch

TROUPE_LAYER = {"name": "Gate", "params": {"units": {"type": "integer", "required": True}}}


class Gate(torch.nn.Module):
    def __init__(self, units: int, act="relu", *, drop=0.1):
        super().__init__()
"""


def test_layer_metadata_names_the_layer_and_its_parameters(api):
    v = upload(api, "layers", "gate", "gate.py", LAYER)
    assert v.status_code == 201, v.text
    meta = v.json()["metadata"]
    assert meta["layer_name"] == "Gate"
    assert meta["parameters"]["type"] == "object"
    assert meta["parameters"]["properties"]["units"]["type"] == "integer"
    assert meta["parameters"]["required"] == ["units"]
    r = upload(api, "layers", "gate", "gate.py", LAYER, layer_name="Nope")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "layer_name"]
    r = upload(api, "layers", "bad", "bad.py", b"def (:\n")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"]
    assert api.get("/layers/bad").status_code == 404


def test_models_graph_json_and_onnx(api):
    v = upload(api, "models", "mlp", "mlp.json", json.dumps(MLP).encode())
    assert v.status_code == 201, v.text
    assert v.json()["metadata"]["nodes"] == 3
    broken = {**MLP, "edges": MLP["edges"][:1]}  # act and fc2 unreachable
    r = upload(api, "models", "mlp", "mlp.json", json.dumps(broken).encode())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"], r.text
    r = upload(api, "models", "mlp", "mlp.json", b'{"format": "other"}')
    assert r.status_code == 422 and "troupe.graph/v1" in r.text

    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"])
    g = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )  # fmt: skip
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    v = upload(api, "models", "relu", "relu.onnx", model.SerializeToString()).json()
    assert v["metadata"]["format"] == "onnx"
    assert v["metadata"]["inputs"] == ["x"] and v["metadata"]["outputs"] == ["y"]
    assert upload(api, "models", "junk", "junk.onnx", b"\x00garbage").status_code == 422
    assert onnx  # imported for the model above


@pytest.mark.parametrize(
    "name, why",
    [
        ("Upper", "must be 1-63"),
        ("a..b", "'..'"),
        ("-lead", "must be 1-63"),
        ("x" * 64, "must be 1-63"),
        ("caf\u00e9", "must be 1-63"),
        ("ab\u202ecd", "bidi"),
        ("ab\u200bcd", "invisible"),
        ("a%2F..%2Fb", "separators"),
    ],
)
def test_bad_names_are_422_naming_the_field(api, name, why):
    r = upload(api, "datasets", name, "d.csv", CSV)
    assert r.status_code in (404, 422), r.text
    if r.status_code == 422:
        detail = r.json()["detail"][0]
        assert detail["loc"][-1] == "name" and why in detail["msg"], detail
    assert api.get("/datasets").json() == []


def test_nfkc_makes_lookalikes_one_name(api):
    # FULLWIDTH "ｉｒｉｓ" is NFKC "iris": the same artifact, not a second one
    upload(api, "datasets", "iris", "a.csv", CSV)
    r = upload(api, "datasets", "\uff49\uff52\uff49\uff53", "a.csv", CSV)
    assert r.status_code == 201 and r.json()["number"] == 2


@pytest.mark.parametrize(
    "filename, why",
    [("../x.csv", "without directories"), ("a/b.csv", "without directories"),
     (".hidden.csv", "starting with"), ("x.exe", "must end in"), ("a\x00.csv", "control")],
)  # fmt: skip
def test_bad_filenames_are_422(api, filename, why):
    r = upload(api, "datasets", "d", filename, CSV)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", "filename"] and why in detail["msg"], detail
    assert api.get("/datasets/d").status_code == 404


def test_unknown_framework_names_the_field(api):
    r = upload(api, "algorithms", "a", "a.py", b"x = 1\n", framework="cobol")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "framework"]


def test_an_empty_file_is_a_version_too(api):
    v = upload(api, "datasets", "empty", "e.txt", b"")
    assert v.status_code == 201 and v.json()["size"] == 0
    got = api.get("/datasets/empty/versions/1/file")
    assert got.status_code == 200 and got.content == b""
    ranged = api.get("/datasets/empty/versions/1/file", headers={"Range": "bytes=0-"})
    assert ranged.status_code == 416


def test_a_model_may_use_a_user_layer(api):
    assert upload(api, "layers", "gate", "gate.py", LAYER).status_code == 201
    graph = {**MLP, "nodes": [*MLP["nodes"][:2], {"id": "fc2", "layer": "Gate",
                                                    "params": {"units": 3}}]}  # fmt: skip
    v = upload(api, "models", "gated", "gated.json", json.dumps(graph).encode())
    assert v.status_code == 201, v.text
    assert v.json()["metadata"]["user_layers"] == ["Gate"]
    unknown = {**graph, "nodes": [*MLP["nodes"][:2], {"id": "fc2", "layer": "Nope", "params": {}}]}
    r = upload(api, "models", "gated", "gated.json", json.dumps(unknown).encode())
    assert r.status_code == 422 and "Nope" in r.text


def test_projects_keep_their_artifacts_apart(api, service):
    other = service.root
    assert upload(api, "datasets", "iris", "iris.csv", CSV).status_code == 201
    theirs = other.post(
        "/projects/team-b/datasets/iris/versions", params={"filename": "i.csv"}, content=b"x\n1\n"
    )
    assert theirs.status_code == 201 and theirs.json()["number"] == 1
    assert other.get("/projects/team-b/datasets/iris").json()["latest"]["size"] == 4
    assert api.get("/datasets/iris").json()["latest"]["size"] == len(CSV)
    assert other.get("/projects/team-c/datasets").json() == []
    bad = other.get("/projects/Team_B/datasets")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "project"]
