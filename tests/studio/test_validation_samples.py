"""A validation run's dataset sample, cut from the stored version in the real S3 store (a zip
read through seeks: its directory at the end, then its first members) and deleted with it."""

from __future__ import annotations

import hashlib
import io
import zipfile

from servers import PROJECT

from troupe_studio import catalog, runs
from troupe_studio.domain import samples

ROWS = "".join(f"{i},{i * i}\n" for i in range(20_000))
CSV = ("n,square\n" + ROWS).encode()


def zip_of(count: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(count):
            z.writestr(f"shard-{i:02}.csv", CSV[: 1000 + i])
    return buf.getvalue()


def stored(service, name: str):
    with service.app.state.sessions() as s:
        return catalog.version(s, PROJECT, "datasets", name, 1)


def test_a_sample_is_the_versions_first_records_stored_beside_it(api, service):
    store = service.app.state.store
    for name, filename, body in (("big", "big.csv", CSV), ("shards", "shards.zip", zip_of(12))):
        r = api.post(f"/datasets/{name}/versions", params={"filename": filename}, content=body)
        assert r.status_code == 201, r.text

    table = runs.dataset_sample(store, stored(service, "big"), 25)
    assert (table.unit, table.count, table.complete) == ("rows", 25, False)
    kept = b"".join(store.read(table.key))
    assert kept == CSV[: CSV.index(b"\n24,576\n") + len(b"\n24,576\n")]
    assert table.sha256 == hashlib.sha256(kept).hexdigest() and table.size == len(kept)
    assert table.key == catalog.sample_key(stored(service, "big").key, 25)

    archive = runs.dataset_sample(store, stored(service, "shards"), 3)
    with zipfile.ZipFile(io.BytesIO(b"".join(store.read(archive.key)))) as z:
        assert z.namelist() == ["shard-00.csv", "shard-01.csv", "shard-02.csv"]
        assert z.read("shard-02.csv") == CSV[:1002]
    assert (archive.unit, archive.count, archive.complete) == ("files", 3, False)

    again = runs.dataset_sample(store, stored(service, "shards"), 3)
    assert again == archive, "the same version and size make the same sample"

    keys = [table.key, archive.key]
    assert api.delete("/datasets/big").status_code == 204
    assert api.delete("/datasets/shards/versions/1").status_code == 204
    left = {k for k, _ in store.listing(catalog.SAMPLES)}
    assert not left.intersection(keys), left


def test_formats_without_records_go_whole(api, service):
    import json

    body = json.dumps([{"a": i} for i in range(10)]).encode()
    r = api.post("/datasets/j/versions", params={"filename": "j.json"}, content=body)
    assert r.status_code == 201, r.text
    assert runs.dataset_sample(service.app.state.store, stored(service, "j"), 3) is None
    assert samples.sample_unit("json") is None
