"""Checks of a profile that need the finished app: run by ``cdk synth`` after every aspect.

What a profile's role ends up with is only known once the whole app is built: policies attached from
elsewhere (``profile.role.add_managed_policy``, ``iam.ManagedPolicy(roles=[profile.role])``,
``profile.role.add_to_policy``), statements added to its trust policy, and tags from
``Tags.of(...)``. Each profile gives its ``ProfileGuardrails`` to its stack's ``StackGuardrails``,
which is added to the stack with ``node.add_validation``: CDK runs it after aspects and before writing
templates, and fails synthesis with every message it returns, each shaped like a
``ProfileValidationError`` and naming the profile::

    Validation failed with the following errors:
      [Prod] Ec2AccessProfile 'Prod/WebServer': managed_policies '11 attached …' is more …

One pass per stack, not one callback per profile: Node.js calls Python once for the stack, which asks
for every role's properties as CloudFormation will get them in one call that answers in plain JSON
(``ProfileResources.read_roles``). The same pass warns, on each role whose tags its instance profile
will not get, that they will not reach it.

CDK collects these as strings and raises one error for all of them (a ``RuntimeError`` in Python),
so they cannot be raised as ``ProfileValidationError`` objects; ``problems()`` builds them as such
and ``validate()`` hands CDK their messages.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

import jsii
from aws_cdk import Annotations, Stack, Stage
from aws_cdk import aws_iam as iam
from constructs import IConstruct, IValidation

from constructs_lib.cdk.crossings import default_child, is_unresolved, node_path, stack_of
from constructs_lib.cdk.managed_policies import aws_managed_name_of
from constructs_lib.cdk.profile_resources import ProfileResources
from constructs_lib.cdk.trust_policy import EC2_SERVICE_PRINCIPAL
from constructs_lib.core import limits
from constructs_lib.core.checker import REQUIRED_TAGS_CONSTRUCT_FIX, required_tag_findings, tag_findings
from constructs_lib.core.errors import ProfileValidationError
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import (
    BroadAccess,
    admin_policy_rule,
    is_unacknowledged_admin_policy,
    unacknowledged_grants,
)
from constructs_lib.core.spec import DeployTime, Text

UNTAGGED_PROFILE_WARNING = "ec2-access-profile:instanceProfileNotTagged"
"""The ID of the warning on a stack whose profiles' roles have tags their instance profiles do not get
(tagging off): one warning per stack, naming each profile, however many profiles turn tagging off."""


@dataclass(frozen=True)
class _Document:
    """A policy document of the role as it will be written, and where it comes from."""

    source: str
    document: Any


class ProfileGuardrails:
    """The checks of one profile against the finished app, run by its stack's ``StackGuardrails``."""

    def __init__(
        self,
        *,
        profile_path: str,
        role: iam.Role | iam.CfnRole,
        own_policy_count: Callable[[], int],
        managed_policy_quota: int,
        acknowledgments: Callable[[], Sequence[BroadAccess]],
        required_tags: Sequence[str],
        warn_untagged: bool = False,
        instance_profile_tags: Retaggable | None = None,
    ) -> None:
        """
        :param warn_untagged: warn, in the stack's warning, when the role has tags: its instance
            profile is not tagged.
        :param instance_profile_tags: what tags the instance profile: given the role's final tags in
            the stack's pass, which reads them anyway (one call into aws-cdk-lib per profile at most,
            instead of a callback per profile when the template is written).
        """
        self._path = profile_path
        self.role = role
        self._own_policy_count = own_policy_count
        self._quota = managed_policy_quota
        self._acknowledgments = acknowledgments
        self._required_tags = tuple(required_tags)
        self._warn_untagged = warn_untagged
        self._instance_profile_tags = instance_profile_tags

    def problems(self) -> list[ProfileValidationError]:
        """Everything wrong with the role as the app leaves it (checked alone, not in its stack's pass)."""
        (role,) = _Roles.of(stack_of(self.role), [self.role])
        return self._problems(role)

    def _problems(self, role: _Role) -> list[ProfileValidationError]:
        attachments = role.attachments()
        return [
            *self._trust_policy_problems(role),
            *self._managed_policy_problems(attachments),
            *self._size_problems(attachments),
            *self._wildcard_problems(attachments),
            *self._tag_problems(role),
        ]

    def _retag(self, role: _Role) -> None:
        if self._instance_profile_tags is not None:
            self._instance_profile_tags.retag(role.given_tags)

    def _untagged(self, role: _Role) -> tuple[str, str] | None:
        """The profile and the role's tag keys, if its instance profile will not get them (tagging off)."""
        if not (self._warn_untagged and role.tags):
            return None
        return self._path, ", ".join(sorted(str(key) for key in role.tags))

    def _error(self, rule_id: str, field: str, value: object, rule: str) -> ProfileValidationError:
        return ProfileValidationError(self._path, field, value, rule, rule_id=rule_id)

    def _from(self, finding: Finding) -> ProfileValidationError:
        return self._error(finding.rule_id, finding.field, finding.value, finding.rule)

    def _trust_policy_problems(self, role: _Role) -> Iterable[ProfileValidationError]:
        document = role.trust_policy
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

    def _tag_problems(self, role: _Role) -> Iterable[ProfileValidationError]:
        tags = role.tags
        for finding in tag_findings(tags, field_suffix=" (after Tags.of)"):
            yield self._from(finding)
        for finding in required_tag_findings(tags, self._required_tags, fix=REQUIRED_TAGS_CONSTRUCT_FIX):
            yield self._from(finding)


