"""Tags on IAM instance profiles, which CloudFormation cannot set, through a custom resource.

``AWS::IAM::InstanceProfile`` has no ``Tags`` property. ``InstanceProfileTags`` is a
``Custom::InstanceProfileTags`` resource that copies the tags its role ends up with (from the
profile's ``tags`` and from every ``Tags.of(...)`` that reaches the role) onto the profile through the
IAM API. One ``InstanceProfileTagsProvider`` per stack holds the Lambda function that does it, with
its code inline in the template and a role that can only tag this stack's profiles: by their ARNs, or
by name prefixes they share when the ARNs would not fit IAM's limits (``tag_permissions``).
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Aws,
    CfnResource,
    CustomResource,
    Duration,
    IAspect,
    IResolvable,
    IStableAnyProducer,
    IStableListProducer,
    Lazy,
    Stack,
    TagManager,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from constructs_lib.cdk.acknowledgments import ACKNOWLEDGED_RULES, acknowledge_rules, acknowledged_rules
from constructs_lib.cdk.crossings import adopt, default_child, is_unresolved, node_path, stack_of
from constructs_lib.cdk.guardrails import HelperRoleLimits
from constructs_lib.cdk.profile_resources import _jsii  # noqa: F401  (loads the assembly)
from constructs_lib.core import limits, nag_findings
from constructs_lib.core.tag_permissions import Target, resource_patterns

RESOURCE_TYPE = "Custom::InstanceProfileTags"
HANDLER_SOURCE = Path(__file__).with_name("instance_profile_tags_handler.py")
HANDLER_RUNTIME = "python3.13"
"""Pinned, so templates do not change when aws-cdk-lib moves its default runtime."""
HANDLER_TIMEOUT_SECONDS = 120
FUNCTION_TYPE = "AWS::Lambda::Function"
LOG_GROUP_TYPE = "AWS::Logs::LogGroup"
LOG_RETENTION_DAYS = 90
SERVICE_TIMEOUT_SECONDS = 5 * 60
"""How long CloudFormation waits for an answer: bounded even if the function never runs."""
SERVICE_TIMEOUT = Duration.seconds(SERVICE_TIMEOUT_SECONDS)
PROVIDER_ID = "InstanceProfileTagsProvider"
TAGS_ID = "InstanceProfileTags"
"""A profile's ``InstanceProfileTags``, made with its role (``TagsWithProfile``; ``native/src/index.ts``)."""
TAG_STATEMENT_ID = "TagThisStacksInstanceProfiles"
TAG_ACTIONS = ["iam:TagInstanceProfile", "iam:UntagInstanceProfile"]
STACK_STATEMENT_ID = "ReadOwnStack"
STACK_ACTIONS = [
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:ListStackResources",
]
"""What a Delete denied its untag reads to tell a profile the stack deletes next from one it keeps."""
HELPER_POLICY_HEADROOM = 768
"""Characters of the role's inline policy left free: its log group's ARN and its stack's ID are a short
``Fn::GetAtt`` and ``Ref`` in the template, and up to a few hundred characters each once deployed."""


