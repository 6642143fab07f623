"""The audit's decisions: a declared profile against the account's, field by field. Pure Python.

``audit`` walks the profiles listed under the paths the app owns, one at a time (so memory holds
one page of them, and the findings): a profile the app does not declare is ``unexpected``; a
declared one is read in full and ``compare``d. A declared profile not listed under its path is
looked up by name (it may have moved, making ``path`` drift), else it is ``missing``.

``compare`` reports, for one profile:

- ``drift`` of its ``path`` and ``tags``, of which ``role`` it holds, and of that role's ``path``,
  ``trust_policy``, ``managed_policies``, ``inline_policies``, ``permissions_boundary``,
  ``max_session_duration`` and ``tags``. Tags are held to exactly the declared set (a tag the app does
  not declare is drift), except ``aws:`` tags, which only AWS sets. Policy documents are compared as
  IAM reads them (``documents``). When the profile holds another role than the declared one, only
  that is reported: the other role's fields are not the app's;
- ``broken``: the profile holds no role, or its role is in other instance profiles too.

Names are matched ignoring case, as IAM does. Fields the template only resolves at deploy are
left alone (``DeclaredProfile.not_audited``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence

from constructs_lib.audit import documents
from constructs_lib.audit.findings import AuditFinding, Kind
from constructs_lib.audit.profiles import (
    AccountProfile,
    AccountRole,
    DeclaredProfile,
    Document,
    ListedProfile,
)

REPAIR_TAGS_FIX = "ec2-access-profiles audit --repair-tags"
"""The fix of instance-profile tag drift: CloudFormation cannot tag a profile, so a deploy would not."""
AWS_TAG_PREFIX = "aws:"


def audit(
    declared: Sequence[DeclaredProfile],
    listed: Iterable[ListedProfile],
    *,
    find: Callable[[str], ListedProfile | None],
    read: Callable[[ListedProfile], AccountProfile],
    partition: str = "aws",
) -> list[AuditFinding]:
    """Every finding, sorted; ``listed`` are the profiles under the owned paths (read lazily, once),
    ``find`` looks a profile up by name, ``read`` reads a listed profile's tags and role in full."""
    by_name = {profile.name.lower(): profile for profile in declared if profile.name is not None}
    findings = [missing(profile) for profile in declared if profile.name is None]
    seen: set[str] = set()
    for profile in listed:
        match = by_name.get(profile.name.lower())
        if match is None:
            findings.append(unexpected(profile))
            continue
        seen.add(profile.name.lower())
        findings += compare(match, read(profile), partition=partition)
    for key, declared_profile in by_name.items():
        if key not in seen:
            found = find(declared_profile.shown_name)
            findings += compare(declared_profile, read(found) if found else None, partition=partition)
    return sorted(findings, key=AuditFinding.sort_key)


def missing(profile: DeclaredProfile) -> AuditFinding:
    name = profile.name or "(a name CloudFormation generates)"
    expected = f"{profile.path}{name}"
    return AuditFinding(
        "missing",
        profile.shown_name,
        "profile",
        expected,
        None,
        f"deploy it: cdk deploy {shlex.quote(profile.stack)}",
        where=profile.where,
    )


def unexpected(profile: ListedProfile) -> AuditFinding:
    name = shlex.quote(profile.name)
    return AuditFinding(
        "unexpected",
        profile.name,
        "profile",
        None,
        f"{profile.path}{profile.name}",
        "declare it in the app, or delete it if nothing uses it: "
        + " && ".join(
            [
                *(
                    f"aws iam remove-role-from-instance-profile --instance-profile-name {name} "
                    f"--role-name {shlex.quote(role)}"
                    for role in profile.role_names
                ),
                f"aws iam delete-instance-profile --instance-profile-name {name}",
            ]
        ),
    )


def compare(
    declared: DeclaredProfile, actual: AccountProfile | None, *, partition: str = "aws"
) -> list[AuditFinding]:
    """How the account's ``actual`` profile differs from ``declared`` (``None``: the account has none)."""
    if actual is None:
        return [missing(declared)]
    return _Comparison(declared, actual, partition).findings()


