"""`troupe submit` (validated locally first, with the webhook's rules) and `troupe delete`."""

from __future__ import annotations

import sys

from troupe.cli.kubeconfig import clients, namespace
from troupe.cli.manifest import load_manifest
from troupe.core.admission import review_job
from troupe.core.naming import GROUP, PLURAL, VERSION


def cmd_submit(args) -> int:
    manifest = load_manifest(args.file)
    errors = review_job(manifest)
    if errors:
        print(f"{args.file}: the job would be rejected:", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    _, custom, client = clients(args)
    ns = manifest.get("metadata", {}).get("namespace") or namespace(args)
    name = manifest["metadata"]["name"]
    try:
        custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, manifest)
        print(f"trainingjob.troupe.dev/{name} created")
    except client.ApiException as exc:
        if exc.status != 409:
            print(f"rejected by the API server: {exc.body}", file=sys.stderr)
            return 1
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, ns, PLURAL, name, {"spec": manifest["spec"]}
        )
        print(f"trainingjob.troupe.dev/{name} configured")
    return 0


def cmd_delete(args) -> int:
    _, custom, _ = clients(args)
    custom.delete_namespaced_custom_object(GROUP, VERSION, namespace(args), PLURAL, args.name)
    print(f"trainingjob.troupe.dev/{args.name} deleted")
    return 0