class InstanceProfileTagsProvider(
    Construct, metaclass=jsii.JSIIMeta, jsii_type="ec2-access-profiles-native.InstanceProfileTagsProvider"
):
    """The Lambda function behind every ``Custom::InstanceProfileTags`` of one stack.

    Use ``InstanceProfileTagsProvider.of(stack)``: it creates the provider on first use. Its
    constructs are made in one call into Node.js (this class is the binding of the package's own
    ``InstanceProfileTagsProvider``, ``profile_resources``), from what this module decides.
    """

    @staticmethod
    def of(scope: Construct) -> InstanceProfileTagsProvider:
        """The provider of ``scope``'s stack, created the first time it is asked for."""
        stack = stack_of(scope)
        return InstanceProfileTagsProvider.find(stack) or InstanceProfileTagsProvider(stack, PROVIDER_ID)

    @staticmethod
    def find(stack: Stack) -> InstanceProfileTagsProvider | None:
        """The provider of ``stack``, if it has one already."""
        existing = _PROVIDERS.get(stack)
        if existing is None:
            found = stack.node.try_find_child(PROVIDER_ID)
            existing = found if isinstance(found, InstanceProfileTagsProvider) else None
        return existing

    def __init__(self, scope: Construct, id: str) -> None:
        stack = stack_of(scope)
        self._targets = _stack_targets(stack)
        self._resources: tuple[str, ...] | None = None
        # The profiles covered before it existed, then why its permissions are inline.
        role_rules = [
            *(self._generated_name_rule(stack, target) for target in self._targets if target.name is None),
            (
                nag_findings.NIST_INLINE_POLICY,
                "The function's permissions are inline on purpose: they belong to this one role, cannot "
                "be attached to anything else, and are created and deleted with it.",
            ),
        ]
        spec = json.dumps(_provider_spec(role_rules))
        arguments = [scope, id, spec, Lazy.list(_ProfileArns(self)), _AcknowledgeSharedPrefixes(self)]
        jsii.create(self.__class__, self, arguments)
        adopt(self, scope, id)
        _PROVIDERS[stack] = self
        self.node.add_validation(HelperRoleLimits(path=node_path(self), role=self.role))

    @functools.cached_property
    def role(self) -> iam.Role:
        """The function's role: its inline policy lets it write its logs, tag the stack's profiles
        (``resources``) and read its own stack."""
        role: iam.Role = jsii.get(self, "role")
        return role

    @functools.cached_property
    def function(self) -> CfnResource:
        """The ``AWS::Lambda::Function`` (a ``CfnResource``, built without aws_lambda's module)."""
        function: CfnResource = jsii.get(self, "function")
        return function

    @functools.cached_property
    def function_arn(self) -> str:
        """The function's ARN, the service token of every ``Custom::InstanceProfileTags`` of the stack."""
        arn: str = jsii.get(self, "functionArn")
        return arn

    @staticmethod
    def cover(scope: Construct, instance_profile_name: str | None, path: str | None) -> None:
        """Keep a profile of ``scope``'s stack whose tagging is off in reach of the stack's function.

        Turning tagging off removes the profile's tag resource, and its Delete untags the profile
        after the function's policy was updated: without this, IAM denies that untag and the profile
        keeps its last tags, while a stack that turns tagging off for every profile loses them. Adds
        nothing when no profile of the stack is tagged (there is no function then).
        """
        stack = stack_of(scope)
        existing = _PROVIDERS.get(stack)
        if existing is not None:
            existing.allow(instance_profile_name, path)
        else:
            _stack_targets(stack).add(target_of(instance_profile_name, path))

    def allow(self, instance_profile_name: str | None, path: str | None) -> None:
        """Let the function tag this profile: by its ARN, or all profiles under its path if unnamed."""
        self.allow_target(target_of(instance_profile_name, path))

    def allow_target(self, target: Target) -> None:
        """Let the function tag ``target`` (``target_of``)."""
        if target not in self._targets:
            self._acknowledge_generated_name(target)
        self._targets.add(target)
        self._resources = None

    def _acknowledge_generated_name(self, target: Target) -> None:
        if target.name is None:
            acknowledge_rules(self.role, [self._generated_name_rule(stack_of(self), target)])

    @staticmethod
    def _generated_name_rule(stack: Stack, target: Target) -> tuple[str, str]:
        return (
            nag_findings.wildcard_resource(stack.resolve(_profile_arn(target.resource))),
            "CloudFormation generates the name of this instance profile, so the narrowest ARN "
            "known at synth is every instance profile under its path.",
        )

    @property
    def targets(self) -> frozenset[Target]:
        """The instance profiles the function must be able to tag."""
        return frozenset(self._targets)

    def resources(self) -> tuple[str, ...]:
        """What the function's role may tag, after ``instance-profile`` in the ARN (``tag_permissions``)."""
        if self._resources is None:
            stack = stack_of(self)
            per_resource = limits.policy_size(stack.resolve(_profile_arn(""))) - len('""')
            log_statement, stack_statement = json.loads(jsii.invoke(self, "ownStatementsJson", []))
            rest = limits.policy_size(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        log_statement,
                        {"Sid": TAG_STATEMENT_ID, "Effect": "Allow", "Action": TAG_ACTIONS, "Resource": []},
                        stack_statement,
                    ],
                }
            )
            budget = limits.INLINE_POLICIES_MAX_CHARACTERS - HELPER_POLICY_HEADROOM - rest

            sizes: dict[str, int] = {}

            def fits(resources: Sequence[str]) -> bool:
                for resource in resources:
                    if resource not in sizes:
                        sizes[resource] = per_resource + limits.policy_size(resource) + len(",")
                return sum(sizes[resource] for resource in resources) - len(",") <= budget

            self._resources = resource_patterns(self._targets, fits=fits)
        return self._resources


