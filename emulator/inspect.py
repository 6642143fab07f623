"""Read deployed instance profiles back through the IAM API, as a reviewer would check them.

Uses the operations the issue names: ListInstanceProfiles (PathPrefix, paged with MaxItems and
Marker), GetInstanceProfile, ListInstanceProfileTags, ListInstanceProfilesForRole, GetRole,
ListAttachedRolePolicies, ListRolePolicies / GetRolePolicy, GetPolicy / GetPolicyVersion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RoleView:
    name: str
    path: str
    trust_policy: dict[str, Any]
    max_session_duration: int
    description: str
    tags: dict[str, str]
    managed_policies: list[str]
    inline_policies: dict[str, dict[str, Any]]
    boundary_arn: str | None
    boundary_document: dict[str, Any] | None
    instance_profiles: list[str]


@dataclass
class ProfileView:
    name: str
    path: str
    arn: str
    tags: dict[str, str]
    roles: list[RoleView] = field(default_factory=list)


def list_profile_names(iam: Any, path_prefix: str, page_size: int) -> tuple[list[str], int]:
    """Names under ``path_prefix``, read page by page; returns them and how many pages it took."""
    names: list[str] = []
    pages = 0
    request: dict[str, Any] = {"PathPrefix": path_prefix, "MaxItems": page_size}
    while True:
        page = iam.list_instance_profiles(**request)
        pages += 1
        names += [profile["InstanceProfileName"] for profile in page["InstanceProfiles"]]
        if not page.get("IsTruncated"):
            return names, pages
        request["Marker"] = page["Marker"]


def describe_profiles(iam: Any, path_prefix: str = "/", page_size: int = 100) -> dict[str, ProfileView]:
    names, _ = list_profile_names(iam, path_prefix, page_size)
    return {name: describe_profile(iam, name) for name in names}


def describe_profile(iam: Any, name: str) -> ProfileView:
    profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    tags = iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
    return ProfileView(
        name=profile["InstanceProfileName"],
        path=profile["Path"],
        arn=profile["Arn"],
        tags=_tag_dict(tags),
        roles=[describe_role(iam, role["RoleName"]) for role in profile["Roles"]],
    )


def describe_role(iam: Any, name: str) -> RoleView:
    role = iam.get_role(RoleName=name)["Role"]
    boundary_arn = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    return RoleView(
        name=role["RoleName"],
        path=role["Path"],
        trust_policy=_document(role["AssumeRolePolicyDocument"]),
        max_session_duration=int(role["MaxSessionDuration"]),
        description=role.get("Description", ""),
        tags=_tag_dict(role.get("Tags", [])),
        managed_policies=sorted(
            policy["PolicyArn"]
            for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        ),
        inline_policies={
            policy_name: _document(
                iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            )
            for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]
        },
        boundary_arn=boundary_arn,
        boundary_document=policy_document(iam, boundary_arn) if boundary_arn else None,
        instance_profiles=sorted(
            profile["InstanceProfileName"]
            for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
        ),
    )


def policy_document(iam: Any, arn: str) -> dict[str, Any]:
    """The default version's document of a customer managed policy."""
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def render(profiles: dict[str, ProfileView]) -> str:
    """A newcomer-friendly listing of deployed profiles."""
    lines = []
    for profile in profiles.values():
        lines.append(f"{profile.path}{profile.name}  ({profile.arn})")
        lines.append(f"  tags: {_show_tags(profile.tags)}")
        for role in profile.roles:
            lines.append(
                f"  role: {role.path}{role.name}  (max session {role.max_session_duration // 3600} h)"
            )
            lines.append(f"    managed policies: {', '.join(role.managed_policies) or 'none'}")
            for policy_name, document in role.inline_policies.items():
                lines.append(f"    inline policy {policy_name}: {json.dumps(document['Statement'])}")
            if role.boundary_arn:
                lines.append(f"    permissions boundary: {role.boundary_arn}")
            lines.append(f"    tags: {_show_tags(role.tags)}")
    return "\n".join(lines)


def _document(value: Any) -> dict[str, Any]:
    """boto3 decodes a JSON policy document to a dict; anything else is not what IAM would store."""
    if not isinstance(value, dict):
        raise AssertionError(f"IAM returned a policy document that is not JSON: {value!r}")
    return value


def _tag_dict(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}


def _show_tags(tags: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(tags.items())) or "none"
