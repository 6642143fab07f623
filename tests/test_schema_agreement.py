"""A sample of the generated input through the construct: it refuses exactly what the pure checker
refuses, and what it accepts renders properties CloudFormation's resource schemas accept.

The large corpus (1,200 cases) runs through the pure checker, where a case is cheap
(``tests/test_checker_schema_agreement.py``); both judge with the same oracles, independent of
``constructs_lib`` (``tests/schema_oracles.py``). What the construct adds is kept here: its props
turned into a spec (``Duration`` in any unit, tags, policy names), and the properties it renders,
checked whole against the schemas. The last test prints the counts.
"""

from __future__ import annotations

import itertools
import string
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib import Ec2AccessProfile, ProfileValidationError
from constructs_lib.core.checker import check_profile
from constructs_lib.core.spec import ProfileSpec
from tests.conftest import library_context
from tests.schema_oracles import (
    INSTANCE_PROFILE,
    NAME_ALPHABET,
    ROLE,
    SETTINGS,
    attached_policies,
    concrete,
    count_verdict,
    iam_allows,
    iam_allows_policy_arn,
    iam_allows_tags,
    mixed_text,
    paths,
    policy_arns,
    schema_allows,
    schema_errors,
    summary,
    tag_sets,
)

COUNTS: Counter[tuple[str, str]] = Counter()
SAMPLE = 20
"""Examples a property through the construct: 8 properties, 160 cases."""


@pytest.fixture(scope="module")
def scope() -> Stack:
    return Stack(App(context=library_context()), "Generated")


_ids = itertools.count()


def build(scope: Stack, **props: Any) -> Ec2AccessProfile | ProfileValidationError:
    try:
        return Ec2AccessProfile(scope, f"P{next(_ids)}", tag_instance_profile=False, **props)
    except ProfileValidationError as error:
        return error


