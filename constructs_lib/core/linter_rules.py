"""What cdk-nag refuses in a profile's role, reproduced, so that ``check`` refuses it first, at a line.

A catalogue's app runs cdk-nag's AwsSolutions and NIST 800-53 R5 packs over every template
(``constructs_lib.cdk.linters``). ``Ec2AccessProfile`` acknowledges for cdk-nag what its profile
acknowledges (``BroadAccess``) and what it does on purpose (one inline policy, AWS-managed policies
chosen by name), so what cdk-nag still refuses in a profile's role is what these rules find. Each rule
is one ``LinterRule``: its ID here, the cdk-nag rule it reproduces, and its check. Of cdk-nag 3.0.2's
two packs, the rules that read a role are AwsSolutions-IAM4 and -IAM5 and NIST's IAMNoInlinePolicy,
IAMPolicyNoStatementsWithAdminAccess and IAMPolicyNoStatementsWithFullAccess (the others read users,
groups or other services: the tag function's Lambda rules the library acknowledges itself); IAM4 and
IAMNoInlinePolicy the construct always acknowledges, the other three are reproduced here. They read the
statements as cdk-nag reads the rendered policy, quirks included (a ``Deny`` of ``s3:*`` counts as
full access), and the catalogue applies them (``check_profile(..., linters=True)``); the construct
does not, since an app without the linters has no reason to refuse a wildcard it never reads.

``acknowledgments_for`` goes the other way, for the linters plugin: from a cdk-nag finding on a
profile's role to the acknowledgments that settle it. ``CATALOGUE_KEYS`` names the catalogue key
behind a template property, for cfn-lint's findings. Pure Python: statements are IAM JSON.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from constructs_lib.core import limits, nag_findings
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import (
    BroadAccess,
    BroadKind,
    broad_grants,
    find_acknowledgment,
    unacknowledged_grants,
)
from constructs_lib.core.spec import ProfileSpec


@dataclass(frozen=True)
class LinterRule:
    """One rule: its ID (``constructs_lib.core.rules``), the cdk-nag rule it reproduces, its check."""

    id: str
    reproduces: str
    """The cdk-nag rule, as cdk-nag names it: ``AwsSolutions-IAM5``."""
    check: Callable[[ProfileSpec, bool], Iterator[Finding]]
    """The findings in a profile; the flag says whether CDK merges its statements."""


def linter_findings(spec: ProfileSpec, *, merged: bool = False) -> list[Finding]:
    """What cdk-nag would refuse in the role of the profile ``spec`` describes.

    ``merged``: the app sets ``@aws-cdk/aws-iam:minimizePolicies``, so CDK merges the statements.
    """
    return [finding for rule in LINTER_RULES for finding in rule.check(spec, merged)]


def _acknowledge(kind: BroadKind, pattern: str) -> str:
    """The way out, worded as the checker words it (the catalogue rewrites it in YAML)."""
    return f"BroadAccess.{kind}({pattern!r}, reason='why it is needed') in acknowledge"


def _allows(statement: Mapping[str, object]) -> bool:
    return statement.get("Effect", "Allow") == "Allow"


def _strings(value: object) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [item for item in values if isinstance(item, str)]


# -- AwsSolutions-IAM5: every wildcard of an Allow is acknowledged ---------------------------------


def _unacknowledged_wildcards(spec: ProfileSpec, merged: bool) -> Iterator[Finding]:
    """Each action and resource of an ``Allow`` that contains ``*``, unless acknowledged.

    The wildcards ``EAP042`` refuses already (``*``, ``SERVICE:*``, resource ``*``) are left to it.
    """
    for index, statement in enumerate(spec.statements):
        if not _allows(statement):
            continue
        already = {(grant.kind, grant.pattern) for grant in broad_grants(statement)}
        for kind, key in _WILDCARD_KEYS:
            for pattern in dict.fromkeys(_strings(statement.get(key))):
                if "*" not in pattern or (kind, pattern) in already:
                    continue
                if find_acknowledgment(spec.acknowledge, kind, pattern):
                    continue
                rule = (
                    f"is a wildcard {kind}, which cdk-nag's {nag_findings.WILDCARD_PERMISSIONS} refuses "
                    f"unless acknowledged; list exactly what is needed, or acknowledge it with "
                    f"{_acknowledge(kind, pattern)}"
                )
                yield Finding("EAP043", "statements", pattern, rule, ("statements", index))


_WILDCARD_KEYS: tuple[tuple[BroadKind, str], ...] = (("action", "Action"), ("resource", "Resource"))

WILDCARDS = LinterRule("EAP043", nag_findings.WILDCARD_PERMISSIONS, _unacknowledged_wildcards)


# -- AwsSolutions-IAM5 cannot read an Allow without actions ----------------------------------------


def _allowed_not_actions(spec: ProfileSpec, merged: bool) -> Iterator[Finding]:
    """An ``Allow`` with ``NotAction``: cdk-nag's rule fails on it, and synth with it."""
    for index, statement in enumerate(spec.statements):
        if _allows(statement) and "NotAction" in statement and "Action" not in statement:
            rule = (
                f"is an Allow without actions, on which cdk-nag's {nag_findings.WILDCARD_PERMISSIONS} "
                "fails (it reads every Allow's actions); list the actions under actions, or allow "
                "them and deny the others in a Deny statement"
            )
            yield Finding("EAP044", "not_actions", statement["NotAction"], rule, ("statements", index))


