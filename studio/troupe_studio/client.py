"""A Python client of Troupe Studio's API, for notebooks and the `troupe studio` CLI.

    from troupe_studio.client import Studio
    studio = Studio("http://127.0.0.1:8700", token=None, project="team-a")
    studio.upload_dataset("iris", "iris.csv", progress=print)
    run = studio.start_run("iris-mlp")
    for message in studio.follow(run["name"]):
        print(message)
    studio.download_all(run["name"], "results.tar")

It speaks only HTTP and WebSocket (httpx, websockets): nothing of the service is imported, so
it runs wherever the API can be reached. Files go up and come down streamed, never whole in
memory. `TROUPE_STUDIO_URL`, `TROUPE_STUDIO_TOKEN` and `TROUPE_STUDIO_PROJECT` are the defaults.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

CHUNK = 1 << 20
Progress = Callable[[int, int], None]  # (bytes so far, total bytes; 0 when unknown)
FINAL_PHASES = frozenset({"Succeeded", "Failed"})
KINDS = ("datasets", "algorithms", "layers", "models")


class StudioError(Exception):
    """An answer other than 2xx; `status` is the HTTP status and `detail` the service's."""

    def __init__(self, status: int, detail, method: str = "", path: str = ""):
        self.status, self.detail = status, detail
        super().__init__(f"{method} {path}: {status} {describe(detail)}".strip())


def describe(detail) -> str:
    """The service's `detail` in one line: a message, or `loc: msg` of each 422 item."""
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg', '')}"
            if isinstance(d, dict)
            else str(d)
            for d in detail
        )
    return str(detail)


def file_chunks(path: Path, progress: Progress | None = None) -> Iterator[bytes]:
    """The file in CHUNK-sized pieces, reporting progress after each."""
    total, sent = path.stat().st_size, 0
    with path.open("rb") as f:
        while piece := f.read(CHUNK):
            sent += len(piece)
            yield piece
            if progress:
                progress(sent, total)


def _seg(value) -> str:
    return quote(str(value), safe="")


