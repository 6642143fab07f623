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

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from constructs_lib.core import nag_findings
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import BroadAccess, BroadKind, broad_grants, find_acknowledgment
from constructs_lib.core.spec import ProfileSpec

_NIST_FULL_ACCESS_ACTION = re.compile(r"(?:\w+:)?\*")
"""An action cdk-nag's NIST full-access rule reads as every action of a service (its own pattern)."""


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


# -- the policy as the template renders it --------------------------------------------------------


@dataclass(frozen=True)
class _Rendered:
    """A statement of the rendered policy: CDK merges statements (``@aws-cdk/aws-iam:minimizePolicies``)."""

    statement: Mapping[str, object]
    origins: tuple[int, ...]
    """The indexes of the profile's statements merged into it, the first where it stands."""


def rendered(statements: Sequence[Mapping[str, object]], *, merged: bool) -> list[_Rendered]:
    """The statements in the order the template has them: with ``merged``, as aws-cdk-lib's
    ``mergeStatements`` merges them.

    Two statements merge when they have the same effect, conditions and ``NotAction`` /
    ``NotResource``, no ``Sid``, and the same actions or the same resources; the merged one takes the
    first's place. cdk-nag's NIST patterns read that order, so the rules below read it too.
    """
    parts = [_Rendered(statement, (index,)) for index, statement in enumerate(statements)]
    changed = merged
    while changed:
        changed = False
        for i in range(len(parts)):
            j = i + 1
            while j < len(parts):
                combined = _merge(parts[i], parts[j])
                if combined is None:
                    j += 1
                    continue
                parts[i] = combined
                del parts[j]
                changed = True
    return parts


def _merge(a: _Rendered, b: _Rendered) -> _Rendered | None:
    first, second = a.statement, b.statement
    if (
        first.get("Effect", "Allow") != second.get("Effect", "Allow")
        or "Sid" in first
        or "Sid" in second
        or json.dumps(first.get("Condition")) != json.dumps(second.get("Condition"))
        or any(
            set(_strings(first.get(k))) != set(_strings(second.get(k))) for k in ("NotAction", "NotResource")
        )
    ):
        return None
    same = [set(_values(first, key)) == set(_values(second, key)) for key in ("Action", "Resource")]
    if not any(same):
        return None
    statement = dict(first)
    for key in ("Action", "Resource"):
        union = sorted({*_values(first, key), *_values(second, key)})
        if union:
            statement[key] = union
    return _Rendered(statement, a.origins + b.origins)


def _values(statement: Mapping[str, object], key: str) -> list[str]:
    return _strings(statement[key]) if key in statement else []


def _origin(part: _Rendered, spec: ProfileSpec, action: str) -> int:
    """The profile's statement, of those merged into ``part``, that names ``action``."""
    return next(
        (i for i in part.origins if action in _strings(spec.statements[i].get("Action"))), part.origins[0]
    )


# -- NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess: a Deny of s3:* reads as a grant -----------


def _denied_services(spec: ProfileSpec, merged: bool) -> Iterator[Finding]:
    """A ``Deny`` of ``*`` or ``SERVICE:*`` before an ``Allow``, which cdk-nag reads as full access.

    cdk-nag matches a pattern over the policy's JSON that spans statements: an action ``s3:*``
    followed anywhere later by ``"Effect":"Allow"``. The profile acknowledges the finding (and
    ``EAP042`` asks it to) once any such action is acknowledged; an ``Allow`` of one is ``EAP042``'s.
    """
    denied = any(_full_access_actions(s) for s in spec.statements if not _allows(s))
    if not denied or any(_broad_action(a) for a in spec.acknowledge):
        return
    policy = rendered(spec.statements, merged=merged)
    for position, part in enumerate(policy):
        if _allows(part.statement) or not any(_allows(later.statement) for later in policy[position + 1 :]):
            continue
        for action in _full_access_actions(part.statement):
            rule = (
                f"is denied before an Allow, which cdk-nag's {nag_findings.NIST_FULL_ACCESS} reads "
                "as full access; deny the actions one by one, or acknowledge it with "
                f"{_acknowledge('action', action)}"
            )
            yield Finding("EAP045", "statements", action, rule, ("statements", _origin(part, spec, action)))


def _full_access_actions(statement: Mapping[str, object]) -> list[str]:
    """The actions cdk-nag's full-access pattern matches: ``*`` and ``SERVICE:*`` (no hyphen)."""
    return [a for a in _strings(statement.get("Action")) if _NIST_FULL_ACCESS_ACTION.fullmatch(a)]


def _broad_action(acknowledgment: BroadAccess) -> bool:
    return acknowledgment.kind == "action" and bool(
        broad_grants({"Effect": "Allow", "Action": acknowledgment.pattern})
    )


DENIED_SERVICES = LinterRule("EAP045", nag_findings.NIST_FULL_ACCESS, _denied_services)


# -- NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess: action * with a resource ending in * -----


def _admin_patterns(spec: ProfileSpec, merged: bool) -> Iterator[Finding]:
    """Action ``*`` followed by an ``Allow`` on ``*`` or an ARN ending in ``*``: admin access to cdk-nag.

    cdk-nag's pattern takes any ARN that ends in ``*`` for "every resource"; the profile acknowledges
    the finding only when both action ``*`` and resource ``*`` are acknowledged.
    """
    if not any("*" in _strings(s.get("Action")) for s in spec.statements):
        return
    if find_acknowledgment(spec.acknowledge, "action", "*") and find_acknowledgment(
        spec.acknowledge, "resource", "*"
    ):
        return
    policy = rendered(spec.statements, merged=merged)
    for position, part in enumerate(policy):
        if "*" not in _strings(part.statement.get("Action")):
            continue
        for later in policy[position:]:
            resource = next(
                (r for r in _strings(later.statement.get("Resource")) if _reads_as_every(r)), None
            )
            if _allows(later.statement) and resource is not None:
                rule = (
                    f"with resource {resource!r} is admin access to cdk-nag's "
                    f"{nag_findings.NIST_ADMIN_ACCESS}, which takes an ARN ending in '*' for every "
                    "resource; list the actions needed, or acknowledge both "
                    f"{_acknowledge('action', '*')} and {_acknowledge('resource', '*')}"
                )
                yield Finding("EAP046", "statements", "*", rule, ("statements", _origin(part, spec, "*")))
                break


def _reads_as_every(resource: str) -> bool:
    """A resource cdk-nag's admin-access pattern reads as every resource: ``*`` or ``arn…*``.

    An ARN with a ``${AWS::...}`` reference is a ``Fn::Join`` in the template, which it does not match.
    """
    return resource == "*" or (resource.startswith("arn") and resource.endswith("*") and "${" not in resource)


ADMIN_PATTERNS = LinterRule("EAP046", nag_findings.NIST_ADMIN_ACCESS, _admin_patterns)


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
