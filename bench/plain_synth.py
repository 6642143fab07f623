"""Workload: the same N profiles written by hand with plain aws-cdk-lib, in the same stacks.

Run as ``python -m bench.plain_synth N OUTDIR [--tagged]``. What a careful team would write without the
library: the role, its trust, two AWS-managed policies, one statement, tags, the instance profile.
With ``--tagged``, also what the same team would write to tag its instance profiles, which
CloudFormation cannot: a ``Custom::InstanceProfileTags`` per profile and, per stack, a Lambda
function (aws-cdk-lib's ``lambda.Function``, its log group and role) that answers them, running the
library's own handler. The library's targets compare with the workload without tags; this one shows
what tagging costs when it is written by hand.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bench.profiles import MANAGED_POLICIES, PATH, bench_profiles
from bench.stacks import stack_names
from tooling.cdk import cli_context, use_supported_node

if TYPE_CHECKING:
    from aws_cdk import Stack
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_

TAG_FUNCTION_ID = "InstanceProfileTagsProvider"
"""The same ID as the library's tag function, so the benchmark's checks tell them from the profiles alike."""


def main(count: int, outdir: str, *, tagged: bool = False) -> None:
    use_supported_node()
    from aws_cdk import App, Stack, Tags
    from aws_cdk import aws_iam as iam

    app = App(context=cli_context(), outdir=outdir)
    policies = [iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in MANAGED_POLICIES]
    stacks: dict[str, Stack] = {}
    functions: dict[str, lambda_.Function] = {}
    for profile, stack_name in zip(bench_profiles(count), stack_names(count), strict=True):
        stack = stacks.get(stack_name) or stacks.setdefault(stack_name, Stack(app, stack_name))
        role = iam.Role(
            stack,
            f"{profile.name}Role",
            role_name=profile.name,
            path=PATH,
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            managed_policies=policies,
            inline_policies={
                "Permissions": iam.PolicyDocument(
                    statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[profile.bucket])]
                )
            },
        )
        tags = {"Environment": "Production", "Service": profile.service}
        for key, value in tags.items():
            Tags.of(role).add(key, value)
        instance_profile = iam.InstanceProfile(
            stack, profile.name, instance_profile_name=profile.name, path=PATH, role=role
        )
        if tagged:
            function = functions.get(stack_name) or functions.setdefault(stack_name, tag_function(stack))
            tag_resource(stack, f"{profile.name}Tags", function, instance_profile, tags)
    app.synth()


def tag_function(stack: Stack) -> lambda_.Function:
    """The stack's function that tags its instance profiles, with its log group and role.

    Lambda and Logs are imported here, not by ``main``: an app without tags never loads them (their
    Python modules alone are about 30 MiB and a fifth of a CPU second).
    """
    from aws_cdk import Duration, RemovalPolicy
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs

    from constructs_lib.cdk.instance_profile_tags import HANDLER_SOURCE, TAG_ACTIONS

    function = lambda_.Function(
        stack,
        TAG_FUNCTION_ID,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline(HANDLER_SOURCE.read_text()),
        timeout=Duration.minutes(1),
        log_group=logs.LogGroup(stack, "InstanceProfileTagsLogs", removal_policy=RemovalPolicy.DESTROY),
    )
    instance_profiles = stack.format_arn(
        service="iam", region="", resource="instance-profile", resource_name=f"{PATH[1:]}*"
    )
    function.add_to_role_policy(iam.PolicyStatement(actions=TAG_ACTIONS, resources=[instance_profiles]))
    return function


def tag_resource(
    stack: Stack,
    id: str,
    function: lambda_.Function,
    instance_profile: iam.InstanceProfile,
    tags: dict[str, str],
) -> None:
    """The ``Custom::InstanceProfileTags`` giving ``instance_profile`` its ``tags``; ``function`` answers."""
    from aws_cdk import CustomResource

    from constructs_lib.cdk.instance_profile_tags import RESOURCE_TYPE, SERVICE_TIMEOUT

    CustomResource(
        stack,
        id,
        resource_type=RESOURCE_TYPE,
        service_token=function.function_arn,
        service_timeout=SERVICE_TIMEOUT,
        properties={
            "InstanceProfileName": instance_profile.instance_profile_name,
            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()],
        },
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], tagged="--tagged" in sys.argv[3:])
