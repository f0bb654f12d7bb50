"""STAND-IN for the access layer (the access helper's `http/auth.py` replaces this file).

`caller` has the contract's signature: it names who calls and gives the Kubernetes client to
act with. Here it is always the service's own kubeconfig identity, user "local". It takes an
HTTPConnection, not a Request, so the live WebSocket route depends on it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Path
from starlette.requests import HTTPConnection


@dataclass(frozen=True)
class Identity:
    username: str
    groups: list[str] = field(default_factory=list)
    mode: str = "local"


@dataclass(frozen=True)
class Caller:
    identity: Identity
    api_client: Any  # kubernetes.client.ApiClient, or None (cluster calls answer 503)


def caller(request: HTTPConnection, project: str = Path(max_length=256)) -> Caller:
    """Everyone is "local" and acts as the service; None when no kubeconfig could be loaded."""
    return Caller(Identity("local"), request.app.state.service_client())
