"""What the account holds, read through the IAM API page by page: the audit's only door to AWS.

- ``IamReader.list_profiles`` lists the instance profiles under each owned path
  (``ListInstanceProfiles`` with ``PathPrefix``, ``MaxItems`` and ``Marker``) and yields them one at a
  time, holding one page;
- ``IamReader.find`` looks one up by name (``GetInstanceProfile``); ``IamReader.read`` reads its tags
  (``ListInstanceProfileTags``) and its role (``GetRole``, ``ListAttachedRolePolicies``,
  ``ListRolePolicies`` and ``GetRolePolicy``, ``ListInstanceProfilesForRole``), every list paged;
- ``identity`` asks STS which account and partition the credentials are in;
- ``StackResources`` reads the physical ID of a resource CloudFormation named
  (``DescribeStackResource``), only for profiles and roles the templates leave unnamed;
- ``change_tags`` makes one of ``--repair-tags``' changes, its only write.

Every failed call (denied, throttled past boto3's retries, unreachable) raises ``AuditError`` with
one line naming the call and the profile. The clients are given (``run`` makes them with standard
retries); nothing here decides what is drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.profiles import AccountProfile, AccountRole, Document, ListedProfile
from constructs_lib.audit.repair import TagChange

MAX_PAGE_SIZE = 1000
"""IAM's largest ``MaxItems``."""


