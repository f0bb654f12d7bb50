"""`troupe`: a small kubectl companion for TrainingJobs.

get, describe, dag, logs, submit (validated locally first, with the webhook's rules), delete;
and `artifacts fetch|upload`, the commands of the containers that move a job's files.
"""

from __future__ import annotations

import argparse
import sys

from troupe.cli.artifacts import add_commands as add_artifact_commands
from troupe.cli.dag import cmd_dag
from troupe.cli.logs import cmd_logs
from troupe.cli.show import cmd_describe, cmd_get
from troupe.cli.studio import add_commands as add_studio_commands
from troupe.cli.write import cmd_delete, cmd_submit

GLOBAL_FLAGS = ("namespace", "context", "kubeconfig")


def global_flags() -> argparse.ArgumentParser:
    """The flags kubectl takes anywhere on the line, before or after the subcommand.

    Given to the top parser and to every subcommand alike; their defaults are SUPPRESS, so
    a subcommand that does not see a flag leaves the value the top parser read alone.
    """
    flags = argparse.ArgumentParser(add_help=False)
    flags.add_argument("-n", "--namespace", default=argparse.SUPPRESS)
    flags.add_argument("--context", default=argparse.SUPPRESS, help="kubeconfig context")
    flags.add_argument("--kubeconfig", default=argparse.SUPPRESS, help="kubeconfig file")
    return flags


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    flags = global_flags()
    parser = argparse.ArgumentParser(
        prog="troupe", description=__doc__.splitlines()[0], parents=[flags]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, fn, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, parents=[flags])
        p.set_defaults(fn=fn)
        return p

    get = command("get", cmd_get, "list jobs")
    get.add_argument("-A", "--all-namespaces", action="store_true")
    command("describe", cmd_describe, "roles, pods, conditions, events").add_argument("name")
    command("delete", cmd_delete, "delete a job").add_argument("name")
    dag = command("dag", cmd_dag, "the role dependency graph")
    dag.add_argument("name", nargs="?")
    dag.add_argument("-f", "--file", help="read the job from a file instead of the cluster")
    logs = command("logs", cmd_logs, "logs of the job's pods")
    logs.add_argument("name")
    logs.add_argument("--role")
    logs.add_argument("-f", "--follow", action="store_true")
    command("submit", cmd_submit, "validate locally, then create or update").add_argument("file")
    add_artifact_commands(command)
    add_studio_commands(command, flags)
    args = parser.parse_args(argv)
    for name in GLOBAL_FLAGS:
        setattr(args, name, getattr(args, name, None))
    if args.command == "dag" and not (args.name or args.file):
        parser.error("dag needs a job name or -f FILE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