@jsii.implements(IAspect)
class _AcknowledgeSharedPrefixes:
    """Records for cdk-nag why a pattern that groups several named profiles is in the role's policy.

    An aspect of the provider's log group alone (``native/src/index.ts``), so it runs once, when the
    app is complete, and before cdk-nag visits the role, which comes after the log group.
    """

    def __init__(self, provider: InstanceProfileTagsProvider) -> None:
        self._provider = provider

    def visit(self, node: IConstruct) -> None:
        unnamed = {target.resource for target in self._provider.targets if target.name is None}
        shared = [
            _profile_arn(resource)
            for resource in self._provider.resources()
            if resource.endswith("*") and resource not in unnamed
        ]
        if not shared:
            return
        reason = (
            "One ARN per instance profile of this stack would exceed IAM's 10,240 characters for a "
            "role's inline policies, so profiles whose names share this prefix are reached by it; it "
            "never reaches beyond their path."
        )
        arns = stack_of(self._provider).resolve(shared)
        rules = [(nag_findings.wildcard_resource(arn), reason) for arn in arns]
        acknowledge_rules(self._provider.role, rules)


def _provider_spec(role_rules: Sequence[tuple[str, str]]) -> dict[str, object]:
    """What ``InstanceProfileTagsProvider`` makes (``native/src/index.ts``): its resources and policy,
    and the linter acknowledgments of its ``Logs``, ``Role`` and ``Function``."""
    return {
        "logGroup": {"type": LOG_GROUP_TYPE, "properties": {"RetentionInDays": LOG_RETENTION_DAYS}},
        "logStatement": {"sid": "WriteOwnLogs", "actions": ["logs:CreateLogStream", "logs:PutLogEvents"]},
        "tagStatement": {"sid": TAG_STATEMENT_ID, "actions": TAG_ACTIONS},
        "stackStatement": {"sid": STACK_STATEMENT_ID, "actions": STACK_ACTIONS},
        "role": {
            "assumedBy": "lambda.amazonaws.com",
            "description": "Tags the instance profiles of this stack (Custom::InstanceProfileTags)",
            "policyName": "Permissions",
        },
        # The function's role has its permissions inline, so the function needs no DependsOn on a
        # separately attached policy: its Role is a GetAtt of the role already (cfn-lint W3005).
        # A plain CfnResource: aws_lambda's and aws_logs' L2s import modules that cost a synth about
        # a second of CPU and 200 MiB of memory, for properties known here in full.
        "function": {
            "type": FUNCTION_TYPE,
            "properties": {
                "Code": {"ZipFile": _handler_source()},
                "Description": "Tags instance profiles for Custom::InstanceProfileTags",
                "Handler": "index.handler",
                "LoggingConfig": None,  # the log group's Ref, in Node.js
                "MemorySize": 128,
                "Role": None,  # the role's ARN, in Node.js
                "Runtime": HANDLER_RUNTIME,
                "Timeout": HANDLER_TIMEOUT_SECONDS,
            },
        },
        "metadata": {
            "Logs": _acknowledged(_LOGS_RULES),
            "Role": _acknowledged(role_rules),
            "Function": _acknowledged(_FUNCTION_RULES),
        },
    }


def _acknowledged(rules: Sequence[tuple[str, str]]) -> list[list[object]]:
    """One metadata entry per rule (``aws:cdk:acknowledged-rules``), as the provider has always had them."""
    return [[ACKNOWLEDGED_RULES, acknowledged_rules([rule])] for rule in rules]


@functools.cache
def _handler_source() -> str:
    return HANDLER_SOURCE.read_text()


