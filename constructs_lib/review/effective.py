"""What a change newly lets a profile do, by the evaluator: managed policies' documents included.

The review's other findings read the statements as written; these read what the profile can do
(``core.explain``): wildcards expanded against IAM's reference, AWS-managed policies' documents from
the shipped data, the boundary applied. For each profile, the actions the head allows that the base
did not, grouped by service and IAM access level (``newly-allowed``, medium, when that is more than
the statements as written say: a managed policy, a wildcard); write or permissions-management
actions newly allowed on every resource without a condition (before: not at all, on some resources
only, with a condition, under a deny or the boundary; ``write-on-every-resource``, high) and reads
of secrets and parameters likewise (``credential-exposure``, high), where no statement newly names
the action on ``*`` as written (``wildcard-resource`` reports those); a boundary change's effect
(``boundary-cuts``, info; ``boundary-allows``, medium); and policies the evaluator cannot read
(``not-evaluated``, info), an ARN only a deploy knows among them. The app's own managed policies
and boundary are read from its template (``Profile.customer``). Pure.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

from constructs_lib.core.aws_managed_policies import managed_policy
from constructs_lib.core.evaluator import Policy, action_matches
from constructs_lib.core.evaluator import Profile as Evaluated
from constructs_lib.core.explain import ACCESS_LEVELS, Explanation, explain
from constructs_lib.review.findings import ReviewFinding
from constructs_lib.review.profiles import Profile

POWERFUL = ("Write", "Permissions management")
CREDENTIAL_READS = ("ssm:GetParameter*", "secretsmanager:GetSecretValue")
"""Reads that hand over the account's secrets and parameters, on every resource: credential exposure."""


def findings(old: Profile | None, new: Profile) -> Iterator[ReviewFinding]:
    """What ``new`` may do that ``old`` could not, and what its boundary change does."""
    before = _explained(old) if old is not None else None
    after = _explained(new)
    had = set(_granted(before)) if before is not None else set()
    granted = _granted(after)
    newly = {action: levels for action, levels in granted.items() if action not in had}
    written = (
        {grant.action.lower() for grant in new.grants} - {g.action.lower() for g in old.grants}
        if old
        else {grant.action.lower() for grant in new.grants}
    )
    if newly and {action.lower() for action in newly} != written:  # more than the statements say
        yield ReviewFinding("medium", "newly-allowed", f"newly allows: {_by_service(newly)}")
    # Newly on every resource: not so before (not at all, only on some, with a condition, or under a
    # deny or the boundary); what a statement newly writes on ``*`` is ``wildcard-resource``'s.
    written_star = {g.action.lower() for g in new.grants if g.resource == "*"} - {
        g.action.lower() for g in (old.grants if old else ()) if g.resource == "*"
    }
    everywhere = _on_every_resource(after) - (_on_every_resource(before) if before is not None else set())
    everywhere = {a for a in everywhere if a.lower() not in written_star}
    powerful = sorted(a for a in everywhere if granted[a] in POWERFUL)
    if powerful:
        message = f"newly allows writes on every resource (`*`): {_listed(powerful)}"
        yield ReviewFinding("high", "write-on-every-resource", message)
    exposed = sorted(a for a in everywhere if any(action_matches(p, a) for p in CREDENTIAL_READS))
    if exposed:
        message = f"newly reads every secret or parameter of the account: {', '.join(exposed)}"
        yield ReviewFinding("high", "credential-exposure", message)
    if before is not None and old is not None and _boundary(old) != _boundary(new):
        cut_before = {action for action, why in before.removed if "boundary" in why}
        cut_after = {action for action, why in after.removed if "boundary" in why}
        if cut_after - cut_before:
            yield ReviewFinding(
                "info", "boundary-cuts", f"the boundary now cuts: {_listed(sorted(cut_after - cut_before))}"
            )
        freed = sorted((cut_before - cut_after) & set(granted))
        if freed:
            yield ReviewFinding("medium", "boundary-allows", f"the boundary now allows: {_listed(freed)}")
    unknown = [
        policy
        for policy in after.unknown
        if policy.name not in {p.name for p in (before.unknown if before else ())}
    ]
    for policy in unknown:
        yield ReviewFinding(
            "info", "not-evaluated", f"{policy.kind} policy {policy.name}: {policy.unknown_because}"
        )


def _explained(profile: Profile) -> Explanation:
    role = profile.declared.role
    policies: list[Policy] = [
        Policy(name, "inline", document)
        for name, document in sorted((role.inline_policies if role else {}).items())
        if document is not None
    ]
    policies += [managed_policy(arn, profile.customer) for arn in sorted(profile.managed_policies)]
    unread = profile.declared.not_audited
    policies += [
        Policy(field, "inline" if field.startswith("role.inline") else "customer-managed", None, reason)
        for field, reason in sorted(unread.items())
        if field.startswith("role.inline_policies") or field == "role.managed_policies"
    ]
    boundary = (
        managed_policy(role.permissions_boundary, profile.customer, kind="boundary")
        if role and role.permissions_boundary
        else None
    )
    return _explain(
        json.dumps(
            [
                [(p.name, p.kind, p.document, p.unknown_because) for p in policies],
                None if boundary is None else (boundary.name, boundary.document, boundary.unknown_because),
            ],
            sort_keys=True,
        )
    )


@functools.lru_cache(maxsize=4_096)
def _explain(key: str) -> Explanation:
    """``explain`` of a profile given as JSON: a review of many alike profiles explains each kind once."""
    policies, boundary = json.loads(key)
    evaluated = Evaluated(
        "profile",
        tuple(Policy(name, kind, document, why) for name, kind, document, why in policies),
        None if boundary is None else Policy(boundary[0], "boundary", boundary[1], boundary[2]),
    )
    return explain(evaluated)


def _boundary(profile: Profile) -> tuple[str | None, object]:
    """The boundary's ARN, and its document where the app defines it."""
    role = profile.declared.role
    arn = role.permissions_boundary if role else None
    return arn, profile.customer.get(arn) if arn else None


def _granted(explanation: Explanation) -> dict[str, str]:
    return {grant.action: grant.access_level for grant in explanation.grants}


def _on_every_resource(explanation: Explanation) -> set[str]:
    """Actions granted on ``*`` without a condition, no deny narrowing them, within the boundary."""
    return {
        grant.action
        for grant in explanation.grants
        if "*" in grant.resources
        and not grant.not_resource
        and not grant.conditions
        and not grant.denied_where
        and grant.boundary == ""
    }


def _by_service(actions: dict[str, str]) -> str:
    groups: dict[tuple[str, str], list[str]] = {}
    for action, level in actions.items():
        service, _, name = action.partition(":")
        groups.setdefault((service, level or "Unknown"), []).append(name)
    rank = {level: index for index, level in enumerate(ACCESS_LEVELS)}
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], rank.get(item[0][1], len(rank))))
    return "; ".join(f"{service} {level}: {_listed(sorted(names))}" for (service, level), names in ordered)


def _listed(items: list[str], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit:,} more"