class IamReader:
    """Reads instance profiles and their roles with one IAM client, ``page_size`` items per list call."""

    def __init__(self, iam: Any, page_size: int = 100) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is not from 1 to {MAX_PAGE_SIZE}")
        self.iam = iam
        self.page_size = page_size

    def list_profiles(self, path_prefixes: Iterable[str]) -> Iterator[ListedProfile]:
        """Every profile under each prefix, one at a time; only one page is held."""
        for prefix in path_prefixes:
            for profile in self._pages(
                "ListInstanceProfiles", "InstanceProfiles", f"for path prefix {prefix!r}", PathPrefix=prefix
            ):
                yield _listed(profile)

    def find(self, name: str) -> ListedProfile | None:
        """The profile named ``name`` wherever its path is; ``None`` if the account has none."""
        try:
            response = self._call("GetInstanceProfile", _for_profile(name), InstanceProfileName=name)
        except _NoSuchEntityError:
            return None
        return _listed(response["InstanceProfile"])

    def read(self, listed: ListedProfile) -> AccountProfile:
        """``listed`` with its tags and its role read in full."""
        subject = _for_profile(listed.name)
        tags = self._pages("ListInstanceProfileTags", "Tags", subject, InstanceProfileName=listed.name)
        return AccountProfile(
            name=listed.name,
            path=listed.path,
            arn=listed.arn,
            tags=_tag_dict(tags),
            role=self._role(listed.name, listed.role_names[0]) if listed.role_names else None,
        )

    def _role(self, profile: str, name: str) -> AccountRole:
        subject = f"{_for_profile(profile)} (role {name!r})"
        role = self._call("GetRole", subject, RoleName=name)["Role"]
        attached = self._pages("ListAttachedRolePolicies", "AttachedPolicies", subject, RoleName=name)
        policy_names = list(self._pages("ListRolePolicies", "PolicyNames", subject, RoleName=name))
        profiles = self._pages("ListInstanceProfilesForRole", "InstanceProfiles", subject, RoleName=name)
        return AccountRole(
            name=role["RoleName"],
            path=role["Path"],
            trust_policy=_document(role["AssumeRolePolicyDocument"], "GetRole", subject),
            managed_policy_arns=frozenset(policy["PolicyArn"] for policy in attached),
            inline_policies={
                policy: _document(
                    self._call("GetRolePolicy", subject, RoleName=name, PolicyName=policy)["PolicyDocument"],
                    "GetRolePolicy",
                    subject,
                )
                for policy in policy_names
            },
            permissions_boundary=(role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            max_session_duration=int(role.get("MaxSessionDuration", 3600)),
            tags=_tag_dict(role.get("Tags") or []),
            instance_profiles=tuple(sorted(p["InstanceProfileName"] for p in profiles)),
        )

    def _pages(self, operation: str, key: str, subject: str, **request: Any) -> Iterator[Any]:
        """The items of every page of a list call: ``MaxItems`` each, following ``Marker``."""
        request["MaxItems"] = self.page_size
        while True:
            page = self._call(operation, subject, **request)
            yield from page[key]
            if not page.get("IsTruncated"):
                return
            request["Marker"] = page["Marker"]

    def _call(self, operation: str, subject: str, **request: Any) -> Any:
        return call(self.iam, "iam", operation, subject, **request)


class StackResources:
    """Physical IDs of the resources CloudFormation named, by stack, region and logical ID (cached)."""

    def __init__(self, session: Any, config: Config) -> None:
        self._session = session
        self._config = config
        self._clients: dict[str | None, Any] = {}
        self._found: dict[tuple[str, str | None, str], str | None] = {}

    def __call__(self, stack: str, region: str | None, logical_id: str) -> str | None:
        key = (stack, region, logical_id)
        if key not in self._found:
            self._found[key] = self._describe(stack, region, logical_id)
        return self._found[key]

    def _describe(self, stack: str, region: str | None, logical_id: str) -> str | None:
        subject = f"for resource {logical_id} of stack {stack!r}"
        if region is None:
            raise AuditError(
                f"cloudformation:DescribeStackResource {subject}: no region to ask in: give --region, "
                "or set AWS_REGION"
            )
        if region not in self._clients:
            self._clients[region] = self._session.client(
                "cloudformation", region_name=region, config=self._config
            )
        try:
            response = call(
                self._clients[region],
                "cloudformation",
                "DescribeStackResource",
                subject,
                StackName=stack,
                LogicalResourceId=logical_id,
            )
        except _NotDeployedError:
            return None
        return str(response["StackResourceDetail"]["PhysicalResourceId"])


def change_tags(iam: Any, change: TagChange) -> None:
    """Make one tag change: ``TagInstanceProfile`` or ``UntagInstanceProfile``."""
    subject, name = f"for profile {change.profile!r}", change.profile
    if change.action == "TagInstanceProfile":
        tags = [{"Key": key, "Value": value} for key, value in sorted(change.tags.items())]
        call(iam, "iam", change.action, subject, InstanceProfileName=name, Tags=tags)
    else:
        call(iam, "iam", change.action, subject, InstanceProfileName=name, TagKeys=list(change.keys))


def identity(sts: Any) -> tuple[str, str]:
    """``(partition, account ID)`` of the credentials, from ``GetCallerIdentity``."""
    response = call(sts, "sts", "GetCallerIdentity", "for the credentials")
    return response["Arn"].split(":")[1], response["Account"]


def url_suffix(partition: str) -> str | None:
    """The partition's domain (``amazonaws.com``), from botocore's endpoint data."""
    from botocore.loaders import create_loader

    for known in create_loader().load_data("endpoints").get("partitions", []):
        if known.get("partition") == partition:
            return str(known["dnsSuffix"])
    return None


def call(client: Any, service: str, operation: str, subject: str, **request: Any) -> Any:
    """``client.OPERATION(**request)``; a failure is an ``AuditError`` naming the call and ``subject``."""
    method = getattr(client, _snake_case(operation))
    try:
        return method(**request)
    except ClientError as error:
        details = error.response.get("Error", {})
        code, message = details.get("Code", "Unknown"), details.get("Message", "")
        if operation == "GetInstanceProfile" and code == "NoSuchEntity":
            raise _NoSuchEntityError from error
        if operation == "DescribeStackResource" and code == "ValidationError" and "does not exist" in message:
            raise _NotDeployedError from error
        raise AuditError(_one_line(f"{service}:{operation} {subject} failed: {code}: {message}")) from error
    except BotoCoreError as error:
        raise AuditError(_one_line(f"{service}:{operation} {subject} failed: {error}")) from error


class _NoSuchEntityError(Exception):
    """The profile looked up does not exist: an answer, not a failure."""


class _NotDeployedError(Exception):
    """The stack, or the resource in it, does not exist: an answer, not a failure."""


def _listed(profile: Mapping[str, Any]) -> ListedProfile:
    return ListedProfile(
        name=profile["InstanceProfileName"],
        path=profile["Path"],
        arn=profile["Arn"],
        role_names=tuple(role["RoleName"] for role in profile.get("Roles") or []),
    )


def _document(value: Any, operation: str, subject: str) -> Document:
    """botocore decodes IAM's URL-encoded policy JSON to a dict; anything else is no IAM answer."""
    if not isinstance(value, Mapping):
        raise AuditError(f"iam:{operation} {subject} returned a policy document that is not JSON: {value!r}")
    return value


def _tag_dict(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}


def _for_profile(name: str) -> str:
    return f"for profile {name!r}"


def _snake_case(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _one_line(text: str) -> str:
    return " ".join(text.split())
