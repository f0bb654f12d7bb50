"""Who runs a job, and when: managedBy, and the built-in queue's admission decision."""

from __future__ import annotations

from collections.abc import Mapping

CONTROLLER_NAME = "troupe.dev/trainingjob-controller"


def managed_by_troupe(body: Mapping) -> bool:
    """spec.managedBy unset or naming Troupe; any other value (MultiKueue) is not ours."""
    owner = (body.get("spec") or {}).get("managedBy")
    return owner in (None, "", CONTROLLER_NAME)
