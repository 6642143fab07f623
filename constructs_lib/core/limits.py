"""IAM's quotas on what one role carries, and how a policy document is measured against them.

Pure functions like ``validation``: each check returns ``None`` when within the limit, or the end
of a sentence saying by how much it is over and the way out. The construct adds where and which
field (``guardrails`` does, for what is only known once the app is complete).

Sizes are counted the way IAM counts them: the characters of the policy's JSON, whitespace not
counted. A document that contains CloudFormation intrinsics (``{"Ref": ...}``, ``Fn::Join``...) is
measured as it stands in the template, with the intrinsic in place of the value it will have. For
the references CDK writes (ARNs joined from the partition, the account and a name) that is a little
more than the deployed value, so the measure errs towards refusing at synth rather than at deploy.
"""

from __future__ import annotations

import json
import re

MANAGED_POLICIES_DEFAULT_QUOTA = 10
"""Managed policies IAM lets one role have unless the account's quota was raised."""
MANAGED_POLICIES_MAX_QUOTA = 20
"""The most that quota can be raised to."""
INLINE_POLICIES_MAX_CHARACTERS = 10_240
"""All inline policies of one role together, whitespace not counted."""
MANAGED_POLICY_MAX_CHARACTERS = 6_144
"""One customer managed policy document, whitespace not counted."""
TRUST_POLICY_MAX_CHARACTERS = 2_048
"""A role's trust policy, whitespace not counted (IAM's default quota)."""


_WHITESPACE = re.compile(r"\s")
"""What ``str.isspace`` calls whitespace (both use CPython's ``Py_UNICODE_ISSPACE``)."""


def policy_size(document: object) -> int:
    """The characters IAM counts in ``document``: its JSON, without whitespace."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return len(text) - len(_WHITESPACE.findall(text))


def check_managed_policy_quota(quota: object) -> str | None:
    """A managed-policy quota given for the account: a whole number from the default to the maximum."""
    if isinstance(quota, bool) or not isinstance(quota, int):
        return f"is not a whole number; give the account's quota, {_quota_range()}"
    if not MANAGED_POLICIES_DEFAULT_QUOTA <= quota <= MANAGED_POLICIES_MAX_QUOTA:
        return f"is outside IAM's range for this quota: {_quota_range()}"
    return None


def check_managed_policy_count(count: int, quota: int) -> str | None:
    """How many managed policies one role has, against the account's quota."""
    if count <= quota:
        return None
    way_out = "attach fewer (merge policies, or move statements into the profile's statements)"
    if quota < MANAGED_POLICIES_MAX_QUOTA:
        way_out += (
            ", or, if the account's quota was raised, say so with managed_policy_quota or the "
            f"context key 'ec2-access-profile:managedPolicyQuota' (at most {MANAGED_POLICIES_MAX_QUOTA})"
        )
    return f"is more than IAM allows one role: {quota} managed policies; {way_out}"


def check_inline_policies_size(size: int) -> str | None:
    """All inline policies of one role together."""
    if size <= INLINE_POLICIES_MAX_CHARACTERS:
        return None
    return (
        f"is more than IAM allows for all inline policies of one role together: "
        f"{INLINE_POLICIES_MAX_CHARACTERS:,} characters without whitespace; move statements into a "
        "customer managed policy (managed_policies=[iam.ManagedPolicy(...)]) or merge statements"
    )


def check_managed_policy_size(size: int) -> str | None:
    """One customer managed policy document."""
    if size <= MANAGED_POLICY_MAX_CHARACTERS:
        return None
    return (
        f"is more than IAM allows for one managed policy: {MANAGED_POLICY_MAX_CHARACTERS:,} characters "
        "without whitespace; split it into two managed policies or merge statements"
    )


def check_trust_policy_size(size: int) -> str | None:
    """A role's trust policy."""
    if size <= TRUST_POLICY_MAX_CHARACTERS:
        return None
    return (
        f"is more than IAM allows for a trust policy: {TRUST_POLICY_MAX_CHARACTERS:,} characters "
        "without whitespace; remove the statements added to role.assume_role_policy"
    )


def _quota_range() -> str:
    return f"{MANAGED_POLICIES_DEFAULT_QUOTA} (the default) to {MANAGED_POLICIES_MAX_QUOTA}"
