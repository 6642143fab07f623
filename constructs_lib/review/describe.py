"""What an instance profile can do, in the words a reviewer reads in a minute. Pure.

AWS-managed policies are named with what they are for (the library's presets say it for theirs,
``MANAGED_POLICY_PURPOSES`` for a few common others); inline actions are grouped by service, each
with IAM's access level (from IAM's reference, ``constructs_lib.core.iam_reference``), its resources and
its conditions; then boundary, trust, session length and tags.
"""

from __future__ import annotations

from collections import defaultdict

from constructs_lib.core.iam_reference import reference
from constructs_lib.core.presets import PRESETS
from constructs_lib.review.profiles import Grant, Profile

MANAGED_POLICY_PURPOSES = {
    "AdministratorAccess": "every action on every resource: administrator access",
    "PowerUserAccess": "every action but managing IAM and Organizations",
    "IAMFullAccess": "all of IAM: can grant itself anything",
    "ReadOnlyAccess": "read every resource of every service",
    "AmazonS3ReadOnlyAccess": "read every S3 bucket and object the account can reach",
    "AmazonS3FullAccess": "every S3 action on every bucket",
    "AmazonEC2ContainerRegistryReadOnly": "pull any ECR image, and list and describe repositories",
}
"""What common AWS-managed policies grant, for those no preset describes."""


def purpose(policy_arn: str) -> str:
    """What a managed policy is for: the preset's purpose, a known AWS-managed one's, else its kind."""
    name = policy_arn.split(":policy/", 1)[-1]
    if ":iam::aws:policy/" not in policy_arn:
        return "customer managed policy: read its document"
    for preset in PRESETS.values():
        if name in preset.managed_policies:
            return f"AWS-managed, for {preset.purpose}"
    known = MANAGED_POLICY_PURPOSES.get(name)
    return f"AWS-managed: {known}" if known else "AWS-managed: read its document in the IAM console"


def can_do(profile: Profile) -> dict[str, list[str]]:
    """The profile's access as lines, by heading: managed policies, each service, the role's settings."""
    role = profile.declared.role
    lines: dict[str, list[str]] = {}
    lines["managed policies"] = [
        f"{arn.split(':policy/', 1)[-1]} ({purpose(arn)})" for arn in sorted(profile.managed_policies)
    ] or ["none"]
    by_service: dict[str, list[Grant]] = defaultdict(list)
    for grant in profile.grants:
        by_service[grant.service].append(grant)
    for service in sorted(by_service):
        lines[f"inline: {service}"] = _service_lines(by_service[service])
    settings = []
    if role is not None:
        settings.append(f"trusted by: {', '.join(sorted(profile.trusted)) or 'nobody'}")
        settings.append(f"permissions boundary: {role.permissions_boundary or 'none'}")
        settings.append(f"longest session: {role.max_session_duration / 3600:g} h")
        tags = ", ".join(f"{key}={value}" for key, value in sorted(role.tags.items()))
        settings.append(f"tags: {tags or 'none'}")
    if profile.description:
        settings.append(f"description: {profile.description}")
    lines["role"] = settings
    return lines


def _service_lines(grants: list[Grant]) -> list[str]:
    by_target: dict[tuple[str, str], list[str]] = defaultdict(list)
    for grant in grants:
        by_target[(grant.resource, grant.conditions)].append(grant.action)
    lines = []
    for (resource, conditions), actions in sorted(by_target.items()):
        named = ", ".join(f"{action.split(':', 1)[-1]}{_level(action)}" for action in sorted(actions))
        when = f" when {conditions}" if conditions else ""
        lines.append(f"{named} on {resource}{when}")
    return lines


def _level(action: str) -> str:
    service, _, name = action.partition(":")
    if not name or "*" in name:
        return " (wildcard)" if "*" in action else ""
    found = reference().action(service, name)
    return f" ({found.access_level})" if found is not None and found.access_level else ""
