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
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from constructs_lib.core import validation
from constructs_lib.core.checker import tag_findings
from constructs_lib.core.findings import Finding
from constructs_lib.core.spec import Pointer, TagSet

AccountRemoval = Literal["retain", "delete"]
ACCOUNT_REMOVAL_CHOICES: tuple[AccountRemoval, ...] = ("retain", "delete")
DEFAULT_ACCOUNT_REMOVAL: AccountRemoval = "retain"
"""An account that leaves the OU keeps its stacks: deleting them would take the instance profiles from
under its running instances, for a move between OUs that may well be administrative. The audit
command finds what such an account keeps."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_ACCOUNT = re.compile(r"[0-9]{12}")
_OU = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")


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
    item_locations: Mapping[Pointer, str] = field(default_factory=dict, repr=False, compare=False)
    """``FILE:LINE:COL`` of each account (``("accounts", 0)``) and tag key (``("tags", "Team")``)."""

    def location_of(self, pointer: Pointer) -> str:
        """Where the item at ``pointer`` is written, else its key, else the deployment."""
        return self.item_locations.get(pointer) or self.locations.get(str(pointer[0]), self.location)

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

        if not _NAME.fullmatch(deployment.name):
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
            if not _ACCOUNT.fullmatch(account):
                problem(
                    "accounts",
                    account,
                    "is not an AWS account ID: 12 digits, quoted: '111111111111'",
                    "EAP116",
                )
        if len(set(deployment.accounts)) != len(deployment.accounts):
            problem("accounts", list(deployment.accounts), "lists an account twice", "EAP116")
        for unit in deployment.organizational_units:
            if not _OU.fullmatch(unit):
                problem("organizational_units", unit, "is not an OU ID, e.g. ou-abcd-12345678", "EAP116")
        if not _REGION.fullmatch(deployment.region):
            problem("region", deployment.region, "is not an AWS region name, e.g. us-east-1", "EAP116")
        for finding in tag_findings(deployment.tags):
            located = deployment.location_of(finding.pointer)
            findings.append(
                replace(finding, field=f"deployments.{finding.field}", pointer=(), location=located)
            )
    return findings


def shared_account_findings(
    deployments: Sequence[Deployment], chosen_by_profiles: Sequence[Sequence[str] | None]
) -> list[Finding]:
    """An account listed in two deployments that one profile goes to: IAM names are global to an
    account, so the second Stage would create the same role and instance profile again and its deploy
    fails (EntityAlreadyExists). Reported at the later listing, once per account and deployment."""
    findings = []
    first: dict[str, tuple[Deployment, int]] = {}
    for deployment in deployments:
        for position, account in enumerate(deployment.accounts):
            earlier, earlier_position = first.setdefault(account, (deployment, position))
            if earlier is deployment:
                continue
            if not any(
                {earlier.name.lower(), deployment.name.lower()}
                <= {d.name.lower() for d in chosen(deployments, names)}
                for names in chosen_by_profiles
            ):
                continue
            rule = (
                f"is listed in deployment {earlier.name!r} too "
                f"({earlier.location_of(('accounts', earlier_position))}), and a profile goes to both: IAM "
                "names are global to an account, so the second deploy creates the same role and instance "
                "profile again and fails (EntityAlreadyExists); list the account in one deployment, or "
                "give the profiles of each their own deployments: [...]"
            )
            findings.append(
                Finding(
                    "EAP118",
                    "deployments.accounts",
                    account,
                    rule,
                    location=deployment.location_of(("accounts", position)),
                )
            )
    return findings


def combined_tag_findings(deployment: Deployment, tags: TagSet) -> list[Finding]:
    """What IAM refuses in a profile's tags once its deployment's Stage adds its own: a key equal to
    one of the deployment's ignoring case (EAP013), and more tags in all than IAM allows (EAP010).
    Each finding points at the profile's ``tags`` (``("tags", KEY)``); the loader locates it."""
    findings = []
    own = {key.lower(): key for key in tags if isinstance(key, str)}
    for key in deployment.tags:
        mine = own.get(key.lower())
        if mine is not None and mine != key:
            rule = (
                f"equals {key!r}, a tag of deployment {deployment.name!r} "
                f"({deployment.location_of(('tags', key))}), ignoring case; IAM tag keys are "
                "case-insensitive: use the deployment's spelling, or drop one"
            )
            findings.append(Finding("EAP013", "tag key", mine, rule, ("tags", mine)))
    count = len(tags) + sum(1 for key in deployment.tags if key not in tags)
    count_problem = validation.check_tag_count(count)
    if count_problem and validation.check_tag_count(len(tags)) is None:
        rule = f"{count_problem} once deployment {deployment.name!r} adds its tags"
        findings.append(Finding("EAP010", "tags", f"{count} tags", rule, ("tags",)))
    return findings


def chosen(deployments: Sequence[Deployment], names: Sequence[str] | None) -> list[Deployment]:
    """The deployments a profile goes to: those it names, else every one."""
    if names is None:
        return list(deployments)
    wanted = {name.lower() for name in names}
    return [deployment for deployment in deployments if deployment.name.lower() in wanted]
