"""Checks of a profile that need the finished app: run by ``cdk synth`` after every aspect.

What a profile's role ends up with is only known once the whole app is built: policies attached from
elsewhere (``profile.role.add_managed_policy``, ``iam.ManagedPolicy(roles=[profile.role])``,
``profile.role.add_to_policy``), statements added to its trust policy, and tags from
``Tags.of(...)``. ``ProfileGuardrails`` is added to the profile with ``node.add_validation``; CDK runs
it after aspects and before writing templates, and fails synthesis with every message it returns,
each shaped like a ``ProfileValidationError``::

    Validation failed with the following errors:
      [Prod/WebServer] Ec2AccessProfile 'Prod/WebServer': managed_policies '11 attached …' is more …

CDK collects these as strings and raises one error for all of them (a ``RuntimeError`` in Python),
so they cannot be raised as ``ProfileValidationError`` objects; ``problems()`` builds them as such
and ``validate()`` hands CDK their messages.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import jsii
from aws_cdk import Stack, Stage
from aws_cdk import aws_iam as iam
from constructs import IConstruct, IValidation

from constructs_lib import limits
from constructs_lib.checker import REQUIRED_TAGS_CONSTRUCT_FIX, required_tag_findings, tag_findings
from constructs_lib.crossings import default_child, is_unresolved, stack_of
from constructs_lib.errors import ProfileValidationError
from constructs_lib.findings import Finding
from constructs_lib.least_privilege import (
    BroadAccess,
    admin_policy_rule,
    is_unacknowledged_admin_policy,
    unacknowledged_grants,
)
from constructs_lib.managed_policies import aws_managed_name_of
from constructs_lib.spec import DeployTime, Text

EC2_SERVICE_PRINCIPAL = "ec2.amazonaws.com"
"""The principal EC2 assumes a role as; AWS uses this name in every partition."""


@dataclass(frozen=True)
class _Document:
    """A policy document of the role as it will be written, and where it comes from."""

    source: str
    document: Any


@jsii.implements(IValidation)
class ProfileGuardrails:
    """The checks of one profile against the finished app."""

    def __init__(
        self,
        *,
        profile_path: str,
        role: iam.Role,
        own_policy_count: Callable[[], int],
        managed_policy_quota: int,
        acknowledgments: Callable[[], Sequence[BroadAccess]],
        required_tags: Sequence[str],
    ) -> None:
        self._path = profile_path
        self._role = role
        self._own_policy_count = own_policy_count
        self._quota = managed_policy_quota
        self._acknowledgments = acknowledgments
        self._required_tags = tuple(required_tags)
        watch_policies(role)

    def validate(self) -> list[str]:
        return [str(problem) for problem in self.problems()]

    def problems(self) -> list[ProfileValidationError]:
        """Everything wrong with the role as the app leaves it."""
        attachments = _Attachments(self._role)
        return [
            *self._trust_policy_problems(),
            *self._managed_policy_problems(attachments),
            *self._size_problems(attachments),
            *self._wildcard_problems(attachments),
            *self._tag_problems(),
        ]

    def _error(self, rule_id: str, field: str, value: object, rule: str) -> ProfileValidationError:
        return ProfileValidationError(self._path, field, value, rule, rule_id=rule_id)

    def _from(self, finding: Finding) -> ProfileValidationError:
        return self._error(finding.rule_id, finding.field, finding.value, finding.rule)

    def _trust_policy_problems(self) -> Iterable[ProfileValidationError]:
        document = Stack.of(self._role).resolve(self._role.assume_role_policy)
        for finding in _trust_size_findings(document):
            yield self._from(finding)
        for statement in _statements(document):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            principal = statement.get("Principal")
            if "NotPrincipal" in statement or not _is_ec2_only(principal):
                yield self._error(
                    "EAP063",
                    "trust policy",
                    statement.get("Principal", statement.get("NotPrincipal")),
                    f"lets another principal than {EC2_SERVICE_PRINCIPAL} assume the role; a profile's "
                    "role is for EC2 only: remove what was added to role.assume_role_policy, or give "
                    "that principal an iam.Role of its own",
                )

    def _managed_policy_problems(self, attachments: _Attachments) -> Iterable[ProfileValidationError]:
        count = len(attachments.managed_arns)
        problem = limits.check_managed_policy_count(count, self._quota)
        if problem:
            own = min(self._own_policy_count(), count)
            value = f"{count} attached ({own} through the profile, {count - own} elsewhere)"
            yield self._error("EAP022", "managed_policies", value, problem)
        for arn in attachments.managed_arns:
            name = aws_managed_name_of(arn)
            if name is not None and is_unacknowledged_admin_policy(name, self._acknowledgments()):
                yield self._error("EAP024", "managed_policies", name, admin_policy_rule(name))

    def _size_problems(self, attachments: _Attachments) -> Iterable[ProfileValidationError]:
        for finding in _size_findings(attachments):
            yield self._from(finding)

    def _wildcard_problems(self, attachments: _Attachments) -> Iterable[ProfileValidationError]:
        acknowledgments = self._acknowledgments()
        for policy in [*attachments.inline, *attachments.customer_managed]:
            for statement in _statements(policy.document):
                for grant in unacknowledged_grants(statement, acknowledgments):
                    yield self._error("EAP042", f"statements (in {policy.source})", grant.shown, grant.rule())

    def _tag_problems(self) -> Iterable[ProfileValidationError]:
        cfn_role = default_child(self._role)
        assert isinstance(cfn_role, iam.CfnRole)
        tags = {_text(key): _text(value) for key, value in cfn_role.tags.tag_values().items()}
        for finding in tag_findings(tags, field_suffix=" (after Tags.of)"):
            yield self._from(finding)
        for finding in required_tag_findings(tags, self._required_tags, fix=REQUIRED_TAGS_CONSTRUCT_FIX):
            yield self._from(finding)


@jsii.implements(IValidation)
class HelperRoleLimits:
    """IAM's limits on a role the library creates for itself (the tag function's), checked like a profile's.

    The same rules and messages as ``ProfileGuardrails``' limits, naming the helper's construct path.
    """

    def __init__(self, *, path: str, role: iam.Role) -> None:
        self._path = path
        self._role = role
        watch_policies(role)

    def validate(self) -> list[str]:
        return [f"{self._path}: {finding.rule_id} {finding.message}" for finding in self.findings()]

    def findings(self) -> list[Finding]:
        """Every limit the role breaks as the app leaves it."""
        attachments = _Attachments(self._role)
        count = len(attachments.managed_arns)
        count_problem = limits.check_managed_policy_count(count, limits.MANAGED_POLICIES_DEFAULT_QUOTA)
        return [
            *_trust_size_findings(Stack.of(self._role).resolve(self._role.assume_role_policy)),
            *([Finding("EAP022", "managed_policies", count, count_problem)] if count_problem else []),
            *_size_findings(attachments),
        ]


def _trust_size_findings(document: object) -> list[Finding]:
    size = limits.policy_size(document)
    problem = limits.check_trust_policy_size(size)
    return [Finding("EAP062", "trust policy", f"{size:,} characters", problem)] if problem else []


def _size_findings(attachments: _Attachments) -> list[Finding]:
    """A role's inline policies together, and each customer managed policy, against IAM's sizes."""
    findings = []
    sizes = [(inline.source, limits.policy_size(inline.document)) for inline in attachments.inline]
    total = sum(size for _, size in sizes)
    problem = limits.check_inline_policies_size(total)
    if problem:
        parts = ", ".join(f"{source} {size:,}" for source, size in sizes)
        findings.append(
            Finding("EAP060", "inline policies", f"{total:,} characters", f"(from {parts}) {problem}")
        )
    for managed in [*attachments.customer_managed, *attachments.boundary]:
        size = limits.policy_size(managed.document)
        problem = limits.check_managed_policy_size(size)
        if problem:
            findings.append(
                Finding("EAP061", f"managed policy {managed.source}", f"{size:,} characters", problem)
            )
    return findings


def _text(value: str) -> Text:
    return DeployTime(value, value) if is_unresolved(value) else value


class _Attachments:
    """Every policy IAM will count against the role, found in the finished app."""

    def __init__(self, role: iam.Role) -> None:
        stack = Stack.of(role)
        cfn_role = default_child(role)
        assert isinstance(cfn_role, iam.CfnRole)
        self.inline: list[_Document] = [
            _Document(f"inline policy {_policy_name(policy)!r}", _document(stack, policy))
            for policy in _as_list(stack.resolve(cfn_role.policies))
        ]
        self.managed_arns: list[object] = list(_as_list(stack.resolve(cfn_role.managed_policy_arns)))
        self.customer_managed: list[_Document] = []
        self.boundary: list[_Document] = []
        names_of_role = _names_of(role)
        arns = {_key(arn) for arn in self.managed_arns}
        for construct in _policies_of(role.node.root):
            self._add(stack, construct, names_of_role, arns)
        boundary = role.permissions_boundary
        if isinstance(boundary, iam.ManagedPolicy) and isinstance(
            boundary.node.default_child, iam.CfnManagedPolicy
        ):
            cfn_boundary = boundary.node.default_child
            self.boundary.append(
                _Document(
                    cfn_boundary.node.path, Stack.of(cfn_boundary).resolve(cfn_boundary.policy_document)
                )
            )

    def _add(
        self,
        role_stack: Stack,
        construct: iam.CfnPolicy | iam.CfnRolePolicy | iam.CfnManagedPolicy,
        names_of_role: Callable[[Stack], set[str]],
        arns: set[str],
    ) -> None:
        stack = Stack.of(construct)
        document = _parsed(stack.resolve(construct.policy_document))
        if isinstance(construct, iam.CfnRolePolicy):
            if _key(stack.resolve(construct.role_name)) in names_of_role(stack):
                self.inline.append(_Document(construct.node.path, document))
            return
        attached_here = any(_key(r) in names_of_role(stack) for r in _as_list(stack.resolve(construct.roles)))
        if isinstance(construct, iam.CfnPolicy):
            if attached_here:
                self.inline.append(_Document(construct.node.path, document))
            return
        arn = role_stack.resolve(construct.ref)
        if attached_here:
            # Not also in the role's ManagedPolicyArns: that would be a dependency cycle CDK refuses.
            self.managed_arns.append(arn)
        if attached_here or _key(arn) in arns:
            self.customer_managed.append(_Document(construct.node.path, document))


_PolicyConstruct: TypeAlias = iam.CfnPolicy | iam.CfnRolePolicy | iam.CfnManagedPolicy
_POLICIES: weakref.WeakKeyDictionary[IConstruct, list[_PolicyConstruct]] = weakref.WeakKeyDictionary()
"""Every policy construct of an app, found once per validation pass: one search of the whole tree per
role made synth quadratic (a thousand profiles took minutes)."""
_WATCHED: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def watch_policies(scope: IConstruct) -> None:
    """Make each validation pass that reaches ``scope`` search its app's policies afresh.

    CDK validates a tree in pre-order, so a validation on the app (or on the stage being synthesized)
    runs before those of the roles under it: it forgets what an earlier pass found.
    """
    stack = stack_of(scope)
    if stack in _WATCHED:
        return  # its app and stage are watched already
    _WATCHED.add(stack)
    root = scope.node.root
    for construct in (root, Stage.of(scope)):
        if construct is not None and construct not in _WATCHED:
            _WATCHED.add(construct)
            construct.node.add_validation(_ForgetPolicies(root))


@jsii.implements(IValidation)
class _ForgetPolicies:
    def __init__(self, root: IConstruct) -> None:
        self._root = weakref.ref(root)

    def validate(self) -> list[str]:
        root = self._root()
        if root is not None:
            _POLICIES.pop(root, None)
        return []


def _policies_of(root: IConstruct) -> list[_PolicyConstruct]:
    found = _POLICIES.get(root)
    if found is None:
        policy_types = (iam.CfnPolicy, iam.CfnRolePolicy, iam.CfnManagedPolicy)
        found = _POLICIES[root] = [c for c in root.node.find_all() if isinstance(c, policy_types)]
    return found


def _names_of(role: iam.Role) -> Callable[[Stack], set[str]]:
    """How the role's name is written in a given stack: a reference, or its literal name."""
    cfn_role = default_child(role)
    assert isinstance(cfn_role, iam.CfnRole)
    literal = cfn_role.role_name if cfn_role.role_name and not is_unresolved(cfn_role.role_name) else None

    def names(stack: Stack) -> set[str]:
        found = {_key(stack.resolve(role.role_name)), _key(stack.resolve(cfn_role.ref))}
        if literal is not None:
            found.add(_key(literal))
        return found

    return names


def _is_ec2_only(principal: object) -> bool:
    if not isinstance(principal, Mapping) or list(principal) != ["Service"]:
        return False
    services: object = principal["Service"]
    return services in (EC2_SERVICE_PRINCIPAL, [EC2_SERVICE_PRINCIPAL])


def _statements(document: object) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return [statement for statement in statements if isinstance(statement, Mapping)]


def _document(stack: Stack, policy: Mapping[str, Any]) -> Any:
    """The document of a role's inline policy, as resolved from L1 (camelCase) or JSON (PascalCase)."""
    document = policy.get("policyDocument", policy.get("PolicyDocument"))
    return _parsed(stack.resolve(document))


def _policy_name(policy: Mapping[str, Any]) -> object:
    return policy.get("policyName", policy.get("PolicyName"))


def _parsed(document: object) -> object:
    """A policy document given as a JSON string (CloudFormation allows that) as JSON."""
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError:
            return document
    return document


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True)
