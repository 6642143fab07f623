"""The instance profiles one synthesized app declares, read for a review: pure, from template JSON.

The audit's reader (``constructs_lib.audit.declared``) finds each ``AWS::IAM::InstanceProfile`` and
its role; here its values are resolved for no account in particular (``arn:aws:...:ACCOUNT:...``),
names CloudFormation generates stay unknown, and the role's description is added. A managed policy
the template defines stands as ``arn:aws:iam::ACCOUNT:policy/STACK-LOGICAL-ID`` when CloudFormation
names it, and its document is read from the template (``Profile.customer``), so an edit to it is
weighed as an edit to an inline policy is. In a policy document, a value only a deploy knows (the
ARN of a bucket of the stack) stands for itself (``{Bucket.Arn}``, ``intrinsics.stand_in``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from constructs_lib.audit.declared import StackTemplate, customer_managed, declared_profiles
from constructs_lib.audit.intrinsics import Account, PhysicalIds, Resolver
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
    def excluded(self) -> tuple[str, ...]:
        """What a ``NotAction`` grant leaves out: all of its statement's list, as one whole; else none."""
        if not self.action.startswith("NotAction:"):
            return ()
        listed = self.action.removeprefix("NotAction:")
        return tuple(listed[1:-1].split(",")) if listed.startswith("[") else (listed,)

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
    customer: Mapping[str, Document] = field(default_factory=dict)
    """The documents of the app's own managed policies on the role, its boundary among them, by ARN."""

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
        """The statements the app writes for the role: its inline policies and own managed policies."""
        role = self.declared.role
        inline = [doc for doc in (role.inline_policies.values() if role else ()) if doc is not None]
        return inline + [self.customer[arn] for arn in sorted(self.managed_policies) if arn in self.customer]

    @property
    def grants(self) -> frozenset[Grant]:
        return frozenset(_grants(self.documents))

    @property
    def trusted(self) -> frozenset[str]:
        """Who may assume the role: ``Service:ec2.amazonaws.com``, ``AWS:arn:...``, one entry each;
        ``NotPrincipal:AWS:arn:...`` for every principal but that one."""
        return frozenset(self._trust())

    @property
    def trusted_unconditionally(self) -> frozenset[str]:
        """Those of ``trusted`` that a statement without a ``Condition`` names."""
        return frozenset(who for who, conditional in self._trust().items() if not conditional)

    def _trust(self) -> dict[str, bool]:
        """Each principal trusted, and whether every statement naming it has a condition."""
        role = self.declared.role
        found: dict[str, bool] = {}
        for statement in _statements(role.trust_policy if role else {}):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            conditional = bool(statement.get("Condition"))
            principals = [("", statement.get("Principal", {}))]
            if "NotPrincipal" in statement:
                principals = [("NotPrincipal:", statement["NotPrincipal"])]
            for prefix, principal in principals:
                if principal == "*":
                    names = [f"{prefix}*"]
                else:
                    names = [
                        f"{prefix}{kind}:{value}"
                        for kind, values in (principal or {}).items()
                        for value in _list(values)
                    ]
                for name in names:
                    found[name] = found.get(name, True) and conditional
        return found


def read_profiles(templates: Templates) -> list[Profile]:
    """Every instance profile the templates declare, in stack and template order."""
    profiles = []
    for name, template in templates.items():
        physical_id = _policy_arns(template)
        resolver = Resolver(
            stack=name, template=template, account=ANY_ACCOUNT, physical_id=physical_id, stand_ins=True
        )
        customer = customer_managed(template, resolver)
        stack = StackTemplate(name, "", template)
        for profile in declared_profiles((stack,), ANY_ACCOUNT, physical_id, stand_ins=True).profiles:
            role = profile.role
            own = (role.managed_policy_arns | {role.permissions_boundary or ""}) if role else frozenset()
            mine = {arn: document for arn, document in customer.items() if arn in own}
            profiles.append(Profile(profile, _description(template, profile), mine))
    return profiles


def _policy_arns(template: Mapping[str, Any]) -> PhysicalIds:
    """Physical IDs offline: a managed policy's ARN, ``...:policy/STACK-LOGICAL-ID``; no other resource's."""
    resources: Mapping[str, Any] = template.get("Resources") or {}

    def physical_id(stack: str, region: str | None, logical_id: str) -> str | None:
        if (resources.get(logical_id) or {}).get("Type") != "AWS::IAM::ManagedPolicy":
            return None
        return f"arn:{ANY_ACCOUNT.partition}:iam::{ANY_ACCOUNT.account_id}:policy/{stack}-{logical_id}"

    return physical_id


def _description(template: Mapping[str, Any], profile: DeclaredProfile) -> str | None:
    if profile.role is None:
        return None
    role = (template.get("Resources") or {}).get(profile.role.logical_id) or {}
    description = (role.get("Properties") or {}).get("Description")
    return description if isinstance(description, str) else None


def _grants(documents: Sequence[Document]) -> Iterator[Grant]:
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            conditions = statement.get("Condition")
            shown = json.dumps(conditions, sort_keys=True, separators=(",", ":")) if conditions else ""
            excluded = sorted(dict.fromkeys(_normal(a) for a in _list(statement.get("NotAction"))))
            actions = [_normal(a) for a in _list(statement.get("Action"))] or (
                [f"NotAction:{excluded[0]}" if len(excluded) == 1 else f"NotAction:[{','.join(excluded)}]"]
                if excluded
                else []
            )
            resources = _list(statement.get("Resource")) or [
                f"NotResource:{r}" for r in _list(statement.get("NotResource"))
            ]
            for action in actions:
                for resource in resources:
                    yield Grant(action, resource, shown)


def _normal(action: str) -> str:
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
