"""Generated input against two oracles: what the profile accepts, CloudFormation accepts too, and what
it refuses is really invalid.

Each example builds an ``Ec2AccessProfile`` from generated names, paths, descriptions, tags, session
durations and policy forms (AWS-managed names, policy ARNs, boundaries), valid and invalid mixed:

- accepted: the properties the profile renders for ``AWS::IAM::Role`` and
  ``AWS::IAM::InstanceProfile`` pass CloudFormation's resource schemas as cfn-lint 1.58.0 ships and
  applies them (its ``StandardValidator``), and every value passes IAM's own API model;
- refused: the value is invalid for the schema, or for IAM's API model (the shapes in botocore's
  ``iam`` service model, its patterns matched whole with ECMA-262 semantics, where ``\\w`` is ASCII),
  or for a rule IAM documents in prose: the ``aws:`` tag prefix is reserved, tag keys differing only
  by case are one key, and an ARN names its partition.

The oracles are independent of ``constructs_lib.core.validation``. The last test prints the counts.
"""

from __future__ import annotations

import itertools
import re
import string
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import botocore.loaders
import pytest
import regex
from aws_cdk import App, Duration, Stack
from cfnlint.jsonschema import StandardValidator
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib import Ec2AccessProfile, ProfileValidationError
from tests.conftest import library_context

ROLE = "AWS::IAM::Role"
INSTANCE_PROFILE = "AWS::IAM::InstanceProfile"
COUNTS: Counter[tuple[str, str]] = Counter()
FIELDS = ("names", "paths", "descriptions", "tags", "durations", "policy forms")

# ---------------------------------------------------------------------------------------------------
# Oracles
# ---------------------------------------------------------------------------------------------------

_SCHEMAS = {
    resource_type: PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    for resource_type in (ROLE, INSTANCE_PROFILE)
}
_VALIDATORS = {resource_type: StandardValidator(schema) for resource_type, schema in _SCHEMAS.items()}
_IAM_SHAPES = botocore.loaders.Loader().load_service_model("iam", "service-2")["shapes"]
_PARTITION = re.compile(r"aws(-[a-z]+)*")


def schema_errors(resource_type: str, properties: Mapping[str, Any]) -> list[str]:
    """What cfn-lint's schema validation says about a resource's properties."""
    return [error.message for error in _VALIDATORS[resource_type].iter_errors(dict(properties))]


def schema_allows(resource_type: str, name: str, value: Any) -> bool:
    """Whether one property value passes the resource schema (the required trust policy supplied)."""
    properties = {name: value}
    if resource_type == ROLE:
        properties.setdefault("AssumeRolePolicyDocument", {"Statement": []})
    else:
        properties.setdefault("Roles", ["Role"])
    return not schema_errors(resource_type, properties)


def iam_allows(shape: str, value: Any) -> bool:
    """Whether IAM's API model allows ``value`` for ``shape``: length or range, and the whole pattern."""
    spec = _IAM_SHAPES[shape]
    if spec["type"] == "integer":
        return isinstance(value, int) and spec["min"] <= value <= spec["max"]
    if not spec.get("min", 0) <= len(value) <= spec.get("max", len(value)):
        return False
    pattern = spec.get("pattern")
    # ECMA-262, which AWS models follow: \w is [A-Za-z0-9_]; \p{...} is Unicode.
    return pattern is None or regex.fullmatch(pattern.replace(r"\w", "A-Za-z0-9_"), value) is not None


def iam_allows_policy_arn(arn: str) -> bool:
    """A managed-policy ARN as IAM defines one: partition, account or ``aws``, policy path and name."""
    match = re.fullmatch(r"arn:(?P<partition>[^:]*):iam::(?P<account>\d{12}|aws):policy(?P<rest>/.*)", arn)
    if match is None or not _PARTITION.fullmatch(match["partition"]) or not iam_allows("arnType", arn):
        return False
    path, _, name = match["rest"].rpartition("/")
    return iam_allows("policyPathType", path + "/") and iam_allows("policyNameType", name)


def iam_allows_tags(tags: Mapping[str, str]) -> bool:
    keys = list(tags)
    return (
        len(keys) <= 50
        and all(iam_allows("tagKeyType", key) and not key.lower().startswith("aws:") for key in keys)
        and all(iam_allows("tagValueType", value) for value in tags.values())
        and len({key.lower() for key in keys}) == len(keys)
    )


