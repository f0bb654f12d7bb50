"""Fold a pass's Events into one per reason, so a 64-pod job costs one write, not 64.

The planner speaks of each object ("created pod j-worker-3"); users and `kubectl describe`
need the same facts, and the API server fewer writes. Events of one (type, reason) become
one Event whose message lists every object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class _EventLike(Protocol):
    type: str
    reason: str
    message: str


MAX_MESSAGE = 1000  # Events are for people; the full list is in the pods themselves


def coalesce(events: Iterable[_EventLike], normal: bool = True) -> list[tuple[str, str, str]]:
    """(type, reason, message) per distinct (type, reason), in first-seen order; `normal`
    False keeps the Warnings alone (the Normal ones repeat what the job's conditions say)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for event in events:
        if not normal and event.type != "Warning":
            continue
        grouped.setdefault((event.type, event.reason), []).append(event.message)
    folded = []
    for (type_, reason), messages in grouped.items():
        message = messages[0] if len(messages) == 1 else _join(messages)
        folded.append((type_, reason, message))
    return folded


def _join(messages: list[str]) -> str:
    """'created pod a', 'created pod b' -> 'created pod a, b' (shared leading words once)."""
    words = [m.split() for m in messages]
    prefix = 0
    while all(len(w) > prefix + 1 and w[prefix] == words[0][prefix] for w in words):
        prefix += 1
    head = " ".join(words[0][:prefix])
    tails = [" ".join(w[prefix:]) for w in words]
    text = f"{head} {', '.join(tails)}" if head else "; ".join(messages)
    text = f"{len(messages)}x: {text}"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."
