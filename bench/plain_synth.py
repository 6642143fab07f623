"""Workload: the same N profiles written by hand with plain aws-cdk-lib, in the same stacks.

Run as ``python -m bench.plain_synth N OUTDIR``. What a careful team would write without the
library: the role, its trust, two AWS-managed policies, one statement, tags, the instance profile.
"""

from __future__ import annotations

import sys

from bench.profiles import MANAGED_POLICIES, PATH, bench_profiles
from bench.stacks import stack_names
from tooling.cdk import cli_context, use_supported_node


def main(count: int, outdir: str) -> None:
    use_supported_node()
    from aws_cdk import App, Stack, Tags
    from aws_cdk import aws_iam as iam

    app = App(context=cli_context(), outdir=outdir)
    policies = [iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in MANAGED_POLICIES]
    stacks: dict[str, Stack] = {}
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
        Tags.of(role).add("Environment", "Production")
        Tags.of(role).add("Service", profile.service)
        iam.InstanceProfile(stack, profile.name, instance_profile_name=profile.name, path=PATH, role=role)
    app.synth()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
