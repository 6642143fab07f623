"""The shapes both sides are read into: profiles as the app declares them and as the account holds them.

Plain frozen dataclasses, no I/O. ``declared`` builds ``DeclaredProfile``s from templates;
``account`` builds ``ListedProfile``s and ``AccountProfile``s from the IAM API; ``drift`` compares
them. Policy documents are JSON as IAM returns it (``dict``), names and ARNs are strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Document = Mapping[str, Any]
"""An IAM policy document, as JSON."""


@dataclass(frozen=True)
class DeclaredRole:
    """The role a template defines for a profile, with every property resolved for the account audited."""

    logical_id: str
    path: str = "/"
    trust_policy: Document = field(default_factory=dict)
    managed_policy_arns: frozenset[str] = frozenset()
    """Its ``ManagedPolicyArns`` and every ``AWS::IAM::ManagedPolicy`` of the template attached to it."""
    inline_policies: Mapping[str, Document | None] = field(default_factory=dict)
    """Its ``Policies`` and every ``AWS::IAM::Policy`` / ``AWS::IAM::RolePolicy`` of the template on it,
    by name; ``None`` for a document only known at deploy (the policy must exist; its text is not audited)."""
    permissions_boundary: str | None = None
    max_session_duration: int = 3600
    tags: Mapping[str, str] = field(default_factory=dict)
    conditional_policies: frozenset[str] = frozenset()
    """Managed-policy ARNs and inline-policy names (lower case) of template resources that exist only
    when their ``Condition`` holds in the account: there or not, neither is drift."""


@dataclass(frozen=True)
class DeclaredProfile:
    """One ``AWS::IAM::InstanceProfile`` of the app, as the account audited should hold it."""

    stack: str
    """The stack's name, as deployed (``cdk deploy STACK``)."""
    logical_id: str
    where: str
    """The construct path (``Ec2Access-WebServer/WebServer``), else ``STACK/LOGICAL-ID``."""
    name: str | None
    """The profile's name; ``None`` when CloudFormation generates it and the stack has not made it yet."""
    path: str = "/"
    tags: Mapping[str, str] | None = None
    """The tags of its ``Custom::InstanceProfileTags``; ``None`` when the app does not tag the profile."""
    role_name: str | None = None
    """The role's name; ``None`` when it cannot be known before the role exists."""
    role: DeclaredRole | None = None
    """The role's properties, when the same template defines the role."""
    not_audited: Mapping[str, str] = field(default_factory=dict)
    """Fields whose declared value is only known at deploy, with why: ``drift`` leaves them alone."""

    @property
    def shown_name(self) -> str:
        """How findings name the profile: its name, else its construct path."""
        return self.name if self.name is not None else self.where


@dataclass(frozen=True)
class ListedProfile:
    """An instance profile as ``ListInstanceProfiles`` or ``GetInstanceProfile`` returns it."""

    name: str
    path: str
    arn: str
    role_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountRole:
    """A role as ``GetRole`` and the role's policy and profile lists return it."""

    name: str
    path: str
    trust_policy: Document
    managed_policy_arns: frozenset[str]
    inline_policies: Mapping[str, Document]
    permissions_boundary: str | None
    max_session_duration: int
    tags: Mapping[str, str]
    instance_profiles: tuple[str, ...]
    """Names of every instance profile that holds the role (``ListInstanceProfilesForRole``)."""


@dataclass(frozen=True)
class AccountProfile:
    """An instance profile the account holds, with its tags and its role read in full."""

    name: str
    path: str
    arn: str
    tags: Mapping[str, str]
    role: AccountRole | None
    """IAM allows one role per instance profile; ``None`` when it has none."""
