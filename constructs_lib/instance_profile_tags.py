"""Tags on IAM instance profiles, which CloudFormation cannot set, through a custom resource.

``AWS::IAM::InstanceProfile`` has no ``Tags`` property. ``InstanceProfileTags`` is a
``Custom::InstanceProfileTags`` resource that copies the tags its role ends up with (from the
profile's ``tags`` and from every ``Tags.of(...)`` that reaches the role) onto the profile through the
IAM API. One ``InstanceProfileTagsProvider`` per stack holds the Lambda function that does it, with
its code inline in the template and a role that can only tag this stack's profiles.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    Aws,
    CustomResource,
    Duration,
    IStableAnyProducer,
    IStableListProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    TagManager,
    Token,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from constructs_lib import nag_findings

RESOURCE_TYPE = "Custom::InstanceProfileTags"
HANDLER_SOURCE = Path(__file__).with_name("instance_profile_tags_handler.py")
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_13
"""Pinned, so templates do not change when aws-cdk-lib moves its default runtime."""
HANDLER_TIMEOUT = Duration.minutes(2)
SERVICE_TIMEOUT = Duration.minutes(5)
"""How long CloudFormation waits for an answer: bounded even if the function never runs."""
PROVIDER_ID = "InstanceProfileTagsProvider"


class InstanceProfileTagsProvider(Construct):
    """The Lambda function behind every ``Custom::InstanceProfileTags`` of one stack.

    Use ``InstanceProfileTagsProvider.of(stack)``: it creates the provider on first use.
    """

    @staticmethod
    def of(scope: Construct) -> InstanceProfileTagsProvider:
        """The provider of ``scope``'s stack, created the first time it is asked for."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, InstanceProfileTagsProvider):
            return existing
        return InstanceProfileTagsProvider(stack, PROVIDER_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._profile_arns = _stack_profile_arns(Stack.of(self))
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        _acknowledge(
            log_group,
            "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
            "The log holds request types, instance-profile names and tag keys, never tag values or "
            "credentials, and CloudWatch Logs encrypts it at rest already; a customer managed KMS key "
            "per stack would add a key policy and a monthly cost to every account for nothing secret.",
        )
        permissions = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                ),
                iam.PolicyStatement(
                    sid="TagThisStacksInstanceProfiles",
                    actions=["iam:TagInstanceProfile", "iam:UntagInstanceProfile"],
                    resources=Lazy.list(_SortedValues(self._profile_arns)),
                ),
            ]
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Tags the instance profiles of this stack (Custom::InstanceProfileTags)",
            inline_policies={"Permissions": permissions},
        )
        for resource, arn in self._profile_arns.items():  # profiles covered before it existed
            self._acknowledge_wildcard(resource, arn)
        _acknowledge(
            self.role,
            nag_findings.NIST_INLINE_POLICY,
            "The function's permissions are inline on purpose: they belong to this one role, cannot be "
            "attached to anything else, and are created and deleted with it.",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=HANDLER_RUNTIME,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER_SOURCE.read_text()),
            timeout=HANDLER_TIMEOUT,
            memory_size=128,
            role=self.role,
            log_group=log_group,
            description="Tags instance profiles for Custom::InstanceProfileTags",
        )
        cfn_function = self.function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        # aws-cdk-lib makes a function depend on its role so that a separately attached policy
        # exists first; this role's only policy is inline, and Role is a GetAtt of the role already,
        # so the DependsOn only repeats that (cfn-lint W3005).
        cfn_function.add_deletion_override("DependsOn")
        _acknowledge(
            self.function,
            "AwsSolutions-L1",
            f"The runtime is pinned ({HANDLER_RUNTIME.name}, supported by Lambda) so that templates do "
            "not change when aws-cdk-lib learns of a newer one; moving to it is a reviewed change.",
        )
        _acknowledge(
            self.function,
            "NIST.800.53.R5-LambdaConcurrency",
            "Only CloudFormation invokes it, a few times per deployment. Reserved concurrency would take "
            "from the account's unreserved pool, and CloudFormation refuses any reservation in accounts "
            "whose concurrency quota is low (new accounts), so the stack would fail there.",
        )
        _acknowledge(
            self.function,
            "NIST.800.53.R5-LambdaDLQ",
            "It answers CloudFormation itself, FAILED with the reason, before its own timeout; a failed "
            "event shows in the stack events and ServiceTimeout bounds the wait. A queue of failed "
            "events that nothing reads would add nothing.",
        )
        _acknowledge(
            self.function,
            "NIST.800.53.R5-LambdaInsideVPC",
            "It calls only the global IAM API and CloudFormation's pre-signed S3 response URL; in a VPC "
            "it would need NAT or endpoints for both, which this library cannot assume every account has.",
        )

    @staticmethod
    def cover(scope: Construct, instance_profile_name: str | None, path: str | None) -> None:
        """Keep a profile of ``scope``'s stack whose tagging is off in reach of the stack's function.

        Turning tagging off removes the profile's tag resource, and its Delete untags the profile
        after the function's policy was updated: without this, IAM denies that untag and the profile
        keeps its last tags, while a stack that turns tagging off for every profile loses them. Adds
        nothing when no profile of the stack is tagged (there is no function then).
        """
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, InstanceProfileTagsProvider):
            existing.allow(instance_profile_name, path)
        else:
            resource, arn = _profile_resource(instance_profile_name, path)
            _stack_profile_arns(stack)[resource] = arn

    def allow(self, instance_profile_name: str | None, path: str | None) -> None:
        """Let the function tag this profile: by its ARN, or all profiles under its path if unnamed."""
        resource, arn = _profile_resource(instance_profile_name, path)
        if resource not in self._profile_arns:
            self._acknowledge_wildcard(resource, arn)
        self._profile_arns[resource] = arn

    def _acknowledge_wildcard(self, resource: str, arn: str) -> None:
        if resource.endswith("*"):
            _acknowledge(
                self.role,
                nag_findings.wildcard_resource(Stack.of(self).resolve(arn)),
                "CloudFormation generates the name of this instance profile, so the narrowest ARN "
                "known at synth is every instance profile under its path.",
            )