@jsii.implements(IValidation)
class StackGuardrails:
    """The ``ProfileGuardrails`` of every profile of one stack, run in one validation pass.

    Use ``StackGuardrails.of(stack)``: it is created, and added to the stack, on first use.
    """

    @staticmethod
    def of(stack: Stack) -> StackGuardrails:
        """The guardrails of ``stack``, created and added to its validations the first time."""
        existing = _GUARDRAILS.get(stack)
        if existing is None:
            existing = _GUARDRAILS[stack] = StackGuardrails(stack)
            stack.node.add_validation(existing)
        return existing

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._profiles: list[ProfileGuardrails] = []
        watch_policies(stack)

    def add(self, profile: ProfileGuardrails) -> None:
        """Check ``profile`` (a profile of this stack) when the app is synthesized."""
        self._profiles.append(profile)

    def validate(self) -> list[str]:
        return [str(problem) for problem in self.problems()]

    def problems(self) -> list[ProfileValidationError]:
        """Everything wrong with the stack's profiles as the app leaves them, profile by profile.

        Warns, too, once for the stack, naming each profile whose role has tags its instance profile
        will not get, and gives each profile's ``Custom::InstanceProfileTags`` its role's tags: CDK
        validates after every aspect (``Tags.of``) ran and before it writes the templates.
        """
        roles = _Roles.of(self._stack, [profile.role for profile in self._profiles])
        found = []
        untagged: list[tuple[str, str]] = []
        for profile, role in zip(self._profiles, roles, strict=True):
            found += profile._problems(role)
            missed = profile._untagged(role)
            if missed is not None:
                untagged.append(missed)
            profile._retag(role)
        if untagged:
            warning = untagged_warning(node_path(self._stack), untagged)
            Annotations.of(self._stack).add_warning_v2(UNTAGGED_PROFILE_WARNING, warning)
        return found


def untagged_warning(stack_path: str, profiles: Sequence[tuple[str, str]]) -> str:
    """The stack's warning about ``profiles`` (path, tag keys), whose instance profiles miss their tags.

    One profile is named by its path; several by their paths in the stack, grouped by tag keys.
    """
    cannot = "because tag_instance_profile is off; CloudFormation cannot tag instance profiles itself"
    if len(profiles) == 1:
        ((path, keys),) = profiles
        return (
            f"Ec2AccessProfile '{path}': the instance profile does not get the role's tags ({keys}) {cannot}."
        )
    by_keys: dict[str, list[str]] = {}
    for path, keys in profiles:
        by_keys.setdefault(keys, []).append(path.removeprefix(f"{stack_path}/"))
    groups = "; ".join(f"tags {keys}: {', '.join(paths)}" for keys, paths in by_keys.items())
    return (
        f"{len(profiles)} Ec2AccessProfiles of stack '{stack_path}': their instance profiles do not get "
        f"their roles' tags {cannot}. {groups}."
    )


_GUARDRAILS: weakref.WeakKeyDictionary[Stack, StackGuardrails] = weakref.WeakKeyDictionary()


