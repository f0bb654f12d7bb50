"""`troupe studio …`: Troupe Studio from the shell, through its Python client.

    troupe studio upload datasets iris iris.csv -n team-a
    troupe studio runs mnist          # the task's runs
    troupe studio follow mnist-r3     # phase, pod, log and metric lines until it ends
    troupe studio download mnist-r3   # the whole run as mnist-r3.tar (or one PATH)

The service is TROUPE_STUDIO_URL (or --url), the token TROUPE_STUDIO_TOKEN (or --token; none
for a service in local mode), the project -n/--namespace, --project or TROUPE_STUDIO_PROJECT.
The client is imported only when a studio command runs: Studio is an optional extra.
"""

from __future__ import annotations

import json
import sys

KINDS = ("datasets", "algorithms", "layers", "models")


def add_commands(command, flags) -> None:
    """`troupe studio ACTION` on the main parser; `flags` are the kubectl-style global flags."""
    studio = command("studio", None, "Troupe Studio's service: upload, runs, follow, download")
    studio.add_argument("--url", help="the service (default $TROUPE_STUDIO_URL or :8700)")
    studio.add_argument("--token", help="a Kubernetes token (default $TROUPE_STUDIO_TOKEN)")
    studio.add_argument("--project", help="the project (default -n or $TROUPE_STUDIO_PROJECT)")
    sub = studio.add_subparsers(dest="action", required=True)

    def action(name: str, fn, text: str):
        p = sub.add_parser(name, help=text, parents=[flags])
        p.set_defaults(fn=fn)
        return p

    action("whoami", cmd_whoami, "who the service takes you for")
    action("projects", cmd_projects, "the projects (namespaces) you may use")
    up = action("upload", cmd_upload, "upload a file as a new version of an artifact")
    up.add_argument("kind", choices=KINDS)
    up.add_argument("name")
    up.add_argument("path")
    up.add_argument("--description")
    up.add_argument("--framework", help="algorithms: the training framework")
    up.add_argument("--entry-point", help="algorithms: the script to run")
    up.add_argument("--requirement", action="append", default=[], help="algorithms: repeatable")
    up.add_argument("--layer-name", help="layers: the layer class")
    action("runs", cmd_runs, "a task's runs").add_argument("task")
    follow = action("follow", cmd_follow, "a run's live messages until it ends")
    follow.add_argument("run")
    follow.add_argument("--after", type=int, default=0, help="skip messages up to this seq")
    follow.add_argument("--json", action="store_true", help="print the messages as JSON lines")
    down = action("download", cmd_download, "a run's results: one file, or all as a tar")
    down.add_argument("run")
    down.add_argument("path", nargs="?", help="one result file (see `results`); default: all")
    down.add_argument("-o", "--output", help="where to write (a file or a directory)")
    action("results", cmd_results, "a run's result files").add_argument("run")


def studio_of(args):
    from troupe_studio.client import Studio

    return Studio(args.url, token=args.token, project=args.project or args.namespace)


def guarded(fn):
    """A refusal of the service, or no service at all, is one line on stderr and exit 1."""

    def run(args) -> int:
        try:
            from troupe_studio.client import StudioError
        except ImportError:
            print(
                "troupe studio: needs the studio extra: pip install 'troupe-operator[studio]'",
                file=sys.stderr,
            )
            return 1
        import httpx

        try:
            return fn(args)
        except StudioError as exc:
            print(f"troupe studio: {exc}", file=sys.stderr)
        except (httpx.HTTPError, ValueError) as exc:
            print(f"troupe studio: {exc}", file=sys.stderr)
        return 1

    run.__name__ = fn.__name__
    return run


def progress_printer(label: str):
    """Progress on stderr, redrawn in place on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        share = f" {100 * done // total:3d}%" if total else ""
        end = "\n" if total and done >= total else ""
        print(f"\r{label}: {done / 1e6:9.1f} MB{share}", end=end, file=sys.stderr, flush=True)

    return show


@guarded
def cmd_whoami(args) -> int:
    print(json.dumps(studio_of(args).whoami()))
    return 0


@guarded
def cmd_projects(args) -> int:
    for name in studio_of(args).projects():
        print(name)
    return 0


@guarded
def cmd_upload(args) -> int:
    extra = {}
    if args.kind == "algorithms":
        extra = {
            "framework": args.framework,
            "entry_point": args.entry_point,
            "requirements": args.requirement or None,
        }
    elif args.kind == "layers":
        extra = {"layer_name": args.layer_name}
    version = studio_of(args).upload(
        args.kind,
        args.name,
        args.path,
        description=args.description,
        progress=progress_printer(f"{args.kind}/{args.name}"),
        **extra,
    )
    print(json.dumps(version))
    return 0


@guarded
def cmd_runs(args) -> int:
    runs = studio_of(args).runs(args.task)
    print(f"{'RUN':<32} {'PHASE':<12} STARTED")
    for run in runs:
        started = run.get("started") or run.get("startTime") or ""
        print(f"{run.get('name', ''):<32} {run.get('phase') or '':<12} {started}")
    return 0


def message_line(m: dict) -> str:
    """One live message as a line a person reads."""
    kind = m.get("type")
    if kind == "log":
        return f"{m.get('pod')} | {m.get('line')}"
    if kind == "metric":
        values = " ".join(f"{k}={v}" for k, v in (m.get("values") or {}).items())
        return f"{m.get('pod')} step {m.get('step')}: {values}"
    if kind == "phase":
        return f"phase {m.get('phase')}" + (f": {m['message']}" if m.get("message") else "")
    if kind == "pod":
        exit_code = m.get("exitCode")
        ended = f" exit {exit_code}" if exit_code is not None else ""
        return f"pod {m.get('pod')} ({m.get('role')}) {m.get('phase')}{ended}"
    if kind == "event":
        return f"event {m.get('object')}: {m.get('reason')} {m.get('message')}"
    return json.dumps(m)


@guarded
def cmd_follow(args) -> int:
    last_phase = None
    for m in studio_of(args).follow(args.run, after=args.after):
        print(json.dumps(m) if args.json else message_line(m), flush=True)
        if m.get("type") == "phase":
            last_phase = m.get("phase")
    return 1 if last_phase == "Failed" else 0


@guarded
def cmd_results(args) -> int:
    for item in studio_of(args).results(args.run):
        print(f"{item['size']:>12}  {item['path']}")
    return 0


@guarded
def cmd_download(args) -> int:
    from pathlib import Path

    studio = studio_of(args)
    if args.path:
        dest = Path(args.output or ".")
        got = studio.download(args.run, args.path, dest, progress=progress_printer(args.path))
    else:
        dest = Path(args.output or f"{args.run}.tar")
        if dest.is_dir():
            dest = dest / f"{args.run}.tar"
        got = studio.download_all(args.run, dest, progress=progress_printer(args.run))
    print(got)
    return 0
