"""One problem at one place, the shape every domain check reports in."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Issue:
    """e.g. path `nodes[3].params.out_features`, message naming the node and the rule."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)
