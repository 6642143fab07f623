"""Hosts operated through AWS Systems Manager (Session Manager, Run Command, Patch Manager)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from constructs_lib import BroadAccess, Ec2AccessProfile


class SsmManagedHostStack(Stack):
    """Instance profile ``SSM-Managed-Host`` with the core permissions of the SSM agent."""

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = Ec2AccessProfile(
            self,
            "SsmManagedHost",
            instance_profile_name="SSM-Managed-Host",
            path="/ec2/",
            description="Hosts managed by AWS Systems Manager",
            managed_policies=["AmazonSSMManagedInstanceCore"],
            acknowledge=[
                BroadAccess.managed_policy(
                    "AmazonSSMManagedInstanceCore",
                    reason="AWS documents this policy as what the SSM agent needs, and updates it with "
                    "the agent; a copy of our own would fall behind.",
                )
            ],
            tags={"Environment": "Production", "Service": "Operations"},
        )