class _Comparison:
    """One profile's comparison; collects findings that all name the same profile and construct."""

    def __init__(self, declared: DeclaredProfile, actual: AccountProfile, partition: str) -> None:
        self.declared = declared
        self.actual = actual
        self.partition = partition
        self.result: list[AuditFinding] = []

    def findings(self) -> list[AuditFinding]:
        declared, actual = self.declared, self.actual
        name = shlex.quote(actual.name)
        if declared.path != actual.path:
            self.add(
                "drift",
                "path",
                declared.path,
                actual.path,
                f"IAM cannot move a profile: delete it and create it again at {declared.path}",
            )
        if declared.tags is not None and "tags" not in declared.not_audited:
            repair = REPAIR_TAGS_FIX
            self.tags("tags", declared.tags, actual.tags, lambda *_: repair, lambda _: repair)
        role = actual.role
        if role is None:
            declared_role = shlex.quote(declared.role_name or "ROLE")
            self.add(
                "broken",
                "role",
                declared.role_name,
                None,
                f"aws iam add-role-to-instance-profile --instance-profile-name {name} "
                f"--role-name {declared_role}",
            )
            return self.result
        others = sorted(p for p in role.instance_profiles if p.lower() != actual.name.lower())
        if others:
            self.add(
                "broken",
                "role.instance_profiles",
                [actual.name],
                sorted(role.instance_profiles),
                "give each profile a role of its own; remove this one from the others: "
                + " && ".join(
                    f"aws iam remove-role-from-instance-profile --instance-profile-name {shlex.quote(other)} "
                    f"--role-name {shlex.quote(role.name)}"
                    for other in others
                ),
            )
        if declared.role_name is not None and declared.role_name.lower() != role.name.lower():
            self.add(
                "drift",
                "role",
                declared.role_name,
                role.name,
                f"aws iam remove-role-from-instance-profile --instance-profile-name {name} "
                f"--role-name {shlex.quote(role.name)} && aws iam add-role-to-instance-profile "
                f"--instance-profile-name {name} --role-name {shlex.quote(declared.role_name)}",
            )
            return self.result
        self.role(role)
        return self.result

    def role(self, role: AccountRole) -> None:
        declared = self.declared.role
        if declared is None:
            return
        skip = self.declared.not_audited
        name = shlex.quote(role.name)
        if "role.path" not in skip and declared.path != role.path:
            self.add(
                "drift",
                "role.path",
                declared.path,
                role.path,
                f"IAM cannot move a role: delete it and create it again at {declared.path}",
            )
        if "role.trust_policy" not in skip and not documents.same(
            declared.trust_policy, role.trust_policy, partition=self.partition
        ):
            expected, actual = documents.difference(
                declared.trust_policy, role.trust_policy, partition=self.partition
            )
            self.add(
                "drift",
                "role.trust_policy",
                expected,
                actual,
                f"aws iam update-assume-role-policy --role-name {name} "
                f"--policy-document {_json(declared.trust_policy)}",
            )
        if "role.managed_policies" not in skip:
            for arn in sorted(declared.managed_policy_arns | role.managed_policy_arns):
                attached = arn in role.managed_policy_arns
                if not attached and arn.lower() in declared.conditional_policies:
                    continue  # its template resource exists only when its Condition holds
                if (arn in declared.managed_policy_arns) != attached:
                    verb = "detach" if attached else "attach"
                    self.add(
                        "drift",
                        "role.managed_policies",
                        None if attached else "attached",
                        "attached" if attached else None,
                        f"aws iam {verb}-role-policy --role-name {name} --policy-arn {shlex.quote(arn)}",
                        key=arn,
                    )
        if "role.inline_policies" not in skip:
            self.inline_policies(declared.inline_policies, role, declared.conditional_policies)
        boundary = declared.permissions_boundary
        if "role.permissions_boundary" not in skip and boundary != role.permissions_boundary:
            self.add(
                "drift",
                "role.permissions_boundary",
                boundary,
                role.permissions_boundary,
                f"aws iam put-role-permissions-boundary --role-name {name} "
                f"--permissions-boundary {shlex.quote(boundary)}"
                if boundary
                else f"aws iam delete-role-permissions-boundary --role-name {name}",
            )
        seconds = declared.max_session_duration
        if "role.max_session_duration" not in skip and seconds != role.max_session_duration:
            self.add(
                "drift",
                "role.max_session_duration",
                seconds,
                role.max_session_duration,
                f"aws iam update-role --role-name {name} --max-session-duration {seconds}",
            )
        if "role.tags" not in skip:
            self.tags(
                "role.tags",
                declared.tags,
                role.tags,
                lambda key, value: f"aws iam tag-role --role-name {name} --tags {_tag(key, value)}",
                lambda key: f"aws iam untag-role --role-name {name} --tag-keys {shlex.quote(key)}",
            )

    def inline_policies(
        self,
        declared: Mapping[str, Document | None],
        role: AccountRole,
        conditional: frozenset[str] = frozenset(),
    ) -> None:
        """``conditional``: the policies (lower case) that exist only when their ``Condition`` holds: one
        the account lacks is no drift, and one it holds is compared."""
        name = shlex.quote(role.name)
        actual_by_key = {policy.lower(): policy for policy in role.inline_policies}
        for policy in sorted(declared):
            document = declared[policy]
            actual_name = actual_by_key.pop(policy.lower(), None)
            if actual_name is None and policy.lower() in conditional:
                continue
            put = (
                f"aws iam put-role-policy --role-name {name} --policy-name {shlex.quote(policy)} "
                f"--policy-document {_json(document)}"
                if document is not None
                else f"put policy {policy!r} back on the role (its document is computed at deploy: see stack "
                f"{self.declared.stack})"
            )
            if actual_name is None:
                expected_document = document or "a document computed at deploy"
                self.add("drift", "role.inline_policies", expected_document, None, put, key=policy)
            elif document is not None and not documents.same(
                document, role.inline_policies[actual_name], partition=self.partition
            ):
                expected, actual = documents.difference(
                    document, role.inline_policies[actual_name], partition=self.partition
                )
                self.add("drift", "role.inline_policies", expected, actual, put, key=policy)
        for actual_name in sorted(actual_by_key.values()):
            self.add(
                "drift",
                "role.inline_policies",
                None,
                dict(role.inline_policies[actual_name]),
                f"aws iam delete-role-policy --role-name {name} --policy-name {shlex.quote(actual_name)}",
                key=actual_name,
            )

    def tags(
        self,
        field: str,
        declared: Mapping[str, str],
        actual: Mapping[str, str],
        set_fix: Callable[[str, str], str],
        remove_fix: Callable[[str], str],
    ) -> None:
        actual = {key: value for key, value in actual.items() if not key.startswith(AWS_TAG_PREFIX)}
        keys = sorted(declared.keys() | actual.keys())
        differing = [key for key in keys if declared.get(key) != actual.get(key)]
        # A key's removal before a setting of the same key in another case, as the repair makes them:
        # IAM may hold such keys as one, so `untag service` after `tag Service` could remove the new tag.
        for key in sorted(differing, key=lambda key: (key.lower(), key in declared)):
            expected, found = declared.get(key), actual.get(key)
            fix = set_fix(key, expected) if expected is not None else remove_fix(key)
            self.add("drift", field, expected, found, fix, key=key)

    def add(
        self, kind: Kind, field: str, expected: object, actual: object, fix: str, key: str | None = None
    ) -> None:
        profile, where = self.actual.name, self.declared.where
        self.result.append(AuditFinding(kind, profile, field, expected, actual, fix, key=key, where=where))


def _tag(key: str, value: str) -> str:
    return shlex.quote(f"Key={key},Value={value}")


def _json(document: object) -> str:
    """A policy document as one shell word, for a fix's command line."""
    return shlex.quote(json.dumps(document, separators=(",", ":")))
