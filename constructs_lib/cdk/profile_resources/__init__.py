"""A profile's resources, made in Node.js in one call each (``native/src/index.ts``).

Every call into aws-cdk-lib crosses from Python into jsii's Node.js process and back, and costs
more, in both processes, than most of what a profile does. A profile knows what it makes before it
makes anything, so ``ProfileResources`` makes it in one call: the role and the instance profile
(their L1s for a spec, ``add``; aws-cdk-lib's L2s for the construct, ``add_l2``), their scopes, the
role's inline policy and metadata and the profile's tags; and, with tagging on, the tag resource's
construct and its ``CustomResource`` (the package's ``InstanceProfileTags``, whose binding is
``constructs_lib.cdk.instance_profile_tags.InstanceProfileTags``). A stack's tag function, its log
group and its role are made in one call too (``InstanceProfileTagsProvider``, bound the same way). The
same constructs, at the same paths, with the same properties as when Python made them one call at a
time.

What is plain data crosses as one JSON string, and each object as a parameter of its own type: jsii
checks and converts a structured value of type ``any`` value by value, which cost more than making
the profile. The guardrails read back what they check the same way: every role of a stack in one
call that answers in plain JSON (``read_roles``), and only the app's IAM policies rather than every
construct (``policies_in``).
"""

from __future__ import annotations

import builtins
import json
import typing

import jsii
from aws_cdk import Duration, IResolvable, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from constructs_lib.cdk.profile_resources import _jsii  # noqa: F401  (loads the assembly)


class ProfileResources(metaclass=jsii.JSIIMeta, jsii_type="ec2-access-profiles-native.ProfileResources"):
    """What ``native/src/index.ts`` exports, as jsii's generated bindings would declare it."""

    @jsii.member(jsii_name="add")
    @builtins.classmethod
    def add(cls, profile: Construct, spec: str, trust_policy: IResolvable) -> list[typing.Any]:
        """Make, under ``profile``, its ``Role`` scope, the ``CfnRole`` and the ``CfnInstanceProfile``.

        ``spec`` is JSON: ``role`` (``CfnRoleProps``, camelCase, no None values, but the trust policy),
        ``instanceProfile`` (``CfnInstanceProfileProps`` but ``roles``), ``roleMetadata`` (``[type,
        data]`` pairs, added to the ``Role`` scope), ``tags`` (``[key, value]`` pairs, added with
        ``Tags.of(profile)``), and ``inlineStatements``, the statements of an inline policy
        ``inlinePolicyName`` that is not in ``role.policies`` as JSON; with ``instanceProfileTags``
        (``TagsWithProfile.spec``), the profile's ``InstanceProfileTags`` is made last. Returns the
        scope, the role, the instance profile, that policy's ``iam.PolicyDocument`` and the
        ``InstanceProfileTags`` (each None without one).
        """
        return typing.cast(list[typing.Any], jsii.sinvoke(cls, "add", [profile, spec, trust_policy]))

    @jsii.member(jsii_name="addL2")
    @builtins.classmethod
    def add_l2(
        cls,
        profile: Construct,
        spec: str,
        assumed_by: iam.IPrincipal,
        managed_policies: typing.Sequence[iam.IManagedPolicy] | None = None,
        statements: typing.Sequence[iam.PolicyStatement] | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
        max_session_duration: Duration | None = None,
    ) -> list[typing.Any]:
        """Make, under ``profile``, its ``iam.Role`` (``Role``) and ``iam.InstanceProfile`` (``Resource``).

        ``spec`` is JSON: ``role`` holds the role's ``roleName``, ``path`` and ``description`` (no None
        values); ``instanceProfile``, ``roleMetadata``, ``tags`` and ``instanceProfileTags`` are as
        for ``add``. The inline policy ``inlinePolicyName`` has ``statements``, then
        ``spec["inlineStatements"]`` (JSON). Returns the role, the instance profile, their default
        children (their L1s), the inline policy's ``iam.PolicyDocument`` and the
        ``InstanceProfileTags`` (each None without one).
        """
        arguments = [
            profile,
            spec,
            assumed_by,
            managed_policies,
            statements,
            permissions_boundary,
            max_session_duration,
        ]
        return typing.cast(list[typing.Any], jsii.sinvoke(cls, "addL2", arguments))

    @jsii.member(jsii_name="statementsJson")
    @builtins.classmethod
    def statements_json(cls, statements: typing.Sequence[iam.PolicyStatement]) -> list[typing.Any]:
        """Each statement's ``to_statement_json()``, in one call.

        The answer crosses as one JSON string; a statement whose JSON holds a token object is None
        in it, for the caller to ask ``to_statement_json()`` of.
        """
        read: list[typing.Any] = json.loads(jsii.sinvoke(cls, "statementsJson", [statements]))
        return read

    @jsii.member(jsii_name="readRoles")
    @builtins.classmethod
    def read_roles(
        cls, stack: Stack, roles: typing.Sequence[iam.CfnRole]
    ) -> list[typing.Mapping[str, typing.Any]]:
        """Each role's properties as the guardrails read them, for a whole stack in one call.

        The answer crosses as one JSON string: jsii checks and converts a structured answer value
        by value, which cost more than the resolving.

        For each role: ``roleName`` and ``tags`` as CDK holds them (a token stays its string), and
        ``resolved``: ``assumeRolePolicyDocument``, ``managedPolicyArns``, ``policies`` and
        ``permissionsBoundary`` resolved in ``stack`` (absent when the role has none).
        """
        read: list[typing.Mapping[str, typing.Any]] = json.loads(
            jsii.sinvoke(cls, "readRoles", [stack, roles])
        )
        return read

    @jsii.member(jsii_name="policiesIn")
    @builtins.classmethod
    def policies_in(cls, root: IConstruct) -> list[Construct]:
        """Every ``CfnPolicy``, ``CfnRolePolicy`` and ``CfnManagedPolicy`` under ``root``, in pre-order."""
        return typing.cast(list[Construct], jsii.sinvoke(cls, "policiesIn", [root]))
