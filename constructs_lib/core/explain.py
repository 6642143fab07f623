"""What a profile can do, action by action, grouped by service and IAM access level.

Every ``Allow`` statement of the profile's identity policies (inline and managed) is expanded
against IAM's reference: ``s3:Get*`` becomes each S3 action whose name starts with ``Get``,
``NotAction`` every action of every service but those. Each action granted keeps the resources and
conditions it is granted on and the statement that grants it. Then the limits are applied, per
action: an explicit ``Deny`` that covers the action everywhere (``*``, no condition) removes it; a
narrower one is shown beside it; a permissions boundary that allows none of it cuts it, and one
that allows it only on some resources or conditions limits it. Policies whose document is not known
are listed apart, never guessed. Pure: the reference is read, nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from constructs_lib.core.evaluator import Policy, Profile, StatementRef, action_matches, covers_every_arn
from constructs_lib.core.iam_reference import IamReference, reference

ACCESS_LEVELS = ("Permissions management", "Write", "Tagging", "Read", "List")
"""IAM's access levels, the most powerful first: the order they are shown in."""


@dataclass(frozen=True)
class Grant:
    """One action the profile is allowed, by one statement, and what limits it."""

    action: str
    """As AWS spells it: ``s3:GetObject``."""
    access_level: str
    resources: tuple[str, ...]
    not_resource: bool
    """Whether ``resources`` are those excluded (``NotResource``)."""
    conditions: Mapping[str, Any] | None
    statement: StatementRef
    denied_where: tuple[StatementRef, ...] = ()
    """Deny statements that cover the action on some resources or conditions."""
    boundary: str = ""
    """``""`` (no boundary, or it allows the action everywhere), ``limited`` or ``unknown``."""

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "access_level": self.access_level,
            "resources": list(self.resources),
            "not_resource": self.not_resource,
            "conditions": self.conditions,
            "statement": self.statement.to_json(),
            "denied_where": [ref.to_json() for ref in self.denied_where],
            "boundary": self.boundary,
        }


@dataclass(frozen=True)
class Explanation:
    """Everything ``explain`` says about one profile."""

    profile: str
    grants: tuple[Grant, ...]
    removed: tuple[tuple[str, str], ...] = ()
    """Actions an allow names that a deny or the boundary takes away everywhere, with why."""
    unknown: tuple[Policy, ...] = ()
    boundary: str | None = None
    policies: tuple[str, ...] = field(default_factory=tuple)
    """Every policy weighed, as ``kind name``."""

    def by_service(self) -> dict[str, dict[str, list[Grant]]]:
        """Grants by service prefix, then access level (most powerful first), then action."""
        grouped: dict[str, dict[str, list[Grant]]] = {}
        for grant in sorted(self.grants, key=lambda g: (g.action.split(":")[0], _level_rank(g), g.action)):
            service = grant.action.split(":")[0]
            grouped.setdefault(service, {}).setdefault(grant.access_level or "Unknown", []).append(grant)
        return grouped


def explain(profile: Profile, iam: IamReference | None = None) -> Explanation:
    """What ``profile`` can do."""
    iam = iam or reference()
    denies = list(_statements(profile.policies, "deny"))
    boundary_allows: list[tuple[StatementRef, Mapping[str, Any]]] = []
    if profile.boundary is not None:
        denies += _statements((profile.boundary,), "deny")
        boundary_allows = list(_statements((profile.boundary,), "allow"))
    boundary_unknown = profile.boundary is not None and profile.boundary.document is None
    grants: list[Grant] = []
    removed: dict[str, str] = {}
    for ref, statement in _statements(profile.policies, "allow"):
        for service, name, level in _expanded(iam, _action_key(statement)):
            action = f"{service}:{name}"
            full_denies = [r for r, s in denies if _covers(s, action) and _everywhere(s)]
            if full_denies:
                removed[action] = f"explicitly denied by {full_denies[0]}"
                continue
            limit = ""
            if boundary_unknown:
                limit = "unknown"
            elif profile.boundary is not None:
                allowing = [s for _, s in boundary_allows if _covers(s, action)]
                if not allowing:
                    removed[action] = f"outside the permissions boundary {profile.boundary.name}"
                    continue
                limit = "" if any(_everywhere(s) for s in allowing) else "limited"
            resources, not_resource = _resources(statement)
            grants.append(
                Grant(
                    action=action,
                    access_level=level,
                    resources=resources,
                    not_resource=not_resource,
                    conditions=statement.get("Condition") or None,
                    statement=ref,
                    denied_where=tuple(r for r, s in denies if _covers(s, action)),
                    boundary=limit,
                )
            )
    granted = {grant.action for grant in grants}
    everything = [*profile.policies, *([profile.boundary] if profile.boundary else [])]
    return Explanation(
        profile=profile.name,
        grants=tuple(grants),
        removed=tuple(sorted((a, why) for a, why in removed.items() if a not in granted)),
        unknown=tuple(policy for policy in everything if policy.document is None),
        boundary=None if profile.boundary is None else profile.boundary.name,
        policies=tuple(f"{policy.kind} {policy.name}" for policy in everything),
    )


