"""What a launcher needs to launch instances with a profile, granted the same way for every profile.

``Ec2AccessProfile`` (a profile this app builds) and ``PublishedProfile`` (one another app
published) grant through these two functions, so a consumer gets the same scope and condition as
the owner: ``iam:PassRole`` only to EC2 (aws-cdk-lib's ``role.grant_pass_role`` has no
``iam:PassedToService`` condition, which the review flags as ``pass-role-unconstrained``), and
``iam:GetInstanceProfile`` on this instance profile only.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from constructs_lib.cdk.trust_policy import EC2_SERVICE_PRINCIPAL


def grant_pass_role_to_ec2(grantee: iam.IGrantable, role_arn: str) -> iam.Grant:
    """``iam:PassRole`` on the role at ``role_arn``, to EC2 and no other service."""
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["iam:PassRole"],
        resource_arns=[role_arn],
        conditions={"StringEquals": {"iam:PassedToService": EC2_SERVICE_PRINCIPAL}},
    )


def grant_launch(grantee: iam.IGrantable, *, role_arn: str, instance_profile_arn: str) -> iam.Grant:
    """``grant_pass_role_to_ec2`` and ``iam:GetInstanceProfile`` on this instance profile only.

    That is what EC2 checks in ``RunInstances``, ``AssociateIamInstanceProfile`` and
    ``ReplaceIamInstanceProfileAssociation``, and Auto Scaling when a launch template names an
    instance profile; the EC2 and Auto Scaling actions themselves are the launcher's own.
    """
    read_profile = iam.Grant.add_to_principal(
        grantee=grantee, actions=["iam:GetInstanceProfile"], resource_arns=[instance_profile_arn]
    )
    return grant_pass_role_to_ec2(grantee, role_arn).combine(read_profile)
