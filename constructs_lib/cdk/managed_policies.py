"""The three ways a profile names a managed policy, turned into one ``iam.IManagedPolicy``.

A policy is given as an AWS-managed name ("AmazonS3ReadOnlyAccess",
"service-role/AmazonEC2RoleforSSM"), as a managed-policy ARN, or as an ``iam.IManagedPolicy``.
Each is reduced to an identity key so the same policy given twice, in any two forms, is caught.
"""

from __future__ import annotations

import functools
import json
from typing import TypeAlias

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.cdk.crossings import is_unresolved
from constructs_lib.core import validation
from constructs_lib.core.spec import DeployTime, Text

ManagedPolicyInput: TypeAlias = str | iam.IManagedPolicy
"""An AWS-managed policy name, a managed-policy ARN, or an ``iam.IManagedPolicy``."""

_AWS_MANAGED_ARN_PREFIX = ":iam::aws:policy/"


def policy_reference(stack: Stack, policy: ManagedPolicyInput) -> Text:
    """A policy as a spec holds it: a name or ARN as given, else a ``DeployTime`` keyed by identity.

    An ``iam.IManagedPolicy`` or a token is keyed by what its ARN resolves to in ``stack``, so the
    same policy given twice, in any two forms, has the same key.
    """
    if isinstance(policy, str) and not is_unresolved(policy):
        return policy
    arn = policy if isinstance(policy, str) else policy.managed_policy_arn
    key = _identity_of(stack, arn)
    return DeployTime(key, policy if isinstance(policy, str) else key)


def as_managed_policy(scope: Construct, key: str, policy: ManagedPolicyInput) -> iam.IManagedPolicy:
    """The ``iam.IManagedPolicy`` to attach for a policy that ``managed_policy_key`` accepted.

    Policies given by ARN are imported under ``scope`` with their key as construct ID: an import
    adds nothing to the template, so the ID only has to be unique within the profile.
    """
    if not isinstance(policy, str):
        return policy
    if is_unresolved(policy) or policy.startswith("arn:"):
        return iam.ManagedPolicy.from_managed_policy_arn(scope, f"Imported:{key}", policy)
    return _aws_managed(policy)


def policy_arn(policy: ManagedPolicyInput) -> str:
    """The ARN (a token for an AWS-managed name) of the policy ``as_managed_policy`` would attach."""
    if not isinstance(policy, str):
        return policy.managed_policy_arn
    if is_unresolved(policy) or policy.startswith("arn:"):
        return policy
    return _aws_managed_arn(policy)


@functools.cache
def _aws_managed_arn(name: str) -> str:
    """An AWS-managed policy's ARN, a token that renders for the stack it is used in: asked once."""
    return _aws_managed(name).managed_policy_arn


@functools.cache
def _aws_managed(name: str) -> iam.IManagedPolicy:
    """An AWS-managed policy by name: a plain reference, not a construct, so one serves every role."""
    return iam.ManagedPolicy.from_aws_managed_policy_name(name)


def _identity_of(stack: Stack, arn: str) -> str:
    """The identity key of an ARN that may be a token, by what it resolves to in the template."""
    resolved = stack.resolve(arn)
    if isinstance(resolved, str):
        return validation.managed_policy_key(resolved)
    aws_managed_name = aws_managed_name_of(resolved)
    if aws_managed_name is not None:
        return validation.aws_managed_policy_key(aws_managed_name)
    return json.dumps(resolved, sort_keys=True)


def aws_managed_name_of(resolved: object) -> str | None:
    """The name (with path) of an AWS-managed policy from its ARN in the template, or None.

    The ARN is a string (``arn:aws:iam::aws:policy/NAME``), CDK's partition-aware form,
    ``{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/NAME"]]}``, or the same
    written with ``Fn::Sub`` (``arn:${AWS::Partition}:iam::aws:policy/NAME``).
    """
    if isinstance(resolved, str):
        key = validation.managed_policy_key(resolved)
        is_aws_managed = resolved.startswith("arn:") and key.startswith("aws:policy/")
        return key[len("aws:policy/") :] if is_aws_managed else None
    if isinstance(resolved, dict) and list(resolved) == ["Fn::Sub"] and isinstance(resolved["Fn::Sub"], str):
        sub = resolved["Fn::Sub"]
        prefix = "arn:${AWS::Partition}" + _AWS_MANAGED_ARN_PREFIX
        return sub[len(prefix) :] if sub.startswith(prefix) and "${" not in sub[len(prefix) :] else None
    if not isinstance(resolved, dict) or list(resolved) != ["Fn::Join"]:
        return None
    separator, parts = resolved["Fn::Join"]
    if separator != "" or len(parts) != 3 or parts[:2] != ["arn:", {"Ref": "AWS::Partition"}]:
        return None
    tail = parts[2]
    if isinstance(tail, str) and tail.startswith(_AWS_MANAGED_ARN_PREFIX):
        return tail[len(_AWS_MANAGED_ARN_PREFIX) :]
    return None
