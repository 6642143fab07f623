"""What one profile may do: allowed, denied (and by which statement), or unknown (and why).

IAM's evaluation logic for a role's own calls within its account (IAM User Guide, "Policy
evaluation logic" and "Permissions boundaries for IAM entities"):

1. an explicit ``Deny`` in any policy (inline, managed or the boundary) whose action, resource and
   condition match wins;
2. else the call needs an ``Allow`` from the identity policies (inline and managed);
3. and, when the role has a permissions boundary, an ``Allow`` from the boundary too: the boundary
   only limits, it never grants.

What cannot be known offline is said, never guessed: a policy whose document is not known (an
AWS-managed policy the shipped data lacks, a customer-managed policy the app does not define), a
condition key the request's context does not give. Such a call is *unknown*, with the reason; it is
*denied* only when the known parts already deny it, and *allowed* only when nothing unknown could
change that. Service control, resource and session policies are outside a profile and not weighed.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from constructs_lib.core import conditions
from constructs_lib.core.conditions import TRUE, Verdict
from constructs_lib.core.request import Request, Unknown

Kind = Literal["inline", "aws-managed", "customer-managed", "boundary"]
Outcome = Literal["allowed", "denied", "unknown"]


@dataclass(frozen=True)
class Policy:
    """One policy of a profile: its name, what it is, and its document (``None`` when not known)."""

    name: str
    kind: Kind
    document: Mapping[str, Any] | None
    unknown_because: str = ""
    """Why the document is not known: ``not in the AWS-managed data (moto 5.2.5, 2026-09-30)``."""

    def statements(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Each statement with its position in the document (from 0)."""
        if self.document is None:
            return
        found = self.document.get("Statement", [])
        for index, statement in enumerate(found if isinstance(found, list) else [found]):
            if isinstance(statement, Mapping):
                yield index, statement


@dataclass(frozen=True)
class Profile:
    """The policies of one instance profile's role."""

    name: str
    policies: tuple[Policy, ...] = ()
    """Identity policies: the inline ones and the managed ones."""
    boundary: Policy | None = None


@dataclass(frozen=True)
class StatementRef:
    """Where a statement is: ``AmazonSSMManagedInstanceCore statement 2 (Sid "Ssm")``."""

    policy: str
    kind: Kind
    index: int
    sid: str | None = None

    def __str__(self) -> str:
        sid = f' (Sid "{self.sid}")' if self.sid else ""
        return f"{self.kind} policy {self.policy} statement {self.index + 1}{sid}"

    def to_json(self) -> dict[str, object]:
        return {"policy": self.policy, "kind": self.kind, "statement": self.index + 1, "sid": self.sid}


@dataclass(frozen=True)
class Decision:
    """The answer for one request."""

    outcome: Outcome
    reason: str
    statement: StatementRef | None = None
    """The statement that allows or explicitly denies, when one does."""
    depends_on: tuple[str, ...] = ()
    """Context keys (or unknown policies) the answer waits on, when ``unknown``."""

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "statement": None if self.statement is None else self.statement.to_json(),
            "depends_on": list(self.depends_on),
        }


@dataclass
class _Scan:
    """What one set of policies says about a request."""

    allow: StatementRef | None = None
    maybe_allow: list[tuple[StatementRef, frozenset[str]]] = field(default_factory=list)
    deny: StatementRef | None = None
    maybe_deny: list[tuple[StatementRef, frozenset[str]]] = field(default_factory=list)
    unknown_policies: list[Policy] = field(default_factory=list)


def evaluate(profile: Profile, request: Request) -> Decision:
    """Whether ``profile`` may make ``request``."""
    identity = _scan(profile.policies, request)
    boundary = _scan((profile.boundary,), request) if profile.boundary is not None else None
    for scan in (identity, boundary):
        if scan is not None and scan.deny is not None:
            return Decision("denied", f"explicitly denied by {scan.deny}", scan.deny)

    if identity.allow is None and not identity.maybe_allow and not identity.unknown_policies:
        return Decision("denied", "implicitly denied: no statement of the profile allows it")
    boundary_silent = boundary is not None and not (
        boundary.allow or boundary.maybe_allow or boundary.unknown_policies
    )
    if boundary_silent and profile.boundary is not None:
        name = profile.boundary.name
        return Decision("denied", f"implicitly denied: the permissions boundary {name} does not allow it")

    waits: list[str] = []
    reasons: list[str] = []
    if identity.allow is None:
        _unsure(identity.maybe_allow, identity.unknown_policies, "an allow", reasons, waits)
    if boundary is not None and boundary.allow is None:
        _unsure(boundary.maybe_allow, boundary.unknown_policies, "the boundary's allow", reasons, waits)
    for scan in (identity, boundary):
        if scan is not None:
            _unsure(scan.maybe_deny, scan.unknown_policies, "a deny", reasons, waits)
    if reasons:
        return Decision("unknown", "; ".join(dict.fromkeys(reasons)), None, tuple(dict.fromkeys(waits)))
    return Decision("allowed", f"allowed by {identity.allow}", identity.allow)


