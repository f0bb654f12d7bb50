from dataclasses import dataclass

import pytest

from troupe.core.events import MAX_MESSAGE, coalesce


@dataclass
class E:
    type: str
    reason: str
    message: str


@pytest.mark.parametrize(
    "events, expected",
    [
        (
            [E("Normal", "CreatedPod", "created pod j-w-0")],
            [("Normal", "CreatedPod", "created pod j-w-0")],
        ),
        (
            [
                E("Normal", "CreatedPod", "created pod j-w-0"),
                E("Normal", "CreatedService", "created service j-w"),
                E("Normal", "CreatedPod", "created pod j-w-1"),
            ],
            [
                ("Normal", "CreatedPod", "2x: created pod j-w-0, j-w-1"),
                ("Normal", "CreatedService", "created service j-w"),
            ],
        ),
        (
            [
                E("Warning", "RecreatingPod", "pod a exited 137; recreating it"),
                E("Warning", "RecreatingPod", "pod b exited 1; recreating it"),
            ],
            [
                (
                    "Warning",
                    "RecreatingPod",
                    "2x: pod a exited 137; recreating it, b exited 1; recreating it",
                )
            ],
        ),
        (
            [E("Normal", "X", "alpha"), E("Normal", "X", "beta")],
            [("Normal", "X", "2x: alpha; beta")],
        ),
    ],
)
def test_events_of_one_reason_fold_into_one(events, expected):
    assert coalesce(events) == expected


def test_folded_message_is_bounded():
    events = [E("Normal", "CreatedPod", f"created pod job-worker-{i}") for i in range(500)]
    [(_, _, message)] = coalesce(events)
    assert len(message) <= MAX_MESSAGE and message.startswith("500x: created pod job-worker-0")


def test_warnings_alone_leave_out_the_normal_events():
    events = [
        E("Normal", "Running", "8/8 pods ready"),
        E("Warning", "RecreatingPod", "pod a exited 137; recreating it"),
        E("Normal", "DeletedPod", "deleted pod a"),
    ]
    assert coalesce(events, normal=False) == [
        ("Warning", "RecreatingPod", "pod a exited 137; recreating it")
    ]
    assert [reason for _, reason, _ in coalesce(events)] == [
        "Running",
        "RecreatingPod",
        "DeletedPod",
    ]
