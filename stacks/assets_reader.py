"""A least-privilege profile: read one bucket's objects, bounded by a permissions boundary."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib import Ec2AccessProfile


class AssetsReaderStack(Stack):
    """Instance profile ``Assets-Reader`` that can only read objects of ``bucket_name``.

    The boundary caps the role at reading that bucket even if a broader policy is attached later.
    """

    def __init__(self, scope: Construct, id: str, *, bucket_name: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        objects = f"arn:{Aws.PARTITION}:s3:::{bucket_name}/*"
        boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            managed_policy_name="Assets-Reader-Boundary",
            path="/ec2/",
            description=f"Permissions boundary of Assets-Reader: at most read objects of {bucket_name}",
            statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects])],
        )
        self.profile = Ec2AccessProfile(
            self,
            "AssetsReader",
            instance_profile_name="Assets-Reader",
            path="/ec2/",
            description=f"Reads objects of {bucket_name}, nothing else",
            statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects])],
            permissions_boundary=boundary,
            max_session_duration=Duration.hours(2),
            tags={"Environment": "Production", "Service": "Assets"},
        )
