"""Catalogues of many realistic profiles, for the benchmark and the tests at scale."""

from __future__ import annotations

from collections.abc import Iterable


def sample_entry(index: int) -> str:
    """One valid profile: presets, an AWS-managed policy, a statement, tags, an acknowledgment."""
    return f"""
  - name: profile-number-{index:04}-for-team
    path: /ec2/team/
    description: Instances of service number {index}
    presets: [ssm, cloudwatch-agent]
    managed_policies: [AmazonS3ReadOnlyAccess]
    statements:
      - actions: [s3:GetObject, s3:PutObject]
        resources: ["arn:aws:s3:::bucket-{index:04}/*"]
    max_session_duration_hours: 2
    tags: {{Service: service-{index:04}, Team: team-{index % 20}}}
    acknowledge:
      - {{managed_policy: AmazonS3ReadOnlyAccess, reason: Reads the team's shared buckets}}
      - {{resource: "arn:aws:s3:::bucket-{index:04}/*", reason: Every object of the service's own bucket}}
"""


def sample_catalog(profiles: int | Iterable[int]) -> str:
    """A catalogue of ``profiles`` sample profiles (a count, or the indexes to use, in that order)."""
    indexes = range(profiles) if isinstance(profiles, int) else profiles
    entries = "".join(sample_entry(index) for index in indexes)
    return f"defaults:\n  tags: {{Environment: Production}}\nprofiles:{entries}"