def _statements(
    policies: tuple[Policy, ...], effect: str
) -> Iterator[tuple[StatementRef, Mapping[str, Any]]]:
    for policy in policies:
        for index, statement in policy.statements():
            if str(statement.get("Effect", "")).lower() == effect:
                sid = statement.get("Sid")
                yield StatementRef(policy.name, policy.kind, index, str(sid) if sid else None), statement


def _action_key(statement: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
    """What expansion depends on: whether it is ``NotAction``, and the patterns."""
    negated = "NotAction" in statement
    return negated, tuple(_list(statement["NotAction"] if negated else statement.get("Action")))


@functools.lru_cache(maxsize=8_192)
def _expanded(iam: IamReference, key: tuple[bool, tuple[str, ...]]) -> tuple[tuple[str, str, str], ...]:
    """``_expand``, remembered: a review meets the same managed policies' statements in every profile."""
    negated, patterns = key
    return tuple(_expand({"NotAction" if negated else "Action": list(patterns)}, iam))


def _expand(statement: Mapping[str, Any], iam: IamReference) -> Iterator[tuple[str, str, str]]:
    """(service, action, access level) of every action the statement's action element covers."""
    if "NotAction" in statement:
        excluded = _list(statement["NotAction"])
        for service in sorted(iam.services()):
            for name, level in _actions(iam, service):
                if not any(action_matches(p, f"{service}:{name}") for p in excluded):
                    yield service, name, level
        return
    for pattern in _list(statement.get("Action")):
        service_pattern, colon, name_pattern = pattern.partition(":")
        if not colon:  # `*`, or what names no action (`5`, `GetObject`): matched whole, as evaluated
            for service in sorted(iam.services()):
                for name in iam.action_names(service):
                    if action_matches(pattern, f"{service}:{name}"):
                        yield service, name, iam.access_level(service, name)
            continue
        for service in _services(iam, service_pattern):
            for name in iam.action_names(service):
                if action_matches(name_pattern, name):
                    yield service, name, iam.access_level(service, name)


def _services(iam: IamReference, pattern: str) -> list[str]:
    """The service prefixes ``pattern`` names: one without a wildcard is looked up, not matched."""
    if "*" not in pattern and "?" not in pattern:
        return [pattern.lower()] if iam.has_service(pattern) else []
    return sorted(service for service in iam.services() if action_matches(pattern, service))


def _actions(iam: IamReference, service: str) -> list[tuple[str, str]]:
    return [(name, iam.access_level(service, name)) for name in iam.action_names(service)]


def _covers(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(action_matches(p, action) for p in _list(statement["NotAction"]))
    return any(action_matches(p, action) for p in _list(statement.get("Action")))


def _everywhere(statement: Mapping[str, Any]) -> bool:
    """Whether the statement applies to every resource, unconditionally."""
    return (
        "NotResource" not in statement
        and any(covers_every_arn(pattern) for pattern in _list(statement.get("Resource")))
        and not statement.get("Condition")
    )


def _resources(statement: Mapping[str, Any]) -> tuple[tuple[str, ...], bool]:
    if "NotResource" in statement:
        return tuple(_list(statement["NotResource"])), True
    return tuple(_list(statement.get("Resource"))), False


def _level_rank(grant: Grant) -> int:
    return (
        ACCESS_LEVELS.index(grant.access_level) if grant.access_level in ACCESS_LEVELS else len(ACCESS_LEVELS)
    )


def _list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