NOT_ACTIONS = LinterRule("EAP044", nag_findings.WILDCARD_PERMISSIONS, _allowed_not_actions)


# -- the role's inline policy as cdk-nag's NIST rules read it --------------------------------------


_ANY = r"[^\n\r\u2028\u2029]"
"""JavaScript's ``.``: any character but a line terminator (Python's ``.`` only leaves out ``\n``)."""

NIST_FULL_ACCESS_PATTERN = re.compile(
    rf'"Action":\[?({_ANY}*,)?"(?P<wildcard>(?:\w+:)?\*)"(,{_ANY}*)?\]?,"Effect":"Allow"', re.ASCII
)
r"""cdk-nag 3.0.2's ``IAMPolicyNoStatementsWithFullAccess`` pattern, as Python reads it: its source is
``/"Action":\[?(.*,)?"(?:\w+:)?\*"(,.*)?\]?,"Effect":"Allow"/gm`` (``m`` changes nothing without ``^``
or ``$``; JavaScript's ``\w`` is ASCII). The named group only says which string it took for a wildcard."""

NIST_ADMIN_ACCESS_PATTERN = re.compile(
    rf'"Action":\[?({_ANY}*,)?"\*"(,{_ANY}*)?\]?,"Effect":"Allow","Resource":\[?({_ANY}*,)?'
    rf'(?P<resource>"(?:arn(?::{_ANY}*(?::)?)?)?\*")(,{_ANY}*)?\]?',
    re.ASCII,
)
r"""cdk-nag 3.0.2's ``IAMPolicyNoStatementsWithAdminAccess`` pattern, as Python reads it: its source is
``/"Action":\[?(.*,)?"\*"(,.*)?\]?,"Effect":"Allow","Resource":\[?(.*,)?"(?:arn(?::.*(?::)?)?)?\*"(,.*)?\]?/gm``;
the named group says which string it took for every resource."""


@dataclass(frozen=True)
class RolePolicies:
    """The role's ``Policies`` as cdk-nag's NIST rules read them: ``JSON.stringify`` of the template's.

    cdk-nag runs its pattern over this one line of JSON, not statement by statement, so a match can
    start in one statement's ``"Action":`` and end in a key or a statement after it.
    """

    text: str
    starts: tuple[int, ...]
    """Where each statement of the policy starts in ``text``."""
    origins: tuple[tuple[int, ...], ...]
    """For each, the indexes of the profile's statements (then the credential guard's) written as it."""

    def origin(self, offset: int) -> int:
        """The first statement (profile's, then guard's) written where ``offset`` falls in ``text``."""
        return self.origins[bisect.bisect_right(self.starts, offset) - 1][0]


