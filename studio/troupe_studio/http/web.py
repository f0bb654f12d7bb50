"""The web pages: the built single-page app (`make web` writes it to troupe_studio/static).

Hashed files under /assets never change under one name, so browsers may keep them a year.
Any other GET that no route answers and that is not under /api gets index.html (no-cache),
so a reload or a shared link to /p/lab/runs/mnist-r3 opens that page; the API's own answers
(404s and 405s included) are untouched, because the pages hook in only where a 404 was due.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC = Path(__file__).resolve().parent.parent / "static"
LONG_CACHE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "<!doctype html><title>Troupe Studio</title><p>The web pages are not built into this "
    "installation: run <code>make web</code>. The API is at "
    "<a href='/api/v1/docs'>/api/v1/docs</a>."
)


def is_page(request: Request) -> bool:
    path = request.url.path
    api = path == "/api" or path.startswith(("/api/", "/assets/"))
    return request.method in ("GET", "HEAD") and not api


def serve(app: FastAPI, static: Path = STATIC) -> None:
    """Adds the asset route and the page fallback to `app`."""

    @app.get("/assets/{name:path}", include_in_schema=False)
    def asset(name: str):
        root = (static / "assets").resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise HTTPException(404, f"no asset {name!r}")
        return FileResponse(path, headers={"Cache-Control": LONG_CACHE})

    @app.exception_handler(StarletteHTTPException)
    async def page(request: Request, exc: StarletteHTTPException):
        if exc.status_code != 404 or not is_page(request):
            return await http_exception_handler(request, exc)
        index = static / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