def concrete(value: Any) -> Any:
    """A template value with its references replaced by plausible deploy-time values."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {"AWS::Partition": "aws", "AWS::AccountId": "123456789012"}.get(
                value["Ref"], "Generated-Name"
            )
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(concrete(part) for part in parts)
        if "Fn::GetAtt" in value:
            return "arn:aws:iam::123456789012:role/Generated-Name"
        return {key: concrete(item) for key, item in value.items()}
    if isinstance(value, list):
        return [concrete(item) for item in value]
    return value


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


# ---------------------------------------------------------------------------------------------------
# Building profiles
# ---------------------------------------------------------------------------------------------------

_ids = itertools.count()


@pytest.fixture(scope="module")
def scope() -> Stack:
    return Stack(App(context=library_context()), "Generated")


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
    *,
    accepted_by_iam: bool,
    rejected_by_schema: Callable[[], bool],
    tags: Mapping[str, str] | None = None,
) -> None:
    """Assert the outcome agrees with the oracles, and count it."""
    if isinstance(outcome, Ec2AccessProfile):
        for resource_type, properties in rendered(outcome, tags).items():
            assert schema_errors(resource_type, properties) == [], properties
        assert accepted_by_iam
        COUNTS[(field, "accepted")] += 1
        return
    if rejected_by_schema():
        COUNTS[(field, "refused, invalid for CloudFormation's schema")] += 1
    else:
        assert not accepted_by_iam, f"refused although valid for the schema and IAM: {outcome}"
        COUNTS[(field, "refused, invalid for IAM only")] += 1


# ---------------------------------------------------------------------------------------------------
# Strategies: valid and invalid mixed
# ---------------------------------------------------------------------------------------------------

NAME_ALPHABET = string.ascii_letters + string.digits + "+=,.@_-"
ODD = list(" /:*#é数\t\u00a0\u2028$&'\"\x7f")


def mixed_text(alphabet: str, max_size: int) -> st.SearchStrategy[str]:
    """Mostly valid text, sometimes with one odd character in it, sometimes anything at all."""
    return st.one_of(
        st.text(st.sampled_from(alphabet), max_size=max_size),
        st.builds(
            lambda before, odd, after: before + odd + after,
            st.text(st.sampled_from(alphabet), max_size=max_size // 2),
            st.sampled_from(ODD),
            st.text(st.sampled_from(alphabet), max_size=max_size // 2),
        ),
        st.text(max_size=20),
    )


PATH_CHARACTERS = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) != "/")


@st.composite
def paths(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # well formed, of any printable ASCII
        segments = draw(
            st.lists(st.text(st.sampled_from(PATH_CHARACTERS), min_size=1, max_size=120), max_size=6)
        )
        return "/" + "".join(segment + "/" for segment in segments)
    segments = draw(st.lists(mixed_text(string.printable.strip() + "\x7f", 60), max_size=10))
    shape = draw(st.sampled_from(["/{}/", "{}/", "/{}", "{}"]))
    return shape.format("/".join(segments))


TAG_ALPHABET = string.ascii_letters + string.digits + " _.:/=+-@" + "éÆ数٣"


@st.composite
def tag_sets(draw: st.DrawFn) -> dict[str, str]:
    if draw(st.booleans()):  # well formed
        keys = draw(
            st.lists(
                st.text(st.sampled_from(TAG_ALPHABET), min_size=1, max_size=128).filter(
                    lambda key: not key.lower().startswith("aws:")
                ),
                max_size=50,
                unique_by=str.lower,
            )
        )
        return {key: draw(st.text(st.sampled_from(TAG_ALPHABET), max_size=256)) for key in keys}
    keys = draw(st.lists(mixed_text(TAG_ALPHABET, 140), max_size=55, unique=True))
    reserved, same_ignoring_case = draw(st.booleans()), draw(st.booleans())
    if keys and reserved:
        keys.append(draw(st.sampled_from(["aws:", "AWS:", "Aws"])) + keys[0])
    if keys and same_ignoring_case:
        keys.append(keys[0].swapcase())
    return {key: draw(mixed_text(TAG_ALPHABET, 270)) for key in dict.fromkeys(keys)}


POLICY_PATH_CHARACTERS = string.ascii_letters + string.digits + ".,+@=_-"


@st.composite
def policy_arns(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # well formed
        partition = draw(st.sampled_from(["aws", "aws-cn", "aws-us-gov", "aws-iso-b"]))
        account = draw(st.sampled_from(["123456789012", "aws"]))
        segments = draw(
            st.lists(st.text(st.sampled_from(POLICY_PATH_CHARACTERS), min_size=1, max_size=30), max_size=3)
        )
        name = draw(st.text(st.sampled_from(NAME_ALPHABET), min_size=1, max_size=128))
        return f"arn:{partition}:iam::{account}:policy/{''.join(s + '/' for s in segments)}{name}"
    partition = draw(st.sampled_from(["aws", "aws-cn", "aws-us-gov", "aws-iso-b", "", "azure", "AWS"]))
    account = draw(st.sampled_from(["123456789012", "aws", "12345678901", "1234567890123", "acct"]))
    kind = draw(st.sampled_from(["policy", "policy", "policy", "role"]))
    path = "/".join(["", *draw(st.lists(mixed_text(NAME_ALPHABET, 20), max_size=3)), ""])
    name = draw(mixed_text(NAME_ALPHABET, 140))
    return f"arn:{partition}:iam::{account}:{kind}{path}{name}"


@st.composite
def aws_managed_names(draw: st.DrawFn) -> str:
    path = "".join(segment + "/" for segment in draw(st.lists(mixed_text(NAME_ALPHABET, 15), max_size=2)))
    return path + draw(mixed_text(NAME_ALPHABET, 140))


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------------
# Properties. Examples: 150 + 150 + 200 + 100 + 200 + 150 + 150 + 100 = 1,200
# ---------------------------------------------------------------------------------------------------


@settings(SETTINGS, max_examples=150)
@given(name=mixed_text(NAME_ALPHABET, 80))
def test_role_names(scope: Stack, name: str) -> None:
    judge(
        "names",
        build(scope, role_name=name),
        accepted_by_iam=iam_allows("roleNameType", name),
        rejected_by_schema=lambda: not schema_allows(ROLE, "RoleName", name),
    )


@settings(SETTINGS, max_examples=150)
@given(name=mixed_text(NAME_ALPHABET, 150))
def test_instance_profile_names(scope: Stack, name: str) -> None:
    judge(
        "names",
        build(scope, instance_profile_name=name, role_name="Role"),
        accepted_by_iam=iam_allows("instanceProfileNameType", name),
        rejected_by_schema=lambda: not schema_allows(INSTANCE_PROFILE, "InstanceProfileName", name),
    )


@settings(SETTINGS, max_examples=200)
@given(path=paths())
def test_paths(scope: Stack, path: str) -> None:
    judge(
        "paths",
        build(scope, path=path),
        accepted_by_iam=iam_allows("pathType", path),
        rejected_by_schema=lambda: (
            not schema_allows(ROLE, "Path", path) or not schema_allows(INSTANCE_PROFILE, "Path", path)
        ),
    )


@settings(SETTINGS, max_examples=100)
@given(description=mixed_text(string.printable + "éÿ¡€\x7f\x80", 1100))
def test_descriptions(scope: Stack, description: str) -> None:
    judge(
        "descriptions",
        build(scope, description=description),
        accepted_by_iam=iam_allows("roleDescriptionType", description),
        rejected_by_schema=lambda: not schema_allows(ROLE, "Description", description),
    )


@settings(SETTINGS, max_examples=200)
@given(tags=tag_sets())
def test_tags(scope: Stack, tags: dict[str, str]) -> None:
    as_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    judge(
        "tags",
        build(scope, tags=tags),
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


@settings(SETTINGS, max_examples=150)
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
        accepted_by_iam=iam_allows("roleMaxSessionDurationType", value),
        rejected_by_schema=lambda: not schema_allows(ROLE, "MaxSessionDuration", value),
    )


@settings(SETTINGS, max_examples=150)
@given(policy=st.one_of(policy_arns(), aws_managed_names()))
def test_managed_policy_forms(scope: Stack, policy: str) -> None:
    arn = policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}"
    judge(
        "policy forms",
        build(scope, managed_policies=[policy]),
        accepted_by_iam=iam_allows_policy_arn(arn),
        rejected_by_schema=lambda: not schema_allows(ROLE, "ManagedPolicyArns", [arn]),
    )


@settings(SETTINGS, max_examples=100)
@given(arn=policy_arns())
def test_permissions_boundary_forms(scope: Stack, arn: str) -> None:
    judge(
        "policy forms",
        build(scope, permissions_boundary=arn),
        accepted_by_iam=iam_allows_policy_arn(arn),
        rejected_by_schema=lambda: not schema_allows(ROLE, "PermissionsBoundary", arn),
    )


def test_zz_generated_cases_reach_both_sides_of_every_rule() -> None:
    """Runs last: at least 1,000 cases in all, each kind of input both accepted and refused."""
    if not COUNTS:
        pytest.skip("run the whole module: this summarizes the properties above")
    print("\nGenerated cases (schema agreement):")
    for field in FIELDS:
        for verdict in sorted(v for f, v in COUNTS if f == field):
            print(f"  {field:13} {verdict:48} {COUNTS[(field, verdict)]:5}")
    total = sum(COUNTS.values())
    print(f"  {'total':62} {total:5}")
    assert total >= 1_000
    for field in FIELDS:
        assert COUNTS[(field, "accepted")] > 0, field
        assert sum(n for (f, verdict), n in COUNTS.items() if f == field and verdict != "accepted") > 0, field