class Studio:
    """One user's session with a Studio service, on one project (a Kubernetes namespace)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        project: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = (url or os.environ.get("TROUPE_STUDIO_URL") or "http://127.0.0.1:8700").rstrip(
            "/"
        )
        self.token = token or os.environ.get("TROUPE_STUDIO_TOKEN") or None
        self._project = project or os.environ.get("TROUPE_STUDIO_PROJECT") or None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.Client(
            base_url=self.url + "/api/v1", headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def project(self) -> str:
        """The project given, or the caller's only one; several or none: say so."""
        if self._project is None:
            names = self.projects()
            if len(names) != 1:
                raise ValueError(
                    "give a project (Studio(project=...) or TROUPE_STUDIO_PROJECT): "
                    + (f"you may use {', '.join(names)}" if names else "you may use none")
                )
            self._project = names[0]
        return self._project

    def _p(self, *parts) -> str:
        return "/projects/" + "/".join(_seg(p) for p in (self.project, *parts))

    def _send(self, method: str, path: str, **kw) -> httpx.Response:
        response = self.http.request(method, path, **kw)
        return self._checked(response, method, path)

    @staticmethod
    def _checked(response: httpx.Response, method: str, path: str) -> httpx.Response:
        if response.is_success:
            return response
        response.read()
        try:
            detail = response.json().get("detail", response.text)
        except (ValueError, AttributeError):
            detail = response.text
        raise StudioError(response.status_code, detail, method, path)

    def _json(self, method: str, path: str, **kw):
        response = self._send(method, path, **kw)
        return response.json() if response.content else None

    # -- who and where ----------------------------------------------------------------------

    def whoami(self) -> dict:
        return self._json("GET", "/whoami")

    def projects(self) -> list[str]:
        return [p["name"] for p in self._json("GET", "/projects")]

    # -- artifacts --------------------------------------------------------------------------

    def upload(
        self,
        kind: str,
        name: str,
        path: str | os.PathLike,
        *,
        progress: Progress | None = None,
        **params,
    ) -> dict:
        """A new version of `kind`/`name` from the file at `path`, streamed; its record."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        path = Path(path)
        query = {"filename": path.name, **{k: v for k, v in params.items() if v is not None}}
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(path.stat().st_size),
        }
        return self._json(
            "POST",
            self._p(kind, name, "versions"),
            params=query,
            content=file_chunks(path, progress),
            headers=headers,
        )

    def upload_dataset(self, name: str, path, *, description=None, progress=None) -> dict:
        return self.upload("datasets", name, path, description=description, progress=progress)

    def upload_algorithm(
        self,
        name: str,
        path,
        *,
        entry_point=None,
        framework=None,
        requirements=(),
        description=None,
        progress=None,
    ) -> dict:
        return self.upload(
            "algorithms",
            name,
            path,
            entry_point=entry_point,
            framework=framework,
            requirements=list(requirements) or None,
            description=description,
            progress=progress,
        )

    def upload_layer(self, name: str, path, *, layer_name=None, description=None, progress=None):
        return self.upload(
            "layers", name, path, layer_name=layer_name, description=description, progress=progress
        )

    def upload_model(self, name: str, path, *, description=None, progress=None) -> dict:
        return self.upload("models", name, path, description=description, progress=progress)

    def artifacts(self, kind: str) -> list[dict]:
        return self._json("GET", self._p(kind))

    def validate_model(self, name: str, version: int) -> dict:
        """Built with torch and run forward: `ok`, `parameters`, `layers`, `issues`."""
        return self._json("POST", self._p("models", name, "versions", version, "validate"))

    def validate_algorithm(
        self,
        name: str,
        version: int,
        dataset: dict,
        steps: int | None = None,
        sample: int | None = None,
    ) -> dict:
        """A short run on the dataset's first `sample` rows or files (`run`, `live`,
        `sample`); the outcome lands in `validation("algorithms", name, version)`."""
        given = {"steps": steps, "sample": sample}
        body = {"dataset": dataset, **{k: v for k, v in given.items() if v is not None}}
        return self._json(
            "POST", self._p("algorithms", name, "versions", version, "validate"), json=body
        )

    def validation(self, kind: str, name: str, version: int) -> dict:
        """The last validation stored with a model or algorithm version (404 before one)."""
        return self._json("GET", self._p(kind, name, "versions", version, "validation"))

    # -- tasks and runs ---------------------------------------------------------------------

    def tasks(self) -> list[dict]:
        return self._json("GET", self._p("tasks"))

    def create_task(self, task: dict) -> dict:
        """A task: name, framework, roles, hyperparameters, and dataset/algorithm/model refs."""
        return self._json("POST", self._p("tasks"), json=task)

    def update_task(self, name: str, task: dict) -> dict:
        return self._json("PUT", self._p("tasks", name), json=task)

    def task(self, name: str) -> dict:
        return self._json("GET", self._p("tasks", name))

    def delete_task(self, name: str) -> None:
        self._send("DELETE", self._p("tasks", name))

    def validate_task(self, name: str) -> dict:
        """The rendered TrainingJob as the API server judges it: `ok` and `issues`."""
        return self._json("POST", self._p("tasks", name, "validate"))

    def start_run(self, task: str) -> dict:
        return self._json("POST", self._p("tasks", task, "runs"))

    def runs(self, task: str) -> list[dict]:
        return self._json("GET", self._p("tasks", task, "runs"))

    def run(self, run: str) -> dict:
        return self._json("GET", self._p("runs", run))

    def stop(self, run: str) -> dict | None:
        return self._json("POST", self._p("runs", run, "stop"))

    def delete_run(self, run: str) -> None:
        self._send("DELETE", self._p("runs", run))

    def metrics(self, run: str) -> list[dict]:
        return self._json("GET", self._p("runs", run, "metrics"))

    def logs(self, run: str, pod: str) -> str:
        return self._send("GET", self._p("runs", run, "logs", pod)).text

    # -- live -------------------------------------------------------------------------------

    def live_url(self, run: str, after: int = 0) -> str:
        base = "ws" + self.url[len("http") :] if self.url.startswith("http") else self.url
        return f"{base}/api/v1{self._p('runs', run, 'live')}?{urlencode({'after': after})}"

    def follow(
        self,
        run: str,
        *,
        after: int = 0,
        until_final: bool = True,
        reconnect_for: float = 60.0,
        connect: Callable | None = None,
    ) -> Iterator[dict]:
        """The run's messages from `after` on; a dropped socket is reopened with the last
        seq seen, so none is lost or repeated. Ends when the server closes normally, or (by
        default) after a phase message with a final phase; gives up after `reconnect_for`
        seconds without a connection."""
        if connect is None:
            from websockets.sync.client import connect
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidStatus

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        last, lost_since, pause = after, None, 0.2
        while True:
            try:
                with connect(self.live_url(run, last), additional_headers=headers) as ws:
                    lost_since, pause = None, 0.2
                    for raw in ws:
                        message = json.loads(raw)
                        if message.get("seq", 0) <= last:
                            continue  # a replay overlapping what we already gave
                        last = message["seq"]
                        yield message
                        if until_final and final(message):
                            return
                return  # closed normally by the server: the run is over
            except ConnectionClosedOK:
                return
            except InvalidStatus as exc:  # 401/403/404 are answers, not outages
                code = exc.response.status_code
                if code < 500:
                    live = self._p("runs", run, "live")
                    raise StudioError(code, _detail(exc.response.body), "GET", live) from exc
                lost_since = lost_since or time.monotonic()
            except (ConnectionClosed, OSError):
                lost_since = lost_since or time.monotonic()
            if time.monotonic() - lost_since > reconnect_for:
                raise StudioError(503, f"live stream of {run} lost for over {reconnect_for}s")
            time.sleep(pause)  # back off between reconnects, not a wait for a result
            pause = min(pause * 2, 5.0)

    # -- results ----------------------------------------------------------------------------

    def results(self, run: str) -> list[dict]:
        return self._json("GET", self._p("runs", run, "results"))

    def download(
        self,
        run: str,
        path: str,
        dest: str | os.PathLike,
        *,
        progress: Progress | None = None,
    ) -> Path:
        """One result file into `dest` (a file, or a directory to put it in), streamed."""
        url = self._p("runs", run, "results") + "/" + "/".join(_seg(p) for p in path.split("/"))
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / Path(path).name
        return self._stream_to(url, dest, progress)

    def download_all(
        self, run: str, dest: str | os.PathLike, *, progress: Progress | None = None
    ) -> Path:
        """The whole run (results, metrics, logs) as one tar archive at `dest`."""
        return self._stream_to(self._p("runs", run) + "/results.tar", Path(dest), progress)

    def _stream_to(self, url: str, dest: Path, progress: Progress | None) -> Path:
        partial = dest.with_name(dest.name + ".part")
        try:
            with self.http.stream("GET", url) as response:
                self._checked(response, "GET", url)
                total, got = int(response.headers.get("content-length") or 0), 0
                with partial.open("wb") as out:
                    for piece in response.iter_bytes(CHUNK):
                        out.write(piece)
                        got += len(piece)
                        if progress:
                            progress(got, total)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(dest)  # a cut-off download never looks complete
        return dest


def _detail(body: bytes | None):
    """The `detail` of a JSON refusal, else the body as text."""
    text = (body or b"").decode(errors="replace")
    try:
        return json.loads(text)["detail"]
    except (ValueError, KeyError, TypeError):
        return text


def final(message: dict) -> bool:
    """Whether a live message says the run has ended."""
    return message.get("type") == "phase" and message.get("phase") in FINAL_PHASES