def rendered(profile: Ec2AccessProfile, tags: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The properties the profile's role and instance profile render (tags as the aspect renders them)."""
    stack = Stack.of(profile)
    found = {}
    for resource_type, construct in ((ROLE, profile.role), (INSTANCE_PROFILE, profile.instance_profile)):
        cfn = construct.node.default_child
        found[resource_type] = concrete(stack.resolve(cfn._render_properties(cfn._cfn_properties)))  # type: ignore[union-attr]
    if tags:
        found[ROLE]["Tags"] = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
    return found


def judge(
    field: str,
    outcome: Ec2AccessProfile | ProfileValidationError,
    spec: ProfileSpec,
    *,
    accepted_by_iam: bool,
    rejected_by_schema: Callable[[], bool],
    tags: Mapping[str, str] | None = None,
) -> None:
    """Assert the outcome is the checker's verdict on ``spec`` (the props as plain data), that the
    properties it renders pass the schemas, and that it agrees with the oracles; count it."""
    accepted = isinstance(outcome, Ec2AccessProfile)
    assert accepted == all(f.severity != "error" for f in check_profile(spec)), (outcome, spec)
    if isinstance(outcome, Ec2AccessProfile):
        for resource_type, properties in rendered(outcome, tags).items():
            assert schema_errors(resource_type, properties) == [], properties
    count_verdict(
        COUNTS,
        field,
        accepted,
        accepted_by_iam=accepted_by_iam,
        rejected_by_schema=rejected_by_schema,
        outcome=outcome,
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(name=mixed_text(NAME_ALPHABET, 80))
def test_role_names(scope: Stack, name: str) -> None:
    judge(
        "names",
        build(scope, role_name=name),
        ProfileSpec(role_name=name),
        accepted_by_iam=iam_allows("roleNameType", name),
        rejected_by_schema=lambda: not schema_allows(ROLE, "RoleName", name),
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(name=mixed_text(NAME_ALPHABET, 150))
def test_instance_profile_names(scope: Stack, name: str) -> None:
    judge(
        "names",
        build(scope, instance_profile_name=name, role_name="Role"),
        ProfileSpec(instance_profile_name=name, role_name="Role"),
        accepted_by_iam=iam_allows("instanceProfileNameType", name),
        rejected_by_schema=lambda: not schema_allows(INSTANCE_PROFILE, "InstanceProfileName", name),
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(path=paths())
def test_paths(scope: Stack, path: str) -> None:
    judge(
        "paths",
        build(scope, path=path),
        ProfileSpec(path=path),
        accepted_by_iam=iam_allows("pathType", path),
        rejected_by_schema=lambda: (
            not schema_allows(ROLE, "Path", path) or not schema_allows(INSTANCE_PROFILE, "Path", path)
        ),
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(description=mixed_text(string.printable + "éÿ¡€\x7f\x80", 1100))
def test_descriptions(scope: Stack, description: str) -> None:
    judge(
        "descriptions",
        build(scope, description=description),
        ProfileSpec(description=description),
        accepted_by_iam=iam_allows("roleDescriptionType", description),
        rejected_by_schema=lambda: not schema_allows(ROLE, "Description", description),
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(tags=tag_sets())
def test_tags(scope: Stack, tags: dict[str, str]) -> None:
    as_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    judge(
        "tags",
        build(scope, tags=tags),
        ProfileSpec(tags=tags),
        accepted_by_iam=iam_allows_tags(tags),
        rejected_by_schema=lambda: not schema_allows(ROLE, "Tags", as_list),
        tags=tags,
    )


DURATIONS: dict[str, Callable[[int], Duration]] = {
    "seconds": Duration.seconds,
    "minutes": Duration.minutes,
    "hours": Duration.hours,
    "millis": Duration.millis,
}


@settings(SETTINGS, max_examples=SAMPLE)
@given(
    unit_and_amount=st.one_of(
        st.tuples(st.just("seconds"), st.integers(0, 50_000)),
        st.tuples(st.just("minutes"), st.integers(0, 800)),
        st.tuples(st.just("hours"), st.integers(0, 15)),
        st.tuples(st.just("millis"), st.integers(3_500_000, 43_300_000)),
    )
)
def test_durations(scope: Stack, unit_and_amount: tuple[str, int]) -> None:
    unit, amount = unit_and_amount
    duration = DURATIONS[unit](amount)
    seconds = duration.to_seconds(integral=False)
    value = int(seconds) if seconds == int(seconds) else seconds
    judge(
        "durations",
        build(scope, max_session_duration=duration),
        ProfileSpec(max_session_seconds=value),
        accepted_by_iam=iam_allows("roleMaxSessionDurationType", value),
        rejected_by_schema=lambda: not schema_allows(ROLE, "MaxSessionDuration", value),
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(policy=attached_policies())
def test_managed_policy_forms(scope: Stack, policy: str) -> None:
    arn = policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}"
    judge(
        "policy forms",
        build(scope, managed_policies=[policy]),
        ProfileSpec(managed_policies=(policy,)),
        accepted_by_iam=iam_allows_policy_arn(arn),
        rejected_by_schema=lambda: not schema_allows(ROLE, "ManagedPolicyArns", [arn]),
    )


@settings(SETTINGS, max_examples=SAMPLE)
@given(arn=policy_arns())
def test_permissions_boundary_forms(scope: Stack, arn: str) -> None:
    judge(
        "policy forms",
        build(scope, permissions_boundary=arn),
        ProfileSpec(permissions_boundary=arn),
        accepted_by_iam=iam_allows_policy_arn(arn),
        rejected_by_schema=lambda: not schema_allows(ROLE, "PermissionsBoundary", arn),
    )


def test_zz_generated_cases_through_the_construct() -> None:
    """Runs last: the whole sample ran, each case judged (both sides of each rule are reached by the
    checker's corpus, ``tests/test_checker_schema_agreement.py``)."""
    if not COUNTS:
        pytest.skip("run the whole module: this summarizes the properties above")
    assert summary(COUNTS, "schema agreement, construct") == 8 * SAMPLE
