"""Least privilege: which grants are broad, and how a caller acknowledges one with a reason.

A profile refuses, unless acknowledged, an ``Allow`` statement whose action is ``*`` or a whole
service (``s3:*``), or whose resource is ``*``, and the AWS-managed policies that grant
administrator-level access. ``BroadAccess`` is the acknowledgment: the exact wildcard or policy and
why it is needed. Pure Python, like ``validation``: statements are read as IAM JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

REASON_MIN_CHARACTERS = 10

ADMIN_MANAGED_POLICIES = ("AdministratorAccess", "IAMFullAccess", "PowerUserAccess")
"""AWS-managed policies that grant administrator-level access: all actions, or all of IAM."""

BroadKind = Literal["action", "resource", "managed_policy", "unknown_action"]

_ANY_NAME = r"[*?]*\*[*?]*"
"""Wildcards only, one ``*`` at least: every name (``*``, ``**``, ``?*``: IAM's ``?`` is one character)."""
_SERVICE_WILDCARD = re.compile(rf"[A-Za-z0-9-]+:{_ANY_NAME}")
_EVERYTHING = re.compile(_ANY_NAME)
"""A run of ``*``: IAM reads ``s3:**`` as ``s3:*`` and ``**`` as ``*``."""
_ACTION_NAME = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*]+")


@dataclass(frozen=True)
class BroadAccess:
    """An acknowledgment that a profile grants something broad on purpose, and why.

    Give a list of them to ``Ec2AccessProfile(acknowledge=[...])`` or ``profile.acknowledge(...)``::

        acknowledge=[
            BroadAccess.action("s3:*", reason="The backup agent manages every object of its bucket"),
            BroadAccess.resource("*", reason="ec2:DescribeInstances has no resource-level permissions"),
            BroadAccess.managed_policy("PowerUserAccess", reason="Build hosts create any resource"),
            BroadAccess.unknown_action("s3:NewAction", reason="Announced on 2026-11-28, after the reference"),
        ]

    Required for an ``Allow`` of action ``*`` or ``SERVICE:*``, of resource ``*``, and for
    ``AdministratorAccess``, ``PowerUserAccess`` and ``IAMFullAccess``. Optional for other
    wildcards (``s3:Get*``, ``arn:aws:s3:::bucket/*``) and other AWS-managed policies: there it
    only records the reason for cdk-nag (``AwsSolutions-IAM5`` / ``AwsSolutions-IAM4``).
    ``unknown_action`` accepts an action that IAM's reference (``constructs_lib.core.iam_reference``) does
    not list yet, since AWS adds actions every week: its name, resource and condition keys are then
    not checked.
    """

    kind: BroadKind
    """What is acknowledged: an action pattern, a resource pattern or an AWS-managed policy name."""
    pattern: str
    """The exact action or resource as written in the statement, or the policy's name (with path)."""
    reason: str
    """Why this is needed; at least 10 characters."""

    @staticmethod
    def action(pattern: str, *, reason: str) -> BroadAccess:
        """Acknowledge an action wildcard exactly as the statements write it: ``*``, ``s3:*``, ``s3:Get*``."""
        return BroadAccess("action", pattern, reason)

    @staticmethod
    def resource(pattern: str, *, reason: str) -> BroadAccess:
        """Acknowledge a resource wildcard exactly as the statements write it: ``*``, ``arn:…:bucket/*``."""
        return BroadAccess("resource", pattern, reason)

    @staticmethod
    def managed_policy(name: str, *, reason: str) -> BroadAccess:
        """Acknowledge an AWS-managed policy by name (with its path): ``PowerUserAccess``."""
        return BroadAccess("managed_policy", name, reason)

    @staticmethod
    def unknown_action(action: str, *, reason: str) -> BroadAccess:
        """Accept an action IAM's reference does not list yet, exactly as the statements write it."""
        return BroadAccess("unknown_action", action, reason)