_LOGS_RULES = [
    (
        "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
        "The log holds request types, instance-profile names and tag keys, never tag values or "
        "credentials, and CloudWatch Logs encrypts it at rest already; a customer managed KMS key "
        "per stack would add a key policy and a monthly cost to every account for nothing secret.",
    )
]
_FUNCTION_RULES = [
    (
        "AwsSolutions-L1",
        f"The runtime is pinned ({HANDLER_RUNTIME}, supported by Lambda) so that templates do "
        "not change when aws-cdk-lib learns of a newer one; moving to it is a reviewed change.",
    ),
    (
        "NIST.800.53.R5-LambdaConcurrency",
        "Only CloudFormation invokes it, a few times per deployment. Reserved concurrency would take "
        "from the account's unreserved pool, and CloudFormation refuses any reservation in accounts "
        "whose concurrency quota is low (new accounts), so the stack would fail there.",
    ),
    (
        "NIST.800.53.R5-LambdaDLQ",
        "It answers CloudFormation itself, FAILED with the reason, before its own timeout; a failed "
        "event shows in the stack events and ServiceTimeout bounds the wait. A queue of failed "
        "events that nothing reads would add nothing.",
    ),
    (
        "NIST.800.53.R5-LambdaInsideVPC",
        "It calls only the global IAM API and CloudFormation's pre-signed S3 response URL; in a VPC "
        "it would need NAT or endpoints for both, which this library cannot assume every account has.",
    ),
]


def target_of(instance_profile_name: str | None, path: str | None) -> Target:
    """The profile as the function's policy must reach it: by path and name, or by path if unnamed."""
    if path is not None and is_unresolved(path):
        return Target("/", None)
    if instance_profile_name is None or is_unresolved(instance_profile_name):
        return Target(path or "/", None)
    return Target(path or "/", instance_profile_name)


_TARGETS: weakref.WeakKeyDictionary[Stack, set[Target]] = weakref.WeakKeyDictionary()
_PROVIDERS: weakref.WeakKeyDictionary[Stack, InstanceProfileTagsProvider] = weakref.WeakKeyDictionary()
"""Per stack: its provider, once made (what ``of`` would find among the stack's children)."""
"""Per stack: the instance profiles its tag function must reach; filled in any order."""


def _stack_targets(stack: Stack) -> set[Target]:
    return _TARGETS.setdefault(stack, set())


