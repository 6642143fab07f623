"""``AuditFinding``: one way the account differs from the app, in a shape both people and tools read.

``constructs_lib.core.findings.Finding`` is a rule broken by a value in a file; an audit finding is a
difference between two states, so it says the expected value, the actual value and the fix. Its
``kind`` is stable, for tools:

- ``missing``: a declared profile the account does not hold;
- ``unexpected``: a profile under a path the app owns that the app does not declare;
- ``drift``: a field (``path``, ``tags``, ``role.managed_policies``, ...) that differs;
- ``broken``: a profile without a role, or a role in more than one instance profile.

``AccountProblem`` is an account of a deployment the audit could not read: ``unreachable`` (STS
refused the audit role) or ``failed`` (it could not be audited: assuming the role failed otherwise,
or an IAM or CloudFormation call failed there).

Pure Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from constructs_lib.core.findings import show_value

Kind = Literal["missing", "unexpected", "drift", "broken"]
KINDS: tuple[Kind, ...] = ("missing", "unexpected", "drift", "broken")
FIELDS = (
    "profile",
    "path",
    "tags",
    "role",
    "role.instance_profiles",
    "role.path",
    "role.trust_policy",
    "role.managed_policies",
    "role.inline_policies",
    "role.permissions_boundary",
    "role.max_session_duration",
    "role.tags",
)
"""The fields a finding can be about, in the order findings about one profile print."""


@dataclass(frozen=True)
class AuditFinding:
    """A difference between a declared profile and the account: what, where, expected, actual, fix."""

    kind: Kind
    profile: str
    """The instance profile's name (or, for one CloudFormation has not named yet, its construct path)."""
    field: str
    """One of ``FIELDS``: ``profile``, ``path``, ``tags``, ``role``, ``role.path``, ..., ``role.tags``."""
    expected: object
    """What the app declares (JSON); ``None``: nothing."""
    actual: object
    """What the account holds (JSON); ``None``: nothing."""
    fix: str
    """How to bring the account back to the app, as a command where one does it."""
    key: str | None = None
    """Which member of the field: the tag key, the managed policy's ARN, the inline policy's name."""
    where: str = ""
    """The declaring construct's path (``Ec2Access-WebServer/WebServer``); empty for unexpected profiles."""

    @property
    def subject(self) -> str:
        """The field and its member: ``tags['Service']``, ``role.path``."""
        return f"{self.field}[{self.key!r}]" if self.key is not None else self.field

    def line(self) -> str:
        """One line: ``drift profile 'NAME' (WHERE) FIELD: expected X, actual Y; fix: ...``."""
        where = f" ({self.where})" if self.where and self.where != self.profile else ""
        return (
            f"{self.kind} profile '{self.profile}'{where} {self.subject}: "
            f"expected {show(self.expected)}, actual {show(self.actual)}; fix: {self.fix}"
        )

    def to_json(self) -> dict[str, object]:
        """The finding as JSON for tools: values as JSON, not as text."""
        return {
            "kind": self.kind,
            "profile": self.profile,
            "where": self.where,
            "field": self.field,
            "key": self.key,
            "expected": self.expected,
            "actual": self.actual,
            "fix": self.fix,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        """Findings print by profile, then kind, field and member: the same order on every run."""
        field = FIELDS.index(self.field) if self.field in FIELDS else len(FIELDS)
        return (self.profile.lower(), KINDS.index(self.kind), field, self.key or "")


@dataclass(frozen=True)
class NotAudited:
    """A declared field the audit leaves alone: its value is only known at deploy (say, ``Fn::GetAtt``)."""

    profile: str
    field: str
    reason: str
    where: str = ""

    def line(self) -> str:
        return f"not audited: profile '{self.profile}' {self.field}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        return {"profile": self.profile, "where": self.where, "field": self.field, "reason": self.reason}


ProblemKind = Literal["unreachable", "failed"]


@dataclass(frozen=True)
class AccountProblem:
    """An account of a deployment not audited: why, and how to make it auditable."""

    kind: ProblemKind
    account: str
    reason: str
    """The call that failed and its error, one line."""
    fix: str

    def line(self) -> str:
        """``unreachable account ID: REASON; fix: ...``; ``failed account ID: could not be audited: ...``."""
        what = "could not be audited: " if self.kind == "failed" else ""
        return f"{self.kind} account {self.account}: {what}{self.reason}; fix: {self.fix}"

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "account": self.account, "reason": self.reason, "fix": self.fix}


def show(value: object) -> str:
    """A value for one line: ``none`` for nothing, documents as compact JSON, the rest quoted; shortened."""
    if value is None:
        return "none"
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        return text if len(text) <= 160 else f"{text[:120]}…({len(text)} characters)"
    return show_value(value)
