"""Where a catalogue deploys: named groups of accounts (CDK Stages) or of OUs (CloudFormation StackSets).

A catalogue without ``deployments:`` gives environment-agnostic stacks, as it always did. With it,
each deployment names either ``accounts`` (one CDK Stage per account, in ``region``, holding the
sharded stacks) or ``organizational_units`` (one service-managed StackSet per shard, deployed to
every account of those OUs, and to accounts that join them later). A profile goes to every
deployment unless it lists its own (``deployments: [prod]``). Pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
_OU = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32}")
"""An OU's ID, or the organization root's: what a StackSet's ``DeploymentTargets`` takes."""
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)?-[a-z]+-[0-9]+")
"""A region's name, in any partition: ``us-east-1``, ``us-gov-west-1``, ``eusc-de-east-1``."""


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


STACK_SET_NAME_LIMIT = 128
"""Characters CloudFormation allows in a StackSet's name (letters, digits and hyphens, from a letter)."""


def stack_set_name(deployment: str, stack: str) -> str:
    """The name of the StackSet of ``stack`` in an OU deployment; unique in the management account's
    region, whatever region the deployment deploys to."""
    return f"{deployment}-{stack}"


def stack_set_logical_id(stack: str) -> str:
    """The logical ID CDK gives the StackSet of ``stack`` (its construct ID, a top-level child of the
    stack of StackSets): the name without its hyphens."""
    return re.sub(r"[^A-Za-z0-9]", "", stack)


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
                rule = "is not an OU ID or the organization root's ID, e.g. ou-abcd-12345678 or r-abcd"
                problem("organizational_units", unit, rule, "EAP116")
        if not _REGION.fullmatch(deployment.region):
            problem("region", deployment.region, "is not an AWS region name, e.g. us-east-1", "EAP116")
        for finding in tag_findings(deployment.tags):
            located = deployment.location_of(finding.pointer)
            findings.append(
                replace(finding, field=f"deployments.{finding.field}", pointer=(), location=located)
            )
    return findings


def shared_target_findings(
    deployments: Sequence[Deployment], chosen_by_profiles: Sequence[Sequence[str] | None]
) -> list[Finding]:
    """An account or OU listed in two deployments, reported at the later listing, once per listing.

    The same account and region in two deployments: both Stages hold the same stacks (same names,
    account and region), so each deploy deletes the profiles the other put there, whatever the
    profiles (EAP119). An account in two regions, or an OU in two deployments, that one profile goes to
    both of: IAM names are global to an account, so the second deploy creates the same role and
    instance profile again and fails (EntityAlreadyExists) (EAP118)."""
    together = [{d.name.lower() for d in chosen(deployments, names)} for names in chosen_by_profiles]

    def shared(one: Deployment, other: Deployment) -> bool:
        return any({one.name.lower(), other.name.lower()} <= names for names in together)

    findings = []
    for kind in ("accounts", "organizational_units"):
        listings: dict[str, list[tuple[Deployment, int]]] = {}
        for deployment in deployments:
            for position, target in enumerate(getattr(deployment, kind)):
                earlier = [
                    (d, p)
                    for key in (target, *_overlapping(target))
                    for d, p in listings.get(key, [])
                    if d is not deployment
                ]
                listings.setdefault(target, []).append((deployment, position))
                if target.startswith("ou-"):  # a root listed later finds it under the root's key
                    listings.setdefault(_ous_of(_root_of(target)), []).append((deployment, position))
                finding = _shared_finding(kind, target, deployment, position, earlier, shared)
                if finding:
                    findings.append(finding)
    return findings


def _root_of(unit: str) -> str:
    """The root whose ID an OU's ID embeds: ``ou-abcd-12345678`` is under ``r-abcd`` (Organizations'
    ID format)."""
    return "r-" + unit.split("-")[1]


def _ous_of(root: str) -> str:
    """The key under which the OUs of ``root`` are listed, apart from the targets themselves."""
    return f"OUs of {root}"


def _overlapping(target: str) -> tuple[str, ...]:
    """The other keys a target overlaps: an OU its organization's root, a root its OUs."""
    if target.startswith("ou-") and target.count("-") >= 2:
        return (_root_of(target),)
    if target.startswith("r-"):
        return (_ous_of(target),)
    return ()


