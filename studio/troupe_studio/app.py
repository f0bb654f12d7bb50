"""The FastAPI application: routers under /api/v1, errors mapped to status codes, start-up work.

On start the schema is migrated, the bucket made, and objects no version names (an upload cut
off between the store and the database) are swept. A store or database that is down answers
503 with a message that says which, instead of a stack trace.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from . import catalog, db, kube
from .history import History
from .http import artifacts, auth, models, runs, tasks, validation, web
from .http.schemas import Health
from .names import Invalid
from .settings import Settings
from .store import Credentials, Store, StoreDown
from .watcher import Watcher

API = "/api/v1"
log = logging.getLogger("troupe_studio")


def make_store(settings: Settings) -> Store:
    creds = Credentials(
        endpoint=settings.store_endpoint,
        access_key=settings.store_access_key,
        secret_key=settings.store_secret_key,
        region=settings.store_region,
    )
    return Store(creds, settings.bucket)


def service_client(settings: Settings):
    """A function giving the service's own Kubernetes client, made on first use (None when
    there is no configuration: routes that need the cluster then answer 503)."""
    made: list = []

    def get():
        if not made:
            try:
                made.append(kube.service_client(settings.kubeconfig or None))
            except kube.ClusterDown as exc:
                log.warning("%s", exc)
                return None
        return made[0]

    return get


def start(app: FastAPI) -> None:
    st = app.state
    if st.settings.migrate:
        db.migrate(st.engine)
    for stale in (st.settings.data_dir / "uploads").glob("upload-*"):  # spools of a crash
        stale.unlink(missing_ok=True)
    try:
        st.store.ensure_bucket()
        st.bucket_ready = True
        if removed := catalog.sweep(st.sessions, st.store, st.settings.orphan_grace_s):
            log.info("removed %d orphaned objects", len(removed))
    except StoreDown as exc:  # serve anyway: requests that need the store answer 503
        log.warning("%s", exc)
    except OperationalError as exc:  # only reachable unmigrated: the same, for the database
        log.warning("database unavailable, orphans not swept: %s", exc.orig)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(start, app)
        if settings.watch and (api := app.state.service_client()) is not None:
            app.state.watcher = Watcher(app.state.sessions, app.state.history, api)
            await run_in_threadpool(app.state.watcher.start)
        yield
        if app.state.watcher is not None:
            app.state.watcher.stop()
        app.state.engine.dispose()

    app = FastAPI(
        title="Troupe Studio",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = db.connect(settings.db_url)
    app.state.sessions = db.sessions(app.state.engine)
    app.state.store = make_store(settings)
    app.state.bucket_ready = False
    app.state.service_client = service_client(settings)
    app.state.history = History(app.state.sessions)
    app.state.watcher = None
    app.include_router(auth.router, prefix=API)
    for kind in db.KINDS:
        app.include_router(artifacts.router(kind), prefix=API)
    for r in artifacts.uploads():
        app.include_router(r, prefix=API)
    app.include_router(tasks.router(), prefix=API)
    app.include_router(runs.router(), prefix=API)
    for r in validation.router():
        app.include_router(r, prefix=API)
    app.include_router(models.router(), prefix=API)

    @app.get(f"{API}/health", response_model=Health, tags=["service"], responses={503: {}})
    def health(request: Request):
        out = {"database": "ok", "store": "ok"}
        try:
            with request.app.state.sessions() as s:
                s.execute(text("SELECT 1"))
        except DBAPIError as exc:
            out["database"] = f"unavailable: {type(exc.orig).__name__}"
        try:
            request.app.state.store.ping()
        except StoreDown as exc:
            out["store"] = str(exc)
        return JSONResponse(
            out, status_code=200 if out == {"database": "ok", "store": "ok"} else 503
        )

    web.serve(app)  # the pages at /, where no API route answers
    errors(app)
    return app


def errors(app: FastAPI) -> None:
    def detail(status: int, message):
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(Invalid)
    async def invalid(_r, exc: Invalid):
        return detail(
            422, [{"loc": [exc.where, exc.field], "msg": exc.message, "type": "value_error"}]
        )

    @app.exception_handler(catalog.NotFound)
    async def not_found(_r, exc):
        return detail(404, str(exc))

    @app.exception_handler(catalog.Conflict)
    async def conflict(_r, exc):
        return detail(409, str(exc))

    @app.exception_handler(catalog.TooLarge)
    async def too_large(_r, exc):
        return detail(413, str(exc))

    @app.exception_handler(kube.ClusterDown)
    async def cluster_down(_r, exc):
        return detail(503, str(exc))

    @app.exception_handler(kube.Refused)
    async def refused(_r, exc: kube.Refused):
        if exc.status == 422:
            loc = ["body", exc.causes[0].get("field", "")] if exc.causes else ["body"]
            return detail(422, [{"loc": loc, "msg": exc.message, "type": "kubernetes"}])
        status = exc.status if exc.status in (400, 403, 404, 409) else 502
        return detail(status, f"Kubernetes: {exc.message}")

    @app.exception_handler(StoreDown)
    async def store_down(_r, exc):
        return detail(503, str(exc))

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(_r, exc: DBAPIError):
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            return detail(503, f"database unavailable: {str(exc.orig).splitlines()[0][:200]}")
        log.exception("database error")
        return detail(500, f"database error: {type(exc.orig).__name__}")