def _profile_resource(instance_profile_name: str | None, path: str | None) -> tuple[str, str]:
    """The instance-profile resource (path and name, or path and ``*``) and its ARN."""
    prefix = "/" if path is None or Token.is_unresolved(path) else path
    if instance_profile_name is None or Token.is_unresolved(instance_profile_name):
        resource = prefix + "*"
    elif path is not None and Token.is_unresolved(path):
        resource = "/*"
    else:
        resource = prefix + instance_profile_name
    return resource, f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:instance-profile{resource}"


_PROFILE_ARNS: weakref.WeakKeyDictionary[Stack, dict[str, str]] = weakref.WeakKeyDictionary()
"""Per stack: the instance profiles its tag function may tag, by resource; filled in any order."""


def _stack_profile_arns(stack: Stack) -> dict[str, str]:
    return _PROFILE_ARNS.setdefault(stack, {})


class InstanceProfileTags(Construct):
    """A ``Custom::InstanceProfileTags`` that puts a role's tags on an instance profile."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_profile: iam.CfnInstanceProfile,
        tags: TagManager,
    ) -> None:
        """Tag ``instance_profile`` with what ``tags`` renders at synth, after every aspect ran.

        :param instance_profile: the profile to tag.
        :param tags: the tag manager to copy, normally the role's.
        """
        super().__init__(scope, id)
        provider = InstanceProfileTagsProvider.of(self)
        provider.allow(instance_profile.instance_profile_name, instance_profile.path)
        self.resource = CustomResource(
            self,
            "Resource",
            resource_type=RESOURCE_TYPE,
            service_token=provider.function.function_arn,
            service_timeout=SERVICE_TIMEOUT,
            properties={
                "InstanceProfileName": instance_profile.ref,
                "Tags": Lazy.any(_RenderedTags(tags)),
            },
        )


@jsii.implements(IStableAnyProducer)
class _RenderedTags:
    """The tags a tag manager renders when the template is written, as [{Key, Value}]."""

    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def produce(self) -> Any:
        return [{"Key": key, "Value": value} for key, value in sorted(self._tags.tag_values().items())]


@jsii.implements(IStableListProducer)
class _SortedValues:
    """The values of a dict, in key order, when the template is written."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def produce(self) -> list[str] | None:
        return [self._values[key] for key in sorted(self._values)]


def _acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Record, next to the construct, why a linter finding about it is accepted."""
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))