def _shared_finding(
    kind: str,
    target: str,
    deployment: Deployment,
    position: int,
    earlier: Sequence[tuple[Deployment, int]],
    shared: Callable[[Deployment, Deployment], bool],
) -> Finding | None:
    location = deployment.location_of((kind, position))
    for other, other_position in earlier:
        if kind == "accounts" and other.region == deployment.region:
            rule = (
                f"is listed with region {deployment.region} in deployment {other.name!r} too "
                f"({other.location_of((kind, other_position))}): both Stages deploy the same stacks (same "
                "names, account and region), so each deploy deletes the profiles the other put there; "
                "list each account and region in one deployment"
            )
            return Finding("EAP119", f"deployments.{kind}", target, rule, location=location)
    for other, other_position in earlier:
        if not shared(other, deployment):
            continue
        where = other.location_of((kind, other_position))
        if kind == "accounts":
            rule = (
                f"is listed in deployment {other.name!r} too ({where}), and a profile goes to both: IAM "
                "names are global to an account, so the second deploy creates the same role and instance "
                "profile again and fails (EntityAlreadyExists); list the account in one deployment, or "
                "give the profiles of each their own deployments: [...]"
            )
        else:
            listed = other.organizational_units[other_position]
            if listed == target:
                same = "listed"
            elif listed.startswith("r-"):
                same = f"under root {listed!r}, listed"
            else:
                same = f"the root of OU {listed!r}, listed"
            rule = (
                f"is {same} in deployment {other.name!r} too ({where}), and a profile goes to both: IAM "
                "names are global to an account, so the StackSets of both create the same role and "
                "instance profile in each account of the OU, and the second fails (EntityAlreadyExists); "
                "list the OU in one deployment, or give the profiles of each their own deployments: [...]"
            )
        return Finding("EAP118", f"deployments.{kind}", target, rule, location=location)
    return None


def stack_set_findings(
    deployments: Sequence[Deployment], stacks: Mapping[str, Sequence[tuple[str, str]]]
) -> list[Finding]:
    """What CloudFormation or CDK would refuse in the StackSets of the OU deployments (EAP120).

    ``stacks`` gives each OU deployment's stacks (by deployment name), in the order its stack of
    StackSets builds them, each with where the catalogue names it. A StackSet's name (deployment, a
    hyphen, stack) is at most 128 characters and unique in the management account's region, whatever
    region the deployment deploys to: a name too long, or made twice (``a`` with stack ``b-S`` and
    ``a-b`` with stack ``S``), is reported at the deployment's name. Two stacks whose StackSets get one
    logical ID (``Web-A`` and ``WebA``) are reported at the second stack, once."""
    findings = []
    made: dict[str, tuple[Deployment, str]] = {}
    reported: set[tuple[str, str]] = set()
    for deployment in deployments:
        if not deployment.is_stack_set:
            continue
        at = deployment.locations.get("name", deployment.location)
        ids: dict[str, tuple[str, str]] = {"CDKMetadata": ("CDKMetadata", "CDK's metadata resource")}
        for stack, where in stacks.get(deployment.name, ()):
            name = stack_set_name(deployment.name, stack)
            if len(name) > STACK_SET_NAME_LIMIT:
                rule = (
                    f"names the StackSet of stack {stack!r} {name!r}, {len(name)} characters; CloudFormation "
                    f"allows at most {STACK_SET_NAME_LIMIT}: shorten the deployment's name or the stack's"
                )
                findings.append(Finding("EAP120", "deployments.name", deployment.name, rule, location=at))
            other, other_stack = made.setdefault(name, (deployment, stack))
            if other is not deployment:
                rule = (
                    f"names the StackSet of stack {stack!r} {name!r}, as deployment {other.name!r} "
                    f"({other.locations.get('name', other.location)}) names that of stack {other_stack!r}: "
                    "StackSet names are unique in a region; rename a deployment or a stack"
                )
                findings.append(Finding("EAP120", "deployments.name", deployment.name, rule, location=at))
            first, first_where = ids.setdefault(stack_set_logical_id(stack), (stack, where))
            if first != stack and (first, stack) not in reported:
                reported.add((first, stack))
                rule = (
                    f"gives its StackSet in deployment {deployment.name!r} the logical ID "
                    f"{stack_set_logical_id(stack)!r}, as {first!r} does ({first_where}): CDK keeps only "
                    "the letters and digits of a construct ID; rename one stack"
                )
                findings.append(Finding("EAP120", "stack", stack, rule, location=where))
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
