"""The instance profiles one synthesized app declares, read for a review: pure, from template JSON.

The audit's reader (``constructs_lib.audit.declared``) finds each ``AWS::IAM::InstanceProfile`` and
its role; here its values are resolved for no account in particular (``arn:aws:...:ACCOUNT:...``),
names CloudFormation generates stay unknown, and the role's description is added.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constructs_lib.audit.declared import StackTemplate, declared_profiles
from constructs_lib.audit.intrinsics import Account
from constructs_lib.audit.profiles import DeclaredProfile, Document

ANY_ACCOUNT = Account(partition="aws", account_id="ACCOUNT", region="REGION", url_suffix="amazonaws.com")
"""Pseudo-parameters as a reviewer reads them: the templates are not deployed anywhere yet."""

Templates = Mapping[str, Mapping[str, Any]]
"""Templates by stack name, as ``cdk synth`` writes them."""


@dataclass(frozen=True)
class Grant:
    """One action an ``Allow`` statement of the role's inline policies grants, on one resource."""

    action: str
    """As written, with the service prefix in lower case: ``s3:GetObject``, ``s3:Get*``, ``*``."""
    resource: str
    conditions: str
    """The statement's ``Condition`` as compact JSON; empty when it has none."""

    @property
    def service(self) -> str:
        """The action's service; ``*`` for ``*`` and for ``NotAction:...`` (every service but some)."""
        if self.action.startswith("NotAction:") or ":" not in self.action:
            return "*"
        return self.action.split(":", 1)[0]


@dataclass(frozen=True)
class Profile:
    """An instance profile and its role, as one assembly declares them."""

    declared: DeclaredProfile
    description: str | None

    @property
    def label(self) -> str:
        """Its instance-profile name, or ``STACK/LOGICAL-ID`` where CloudFormation generates the name."""
        return self.declared.name or f"{self.declared.stack}/{self.declared.logical_id}"

    @property
    def key(self) -> tuple[str, str]:
        return self.declared.stack, self.declared.logical_id

    @property
    def managed_policies(self) -> frozenset[str]:
        return self.declared.role.managed_policy_arns if self.declared.role else frozenset()

    @property
    def documents(self) -> list[Document]:
        role = self.declared.role
        return [doc for doc in (role.inline_policies.values() if role else ()) if doc is not None]

    @property
    def grants(self) -> frozenset[Grant]:
        return frozenset(_grants(self.documents))

    @property
    def trusted(self) -> frozenset[str]:
        """Who may assume the role: ``Service:ec2.amazonaws.com``, ``AWS:arn:...``, one entry each."""
        role = self.declared.role
        found: set[str] = set()
        for statement in _statements(role.trust_policy if role else {}):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            principal = statement.get("Principal", {})
            if principal == "*":
                found.add("*")
                continue
            for kind, values in (principal or {}).items():
                found.update(f"{kind}:{value}" for value in _list(values))
        return frozenset(found)


def read_profiles(templates: Templates) -> list[Profile]:
    """Every instance profile the templates declare, in stack and template order."""
    stacks = tuple(StackTemplate(name, "", template) for name, template in templates.items())
    declared = declared_profiles(stacks, ANY_ACCOUNT, lambda stack, region, logical_id: None)
    return [
        Profile(profile, _description(templates[profile.stack], profile)) for profile in declared.profiles
    ]


def _description(template: Mapping[str, Any], profile: DeclaredProfile) -> str | None:
    if profile.role is None:
        return None
    role = (template.get("Resources") or {}).get(profile.role.logical_id) or {}
    description = (role.get("Properties") or {}).get("Description")
    return description if isinstance(description, str) else None


def _grants(documents: Sequence[Document]) -> Iterator[Grant]:
    import json

    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            conditions = statement.get("Condition")
            shown = json.dumps(conditions, sort_keys=True, separators=(",", ":")) if conditions else ""
            actions = _list(statement.get("Action")) or [
                f"NotAction:{a}" for a in _list(statement.get("NotAction"))
            ]
            resources = _list(statement.get("Resource")) or [
                f"NotResource:{r}" for r in _list(statement.get("NotResource"))
            ]
            for action in actions:
                for resource in resources:
                    yield Grant(_normal(action), resource, shown)


def _normal(action: str) -> str:
    if action.startswith("NotAction:"):
        return f"NotAction:{_normal(action.removeprefix('NotAction:'))}"
    service, colon, name = action.partition(":")
    return f"{service.lower()}{colon}{name}"


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [s for s in _list(statements) if isinstance(s, Mapping)]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [
        str(v) if not isinstance(v, Mapping) else v for v in (value if isinstance(value, list) else [value])
    ]
