"""The review's own cost for 1,000 changed profiles, beyond the two syntheses (issue 19's target: < 10 s).

Both apps are written by hand in the shape ``cdk synth`` gives, so the figure is the review's alone
(reading the profiles, comparing them, the evaluator with AWS-managed documents, cloudsplaining, the
report): each head profile gains one of nine AWS-managed policies and ``s3:Put*`` on a new bucket,
and the profiles sit 99 to a stack, as the catalogue's shards hold them.
``python -m bench.review`` prints it; ``make bench`` adds it to its output.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.explain import POLICIES

PROFILES_PER_STACK = 99


def _profile(index: int, *, changed: bool) -> dict[str, Any]:
    name = f"profile-number-{index:04}-for-team"
    statements = [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": f"arn:aws:s3:::bucket-{index:04}/*"}
    ]
    policies = ["AmazonSSMManagedInstanceCore"]
    if changed:
        statements.append(
            {"Action": "s3:Put*", "Effect": "Allow", "Resource": f"arn:aws:s3:::results-{index:04}/*"}
        )
        policies.append(POLICIES[1 + index % (len(POLICIES) - 1)])
    arns = [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{p}"]]} for p in policies
    ]
    trust = {
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
        ],
        "Version": "2012-10-17",
    }
    return {
        f"Role{index}": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": name,
                "Path": "/ec2/team/",
                "AssumeRolePolicyDocument": trust,
                "ManagedPolicyArns": arns,
                "Policies": [
                    {
                        "PolicyName": "Permissions",
                        "PolicyDocument": {"Statement": statements, "Version": "2012-10-17"},
                    }
                ],
            },
        },
        f"Profile{index}": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {
                "InstanceProfileName": name,
                "Path": "/ec2/team/",
                "Roles": [{"Ref": f"Role{index}"}],
            },
        },
    }


def templates(count: int, *, changed: bool) -> dict[str, dict[str, Any]]:
    """``count`` profiles, 99 to a stack, by stack name."""
    stacks: dict[str, dict[str, Any]] = {}
    for index in range(count):
        shard = index // PROFILES_PER_STACK
        name = "Ec2AccessProfiles" if shard == 0 else f"Ec2AccessProfiles-{shard + 1}"
        stacks.setdefault(name, {"Resources": {}})["Resources"].update(_profile(index, changed=changed))
    return stacks


def time_review(count: int, rounds: int) -> tuple[float, int]:
    """Median seconds of the review of ``count`` changed profiles, and how many profiles it reported."""
    from constructs_lib.review.compare import review
    from constructs_lib.review.report import to_json, to_markdown

    base, head = templates(count, changed=False), templates(count, changed=True)
    seconds = []
    reviewed = 0
    for _ in range(rounds):
        started = time.perf_counter()
        result = review(base, head, base_ref="base")
        to_markdown(result)
        to_json(result)
        seconds.append(time.perf_counter() - started)
        reviewed = sum(1 for profile in result.profiles if profile.status == "changed")
    return statistics.median(seconds), reviewed


if __name__ == "__main__":
    seconds, reviewed = time_review(1000, 3)
    print(f"review of 1,000 changed profiles: {seconds:.2f} s beyond the two syntheses ({reviewed} changed)")