class InstanceProfileTags(
    Construct, metaclass=jsii.JSIIMeta, jsii_type="ec2-access-profiles-native.InstanceProfileTags"
):
    """A ``Custom::InstanceProfileTags`` that puts a role's tags on an instance profile.

    The construct and, as its child ``Resource``, aws-cdk-lib's ``CustomResource`` are made in one call
    into Node.js: this class is the binding of the package's own ``InstanceProfileTags``
    (``profile_resources``), as jsii's generated bindings would declare it. ``Ec2AccessProfile`` has
    it made in the call that makes its role and instance profile (``TagsWithProfile``).
    """

    _rendered: list[dict[str, str]] | None = None
    """The tags it was given, as the resource has them; None when it copies a tag manager's."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_profile: iam.CfnInstanceProfile,
        tags: TagManager | Mapping[str, str],
        target: Target | None = None,
    ) -> None:
        """Tag ``instance_profile`` with the tags its role ends up with.

        :param instance_profile: the profile to tag.
        :param tags: the tag manager to copy (normally the role's), rendered when the template is
            written, after every aspect ran; or the tags the role is given, when the caller reads
            the role's final tags itself and passes them to ``retag`` before the template is written
            (``Ec2AccessProfile`` does, in its stack's validation pass: no call back into Python per
            profile then).
        :param target: the profile as the stack's function must reach it (``target_of``), when the
            caller has its name and path at hand. Default: read from ``instance_profile``.
        """
        if target is None:
            target = target_of(instance_profile.instance_profile_name, instance_profile.path)
        lazy: IResolvable | None = None
        if isinstance(tags, TagManager):
            lazy = Lazy.any(_RenderedTags(tags))
        else:
            self._rendered = rendered_tags(tags)
        rendered = json.dumps(self._rendered) if self._rendered is not None else None
        stack = stack_of(scope)
        provider = InstanceProfileTagsProvider.find(stack)
        if provider is None and scope is not stack:
            provider = InstanceProfileTagsProvider.of(stack)
        # One call into Node.js makes this construct and its resource. Made at the stack's top level
        # before the stack has a tag function, this construct comes before the function among the
        # stack's children, as it always did: its resource, which needs the function's ARN, is made
        # once the function exists.
        token = provider.function_arn if provider is not None else None
        arguments = [scope, id, instance_profile, RESOURCE_TYPE, SERVICE_TIMEOUT, token, rendered, lazy]
        jsii.create(self.__class__, self, arguments)
        adopt(self, scope, id)
        if provider is None:
            provider = InstanceProfileTagsProvider.of(stack)
            self.add_resource(
                instance_profile, RESOURCE_TYPE, SERVICE_TIMEOUT, provider.function_arn, rendered, lazy
            )
        provider.allow_target(target)

    @jsii.member(jsii_name="addResource")
    def add_resource(
        self,
        instance_profile: iam.CfnInstanceProfile,
        resource_type: str,
        service_timeout: Duration,
        service_token: str,
        tags: str | None = None,
        lazy_tags: IResolvable | None = None,
    ) -> None:
        """Make the ``Custom::InstanceProfileTags``, when the constructor had no function to name yet.

        :param tags: the tags, as a JSON list of ``{Key, Value}``.
        :param lazy_tags: the tags, when they are only known as the template is written.
        """
        arguments = [instance_profile, resource_type, service_timeout, service_token, tags, lazy_tags]
        jsii.invoke(self, "addResource", arguments)

    @property
    def resource(self) -> CustomResource:
        """The ``Custom::InstanceProfileTags``: aws-cdk-lib's ``CustomResource``, this construct's child."""
        resource = default_child(self)
        assert isinstance(resource, CustomResource)
        return resource

    def retag(self, tags: Mapping[str, str]) -> None:
        """Tag the profile with ``tags`` (the role's final tags), if it was given tags rather than a manager.

        Crosses into aws-cdk-lib only when they differ from the tags it has.
        """
        rendered = rendered_tags(tags)
        if self._rendered is None or rendered == self._rendered:
            return
        self._rendered = rendered
        cfn_resource = default_child(self.resource)
        assert isinstance(cfn_resource, CfnResource)
        cfn_resource.add_property_override("Tags", rendered)


@dataclass(frozen=True)
class TagsWithProfile:
    """A profile's ``InstanceProfileTags``, made by the call that makes its role and instance profile.

    ``spec()`` is what ``ProfileResources.add`` and ``add_l2`` take as ``instanceProfileTags``;
    ``adopt`` finishes, in Python, the ``InstanceProfileTags`` they hand back.
    """

    provider: InstanceProfileTagsProvider
    rendered: list[dict[str, str]]
    target: Target

    @staticmethod
    def of(profile: Construct, tags: Mapping[str, str], target: Target) -> TagsWithProfile:
        """The tag resource of ``profile`` (not a stack), its stack's tag function made first if need be."""
        return TagsWithProfile(InstanceProfileTagsProvider.of(profile), rendered_tags(tags), target)

    def spec(self) -> dict[str, object]:
        return {
            "id": TAGS_ID,
            "resourceType": RESOURCE_TYPE,
            "serviceToken": self.provider.function_arn,
            "serviceTimeoutSeconds": SERVICE_TIMEOUT_SECONDS,
            "tags": self.rendered,
        }

    def adopt(self, made: object, profile: Construct) -> InstanceProfileTags:
        """``made``, the profile's ``InstanceProfileTags``, with what Python keeps of it."""
        assert isinstance(made, InstanceProfileTags)
        made._rendered = self.rendered
        adopt(made, profile, TAGS_ID)
        self.provider.allow_target(self.target)
        return made


def rendered_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags as ``Custom::InstanceProfileTags`` takes them: ``[{Key, Value}]``, sorted by key."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


@jsii.implements(IStableAnyProducer)
class _RenderedTags:
    """The tags a tag manager renders when the template is written, as [{Key, Value}]."""

    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def produce(self) -> Any:
        return rendered_tags(self._tags.tag_values())


@jsii.implements(IStableListProducer)
class _ProfileArns:
    """The ARNs the provider's role may tag, decided when the template is written."""

    def __init__(self, provider: InstanceProfileTagsProvider) -> None:
        self._provider = provider

    def produce(self) -> list[str] | None:
        return [_profile_arn(resource) for resource in self._provider.resources()]


def _profile_arn(resource: str) -> str:
    return f"{_profile_arn_prefix()}{resource}"


@functools.cache
def _profile_arn_prefix() -> str:
    """``arn:PARTITION:iam::ACCOUNT:instance-profile`` with CDK's tokens (the same strings every time),
    asked once: two calls into aws-cdk-lib per profile otherwise."""
    return f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:instance-profile"