class Retaggable(Protocol):
    """What tags an instance profile with its role's tags (``InstanceProfileTags``)."""

    def retag(self, tags: Mapping[str, str]) -> None: ...


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
        (role,) = _Roles.of(stack_of(self._role), [self._role])
        attachments = role.attachments()
        count = len(attachments.managed_arns)
        count_problem = limits.check_managed_policy_count(count, limits.MANAGED_POLICIES_DEFAULT_QUOTA)
        return [
            *_trust_size_findings(role.trust_policy),
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


class _Roles:
    """The roles of one stack as CloudFormation will get them, read in one go."""

    @staticmethod
    def of(stack: Stack, roles: Sequence[iam.Role | iam.CfnRole]) -> list[_Role]:
        """Each role's properties, read and resolved in one call into Node.js for them all.

        Tags and the role's name are kept as CDK holds them (a token stays a token), as the construct
        gave them; only what the checks read is resolved (``ProfileResources.read_roles``).
        """
        app = _App.of(stack.node.root)
        cfn_roles = [app.cfn_role(role) for role in roles]
        read = ProfileResources.read_roles(stack, cfn_roles) if cfn_roles else []
        found = [_Role(app, stack, *each) for each in zip(roles, cfn_roles, read, strict=True)]
        for role in found:
            role.batch = found
        return found


class _Role:
    """One role: its properties as CDK holds them, those the checks read resolved in its stack."""

    def __init__(
        self,
        app: _App,
        stack: Stack,
        role: iam.Role | iam.CfnRole,
        cfn_role: iam.CfnRole,
        properties: Mapping[str, Any],
    ) -> None:
        """:param properties: what ``ProfileResources.read_roles`` read of the role."""
        self._app = app
        self.stack = stack
        self.role = role
        self.cfn_role = cfn_role
        resolved: Mapping[str, Any] = properties.get("resolved", {})
        self.resolved = resolved
        self.batch: list[_Role] = [self]
        """The roles read together with this one: their names are looked up together too."""
        name = properties.get("roleName")
        self.literal_name = name if isinstance(name, str) and not is_unresolved(name) else None
        self.trust_policy: object = resolved.get("assumeRolePolicyDocument")
        self.given_tags: dict[str, str] = {
            str(tag["key"]): str(tag["value"])
            for tag in _as_list(properties.get("tags"))
            if isinstance(tag, Mapping)
        }
        """The role's tags as CDK holds them (a token stays its string)."""
        self.tags: dict[Text, Text] = {_text(key): _text(value) for key, value in self.given_tags.items()}

    def attachments(self) -> _Attachments:
        return _Attachments(self, self._app)

    def names_in(self, stack: Stack) -> set[str]:
        """How the role's name is written in ``stack``: a reference, or its literal name."""
        return self._app.role_names(self, stack)


class _Attachments:
    """Every policy IAM will count against the role, found in the finished app."""

    def __init__(self, role: _Role, app: _App) -> None:
        properties = role.resolved
        self.inline: list[_Document] = [
            _Document(f"inline policy {_policy_name(policy)!r}", _document(policy))
            for policy in _as_list(properties.get("policies"))
        ]
        self.managed_arns: list[object] = list(_as_list(properties.get("managedPolicyArns")))
        self.customer_managed: list[_Document] = []
        self.boundary: list[_Document] = []
        if not app.policies:
            return
        arns = {_key(arn) for arn in self.managed_arns}
        boundary = properties.get("permissionsBoundary")
        for policy in app.policies:
            attached_here = policy.attached_to(role)
            if policy.kind is not iam.CfnManagedPolicy:
                if attached_here:
                    self.inline.append(_Document(policy.path, policy.document))
                continue
            arn = app.arn_in(policy, role.stack)
            if attached_here:
                # Not also in the role's ManagedPolicyArns: that would be a dependency cycle CDK refuses.
                self.managed_arns.append(arn)
            if attached_here or _key(arn) in arns:
                self.customer_managed.append(_Document(policy.path, policy.document))
            if boundary is not None and _key(arn) == _key(boundary):
                self.boundary.append(_Document(policy.path, policy.document))


_PolicyConstruct: TypeAlias = iam.CfnPolicy | iam.CfnRolePolicy | iam.CfnManagedPolicy
_POLICY_TYPES = (iam.CfnPolicy, iam.CfnRolePolicy, iam.CfnManagedPolicy)
_POLICY_PROPERTIES = ("policyDocument", "roles", "roleName")


class _Policy:
    """A policy construct of the app, its properties resolved in its own stack."""

    def __init__(self, construct: _PolicyConstruct, stack: Stack, properties: Mapping[str, Any]) -> None:
        self.construct = construct
        self.kind = type(construct)
        self.stack = stack
        self.path = node_path(construct)
        self.document = _parsed(properties.get("policyDocument"))
        if isinstance(construct, iam.CfnRolePolicy):
            self.roles = [properties.get("roleName")]
        else:
            self.roles = _as_list(properties.get("roles"))

    def attached_to(self, role: _Role) -> bool:
        """Whether the policy names ``role`` among its roles."""
        if not self.roles:
            return False
        names = role.names_in(self.stack)
        return any(_key(entry) in names for entry in self.roles)


class _App:
    """What a validation pass finds in the app once: its policies, and where each role's L1 is."""

    @staticmethod
    def of(root: IConstruct) -> _App:
        found = _APPS.get(root)
        if found is None:
            found = _APPS[root] = _App(root)
        return found

    def __init__(self, root: IConstruct) -> None:
        by_stack: dict[Stack, list[_PolicyConstruct]] = {}
        for construct in ProfileResources.policies_in(root):
            if isinstance(construct, _POLICY_TYPES):
                by_stack.setdefault(stack_of(construct), []).append(construct)
        self.policies: list[_Policy] = []
        for stack, policies in by_stack.items():
            resolved = stack.resolve(
                [{key: policy._cfn_properties.get(key) for key in _POLICY_PROPERTIES} for policy in policies]
            )
            self.policies += [
                _Policy(policy, stack, properties)
                for policy, properties in zip(policies, resolved, strict=True)
            ]
        self._arns: dict[Stack, dict[int, object]] = {}
        self._names: dict[tuple[int, Stack], set[str]] = {}
        self._environments: dict[Stack, tuple[str, str]] = {}

    def _environment(self, stack: Stack) -> tuple[str, str]:
        found = self._environments.get(stack)
        if found is None:
            found = self._environments[stack] = (stack.account, stack.region)
        return found

    def _differ(self, one: Stack, other: Stack) -> tuple[bool, bool]:
        """Whether the two stacks' accounts, and their regions, are known to differ: both literal and
        unequal, as aws-cdk-lib tells a cross-environment reference (which it refuses to resolve)."""
        pairs = zip(self._environment(one), self._environment(other), strict=True)
        account, region = (not is_unresolved(a) and not is_unresolved(b) and a != b for a, b in pairs)
        return account, region

    def cfn_role(self, role: iam.Role | iam.CfnRole) -> iam.CfnRole:
        if isinstance(role, iam.CfnRole):
            return role
        cfn_role = default_child(role)
        assert isinstance(cfn_role, iam.CfnRole)
        return cfn_role

    def arn_in(self, policy: _Policy, stack: Stack) -> object:
        """A customer managed policy's ARN as ``stack`` refers to it (every one asked at once)."""
        arns = self._arns.get(stack)
        if arns is None:
            managed = [p for p in self.policies if p.kind is iam.CfnManagedPolicy]
            resolved = stack.resolve([p.construct.ref for p in managed])
            arns = self._arns[stack] = {id(p): arn for p, arn in zip(managed, resolved, strict=True)}
        return arns[id(policy)]

    def role_names(self, role: _Role, stack: Stack) -> set[str]:
        """How ``role``'s name is written in ``stack``: a reference, or its literal name.

        Asked for every role read with it at once (two questions a role, one resolve).
        """
        key = (id(role.role), stack)
        if key not in self._names:
            # A role of another environment is never a reference in ``stack`` (aws-cdk-lib refuses to
            # resolve one to a generated name): in another region of its account IAM's global name
            # still reaches it, in another account nothing does.
            here: list[_Role] = []
            for each in role.batch:
                other_account, other_region = self._differ(each.stack, stack)
                if other_account or other_region:
                    literal = each.literal_name if not other_account else None
                    self._names[(id(each.role), stack)] = {_key(literal)} if literal is not None else set()
                else:
                    here.append(each)
            resolved = (
                stack.resolve([[_name_reference(each), each.cfn_role.ref] for each in here]) if here else []
            )
            for each, (name_reference, ref) in zip(here, resolved, strict=True):
                names = {_key(name_reference), _key(ref)}
                if each.literal_name is not None:
                    names.add(_key(each.literal_name))
                self._names[(id(each.role), stack)] = names
        return self._names[key]


_APPS: weakref.WeakKeyDictionary[IConstruct, _App] = weakref.WeakKeyDictionary()
"""What each app's current validation pass found: one search of the whole tree per role made synth
quadratic (a thousand profiles took minutes)."""
_WATCHED: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def watch_policies(scope: IConstruct) -> None:
    """Make each validation pass that reaches ``scope`` search its app afresh.

    CDK validates a tree in pre-order, so a validation on the app (or on the stage being synthesized)
    runs before those of the stacks under it: it forgets what an earlier pass found.
    """
    stack = stack_of(scope)
    if stack in _WATCHED:
        return  # its app and stage are watched already
    _WATCHED.add(stack)
    root = scope.node.root
    for construct in (root, Stage.of(scope)):
        if construct is not None and construct not in _WATCHED:
            _WATCHED.add(construct)
            construct.node.add_validation(_ForgetApp(root))


@jsii.implements(IValidation)
class _ForgetApp:
    def __init__(self, root: IConstruct) -> None:
        self._root = weakref.ref(root)

    def validate(self) -> list[str]:
        root = self._root()
        if root is not None:
            _APPS.pop(root, None)
        return []


def _name_reference(role: _Role) -> str:
    """The role's name as ``iam.Role`` gives it; a profile built as a ``CfnRole`` has its ``Ref``."""
    return role.role.role_name if isinstance(role.role, iam.Role) else role.cfn_role.ref


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


def _document(policy: Mapping[str, Any]) -> Any:
    """The document of a role's inline policy, resolved from L1 (camelCase) or JSON (PascalCase)."""
    return _parsed(policy.get("policyDocument", policy.get("PolicyDocument")))


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
