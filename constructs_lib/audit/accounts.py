"""Reaching the accounts of a deployment: Organizations lists those under its OUs, STS assumes the
audit role in each.

- ``accounts_under`` lists every account under the OUs and under the OUs below them
  (``organizations:ListAccountsForParent`` and ``ListOrganizationalUnitsForParent``, every page),
  keeping the ``ACTIVE`` ones: a StackSet deploys to no other;
- ``assume`` asks ``sts:AssumeRole`` for the audit role in one account; when STS refuses (the role
  is missing, or its trust policy does not name the caller), it raises ``UnreachableError`` with
  STS's reason: the account is reported, the others are still audited.

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


class UnreachableError(Exception):
    """The audit role could not be assumed in the account; the message is STS's reason, one line."""


def accounts_under(organizations: Any, units: Iterable[str]) -> list[str]:
    """The IDs of every active account under ``units``, each once, sorted."""
    found: set[str] = set()
    for unit in units:
        found.update(_accounts(organizations, unit, depth=0))
    return sorted(found)


def _accounts(organizations: Any, parent: str, depth: int) -> Iterator[str]:
    if depth > MAX_OU_DEPTH:
        raise AuditError(f"organizations: OUs nested more than {MAX_OU_DEPTH} deep under {parent!r}")
    subject = f"for OU {parent!r}"
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
    """Credentials of the role ``arn`` (``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``)."""
    try:
        response = call(sts, "sts", "AssumeRole", f"for {arn}", RoleArn=arn, RoleSessionName=SESSION_NAME)
    except AuditError as problem:
        raise UnreachableError(str(problem)) from problem
    credentials = response["Credentials"]
    return {key: str(credentials[key]) for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
