"""How the service serves the built pages: index.html for any page path (a reload or a shared
link), hashed assets cached for a year, and the API's own answers left as they were."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_assets_and_api_answers(studio):
    web = httpx.Client(base_url=studio.url, timeout=30)
    index = web.get("/p/lab/runs/mnist-r3")
    assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
    assert index.text == web.get("/").text
    asset = re.search(r'src="(/assets/[^"]+\.js)"', index.text)[1]
    got = web.get(asset)
    assert got.status_code == 200 and "immutable" in got.headers["cache-control"]
    assert "javascript" in got.headers["content-type"]

    assert web.get("/assets/none.js").status_code == 404
    escape = web.get("/assets/..%2f..%2fapp.py")  # decoded to ../../app.py by the server
    assert escape.status_code == 404 and "no asset" in escape.json()["detail"]
    unknown = web.get("/api/v1/no-such-route")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}
    assert web.post("/p/lab").status_code in (404, 405)  # pages are GETs
    assert web.get("/api/v1/openapi.json").json()["info"]["title"] == "Troupe Studio"