def role_policies(spec: ProfileSpec, *, merged: bool) -> RolePolicies | None:
    """The role's inline policy (``limits.inline_policy``: the statements, then the credential guard's)
    as cdk-nag reads it; None when synth alone knows it (a CDK token)."""
    guard = spec.credential_guard.statements() if spec.credential_guard is not None else []
    written = limits.written_statements([*spec.statements, *guard], merged=merged)
    if written is None:
        return None
    pieces = [_stringify(each.statement) for each in written]
    head = '[{"PolicyDocument":{"Statement":['
    version, name = _stringify(limits.POLICY_VERSION), _stringify(limits.INLINE_POLICY_NAME)
    tail = f'],"Version":{version}}},"PolicyName":{name}}}]'
    starts, offset = [], len(head)
    for piece in pieces:
        starts.append(offset)
        offset += len(piece) + 1
    text = head + ",".join(pieces) + tail
    return RolePolicies(text, tuple(starts), tuple(each.origins for each in written))


def _stringify(value: object) -> str:
    """``JSON.stringify(value)``: no spaces, keys in order, non-ASCII as is. Numbers may be written
    otherwise (``1.0``), which changes no match: neither pattern reads a digit."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _pointer(spec: ProfileSpec, policies: RolePolicies, offset: int) -> tuple[str | int, ...]:
    index = policies.origin(offset)
    return ("statements", index) if index < len(spec.statements) else ("credential_guard",)


def _excerpt(text: str, start: int, end: int) -> str:
    """What a pattern matched, shortened in the middle past 120 characters."""
    matched = text[start:end]
    return matched if len(matched) <= 120 else f"{matched[:70]}…{matched[-45:]}"


_READS = (
    "cdk-nag reads the inline policy's JSON with one pattern across keys and statements, so a Deny, a "
    "condition's values, a resource or a later statement count"
)


# -- NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess --------------------------------------------


def _full_access(spec: ProfileSpec, merged: bool) -> Iterator[Finding]:
    """The role's inline policy matches cdk-nag's full-access pattern and no wildcard action is
    acknowledged (the profile acknowledges the finding with any ``*`` or ``SERVICE:*``).

    An unacknowledged ``Allow`` of one is ``EAP042``'s: acknowledging it acknowledges this too.
    """
    if any(_broad_action(a) for a in spec.acknowledge) or _unacknowledged_broad_action(spec):
        return
    policies = role_policies(spec, merged=merged)
    match = NIST_FULL_ACCESS_PATTERN.search(policies.text) if policies is not None else None
    if policies is None or match is None:
        return
    wildcard = match["wildcard"]
    rule = (
        f"is read as full access by cdk-nag's {nag_findings.NIST_FULL_ACCESS}: its pattern finds "
        f"{wildcard!r} after an Action and before an Effect of Allow in "
        f"{_excerpt(policies.text, match.start(), match.end())!r}; {_READS}. Deny the actions one by "
        "one, write the wildcard otherwise or move the statement after the Allows, or acknowledge it with "
        f"{_acknowledge('action', wildcard)}"
    )
    yield Finding("EAP045", "statements", wildcard, rule, _pointer(spec, policies, match.start()))


def _broad_action(acknowledgment: BroadAccess) -> bool:
    return acknowledgment.kind == "action" and bool(
        broad_grants({"Effect": "Allow", "Action": acknowledgment.pattern})
    )


def _unacknowledged_broad_action(spec: ProfileSpec) -> bool:
    return any(
        grant.kind == "action"
        for statement in spec.statements
        for grant in unacknowledged_grants(statement, spec.acknowledge)
    )


DENIED_SERVICES = LinterRule("EAP045", nag_findings.NIST_FULL_ACCESS, _full_access)


# -- NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess -------------------------------------------


def _admin_access(spec: ProfileSpec, merged: bool) -> Iterator[Finding]:
    """The role's inline policy matches cdk-nag's admin-access pattern, unless both action ``*`` and
    resource ``*`` are acknowledged (which acknowledges the finding).

    Its pattern takes any ``"*"`` after an ``"Action":`` for every action, and any string ending in
    ``*`` after ``"Resource":`` (an ARN ending in ``*``, or one ``arn`` and a ``*"`` further on) for
    every resource.
    """
    if find_acknowledgment(spec.acknowledge, "action", "*") and find_acknowledgment(
        spec.acknowledge, "resource", "*"
    ):
        return
    policies = role_policies(spec, merged=merged)
    match = NIST_ADMIN_ACCESS_PATTERN.search(policies.text) if policies is not None else None
    if policies is None or match is None:
        return
    rule = (
        f"is read as admin access (every action on every resource) by cdk-nag's "
        f"{nag_findings.NIST_ADMIN_ACCESS}: its pattern matches "
        f"{_excerpt(policies.text, match.start(), match.end('resource'))!r}; {_READS}. List the actions "
        f"needed, or acknowledge both {_acknowledge('action', '*')} and {_acknowledge('resource', '*')}"
    )
    yield Finding("EAP046", "statements", "*", rule, _pointer(spec, policies, match.start()))


ADMIN_PATTERNS = LinterRule("EAP046", nag_findings.NIST_ADMIN_ACCESS, _admin_access)


LINTER_RULES: tuple[LinterRule, ...] = (WILDCARDS, NOT_ACTIONS, DENIED_SERVICES, ADMIN_PATTERNS)
"""Every cdk-nag rule a profile's role can break, reproduced; the others the construct settles."""


# -- from a linter's finding back to the catalogue ------------------------------------------------


def rule_for(nag_finding: str) -> LinterRule | None:
    """The rule that finds what this cdk-nag finding on a profile's role reports, if one does.

    ``AwsSolutions-IAM5[Action::s3:Get*]`` is ``WILDCARDS``; ``AwsSolutions-IAM5`` alone (the rule
    failed) is ``NOT_ACTIONS``.
    """
    rule, kind, _ = _parts(nag_finding)
    if rule == nag_findings.WILDCARD_PERMISSIONS:
        return WILDCARDS if kind else NOT_ACTIONS
    return next((r for r in LINTER_RULES if r.reproduces == rule), None)


def acknowledgments_for(nag_finding: str) -> tuple[tuple[BroadKind, str], ...] | None:
    """The acknowledgments that make a profile acknowledge this cdk-nag finding on its role.

    ``AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::b/*]`` gives
    ``(("resource", "arn:${AWS::Partition}:s3:::b/*"),)``; None when no acknowledgment settles it.
    """
    rule, kind, value = _parts(nag_finding)
    if rule == nag_findings.WILDCARD_PERMISSIONS and kind == "Action":
        return (("action", value),)
    if rule == nag_findings.WILDCARD_PERMISSIONS and kind == "Resource":
        return (("resource", value.replace("<", "${").replace(">", "}")),)
    if rule == nag_findings.AWS_MANAGED_POLICY and kind == "Policy":
        return (("managed_policy", value.rsplit(":policy/", 1)[-1]),)
    if rule == nag_findings.NIST_FULL_ACCESS:
        return (("action", "SERVICE:*"),)
    if rule == nag_findings.NIST_ADMIN_ACCESS:
        return (("action", "*"), ("resource", "*"))
    return None


def _parts(nag_finding: str) -> tuple[str, str | None, str]:
    """A finding ID's rule, and the kind and value of its ``[KIND::VALUE]``, if any."""
    rule, _, detail = nag_finding.partition("[")
    kind, separator, value = detail.removesuffix("]").partition("::")
    return rule, (kind if separator else None), value


CATALOGUE_KEYS: Mapping[tuple[str, str], str] = {
    ("AWS::IAM::Role", "RoleName"): "role_name",
    ("AWS::IAM::Role", "Path"): "path",
    ("AWS::IAM::Role", "Description"): "description",
    ("AWS::IAM::Role", "MaxSessionDuration"): "max_session_duration_hours",
    ("AWS::IAM::Role", "Tags"): "tags",
    ("AWS::IAM::Role", "Policies"): "statements",
    ("AWS::IAM::Role", "ManagedPolicyArns"): "managed_policies",
    ("AWS::IAM::Role", "PermissionsBoundary"): "permissions_boundary",
    ("AWS::IAM::InstanceProfile", "InstanceProfileName"): "name",
    ("AWS::IAM::InstanceProfile", "Path"): "path",
}
"""The catalogue key behind a property of a profile's role or instance profile."""


def catalogue_key(resource_type: str, location: Sequence[object]) -> str | None:
    """The catalogue key behind a template location (``Properties/Path``), if a catalogue sets it."""
    if len(location) < 2 or location[0] != "Properties":
        return None
    return CATALOGUE_KEYS.get((resource_type, str(location[1])))
