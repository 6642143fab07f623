"""A profile's resources, made in Node.js in one call each (``native/src/index.ts``).

Every call into aws-cdk-lib crosses from Python into jsii's Node.js process and back, and costs
more, in both processes, than most of what a profile does. A profile knows what it makes before it
makes anything, so ``ProfileResources`` makes it in one call: the role and the instance profile
(their L1s for a spec, ``add``; aws-cdk-lib's L2s for the construct, ``add_l2``), their scopes, the
role's metadata and the profile's tags; and, with tagging on, the tag resource
(``add_instance_profile_tags``). The same constructs, at the same paths, with the same properties
as when Python made them one call at a time.
"""

from __future__ import annotations

import builtins
import typing

import jsii
from aws_cdk import CustomResource
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.cdk.profile_resources import _jsii  # noqa: F401  (loads the assembly)


class ProfileResources(metaclass=jsii.JSIIMeta, jsii_type="ec2-access-profiles-native.ProfileResources"):
    """What ``native/src/index.ts`` exports, as jsii's generated bindings would declare it."""

    @jsii.member(jsii_name="add")
    @builtins.classmethod
    def add(cls, profile: Construct, spec: typing.Mapping[str, typing.Any]) -> list[Construct]:
        """Make, under ``profile``, its ``Role`` scope, the ``CfnRole`` and the ``CfnInstanceProfile``.

        ``spec`` holds ``role`` (``CfnRoleProps``, camelCase, no None values), ``instanceProfile``
        (``CfnInstanceProfileProps`` but ``roles``), ``roleMetadata`` (``[type, data]`` pairs, added to
        the ``Role`` scope) and ``tags`` (``[key, value]`` pairs, added with ``Tags.of(profile)``), as
        JSON lists (jsii cannot send a tuple). Returns the scope, the role and the instance profile.
        """
        return typing.cast(list[Construct], jsii.sinvoke(cls, "add", [profile, spec]))

    @jsii.member(jsii_name="addL2")
    @builtins.classmethod
    def add_l2(cls, profile: Construct, spec: typing.Mapping[str, typing.Any]) -> list[Construct]:
        """Make, under ``profile``, its ``iam.Role`` (``Role``) and ``iam.InstanceProfile`` (``Resource``).

        ``spec["role"]`` is ``RoleProps`` (camelCase, no None values), ``instanceProfile``
        ``InstanceProfileProps`` but ``role``; ``roleMetadata`` (added to the role) and ``tags`` as for
        ``add``. Returns the role, the instance profile, and their default children (their L1s).
        """
        return typing.cast(list[Construct], jsii.sinvoke(cls, "addL2", [profile, spec]))

    @jsii.member(jsii_name="addInstanceProfileTags")
    @builtins.classmethod
    def add_instance_profile_tags(
        cls, scope: Construct, instance_profile: iam.CfnInstanceProfile, spec: typing.Mapping[str, typing.Any]
    ) -> CustomResource:
        """Make, under ``scope``, the ``Custom::InstanceProfileTags`` that tags ``instance_profile``.

        ``spec["props"]`` is ``CustomResourceProps`` (camelCase) but ``properties``, which are the
        profile's ``Ref`` and ``spec["tags"]``.
        """
        made = jsii.sinvoke(cls, "addInstanceProfileTags", [scope, instance_profile, spec])
        return typing.cast(CustomResource, made)
