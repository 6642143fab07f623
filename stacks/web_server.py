"""The seed example: web-tier instances that read from S3."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from constructs_lib import BroadAccess, Ec2AccessProfile


class WebServerStack(Stack):
    """Instance profile ``EC2-S3-Access-Profile`` with read-only access to S3."""

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = Ec2AccessProfile(
            self,
            "WebServer",
            instance_profile_name="EC2-S3-Access-Profile",
            role_name="EC2-S3-Access-Role",
            path="/ec2/",
            description="Web tier instances: read-only access to S3",
            managed_policies=["AmazonS3ReadOnlyAccess"],
            acknowledge=[
                BroadAccess.managed_policy(
                    "AmazonS3ReadOnlyAccess",
                    reason="The web tier serves content from buckets that teams add over time; AWS "
                    "keeps this policy to reading S3 (Get and List) and nothing else.",
                )
            ],
            tags={"Environment": "Production", "Service": "WebApp"},
        )
