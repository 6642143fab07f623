"""The profiles ``explain`` and ``can`` weigh, read from a cloud assembly or a catalogue: an adapter.

From a cloud assembly (``cdk.out``): each ``AWS::IAM::InstanceProfile`` and its role, read by the
audit's reader (``audit.declared``): the role's inline policies, its managed policies and its
boundary. An AWS-managed policy's document comes from the shipped data
(``core.aws_managed_policies``); a customer-managed policy the same template defines
(``AWS::IAM::ManagedPolicy``) comes from the template; any other policy, or a document only known at
deploy, is *unknown*, with the reason. Names CloudFormation generates stand as ``STACK/LOGICAL-ID``.

From a catalogue: each profile's spec (statements and credential guard, presets, managed policies,
boundary), as
``cdk synth`` would build it; a catalogue defines no customer-managed policy, so one named by ARN is
unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.audit.declared import StackTemplate, customer_managed, declared_profiles, read_assembly
from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.intrinsics import Account, Resolver
from constructs_lib.core import pseudo_parameters
from constructs_lib.core.aws_managed_policies import managed_policy
from constructs_lib.core.evaluator import Policy, Profile
from constructs_lib.core.presets import PRESETS, Preset
from constructs_lib.core.spec import ProfileSpec

DEFAULT_ACCOUNT = "111122223333"
"""The account ``AWS::AccountId`` stands for when a stack names none (``--account`` changes it)."""
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
NOT_IN_TEMPLATE = "the role is not one this template defines"


class SourceError(Exception):
    """The assembly or catalogue could not be read, or names no such profile: exit status 2."""


@dataclass(frozen=True)
class Found:
    """One profile as read, with the names it answers to."""

    profile: Profile
    names: tuple[str, ...]
    """Its name, its construct path or catalogue ID, its logical ID."""


def from_assembly(directory: Path, account: str | None = None) -> list[Found]:
    """Every instance profile of the cloud assembly in ``directory``."""
    try:
        stacks = read_assembly(directory)
    except AuditError as error:
        raise SourceError(str(error)) from error
    found: list[Found] = []
    for stack in stacks:
        try:
            found += _stack_profiles(stack, account)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
            # A template of a shape CDK never writes, past the reader's checks: one line naming the
            # file, never a traceback (whose exit status 1 would read as "denied").
            raise SourceError(
                f"{stack.template_file}: is not a template CDK writes, so it cannot be read "
                f"({type(error).__name__}: {error})"
            ) from error
    return found


def _stack_profiles(stack: StackTemplate, account: str | None) -> list[Found]:
    """The instance profiles of one stack of the assembly."""
    environment = Account(PARTITION, account or stack.account or DEFAULT_ACCOUNT, stack.region)
    resolver = Resolver(
        stack=stack.name,
        template=stack.template,
        account=environment,
        physical_id=_placeholders(stack, environment),
        region=stack.region,
    )
    customer = customer_managed(stack.template, resolver)
    single = StackTemplate(
        stack.name, stack.template_file, stack.template, environment.account_id, stack.region
    )
    declared = declared_profiles((single,), environment, _placeholders(stack, environment))
    found: list[Found] = []
    for profile in declared.profiles:
        role = profile.role
        policies: list[Policy] = []
        boundary = None
        if role is None:
            # A role this template does not define, or one only a deploy names: none of its
            # policies (its boundary among them) is known, so neither an allow nor a deny is.
            reason = profile.not_audited.get("role", NOT_IN_TEMPLATE)
            policies.append(Policy("role", "inline", None, reason))
        else:
            for name, document in sorted(role.inline_policies.items()):
                reason = "" if document is not None else "its document is only known at deploy"
                policies.append(Policy(name, "inline", document, reason))
            policies += [managed_policy(arn, customer) for arn in sorted(role.managed_policy_arns)]
            for field, reason in profile.not_audited.items():
                if field.startswith("role.inline_policies") or field == "role.managed_policies":
                    policies.append(Policy(field, "inline", None, reason))
            if "role.permissions_boundary" in profile.not_audited:
                reason = profile.not_audited["role.permissions_boundary"]
                boundary = Policy("role.permissions_boundary", "boundary", None, reason)
            elif role.permissions_boundary is not None:
                boundary = managed_policy(role.permissions_boundary, customer, kind="boundary")
        shown = profile.name or profile.where
        found.append(
            Found(Profile(shown, tuple(policies), boundary), (shown, profile.where, profile.logical_id))
        )
    return found


def from_catalog(catalog_profiles: list[tuple[str, ProfileSpec]], account: str | None = None) -> list[Found]:
    """Profiles from a catalogue's entries, each ``(id, spec)``.

    A spec's ``${AWS::AccountId}`` stands for ``account`` (default ``DEFAULT_ACCOUNT``),
    ``${AWS::Partition}`` for ``aws`` and ``${AWS::URLSuffix}`` for ``amazonaws.com``, as in the
    stack; ``${AWS::Region}`` depends on the stack's region, so an answer that reads it says so.
    """
    references = {
        "AWS::AccountId": account or DEFAULT_ACCOUNT,
        "AWS::Partition": PARTITION,
        "AWS::URLSuffix": URL_SUFFIX,
    }
    found = []
    for profile_id, spec in catalog_profiles:
        policies: list[Policy] = []
        guard = spec.credential_guard.statements() if spec.credential_guard is not None else []
        written = (*spec.statements, *guard)
        statements = [pseudo_parameters.substitute(statement, references) for statement in written]
        if statements:
            policies.append(
                Policy("statements", "inline", {"Version": "2012-10-17", "Statement": statements})
            )
        names: list[str] = []
        for preset in spec.presets:
            chosen = preset if isinstance(preset, Preset) else PRESETS.get(preset)
            if chosen is not None:
                names += chosen.managed_policies
        names += [str(policy) for policy in spec.managed_policies]
        arns = (str(pseudo_parameters.substitute(name, references)) for name in names)
        policies += [managed_policy(arn, {}) for arn in dict.fromkeys(arns)]
        boundary = None
        if spec.permissions_boundary is not None:
            arn = str(pseudo_parameters.substitute(str(spec.permissions_boundary), references))
            boundary = managed_policy(arn, {}, kind="boundary")
        shown = spec.instance_profile_name
        name = shown if isinstance(shown, str) else profile_id  # a DeployTime name: the catalogue ID
        found.append(Found(Profile(name, tuple(policies), boundary), (name, profile_id)))
    return found


def choose(found: list[Found], wanted: str) -> Profile:
    """The profile named ``wanted``; ``SourceError`` listing those there are when none is."""
    for candidate in found:
        if wanted in candidate.names:
            return candidate.profile
    shown = ", ".join(sorted({candidate.names[0] for candidate in found})) or "none"
    raise SourceError(f"no profile named {wanted!r}; the profiles are: {shown}")


def _placeholders(stack: StackTemplate, account: Account) -> Any:
    """Physical IDs offline: a managed policy's ARN and any other resource's name as ``STACK-LOGICAL-ID``."""
    resources: Mapping[str, Any] = stack.template.get("Resources") or {}

    def physical_id(stack_name: str, region: str | None, logical_id: str) -> str:
        if (resources.get(logical_id) or {}).get("Type") == "AWS::IAM::ManagedPolicy":
            return f"arn:{account.partition}:iam::{account.account_id}:policy/{stack_name}-{logical_id}"
        return f"{stack_name}-{logical_id}"

    return physical_id
