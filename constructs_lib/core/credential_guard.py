"""The credential guard: deny statements that make an instance's role credentials useless elsewhere.

Credentials read from the instance metadata service (by an SSRF bug, a compromised process) work
from anywhere until they expire. AWS gives role credentials issued to an instance condition keys of
their own (IAM User Guide, "AWS global condition context keys"; AWS Security Blog, "How to use
policies to restrict where EC2 instance credentials can be used from"), so the role's own policy can
refuse a call that does not come from the instance:

- **off the instance's VPC**: deny when ``aws:Ec2InstanceSourceVpc`` differs from the VPC the call
  came through (``${aws:SourceVpc}``);
- **off the instance's address**: deny when ``aws:Ec2InstanceSourcePrivateIPv4`` differs from
  ``${aws:VpcSourceIp}``;

both only for credentials an instance holds (``ec2:SourceInstanceArn`` present) and not for calls
AWS services make on the role's behalf (``aws:ViaAWSService`` false, if present);

- **IMDSv2 only** (its own option): deny when the credentials were delivered over IMDSv1
  (``ec2:RoleDelivery`` below 2.0).

``aws:SourceVpc`` and ``aws:VpcSourceIp`` are only in a request that goes through a VPC endpoint:
without an endpoint for a service, the instance's own calls to it are refused. The exemptions
(``NotAction``) are the actions that reach resources inside the VPC rather than an AWS endpoint,
taken from AWS's published example (aws-samples/data-perimeter-policy-examples,
``network_perimeter_ec2_scp.json``); a profile adds its own, each with a reason. Pure data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SOURCE_VPC_KEY = "aws:Ec2InstanceSourceVpc"
SOURCE_ADDRESS_KEY = "aws:Ec2InstanceSourcePrivateIPv4"
INSTANCE_KEY = "ec2:SourceInstanceArn"
VIA_SERVICE_KEY = "aws:ViaAWSService"
DELIVERY_KEY = "ec2:RoleDelivery"
REQUEST_VPC_KEY = "aws:SourceVpc"
REQUEST_ADDRESS_KEY = "aws:VpcSourceIp"
CONDITION_KEYS = (
    SOURCE_VPC_KEY,
    SOURCE_ADDRESS_KEY,
    INSTANCE_KEY,
    VIA_SERVICE_KEY,
    DELIVERY_KEY,
    REQUEST_VPC_KEY,
    REQUEST_ADDRESS_KEY,
)
"""Every condition key the guard writes (as keys and in policy variables), spelt as IAM's reference
spells them."""

AWS_EXEMPTIONS = (
    "es:ES*",
    "dax:GetItem",
    "dax:BatchGetItem",
    "dax:Query",
    "dax:Scan",
    "dax:PutItem",
    "dax:UpdateItem",
    "dax:DeleteItem",
    "dax:BatchWriteItem",
    "dax:ConditionCheckItem",
    "neptune-db:*",
    "kafka-cluster:*",
    "elasticfilesystem:client*",
    "rds-db:connect",
)
"""Actions that reach a resource inside the VPC (a domain, a cluster, a file system, a database),
not an AWS endpoint, so no VPC endpoint can carry ``aws:SourceVpc`` for them: the ``NotAction`` of
AWS's example ``network_perimeter_ec2_scp.json`` (aws-samples/data-perimeter-policy-examples)."""

SIDS = ("CredentialGuardInstanceVpc", "CredentialGuardInstanceAddress", "CredentialGuardImdsV2Only")


@dataclass(frozen=True)
class Exemption:
    """An action (or action wildcard) the VPC and address checks leave alone, and why."""

    action: str
    reason: str


@dataclass(frozen=True)
class CredentialGuard:
    """The guard of one profile. Example::

    Ec2AccessProfile(self, "Web", credential_guard=CredentialGuard(imdsv2_only=True))
    Ec2AccessProfile(self, "Db", credential_guard=CredentialGuard(
        exempt=(Exemption("ssm:GetParameter", reason="No SSM endpoint in this VPC yet"),)))
    """

    imdsv2_only: bool = False
    """Also deny credentials delivered over IMDSv1. Default: off."""
    exempt: tuple[Exemption, ...] = ()
    """Actions exempted beyond ``AWS_EXEMPTIONS``, each with its reason. Default: none."""

    def not_actions(self) -> list[str]:
        """What the VPC and address checks leave alone: AWS's exemptions, then the profile's own."""
        return list(dict.fromkeys([*AWS_EXEMPTIONS, *(exemption.action for exemption in self.exempt)]))

    def statements(self) -> list[dict[str, Any]]:
        """The deny statements, as IAM JSON, in a fixed order with fixed Sids."""
        on_instance = {
            "Null": {INSTANCE_KEY: "false"},
            "BoolIfExists": {VIA_SERVICE_KEY: "false"},
        }
        statements: list[dict[str, Any]] = [
            {
                "Sid": SIDS[0],
                "Effect": "Deny",
                "NotAction": self.not_actions(),
                "Resource": "*",
                "Condition": {"StringNotEquals": {SOURCE_VPC_KEY: f"${{{REQUEST_VPC_KEY}}}"}, **on_instance},
            },
            {
                "Sid": SIDS[1],
                "Effect": "Deny",
                "NotAction": self.not_actions(),
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {SOURCE_ADDRESS_KEY: f"${{{REQUEST_ADDRESS_KEY}}}"},
                    **on_instance,
                },
            },
        ]
        if self.imdsv2_only:
            statements.append(
                {
                    "Sid": SIDS[2],
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"NumericLessThan": {DELIVERY_KEY: "2.0"}},
                }
            )
        return statements


def guard_statements(documents: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The guard's statements among a role's inline policy documents, by Sid (what a review compares)."""
    found: dict[str, Mapping[str, Any]] = {}
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, Mapping) and statement.get("Sid") in SIDS:
                found[str(statement["Sid"])] = statement
    return found


def guard_of(value: CredentialGuard | bool | None) -> CredentialGuard | None:
    """A prop's value as a guard: ``True`` is the default guard, ``False`` or ``None`` none."""
    if value is True:
        return CredentialGuard()
    return value or None
