"""Errors that name the exact field at fault, so users can fix their manifest."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class FieldError:
    """One problem at one place, e.g. `spec.roles[1].dependsOn[0].role: no role named "ps"`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SpecError(ValueError):
    """A spec that cannot run; carries every FieldError found, not just the first."""

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class UnknownFramework(LookupError):
    """No installed plugin has this id; the message lists those that are installed."""

    def __init__(self, name: str, installed: list[str]):
        self.name = name
        super().__init__(f'unknown framework "{name}"; installed: {", ".join(installed) or "none"}')
