"""IAM's quotas as pure rules: the limits, how a policy is measured, and each check's boundary.

Nothing here imports aws-cdk-lib (``make test-fast`` runs it); the construct's counts across every
source, at construction and at synth, are ``tests/test_limits.py``'s.
"""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.core.limits import (
    INLINE_POLICIES_MAX_CHARACTERS,
    MANAGED_POLICIES_DEFAULT_QUOTA,
    MANAGED_POLICIES_MAX_QUOTA,
    MANAGED_POLICY_MAX_CHARACTERS,
    TRUST_POLICY_MAX_CHARACTERS,
    check_inline_policies_size,
    check_managed_policy_count,
    check_managed_policy_quota,
    check_managed_policy_size,
    check_trust_policy_size,
    policy_size,
)

# ---------------------------------------------------------------------------------------------------
# The pure rules
# ---------------------------------------------------------------------------------------------------


def test_the_limits_are_the_ones_iam_documents() -> None:
    assert (MANAGED_POLICIES_DEFAULT_QUOTA, MANAGED_POLICIES_MAX_QUOTA) == (10, 20)
    assert INLINE_POLICIES_MAX_CHARACTERS == 10_240
    assert MANAGED_POLICY_MAX_CHARACTERS == 6_144
    assert TRUST_POLICY_MAX_CHARACTERS == 2_048


def test_policy_size_counts_json_characters_without_whitespace() -> None:
    assert policy_size({}) == 2
    assert policy_size({"a": "b c"}) == len('{"a":"bc"}')
    assert policy_size({"Statement": [{"Action": "s3:*"}]}) == len('{"Statement":[{"Action":"s3:*"}]}')
    assert policy_size({"Sid": "é"}) == len('{"Sid":"é"}')
    assert policy_size({"Sid": "a\u00a0b\u2003c"}) == len('{"Sid":"abc"}')  # as str.isspace


@pytest.mark.parametrize(
    ("check", "limit"),
    [
        (check_inline_policies_size, 10_240),
        (check_managed_policy_size, 6_144),
        (check_trust_policy_size, 2_048),
    ],
)
def test_size_at_the_limit_passes_and_one_over_fails(check: Any, limit: int) -> None:
    assert check(limit) is None
    problem = check(limit + 1)
    assert problem is not None
    assert f"{limit:,} characters without whitespace" in problem


def test_managed_policy_count_names_the_quota_and_how_to_raise_it() -> None:
    assert check_managed_policy_count(10, 10) is None
    problem = check_managed_policy_count(11, 10)
    assert problem is not None
    assert "10 managed policies" in problem
    assert "managed_policy_quota" in problem
    assert "ec2-access-profile:managedPolicyQuota" in problem
    at_most = check_managed_policy_count(21, 20)
    assert at_most is not None
    assert "managed_policy_quota" not in at_most  # nothing left to raise


@pytest.mark.parametrize(
    ("quota", "allowed"), [(10, True), (20, True), (9, False), (21, False), (True, False)]
)
def test_managed_policy_quota_is_a_whole_number_from_10_to_20(quota: object, allowed: bool) -> None:
    assert (check_managed_policy_quota(quota) is None) is allowed


@pytest.mark.parametrize("quota", [True, False, 15.0, "15", None])
def test_a_quota_that_is_no_whole_number_says_so_a_bool_included(quota: object) -> None:
    """``True`` is an ``int`` to Python, and 1 is out of range anyway: the message tells the two apart."""
    assert check_managed_policy_quota(quota) == (
        "is not a whole number; give the account's quota, 10 (the default) to 20"
    )


@pytest.mark.parametrize("quota", [9, 21, 0, -10])
def test_a_whole_quota_outside_iams_range_says_so(quota: int) -> None:
    assert check_managed_policy_quota(quota) == (
        "is outside IAM's range for this quota: 10 (the default) to 20"
    )