@dataclass(frozen=True)
class BroadGrant:
    """Something a statement grants that needs an acknowledgment."""

    kind: BroadKind
    pattern: str
    """The value to acknowledge (``*`` for ``NotAction`` and ``NotResource``)."""
    shown: str
    """How the statement writes it, for the message."""

    def rule(self) -> str:
        """Why it is refused and the ways out, as the end of a sentence."""
        factory = "action" if self.kind == "action" else "resource"
        return (
            f"{self._what()}; list exactly what is needed, or acknowledge it with "
            f"BroadAccess.{factory}({self.pattern!r}, reason='why it is needed') in acknowledge"
        )

    def _what(self) -> str:
        if self.shown.startswith("NotAction"):
            return "allows every action but the ones listed"
        if self.shown.startswith("NotResource"):
            return "allows every resource but the ones listed"
        if self.kind == "resource":
            return "allows every resource"
        if everything(self.pattern):
            return "allows every action of every service"
        return f"allows every action of {self.pattern.split(':')[0]}"


def broad_grants(statement: Mapping[str, object]) -> list[BroadGrant]:
    """The wildcards of one statement, read as IAM JSON, that need an acknowledgment.

    Only ``Allow`` statements grant anything. Values that are not strings (intrinsics) are skipped.
    """
    if statement.get("Effect", "Allow") != "Allow":
        return []
    grants: list[BroadGrant] = []
    for action in _strings(statement.get("Action")):
        if everything(action) or _SERVICE_WILDCARD.fullmatch(action):
            grants.append(BroadGrant("action", action, action))
    if "NotAction" in statement:
        grants.append(BroadGrant("action", "*", f"NotAction {_show(statement['NotAction'])}"))
    grants.extend(BroadGrant("resource", r, r) for r in _strings(statement.get("Resource")) if everything(r))
    if "NotResource" in statement:
        grants.append(BroadGrant("resource", "*", f"NotResource {_show(statement['NotResource'])}"))
    return grants


def everything(pattern: str) -> bool:
    """Whether an action or resource pattern matches everything: ``*``, a run of them (``**``), or
    wildcards only (``?*``)."""
    return _EVERYTHING.fullmatch(pattern) is not None


def is_admin_managed_policy(name: str) -> bool:
    """Whether an AWS-managed policy (by name, with path) grants administrator-level access; IAM does
    not tell policy names apart by case, so neither does this."""
    return name.lower() in _ADMIN_NAMES


_ADMIN_NAMES = frozenset(name.lower() for name in ADMIN_MANAGED_POLICIES)


def admin_policy_rule(name: str) -> str:
    """Why an admin-level AWS-managed policy is refused and the ways out."""
    return (
        "grants administrator-level access; attach a narrower policy, or acknowledge it with "
        f"BroadAccess.managed_policy({name!r}, reason='why it is needed') in acknowledge"
    )


def check_acknowledgment(acknowledgment: BroadAccess) -> str | None:
    """A usable acknowledgment: a real wildcard (or policy name) and a reason of 10 characters or more."""
    reason = acknowledgment.reason.strip()
    if len(reason) < REASON_MIN_CHARACTERS:
        return (
            f"has a reason of {len(reason)} characters; give at least {REASON_MIN_CHARACTERS} saying "
            "why this access is needed"
        )
    if acknowledgment.kind == "unknown_action":
        if not _ACTION_NAME.fullmatch(acknowledgment.pattern):
            return "is not an action; write it as the statements do, e.g. 's3:NewAction'"
        return None
    if acknowledgment.kind != "managed_policy" and "*" not in acknowledgment.pattern:
        return f"is not a wildcard; acknowledge only {acknowledgment.kind}s that contain '*'"
    return None


def find_acknowledgment(
    acknowledgments: Iterable[BroadAccess], kind: BroadKind, pattern: str
) -> BroadAccess | None:
    """The acknowledgment of exactly this wildcard or policy, if there is one."""
    return next((a for a in acknowledgments if a.kind == kind and a.pattern == pattern), None)


def unacknowledged_grants(
    statement: Mapping[str, object], acknowledgments: Iterable[BroadAccess]
) -> list[BroadGrant]:
    """The broad grants of one statement that no acknowledgment covers."""
    given = list(acknowledgments)
    return [
        grant
        for grant in broad_grants(statement)
        if not find_acknowledgment(given, grant.kind, grant.pattern)
    ]


def is_unacknowledged_admin_policy(name: str, acknowledgments: Iterable[BroadAccess]) -> bool:
    """Whether an AWS-managed policy (by name) is admin-level and nobody acknowledged it."""
    return is_admin_managed_policy(name) and not find_acknowledgment(acknowledgments, "managed_policy", name)


def _strings(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, str)]


def _show(value: object) -> str:
    return repr(value if not isinstance(value, list) or len(value) != 1 else value[0])
