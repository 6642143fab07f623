"""The N profiles every benchmark workload builds, so the library, plain CDK and native CDK compare alike.

Each profile is what the issue measured: a role trusted by EC2, two AWS-managed policies, one
statement, one tag, and the instance profile (no tag function: tagging is off for all three).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MANAGED_POLICIES = ("AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy")
PATH = "/ec2/team/"
BUCKET_REASON = "Every object of the service's own bucket"
"""Why each profile reads ``bucket/*`` (cdk-nag's AwsSolutions-IAM5 wants a reason for the wildcard)."""


@dataclass(frozen=True)
class BenchProfile:
    name: str
    bucket: str
    service: str


def bench_profiles(count: int) -> Iterator[BenchProfile]:
    for index in range(count):
        yield BenchProfile(
            name=f"profile-number-{index:04}-for-team",
            bucket=f"arn:aws:s3:::bucket-{index:04}/*",
            service=f"service-{index:04}",
        )


def catalog_yaml(count: int) -> str:
    """The profiles as a catalogue: the library's own front door."""
    entries = "".join(
        f"""
  - name: {profile.name}
    managed_policies: [{", ".join(MANAGED_POLICIES)}]
    statements:
      - actions: [s3:GetObject]
        resources: ["{profile.bucket}"]
    tags: {{Service: {profile.service}}}
    acknowledge:
      - {{managed_policy: {MANAGED_POLICIES[0]}, reason: The SSM agent's own policy}}
      - {{managed_policy: {MANAGED_POLICIES[1]}, reason: The CloudWatch agent's own policy}}
      - {{resource: "{profile.bucket}", reason: {BUCKET_REASON}}}
"""
        for profile in bench_profiles(count)
    )
    return f"defaults:\n  path: {PATH}\n  tags: {{Environment: Production}}\nprofiles:{entries}"
