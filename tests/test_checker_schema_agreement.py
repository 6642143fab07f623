"""Generated input against two oracles, through the pure checker: what ``check_profile`` accepts,
CloudFormation's resource schemas and IAM's API model accept too, and what it refuses is invalid for
one of them or for a rule IAM documents (``tests/schema_oracles.py``).

The large corpus runs here, where a case costs a fraction of a millisecond; a sample goes through
the construct too (``tests/test_schema_agreement.py``), which refuses exactly what the checker refuses
and renders properties the schemas accept. The last test prints the counts.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.core.checker import check_profile
from constructs_lib.core.spec import ProfileSpec
from tests.schema_oracles import (
    FIELDS,
    INSTANCE_PROFILE,
    NAME_ALPHABET,
    ROLE,
    SETTINGS,
    attached_policies,
    count_verdict,
    iam_allows,
    iam_allows_policy_arn,
    iam_allows_tags,
    mixed_text,
    paths,
    policy_arns,
    schema_allows,
    summary,
    tag_sets,
)

COUNTS: Counter[tuple[str, str]] = Counter()


def judge(
    field: str, spec: ProfileSpec, *, accepted_by_iam: bool, rejected_by_schema: Callable[[], bool]
) -> None:
    """Assert the checker's verdict on ``spec`` agrees with the oracles, and count it."""
    errors = [finding for finding in check_profile(spec) if finding.severity == "error"]
    if not errors:
        assert not rejected_by_schema(), spec
    count_verdict(
        COUNTS,
        field,
        not errors,
        accepted_by_iam=accepted_by_iam,
        rejected_by_schema=rejected_by_schema,
        outcome=errors,
    )


def test_the_oracles_tell_valid_from_invalid() -> None:
    """The oracles themselves, on values whose verdict IAM's documentation states."""
    assert iam_allows("roleNameType", "EC2-S3-Access-Role")
    assert not iam_allows("roleNameType", "é")  # the schema's \w allows it under cfn-lint; IAM does not
    assert schema_allows(ROLE, "RoleName", "é")
    assert not iam_allows("pathType", "/ec2")  # the schema's pattern is not anchored on both ends
    assert schema_allows(ROLE, "Path", "/ec2")
    assert iam_allows_policy_arn("arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM")
    assert not iam_allows_policy_arn("arn:aws:iam::123456789012:policy/a#b/Name")
    assert not iam_allows_tags({"aws:x": "y"})
    assert not iam_allows_tags({"Team": "a", "team": "b"})
    assert not schema_allows(ROLE, "MaxSessionDuration", 3600.5)


# Examples: 150 + 150 + 200 + 100 + 200 + 150 + 150 + 100 = 1,200


@settings(SETTINGS, max_examples=150)
@given(name=mixed_text(NAME_ALPHABET, 80))
def test_role_names(name: str) -> None:
    judge(
        "names",
        ProfileSpec(role_name=name),
        accepted_by_iam=iam_allows("roleNameType", name),
        rejected_by_schema=lambda: not schema_allows(ROLE, "RoleName", name),
    )


@settings(SETTINGS, max_examples=150)
@given(name=mixed_text(NAME_ALPHABET, 150))
def test_instance_profile_names(name: str) -> None:
    judge(
        "names",
        ProfileSpec(instance_profile_name=name, role_name="Role"),
        accepted_by_iam=iam_allows("instanceProfileNameType", name),
        rejected_by_schema=lambda: not schema_allows(INSTANCE_PROFILE, "InstanceProfileName", name),
    )


@settings(SETTINGS, max_examples=200)
@given(path=paths())
def test_paths(path: str) -> None:
    judge(
        "paths",
        ProfileSpec(path=path),
        accepted_by_iam=iam_allows("pathType", path),
        rejected_by_schema=lambda: (
            not schema_allows(ROLE, "Path", path) or not schema_allows(INSTANCE_PROFILE, "Path", path)
        ),
    )


@settings(SETTINGS, max_examples=100)
@given(description=mixed_text(string.printable + "éÿ¡€\x7f\x80", 1100))
def test_descriptions(description: str) -> None:
    judge(
        "descriptions",
        ProfileSpec(description=description),
        accepted_by_iam=iam_allows("roleDescriptionType", description),
        rejected_by_schema=lambda: not schema_allows(ROLE, "Description", description),
    )


@settings(SETTINGS, max_examples=200)
@given(tags=tag_sets())
def test_tags(tags: dict[str, str]) -> None:
    as_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    judge(
        "tags",
        ProfileSpec(tags=tags),
        accepted_by_iam=iam_allows_tags(tags),
        rejected_by_schema=lambda: not schema_allows(ROLE, "Tags", as_list),
    )


@settings(SETTINGS, max_examples=150)
@given(
    seconds=st.one_of(
        st.integers(0, 50_000),
        st.integers(3_500_000, 43_300_000).map(lambda millis: millis / 1000),
    )
)
def test_durations(seconds: float) -> None:
    """Seconds as the construct hands them on: whole, or with the milliseconds a ``Duration`` had."""
    value = int(seconds) if seconds == int(seconds) else seconds
    judge(
        "durations",
        ProfileSpec(max_session_seconds=value),
        accepted_by_iam=iam_allows("roleMaxSessionDurationType", value),
        rejected_by_schema=lambda: not schema_allows(ROLE, "MaxSessionDuration", value),
    )


@settings(SETTINGS, max_examples=150)
@given(policy=attached_policies())
def test_managed_policy_forms(policy: str) -> None:
    arn = policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}"
    judge(
        "policy forms",
        ProfileSpec(managed_policies=(policy,)),
        accepted_by_iam=iam_allows_policy_arn(arn),
        rejected_by_schema=lambda: not schema_allows(ROLE, "ManagedPolicyArns", [arn]),
    )


@settings(SETTINGS, max_examples=100)
@given(arn=policy_arns())
def test_permissions_boundary_forms(arn: str) -> None:
    judge(
        "policy forms",
        ProfileSpec(permissions_boundary=arn),
        accepted_by_iam=iam_allows_policy_arn(arn),
        rejected_by_schema=lambda: not schema_allows(ROLE, "PermissionsBoundary", arn),
    )


def test_zz_generated_cases_reach_both_sides_of_every_rule() -> None:
    """Runs last: at least 1,000 cases in all, each kind of input both accepted and refused."""
    if not COUNTS:
        pytest.skip("run the whole module: this summarizes the properties above")
    assert summary(COUNTS, "schema agreement, checker") >= 1_000
    for field in FIELDS:
        assert COUNTS[(field, "accepted")] > 0, field
        assert sum(n for (f, verdict), n in COUNTS.items() if f == field and verdict != "accepted") > 0, field
