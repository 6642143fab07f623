"""What the review says about a profile: a finding with a severity and a stable rule ID. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")


@dataclass(frozen=True)
class ReviewFinding:
    severity: Severity
    rule: str
    """Stable: ``profile-replaced``, ``new-actions``, ``linter-refused``, … (the README lists them)."""
    message: str

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity, "rule": self.rule, "message": self.message}
