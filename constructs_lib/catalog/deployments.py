"""Where a catalogue deploys: named groups of accounts (CDK Stages) or of OUs (CloudFormation StackSets).

A catalogue without ``deployments:`` gives environment-agnostic stacks, as it always did. With it,
each deployment names either ``accounts`` (one CDK Stage per account, in ``region``, holding the
sharded stacks) or ``organizational_units`` (one service-managed StackSet per shard, deployed to
every account of those OUs, and to accounts that join them later). A profile goes to every
deployment unless it lists its own (``deployments: [prod]``). Pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from constructs_lib.core.findings import Finding

AccountRemoval = Literal["retain", "delete"]
ACCOUNT_REMOVAL_CHOICES: tuple[AccountRemoval, ...] = ("retain", "delete")
DEFAULT_ACCOUNT_REMOVAL: AccountRemoval = "retain"
"""An account that leaves the OU keeps its stacks: deleting them would take the instance profiles from
under its running instances, for a move between OUs that may well be administrative. The audit
command finds what such an account keeps."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")


@dataclass(frozen=True)
class Deployment:
    """One named group of accounts or organizational units, in one region."""

    name: str
    region: str
    accounts: tuple[str, ...] = ()
    organizational_units: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    account_removal: AccountRemoval = DEFAULT_ACCOUNT_REMOVAL
    location: str = ""
    locations: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_stack_set(self) -> bool:
        return bool(self.organizational_units)


STACK_SETS_STACK_PREFIX = "Ec2AccessProfiles-StackSets-"
"""The stack of a deployment's StackSets is this prefix and the deployment's name."""


def stage_id(deployment: str, account: str) -> str:
    """The construct ID of the CDK Stage of ``account`` in ``deployment``: the cloud assembly keeps
    its stacks in ``assembly-<stage ID>``, where ``audit --deployment`` finds them."""
    return f"{deployment}-{account}"


def stack_sets_stack_name(deployment: str) -> str:
    """The name of the stack holding the StackSets of an OU deployment."""
    return f"{STACK_SETS_STACK_PREFIX}{deployment}"


def deployment_findings(deployments: Sequence[Deployment]) -> list[Finding]:
    """Every problem with the deployments themselves: names, targets, regions."""
    findings = []
    seen: dict[str, Deployment] = {}
    for deployment in deployments:
        where = deployment.location

        def problem(
            field_name: str, value: object, rule: str, rule_id: str = "EAP115", *, at: Deployment = deployment
        ) -> None:
            location = at.locations.get(field_name, at.location)
            findings.append(Finding(rule_id, f"deployments.{field_name}", value, rule, location=location))

        if not _NAME.match(deployment.name):
            problem("name", deployment.name, "is not a deployment name: a letter, then letters, digits and -")
        earlier = seen.setdefault(deployment.name.lower(), deployment)
        if earlier is not deployment:
            problem(
                "name",
                deployment.name,
                f"names another deployment too ({earlier.location}); give each its own",
            )
        if bool(deployment.accounts) == bool(deployment.organizational_units):
            rule = "gives accounts and organizational_units both or neither; give exactly one"
            findings.append(Finding("EAP115", "deployments", deployment.name, rule, location=where))
        for account in deployment.accounts:
            if not _ACCOUNT.match(account):
                problem(
                    "accounts",
                    account,
                    "is not an AWS account ID: 12 digits, quoted: '111111111111'",
                    "EAP116",
                )
        if len(set(deployment.accounts)) != len(deployment.accounts):
            problem("accounts", list(deployment.accounts), "lists an account twice", "EAP116")
        for unit in deployment.organizational_units:
            if not _OU.match(unit):
                problem("organizational_units", unit, "is not an OU ID, e.g. ou-abcd-12345678", "EAP116")
        if not _REGION.match(deployment.region):
            problem("region", deployment.region, "is not an AWS region name, e.g. us-east-1", "EAP116")
    return findings


def chosen(deployments: Sequence[Deployment], names: Sequence[str] | None) -> list[Deployment]:
    """The deployments a profile goes to: those it names, else every one."""
    if names is None:
        return list(deployments)
    wanted = {name.lower() for name in names}
    return [deployment for deployment in deployments if deployment.name.lower() in wanted]
