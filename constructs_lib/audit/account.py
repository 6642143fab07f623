"""What the account holds, read through the IAM API: the audit's only door to AWS.

- ``IamReader.list_profiles`` lists the instance profiles under each owned path
  (``ListInstanceProfiles`` with ``PathPrefix``, ``MaxItems`` and ``Marker``) and yields them one at a
  time, holding one page; for the declared ones of the page it asks ``ListInstanceProfileTags`` at
  once, ``concurrency`` calls in flight;
- ``IamReader.find`` looks one up by name (``GetInstanceProfile``); ``IamReader.read`` gives its tags
  and its role;
- ``IamReader.roles`` reads every role of the account once, in bulk:
  ``GetAccountAuthorizationDetails`` with ``Filter=[Role]`` (trust policy, inline policies with their
  documents, managed policies, permissions boundary, tags, instance profiles) and ``ListRoles`` (the
  longest session, which ``RoleDetail`` lacks). IAM holds at most 5,000 roles an account, so the
  index is bounded. A steady account costs one call a profile (its tags) and a call a page of each list;
- ``identity`` asks STS which account and partition the credentials are in;
- ``StackResources`` reads the physical ID of a resource CloudFormation named
  (``DescribeStackResource``), only for profiles and roles the templates leave unnamed;
- ``change_tags`` makes one of ``--repair-tags``' changes, its only write.

Every failed call (denied, throttled past botocore's retries, unreachable) raises ``AuditError`` with
one line naming the call and the profile. The clients are given (``run`` makes them with adaptive
retries); nothing here decides what is drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any, TypeVar

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.profiles import AccountProfile, AccountRole, Document, ListedProfile
from constructs_lib.audit.repair import TagChange

MAX_PAGE_SIZE = 1000
"""IAM's largest ``MaxItems``."""
DEFAULT_CONCURRENCY = 8
"""IAM calls in flight at once for one account."""
T = TypeVar("T")


