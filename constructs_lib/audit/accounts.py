"""Reaching the accounts of a deployment: Organizations lists those under its OUs, STS assumes the
audit role in each.

- ``stack_set_accounts`` lists every account under the OUs and under the OUs below them
  (``organizations:ListAccountsForParent`` and ``ListOrganizationalUnitsForParent``, every page),
  keeping the ``ACTIVE`` ones, and leaves out the organization's management account
  (``organizations:DescribeOrganization``): a StackSet deploys to no other account, and never to the
  management account, "even if the organization management account is in your organization or in an
  OU in your organization" (CloudFormation API reference, ``DeploymentTargets``);
- ``assume`` asks ``sts:AssumeRole`` for the audit role in one account; when STS refuses
  (``AccessDenied``: the role is missing, its trust policy does not name the caller, or the caller
  may not assume it), it raises ``UnreachableError`` with STS's reason: the account is reported, the
  others are still audited. Any other failure (throttled past retries, no connection, expired
  credentials, STS not active in the region) is an ``AuditError``: that account could not be audited.

Both run with the caller's credentials (the organization's management account, or a delegated
administrator, for Organizations). Any other failure is an ``AuditError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from constructs_lib.audit.account import call
from constructs_lib.audit.errors import AuditError

MAX_OU_DEPTH = 5
"""Organizations nests OUs at most five deep under the root: a deeper walk is a loop, refused."""
SESSION_NAME = "ec2-access-profiles-audit"
"""The role session's name: CloudTrail in the audited account shows the audit by it."""
ACTIVE = "ACTIVE"
REFUSED = frozenset({"AccessDenied", "AccessDeniedException"})
"""STS's codes for an ``AssumeRole`` it refuses. The API reference's own errors (``ExpiredToken``,
``RegionDisabled``, ``MalformedPolicyDocument``, ``PackedPolicyTooLarge``) and throttling are not
about the audit role: they are failures, not an unreachable account."""


class UnreachableError(Exception):
    """The audit role could not be assumed in the account; the message is STS's reason, one line."""


def stack_set_accounts(organizations: Any, units: Iterable[str]) -> tuple[list[str], str | None]:
    """The accounts StackSets deploy to under ``units``, sorted, and the management account if it
    was under them (left out: StackSets never deploy to it), else ``None``."""
    management = management_account(organizations)
    listed = accounts_under(organizations, units)
    skipped = management if management in listed else None
    return [account for account in listed if account != management], skipped


def management_account(organizations: Any) -> str:
    """The organization's management account, from ``DescribeOrganization`` (any account of it may ask)."""
    response = call(organizations, "organizations", "DescribeOrganization", "for the organization")
    return str(response["Organization"]["MasterAccountId"])


def accounts_under(organizations: Any, units: Iterable[str]) -> list[str]:
    """The IDs of every active account under ``units``, each once, sorted."""
    found: set[str] = set()
    for unit in units:
        found.update(_accounts(organizations, unit, depth=0))
    return sorted(found)


def _accounts(organizations: Any, parent: str, depth: int) -> Iterator[str]:
    if depth > MAX_OU_DEPTH:
        raise AuditError(f"organizations: OUs nested more than {MAX_OU_DEPTH} deep under {parent!r}")
    subject = f"for {'root' if parent.startswith('r-') else 'OU'} {parent!r}"
    for account in _pages(organizations, "ListAccountsForParent", "Accounts", subject, ParentId=parent):
        if (account.get("State") or account.get("Status")) == ACTIVE:
            yield str(account["Id"])
    for unit in _pages(
        organizations, "ListOrganizationalUnitsForParent", "OrganizationalUnits", subject, ParentId=parent
    ):
        yield from _accounts(organizations, str(unit["Id"]), depth + 1)


def _pages(client: Any, operation: str, key: str, subject: str, **request: Any) -> Iterator[Any]:
    """Organizations pages with ``NextToken``."""
    while True:
        page = call(client, "organizations", operation, subject, **request)
        yield from page.get(key) or []
        if not page.get("NextToken"):
            return
        request["NextToken"] = page["NextToken"]


def role_arn(partition: str, account: str, role_name: str) -> str:
    """``arn:aws:iam::ACCOUNT:role/NAME``; a name with a path (``audit/Auditor``) keeps it."""
    return f"arn:{partition}:iam::{account}:role/{role_name.strip('/')}"


def assume(sts: Any, arn: str) -> dict[str, str]:
    """Credentials of the role ``arn`` (``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``);
    ``UnreachableError`` if STS refuses, ``AuditError`` if the call fails otherwise."""
    try:
        response = call(sts, "sts", "AssumeRole", f"for {arn}", RoleArn=arn, RoleSessionName=SESSION_NAME)
    except AuditError as problem:
        if problem.code in REFUSED:
            raise UnreachableError(str(problem)) from problem
        raise
    credentials = response["Credentials"]
    return {key: str(credentials[key]) for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
