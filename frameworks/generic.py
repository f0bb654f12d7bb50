"""The generic framework: any roles, any images, only Troupe's own env (TROUPE_*).

Use it for anything without a dedicated plugin; the job succeeds when every role not
marked ignoreForJob succeeds and fails as soon as one fails.
"""

from __future__ import annotations

from troupe.core.framework import Framework


class Generic(Framework):
    name = "generic"
