"""A least-privilege profile: read one bucket's objects, bounded by a permissions boundary."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Aws, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib import BroadAccess, Ec2AccessProfile, nag_findings


class AssetsReaderStack(Stack):
    """Instance profile ``Assets-Reader`` that can only read objects of ``bucket_name``.

    The boundary caps the role at reading that bucket even if a broader policy is attached later.
    """

    def __init__(self, scope: Construct, id: str, *, bucket_name: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        objects = f"arn:{Aws.PARTITION}:s3:::{bucket_name}/*"
        every_object = (
            f"S3 names objects by key, so '{bucket_name}/*' is how IAM says every object of the one "
            "assets bucket; it reaches no other bucket."
        )
        # CloudFormation replaces a managed policy whose description changes, and cannot replace one
        # whose name stays: the name follows the bucket, as the description does.
        boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            managed_policy_name=f"Assets-Reader-Boundary-{bucket_name}",
            path="/ec2/",
            description=f"Permissions boundary of Assets-Reader: at most read objects of {bucket_name}",
            statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects])],
        )
        Validations.of(boundary).acknowledge(
            Acknowledgment(id=nag_findings.wildcard_resource(self.resolve(objects)), reason=every_object)
        )
        self.profile = Ec2AccessProfile(
            self,
            "AssetsReader",
            instance_profile_name="Assets-Reader",
            path="/ec2/",
            description=f"Reads objects of {bucket_name}, nothing else",
            statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects])],
            acknowledge=[BroadAccess.resource(objects, reason=every_object)],
            permissions_boundary=boundary,
            max_session_duration=Duration.hours(2),
            tags={"Environment": "Production", "Service": "Assets"},
        )
