"""The consumer contract in CDK: a profile publishes one SSM parameter, another app imports it.

The format is ``contract``'s (pure). Publishing adds one ``AWS::SSM::Parameter`` to the profile.
Importing reads the parameter at deploy time (a CloudFormation parameter of type
``AWS::SSM::Parameter::Value<String>``, resolved in the consumer stack's own account and region when
it deploys) and picks the values out with ``Fn::Select`` and ``Fn::Split``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Fn, Resource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.cdk import grants
from constructs_lib.core import contract

if TYPE_CHECKING:
    from aws_cdk import aws_ssm as ssm

PUBLISH_CONTRACT_CONTEXT = "ec2-access-profile:publishContract"
"""Context key that, set to true, makes every profile of an app, stage or stack publish its contract."""


class PublishedProfile:
    """A profile another app published, as a consumer uses it: in launch templates and in grants.

    Every attribute is a deploy-time value (a CDK token): it is known when the consumer stack deploys,
    not at synth, so it cannot be checked, compared or used in construct IDs.
    """

    def __init__(self, scope: Construct, id: str, name: str) -> None:
        from aws_cdk import aws_ssm as ssm  # imported when used: a Python module of 2 MiB

        self.parameter_name = contract.parameter_name(name)
        """The SSM parameter read, ``/ec2-access-profiles/NAME``."""
        value = ssm.StringParameter.value_for_string_parameter(scope, self.parameter_name)
        parts = Fn.split('"', value)
        fields = {field: Fn.select(index, parts) for field, index in contract.FIELD_INDEX.items()}
        self.instance_profile_name: str = fields["instanceProfileName"]
        self.role_name: str = fields["roleName"]
        """The role's name. Use this, not ``role.role_name``: CDK derives that from the ARN and, for a
        role with a path, takes the path's first part instead."""
        self.path: str = fields["path"]
        self.role: iam.IRole = iam.Role.from_role_arn(scope, f"{id}Role", fields["roleArn"], mutable=False)
        """The profile's role; immutable: it is the owner's. Grant through this profile's
        ``grant_pass_role`` and ``grant_launch``, not the role's own ``grant_pass_role``, which lets
        the role be passed to any service."""
        self.instance_profile: iam.IInstanceProfile = _ImportedInstanceProfile(
            scope,
            id,
            instance_profile_arn=fields["instanceProfileArn"],
            instance_profile_name=self.instance_profile_name,
            role=self.role,
        )
        """The instance profile, for ``ec2.LaunchTemplate(instance_profile=...)`` or ``ec2.Instance``."""

    def grant_pass_role(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pass this profile's role to EC2, and to no other service: the same grant
        as ``Ec2AccessProfile.grant_pass_role``."""
        return grants.grant_pass_role_to_ec2(grantee, self.role.role_arn)

    def grant_launch(self, grantee: iam.IGrantable) -> iam.Grant:
        """Give a launcher what launching with this profile needs: the same grant as
        ``Ec2AccessProfile.grant_launch`` (``iam:PassRole`` only to EC2, and
        ``iam:GetInstanceProfile`` on this instance profile only)."""
        return grants.grant_launch(
            grantee,
            role_arn=self.role.role_arn,
            instance_profile_arn=self.instance_profile.instance_profile_arn,
        )


@jsii.implements(iam.IInstanceProfile)
class _ImportedInstanceProfile(Resource):
    """An instance profile imported with its name and ARN as the contract gives them.

    aws-cdk-lib's ``InstanceProfile.from_instance_profile_attributes`` takes only the ARN and derives
    the name from it, everything after ``:instance-profile/``: for a profile with a path (``/ec2/``)
    that is ``ec2/NAME``, which ``ec2.Instance`` then passes as ``IamInstanceProfile`` and EC2 refuses.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_profile_arn: str,
        instance_profile_name: str,
        role: iam.IRole,
    ) -> None:
        super().__init__(scope, id)
        self._arn = instance_profile_arn
        self._name = instance_profile_name
        self._role = role

    @property
    def instance_profile_arn(self) -> str:
        return self._arn

    @property
    def instance_profile_name(self) -> str:
        return self._name

    @property
    def role(self) -> iam.IRole:
        return self._role

    @property
    def instance_profile_ref(self) -> Any:
        """The reference newer aws-cdk-lib releases ask of an ``IInstanceProfile`` (imported here, so the
        library still loads on the releases its floor allows, which have no ``aws_cdk.interfaces``)."""
        from aws_cdk.interfaces import aws_iam as iam_refs

        reference = iam_refs.InstanceProfileReference
        return reference(instance_profile_arn=self._arn, instance_profile_name=self._name)


def publish(
    scope: Construct,
    *,
    instance_profile_arn: str,
    instance_profile_name: str,
    role_arn: str,
    role_name: str,
    name: str,
    path: str,
) -> ssm.StringParameter:
    """The profile's contract parameter, as the child ``Contract`` of ``scope``."""
    from aws_cdk import aws_ssm as ssm  # imported when used: a Python module of 2 MiB

    value = Stack.of(scope).to_json_string(
        {
            "instanceProfileArn": instance_profile_arn,
            "instanceProfileName": instance_profile_name,
            "path": path,
            "roleArn": role_arn,
            "roleName": role_name,
        }
    )
    return ssm.StringParameter(
        scope,
        "Contract",
        parameter_name=contract.parameter_name(name),
        string_value=value,
        description=f"Contract of EC2 instance profile {name}: names and ARNs for consumer apps (JSON)",
    )
