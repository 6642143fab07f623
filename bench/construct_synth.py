"""Workload: the same N profiles built with ``Ec2AccessProfile`` directly, as a hand-written app would.

Run as ``python -m bench.construct_synth N OUTDIR [--tagged]``; the benchmark measures the whole
process. Without ``--tagged`` neither the tag function nor the contract parameter is built, as in
plain CDK; with it, profile tagging is on, the default.
"""

from __future__ import annotations

import sys

from bench.profiles import BUCKET_REASON, MANAGED_POLICIES, PATH, bench_profiles
from bench.stacks import stack_names
from tooling.cdk import cli_context, use_supported_node


def main(count: int, outdir: str, *, tagged: bool = False) -> None:
    use_supported_node()
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam

    from constructs_lib import BroadAccess, Ec2AccessProfile

    app = App(context=cli_context(), outdir=outdir)
    acknowledge = [
        BroadAccess.managed_policy(MANAGED_POLICIES[0], reason="The SSM agent's own policy"),
        BroadAccess.managed_policy(MANAGED_POLICIES[1], reason="The CloudWatch agent's own policy"),
    ]
    stacks: dict[str, Stack] = {}
    for profile, stack_name in zip(bench_profiles(count), stack_names(count), strict=True):
        bucket = BroadAccess.resource(profile.bucket, reason=BUCKET_REASON)
        stack = stacks.get(stack_name) or stacks.setdefault(stack_name, Stack(app, stack_name))
        Ec2AccessProfile(
            stack,
            profile.name,
            instance_profile_name=profile.name,
            path=PATH,
            managed_policies=list(MANAGED_POLICIES),
            statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[profile.bucket])],
            tags={"Environment": "Production", "Service": profile.service},
            acknowledge=[*acknowledge, bucket],
            tag_instance_profile=tagged,
            publish_contract=False,
        )
    app.synth()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], tagged="--tagged" in sys.argv[3:])
