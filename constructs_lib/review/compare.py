"""The review's core: two synthesized apps in, each instance profile's status and findings out. Pure.

Profiles are paired by stack and logical ID, then (for those left) by instance-profile name, role
name, and logical ID, so a rename or a move reads as what CloudFormation will do with it: replace;
so does a new logical ID of the role. A construct moved in the tree with its logical ID kept is the
same resource.
Each pair is compared field by field; a profile only in the head is compared with nothing (all it
grants is new), one only in the base is removed.

Severities: ``high`` for what strands instances or widens access beyond the profile's purpose
(replaced or removed, trust widened, boundary removed, a credential guard removed or weakened,
admin-level access, a new ``*`` resource, a privilege-escalation path) and for what the app's
linters refuse (``refusals``), ``medium`` for new access (actions, services, managed policies, a
longer session, what cloudsplaining calls resource
exposure, credentials exposure and data exfiltration), ``low`` for tags and ``info`` for
descriptions and for access taken away.

Privilege escalation and the exposure categories are cloudsplaining's (``PolicyDocument``), over
the statements the app writes (``Profile.documents``: inline policies and the app's own managed
policies): escalation paths whatever their resources, exposure where the resource is ``*``.
AWS-managed policies are weighed by the evaluator (``effective``). A ``NotAction`` list is one
whole: listing fewer adds the actions no longer listed, listing more takes them away.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from constructs_lib.core.credential_guard import guard_statements
from constructs_lib.core.least_privilege import ADMIN_MANAGED_POLICIES
from constructs_lib.review import effective
from constructs_lib.review.findings import SEVERITIES, ReviewFinding, Severity
from constructs_lib.review.profiles import Grant, Profile, Templates, read_profiles
from constructs_lib.review.refusals import Refusal, refusal_findings

Status = Literal["added", "removed", "changed", "replaced", "unchanged"]

STRANDED = (
    "every running instance that uses it loses its AWS credentials when CloudFormation deletes the "
    "old one, until it is given the new profile"
)


@dataclass(frozen=True)
class ProfileReview:
    """One instance profile: how the change treats it, what is wrong with that, and what it can do after."""

    status: Status
    base: Profile | None
    head: Profile | None
    findings: tuple[ReviewFinding, ...] = field(default=())

    @property
    def shown(self) -> Profile:
        """The profile as it will be (as it was, for a removed one)."""
        profile = self.head or self.base
        assert profile is not None
        return profile

    @property
    def worst(self) -> Severity | None:
        return min((f.severity for f in self.findings), key=SEVERITIES.index, default=None)


@dataclass(frozen=True)
class Review:
    base: str
    head: str
    profiles: tuple[ProfileReview, ...]
    outside: tuple[tuple[str, ReviewFinding], ...] = ()
    """Findings on no instance profile (a linter's refusal of another construct), with its path."""

    @property
    def findings(self) -> list[ReviewFinding]:
        return [f for p in self.profiles for f in p.findings] + [f for _, f in self.outside]

    @property
    def high(self) -> bool:
        return any(finding.severity == "high" for finding in self.findings)

    def count(self, severity: Severity) -> int:
        return sum(finding.severity == severity for finding in self.findings)


def review(
    base: Templates,
    head: Templates,
    *,
    base_ref: str,
    head_ref: str = "working tree",
    refused: Sequence[Refusal] = (),
    base_refused: Sequence[Refusal] = (),
    catalogue: Mapping[str, str] | None = None,
) -> Review:
    """Compare the instance profiles of two synthesized apps, with what the linters refuse in the head.

    ``refused`` and ``base_refused`` are each app's refusals (``refusals.read_refusals``);
    ``catalogue`` the ``FILE:LINE:COL`` of each catalogue profile by name, when the app has one.
    """
    before, after = read_profiles(base), read_profiles(head)
    refusals = refusal_findings(
        refused, after, head, catalogue=catalogue, known=base_refused, base_ref=f"`{base_ref}`"
    )
    reviews = [
        _review(old, new, refusals.by_profile.get(new.key, ()) if new else ())
        for old, new in _pair(before, after)
    ]
    order = {profile.key: index for index, profile in enumerate(after)}
    reviews.sort(key=lambda r: (r.head is None, order.get(r.head.key, 0) if r.head else 0, r.shown.label))
    return Review(base_ref, head_ref, tuple(reviews), refusals.outside)


# -- pairing ----------------------------------------------------------------------------------------


def _pair(before: Sequence[Profile], after: Sequence[Profile]) -> list[tuple[Profile | None, Profile | None]]:
    pairs: list[tuple[Profile | None, Profile | None]] = []
    left = list(before)
    right = list(after)
    for identity in _IDENTITIES:
        for old in list(left):
            wanted = identity(old)
            new = next((p for p in right if wanted is not None and identity(p) == wanted), None)
            if new is not None:
                pairs.append((old, new))
                left.remove(old)
                right.remove(new)
    pairs += [(old, None) for old in left]
    pairs += [(None, new) for new in right]
    return pairs


def _by_place(profile: Profile) -> object:
    return profile.key


def _by_name(profile: Profile) -> object:
    return profile.declared.name.lower() if profile.declared.name else None


def _by_role_name(profile: Profile) -> object:
    return profile.declared.role_name.lower() if profile.declared.role_name else None


def _by_logical_id(profile: Profile) -> object:
    return profile.declared.logical_id


_IDENTITIES: tuple[Callable[[Profile], object], ...] = (_by_place, _by_name, _by_role_name, _by_logical_id)
"""How a base profile finds its head: the same place, else the same name, role name, logical ID."""


# -- one profile ------------------------------------------------------------------------------------


def _review(old: Profile | None, new: Profile | None, refused: Sequence[ReviewFinding] = ()) -> ProfileReview:
    if new is None:
        assert old is not None
        message = f"is removed: {STRANDED}"
        return ProfileReview("removed", old, None, (ReviewFinding("high", "profile-removed", message),))
    findings: list[ReviewFinding] = list(refused)
    replaced = _replacements(old, new) if old is not None else []
    findings += replaced
    findings += _access(old, new)
    findings += _settings(old, new)
    findings += _guard(old, new)
    findings += effective.findings(old, new)
    if old is None:
        status: Status = "added"
    elif replaced:
        status = "replaced"
    elif len(findings) > len(refused) or _differs(old, new):
        status = "changed"
    else:
        status = "unchanged"
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    return ProfileReview(status, old, new, tuple(findings))


def _replacements(old: Profile, new: Profile) -> list[ReviewFinding]:
    a, b = old.declared, new.declared
    why = []
    if a.stack != b.stack:
        why.append(f"it moves from stack {a.stack} to {b.stack}")
    elif a.logical_id != b.logical_id:
        why.append(f"its construct ID changed (logical ID {a.logical_id} → {b.logical_id})")
    if a.name != b.name:
        why.append(f"its name changed from {a.name or '(generated)'} to {b.name or '(generated)'}")
    if a.path != b.path:
        why.append(f"its path changed from {a.path} to {b.path}")
    findings = []
    role_why = []
    if a.role_name != b.role_name:
        role_why.append(
            f"its name changed from {a.role_name or '(generated)'} to {b.role_name or '(generated)'}"
        )
    if a.role and b.role and a.role.path != b.role.path:
        role_why.append(f"its path changed from {a.role.path} to {b.role.path}")
    if a.role and b.role and a.stack == b.stack and a.role.logical_id != b.role.logical_id:
        role_why.append(f"its logical ID changed from {a.role.logical_id} to {b.role.logical_id}")
    if why:
        role = f"; its role is replaced too, as {'; '.join(role_why)}" if role_why else ""
        message = f"is replaced because {'; '.join(why)}{role}: {STRANDED}"
        findings.append(ReviewFinding("high", "profile-replaced", message))
    elif role_why:
        message = (
            f"keeps its instance profile, but its role is replaced because {'; '.join(role_why)}: "
            "running instances' credentials of the old role stop working when CloudFormation deletes it"
        )
        findings.append(ReviewFinding("high", "role-replaced", message))
    return findings


def _access(old: Profile | None, new: Profile) -> Iterator[ReviewFinding]:
    before = old.grants if old else frozenset()
    after = new.grants
    added, taken = _changes(before, after)
    old_actions = {g.action for g in before}
    old_services = {g.service for g in before}
    every = [g for g in added if g.action == "*" and g.action not in old_actions]
    if every:
        yield ReviewFinding("high", "admin-policy", "allows every action of every service (`*`)")
    new_admin = sorted(
        _policy_name(arn)
        for arn in new.managed_policies - (old.managed_policies if old else frozenset())
        if _policy_name(arn) in ADMIN_MANAGED_POLICIES
    )
    for name in new_admin:
        yield ReviewFinding("high", "admin-policy", f"gets {name}, which grants administrator-level access")
    old_star = {g.action for g in before if g.resource == "*"}
    star = sorted({g.action for g in added if g.resource == "*" and g.action not in old_star})
    if star:
        yield ReviewFinding("high", "wildcard-resource", f"allows {_listed(star)} on every resource (`*`)")
    yield from _escalation(old, new)
    services = sorted({g.service for g in added} - old_services)
    if services:
        yield ReviewFinding("medium", "new-service", f"reaches new services: {', '.join(services)}")
    actions = sorted({g.action for g in added} - old_actions)
    if actions:
        yield ReviewFinding("medium", "new-actions", f"allows new actions: {_listed(actions)}")
    widened = sorted({f"{g.action} on {g.resource}" for g in added if g.action in old_actions})
    if widened:
        yield ReviewFinding("medium", "new-resources", f"allows known actions on more: {'; '.join(widened)}")
    policies = sorted(new.managed_policies - (old.managed_policies if old else frozenset()))
    if policies:
        names = ", ".join(_policy_name(arn) for arn in policies)
        yield ReviewFinding("medium", "new-managed-policy", f"gets managed policies: {names}")
    if old is not None:
        gone = sorted({g.action for g in taken} - {g.action for g in after})
        if gone:
            yield ReviewFinding("info", "actions-removed", f"no longer allows: {_listed(gone)}")
        dropped = sorted(old.managed_policies - new.managed_policies)
        if dropped:
            names = ", ".join(_policy_name(arn) for arn in dropped)
            yield ReviewFinding("info", "managed-policy-removed", f"loses managed policies: {names}")


def _changes(before: frozenset[Grant], after: frozenset[Grant]) -> tuple[list[Grant], list[Grant]]:
    """The grants ``after`` adds and those it takes away, a ``NotAction`` list weighed as one whole.

    A ``NotAction`` statement allows every action but all of those it lists: where the head's lists
    fewer on the same resource and conditions, it adds the actions it no longer lists; where it lists
    more, it takes those away, and nothing is added.
    """
    added = set(after - before)
    taken = set(before - after)
    for new in sorted(added, key=_order):
        for old in sorted(taken, key=_order):
            if not (new.excluded and old.excluded) or (new.resource, new.conditions) != (
                old.resource,
                old.conditions,
            ):
                continue
            if _within(new.excluded, old.excluded):  # lists fewer: allows more
                added.discard(new)
                taken.discard(old)
                added |= {Grant(a, new.resource, new.conditions) for a in _beyond(old.excluded, new.excluded)}
                break
            if _within(old.excluded, new.excluded):  # lists more: allows less
                added.discard(new)
                taken.discard(old)
                taken |= {Grant(a, new.resource, new.conditions) for a in _beyond(new.excluded, old.excluded)}
                break
    return sorted(added, key=_order), sorted(taken, key=_order)


def _order(grant: Grant) -> tuple[str, str, str]:
    return grant.action, grant.resource, grant.conditions


def _within(patterns: Sequence[str], others: Sequence[str]) -> bool:
    """Whether every action ``patterns`` match, ``others`` match too."""
    return all(_beyond([p], others) == [] for p in patterns)


def _beyond(patterns: Sequence[str], others: Sequence[str]) -> list[str]:
    """Those of ``patterns`` that no pattern of ``others`` covers."""
    return [p for p in patterns if not any(fnmatch.fnmatchcase(p.lower(), o.lower()) for o in others)]


def _escalation(old: Profile | None, new: Profile) -> Iterator[ReviewFinding]:
    """cloudsplaining's categories, new in the head, and ``iam:PassRole`` without ``iam:PassedToService``."""
    before = _analysis(old.documents if old else [])
    after = _analysis(new.documents)
    for method, actions in sorted(after.escalations.items()):
        if method not in before.escalations:
            message = (
                f"opens privilege-escalation path {method} (cloudsplaining): {', '.join(actions)}; see "
                f"{after.links.get(method) or after.glossary}"
            )
            yield ReviewFinding("high", "privilege-escalation", message)
    unconstrained = sorted(_unconstrained_pass_role(new) - _unconstrained_pass_role(old))
    if unconstrained:
        message = (
            f"allows iam:PassRole on {', '.join(unconstrained)} without an iam:PassedToService condition: "
            "the instance can hand those roles to any service"
        )
        yield ReviewFinding("high", "pass-role-unconstrained", message)
    for rule, label, found, known in (
        ("resource-exposure", "resource exposure", after.exposure, before.exposure),
        ("credentials-exposure", "credentials exposure", after.credentials, before.credentials),
        ("data-exfiltration", "data exfiltration", after.exfiltration, before.exfiltration),
    ):
        fresh = sorted(set(found) - set(known))
        if fresh:
            yield ReviewFinding("medium", rule, f"allows {label} (cloudsplaining): {', '.join(fresh)}")


@dataclass(frozen=True)
class _Analysis:
    escalations: dict[str, list[str]]
    exposure: list[str]
    credentials: list[str]
    exfiltration: list[str]
    links: dict[str, str | None]
    glossary: str


def _analysis(documents: Sequence[object]) -> _Analysis:
    from cloudsplaining.scan.policy_document import PolicyDocument  # loads IAM data: only when reviewing
    from cloudsplaining.shared import constants

    statements = [s for doc in documents for s in _statements_of(doc)]
    document = {"Version": "2012-10-17", "Statement": statements}
    # Escalation paths whatever the resources (an instance's own role is often one of them);
    # exposure only where the statement leaves the resource open, as cloudsplaining reports it.
    anywhere = PolicyDocument(document, flag_resource_arn_statements=True)
    unconstrained = PolicyDocument(document)
    return _Analysis(
        escalations={e["type"]: list(e["actions"]) for e in anywhere.allows_privilege_escalation},
        exposure=list(unconstrained.permissions_management_without_constraints),
        credentials=list(unconstrained.credentials_exposure),
        exfiltration=list(unconstrained.allows_data_exfiltration_actions),
        links=dict(constants.PRIVILEGE_ESCALATION_PATHFINDING_PATHS),
        glossary=constants.PRIVILEGE_ESCALATION_GLOSSARY_URL,
    )


def _statements_of(document: object) -> list[object]:
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    return list(statements) if isinstance(statements, list) else [statements]


def _unconstrained_pass_role(profile: Profile | None) -> set[str]:
    if profile is None:
        return set()
    found = set()
    for grant in profile.grants:
        if fnmatch.fnmatch("iam:passrole", grant.action.lower()) and not _names_services(grant.conditions):
            found.add(grant.resource)
    return found


def _names_services(conditions: str) -> bool:
    """Whether an ``iam:PassedToService`` condition names the services: a plain ``StringEquals`` or
    ``StringLike`` whose values have no wildcard (``*`` or ``*.amazonaws.com`` lets any through)."""
    given = json.loads(conditions) if conditions else {}
    for operator, keys in given.items() if isinstance(given, dict) else ():
        if str(operator).lower() not in {"stringequals", "stringlike", "forallvalues:stringequals"}:
            continue
        for key, values in keys.items() if isinstance(keys, dict) else ():
            listed = _names(values)
            if (
                key.lower() == "iam:passedtoservice"
                and listed
                and not any("*" in v or "?" in v for v in listed)
            ):
                return True
    return False


def _settings(old: Profile | None, new: Profile) -> Iterator[ReviewFinding]:
    a = old.declared.role if old else None
    b = new.declared.role
    if b is None:
        return
    widened = sorted(new.trusted - (old.trusted if old else frozenset({"Service:ec2.amazonaws.com"})))
    if widened:
        yield ReviewFinding(
            "high", "trust-widened", f"lets more principals assume its role: {', '.join(widened)}"
        )
    if old is not None:
        unconditioned = sorted((new.trusted_unconditionally - old.trusted_unconditionally) & old.trusted)
        if unconditioned:
            message = (
                f"lets principals assume its role without the condition they had: {', '.join(unconditioned)}"
            )
            yield ReviewFinding("high", "trust-widened", message)
    if a is not None:
        if a.permissions_boundary and not b.permissions_boundary:
            yield ReviewFinding(
                "high", "boundary-removed", f"loses its permissions boundary {a.permissions_boundary}"
            )
        elif a.permissions_boundary and b.permissions_boundary != a.permissions_boundary:
            message = (
                f"changes its permissions boundary from {a.permissions_boundary} to {b.permissions_boundary}"
            )
            yield ReviewFinding("medium", "boundary-changed", message)
        elif (
            old is not None
            and a.permissions_boundary
            and (old.customer.get(a.permissions_boundary) != new.customer.get(a.permissions_boundary))
        ):
            message = f"changes the document of its permissions boundary {a.permissions_boundary}"
            yield ReviewFinding("medium", "boundary-changed", message)
        if b.max_session_duration > a.max_session_duration:
            message = (
                f"keeps sessions longer: {_hours(a.max_session_duration)} → {_hours(b.max_session_duration)}"
            )
            yield ReviewFinding("medium", "longer-session", message)
        if old is not None and (a.tags != b.tags or old.declared.tags != new.declared.tags):
            yield ReviewFinding("low", "tags-changed", f"tags change: {_tag_change(old, new)}")
        if old is not None and old.description != new.description:
            message = f"description changes: {old.description!r} → {new.description!r}"
            yield ReviewFinding("info", "description-changed", message)
    else:
        yield ReviewFinding("info", "profile-added", "is new")


def _guard(old: Profile | None, new: Profile) -> Iterator[ReviewFinding]:
    """A credential guard removed or weakened: stolen credentials would work off the instance again."""
    before = guard_statements(old.documents) if old is not None else {}
    after = guard_statements(new.documents)
    removed = sorted(set(before) - set(after))
    if removed:
        yield ReviewFinding(
            "high", "credential-guard-removed", f"loses its credential guard: {', '.join(removed)}"
        )
    for sid in sorted(set(before) & set(after)):
        if before[sid] == after[sid]:
            continue
        exempted = sorted(
            set(_names(after[sid].get("NotAction"))) - set(_names(before[sid].get("NotAction")))
        )
        what = f"exempts {_listed(exempted)} more" if exempted else "changes its statement"
        yield ReviewFinding("high", "credential-guard-weakened", f"credential guard {sid} {what}")


def _names(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def _differs(old: Profile, new: Profile) -> bool:
    """Whether anything but the construct path changed: a profile moved in the tree with its logical ID
    kept is the same resource to CloudFormation."""
    return (dataclasses.replace(old.declared, where=""), old.description, old.customer) != (
        dataclasses.replace(new.declared, where=""),
        new.description,
        new.customer,
    )


def _tag_change(old: Profile, new: Profile) -> str:
    before = dict(old.declared.role.tags if old.declared.role else {})
    after = dict(new.declared.role.tags if new.declared.role else {})
    parts = [f"+{k}={after[k]}" for k in sorted(after.keys() - before.keys())]
    parts += [f"-{k}={before[k]}" for k in sorted(before.keys() - after.keys())]
    parts += [
        f"{k}: {before[k]} → {after[k]}"
        for k in sorted(before.keys() & after.keys())
        if before[k] != after[k]
    ]
    if old.declared.tags != new.declared.tags and not parts:
        parts.append("the instance profile's tags differ from its role's")
    return ", ".join(parts)


def _policy_name(arn: str) -> str:
    return arn.split(":policy/", 1)[-1]


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} hour{'s' if seconds != 3600 else ''}"


def _listed(items: Iterable[str], limit: int = 20) -> str:
    shown = list(items)
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more