class IamReader:
    """Reads instance profiles and their roles with one IAM client, ``page_size`` items per list call.

    ``concurrency`` calls to ``ListInstanceProfileTags`` are in flight at once: when a page of profiles
    is listed, the tags of those ``wanted`` (the declared ones) are asked for at once, and ``read``
    waits for its own. Roles come from two bulk reads made once, on the first ``read``.
    """

    def __init__(
        self,
        iam: Any,
        page_size: int = 100,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        wanted: Callable[[str], bool] = lambda _: True,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size {page_size} is not from 1 to {MAX_PAGE_SIZE}")
        if concurrency < 1:
            raise ValueError(f"concurrency {concurrency} is below 1")
        self.iam = iam
        self.page_size = page_size
        self.concurrency = concurrency
        self._wanted = wanted
        self._pool: ThreadPoolExecutor | None = None
        self._tags: dict[str, Future[dict[str, str]]] = {}
        self._roles: dict[str, AccountRole] | None = None

    def __enter__(self) -> IamReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel what is still queued and let the calls in flight end."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def list_profiles(self, path_prefixes: Iterable[str]) -> Iterator[ListedProfile]:
        """Every profile under each prefix, one at a time; only one page is held (and its tags asked for)."""
        for prefix in path_prefixes:
            subject = f"for path prefix {prefix!r}"
            for page in self._page_lists(
                "ListInstanceProfiles", "InstanceProfiles", subject, PathPrefix=prefix
            ):
                profiles = [_listed(profile) for profile in page]
                for profile in profiles:
                    if self._wanted(profile.name):
                        self._tags[profile.name] = self._submit(self._read_tags, profile.name)
                yield from profiles

    def find(self, name: str) -> ListedProfile | None:
        """The profile named ``name`` wherever its path is; ``None`` if the account has none."""
        try:
            response = self._call("GetInstanceProfile", _for_profile(name), InstanceProfileName=name)
        except _NoSuchEntityError:
            return None
        return _listed(response["InstanceProfile"])

    def read(self, listed: ListedProfile) -> AccountProfile:
        """``listed`` with its tags and its role read in full."""
        pending = self._tags.pop(listed.name, None)
        tags = pending.result() if pending is not None else self._read_tags(listed.name)
        role = None
        if listed.role_names:
            role = self.roles().get(listed.role_names[0])
            if role is None:
                raise AuditError(
                    f"iam:GetAccountAuthorizationDetails {_for_profile(listed.name)}: its role "
                    f"{listed.role_names[0]!r} was not among the account's roles (made during the audit?): "
                    "run the audit again"
                )
        return AccountProfile(name=listed.name, path=listed.path, arn=listed.arn, tags=tags, role=role)

    def roles(self) -> dict[str, AccountRole]:
        """Every role of the account, by name, read once: ``GetAccountAuthorizationDetails`` with the
        filter ``Role`` (policies, trust, boundary, tags, profiles) and ``ListRoles`` (longest session)."""
        if self._roles is None:
            subject = "for the account's roles"
            sessions = self._submit(
                lambda: {
                    role["RoleName"]: int(role.get("MaxSessionDuration", 3600))
                    for role in self._pages("ListRoles", "Roles", subject)
                }
            )
            details = list(
                self._pages("GetAccountAuthorizationDetails", "RoleDetailList", subject, Filter=["Role"])
            )
            durations = sessions.result()
            self._roles = {detail["RoleName"]: _role(detail, durations) for detail in details}
        return self._roles

    def _read_tags(self, name: str) -> dict[str, str]:
        return _tag_dict(
            self._pages("ListInstanceProfileTags", "Tags", _for_profile(name), InstanceProfileName=name)
        )

    def _submit(self, work: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="audit-iam")
        return self._pool.submit(work, *args)

    def _pages(self, operation: str, key: str, subject: str, **request: Any) -> Iterator[Any]:
        """The items of every page of a list call: ``MaxItems`` each, following ``Marker``."""
        for page in self._page_lists(operation, key, subject, **request):
            yield from page

    def _page_lists(self, operation: str, key: str, subject: str, **request: Any) -> Iterator[list[Any]]:
        request["MaxItems"] = self.page_size
        while True:
            page = self._call(operation, subject, **request)
            yield page[key]
            if not page.get("IsTruncated"):
                return
            request["Marker"] = page["Marker"]

    def _call(self, operation: str, subject: str, **request: Any) -> Any:
        return call(self.iam, "iam", operation, subject, **request)


def _role(detail: Mapping[str, Any], durations: Mapping[str, int]) -> AccountRole:
    """A role from its ``RoleDetail``, which has no ``MaxSessionDuration``: ``ListRoles`` gives that."""
    name = detail["RoleName"]
    subject = f"for role {name!r}"
    return AccountRole(
        name=name,
        path=detail["Path"],
        trust_policy=_document(detail["AssumeRolePolicyDocument"], "GetAccountAuthorizationDetails", subject),
        managed_policy_arns=frozenset(
            policy["PolicyArn"] for policy in detail.get("AttachedManagedPolicies") or []
        ),
        inline_policies={
            policy["PolicyName"]: _document(
                policy["PolicyDocument"], "GetAccountAuthorizationDetails", subject
            )
            for policy in detail.get("RolePolicyList") or []
        },
        permissions_boundary=(detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        max_session_duration=durations.get(name, 3600),
        tags=_tag_dict(detail.get("Tags") or []),
        instance_profiles=tuple(
            sorted(p["InstanceProfileName"] for p in detail.get("InstanceProfileList") or [])
        ),
    )


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


@cache
def url_suffix(partition: str) -> str | None:
    """The partition's domain (``amazonaws.com``), from botocore's endpoint data (read once)."""
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
        text = _one_line(f"{service}:{operation} {subject} failed: {code}: {message}")
        raise AuditError(text, code=code) from error
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