def _unsure(
    maybe: Sequence[tuple[StatementRef, frozenset[str]]],
    unknown_policies: Sequence[Policy],
    what: str,
    reasons: list[str],
    waits: list[str],
) -> None:
    for ref, keys in maybe:
        reasons.append(f"{what} of {ref} depends on {', '.join(sorted(keys))}")
        waits += sorted(keys)
    for policy in unknown_policies:
        reasons.append(f"{policy.kind} policy {policy.name} could hold {what}: {policy.unknown_because}")
        waits.append(f"policy {policy.name}")


def _scan(policies: Sequence[Policy | None], request: Request) -> _Scan:
    scan = _Scan()
    for policy in policies:
        if policy is None:
            continue
        if policy.document is None:
            scan.unknown_policies.append(policy)
            continue
        for index, statement in policy.statements():
            verdict = statement_applies(statement, request)
            if verdict.value is False:
                continue
            ref = StatementRef(policy.name, policy.kind, index, _sid(statement))
            deny = str(statement.get("Effect", "")).lower() == "deny"
            if verdict.value is True:
                if deny and scan.deny is None:
                    scan.deny = ref
                elif not deny and scan.allow is None:
                    scan.allow = ref
            else:
                (scan.maybe_deny if deny else scan.maybe_allow).append((ref, verdict.depends_on))
    return scan


def statement_applies(statement: Mapping[str, Any], request: Request) -> Verdict:
    """Whether the statement's action, resource and condition all match the request."""
    if "NotAction" in statement:
        if any(action_matches(p, request.action) for p in _list(statement["NotAction"])):
            return conditions.FALSE
    elif not any(action_matches(p, request.action) for p in _list(statement.get("Action"))):
        return conditions.FALSE
    if "NotResource" in statement:
        resource = conditions.both(
            conditions.negation(resource_matches(p, request.resource, request))
            for p in _list(statement["NotResource"])
        )
    else:
        resource = conditions.either(
            resource_matches(p, request.resource, request) for p in _list(statement.get("Resource"))
        )
    if resource.value is False:
        return resource
    return conditions.both((resource, conditions.evaluate(statement.get("Condition"), request)))


def action_matches(pattern: str, action: str) -> bool:
    """IAM's action match: ``s3:Get*`` against ``s3:GetObject``, ignoring case."""
    return _compiled(pattern.lower()).fullmatch(action.lower()) is not None


THE_RESOURCE = "the resource"
"""What an answer on every resource (``Request.every_resource``) depends on when a statement covers
some resources only."""


def resource_matches(pattern: str, resource: str, request: Request) -> Verdict:
    """IAM's resource match, with policy variables read from the request's context.

    ``*`` matches everything; otherwise the pattern is an ARN matched case-sensitively, its
    wildcards within one ``:``-separated segment, except a ``*`` that ends a segment, which reaches
    beyond it (IAM User Guide, "IAM JSON policy elements: Resource", wildcards in resource ARNs). A
    request on ``*`` (an action that names no resource) is matched as that string. A question on
    every resource is matched by patterns every ARN matches; a narrower one makes it depend on which.
    """
    if pattern == "*":
        return TRUE
    substituted = conditions.substitute(pattern, request, glob=True)
    if isinstance(substituted, Unknown):
        return Verdict(None, frozenset(conditions.variables(pattern)))
    if substituted is None:
        return conditions.FALSE
    if request.every_resource:
        return TRUE if covers_every_arn(substituted) else Verdict(None, frozenset({THE_RESOURCE}))
    return Verdict.of(resource_like(resource, substituted))


def resource_like(resource: str, pattern: str) -> bool:
    """Whether ``resource`` matches ``pattern``, a glob as ``conditions.substitute(..., glob=True)``
    writes it, under the ``Resource`` element's rules (``resource_matches``)."""
    return _resource_pattern(pattern).fullmatch(resource) is not None


def covers_every_arn(pattern: str) -> bool:
    """Whether every ARN matches the ``Resource`` pattern: ``*``, ``arn:*``, ``arn:*:*:*:*:*``."""
    return _EVERY_ARN.fullmatch(pattern) is not None


_EVERY_ARN = re.compile(r"\*+|arn(?::\*+)+")
ARN_RESOURCE_SEGMENT = 5
"""Colons before an ARN's resource part, within which wildcards may cross colons anyway."""


@functools.lru_cache(maxsize=4096)
def _resource_pattern(pattern: str) -> re.Pattern[str]:
    colons = [index for index, character in enumerate(pattern) if character == ":"]

    def segment(index: int) -> int:
        return bisect.bisect_left(colons, index)

    def star(index: int) -> str:
        ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
        return ".*" if ends_segment or segment(index) >= ARN_RESOURCE_SEGMENT else "[^:]*"

    def question(index: int) -> str:
        return "." if segment(index) >= ARN_RESOURCE_SEGMENT else "[^:]"

    return re.compile("".join(conditions.glob_parts(pattern, star, question)), re.DOTALL)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _PATTERNS.get(pattern)
    if found is None:
        found = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))
        _PATTERNS[pattern] = found
    return found


def _list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]


def _sid(statement: Mapping[str, Any]) -> str | None:
    sid = statement.get("Sid")
    return str(sid) if sid else None
