"""The two oracles of the schema-agreement tests, and the generated input they judge.

- CloudFormation's resource schemas for ``AWS::IAM::Role`` and ``AWS::IAM::InstanceProfile``, as
  cfn-lint 1.58.0 ships and applies them (its ``StandardValidator``);
- IAM's API model (the shapes in botocore's ``iam`` service model, its patterns matched whole with
  ECMA-262 semantics, where ``\\w`` is ASCII), and the rules IAM documents in prose: the ``aws:`` tag
  prefix is reserved, tag keys differing only by case are one key, and an ARN names its partition.

Both are independent of ``constructs_lib``. The strategies mix valid and invalid values.
``tests/test_checker_schema_agreement.py`` runs the large corpus through the pure checker;
``tests/test_schema_agreement.py`` a sample through the construct.
"""

from __future__ import annotations

import functools
import re
import string
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import botocore.loaders
import regex
from cfnlint.jsonschema import StandardValidator
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from constructs_lib.core.aws_managed_policies import aws_managed_name
from constructs_lib.core.least_privilege import is_admin_managed_policy

ROLE = "AWS::IAM::Role"
INSTANCE_PROFILE = "AWS::IAM::InstanceProfile"

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


NAME_ALPHABET = string.ascii_letters + string.digits + "+=,.@_-"
ODD = list(" /:*#é数\t\u00a0\u2028$&'\"\x7f")


@functools.cache
def mixed_text(alphabet: str, max_size: int) -> st.SearchStrategy[str]:
    """Mostly valid text, sometimes with one odd character in it, sometimes anything at all.

    One strategy per alphabet and size: the composite strategies below draw from it once per key,
    and building (and validating) a new one for each draw took most of their tests' time.
    """
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


WELL_FORMED_PATH_SEGMENTS = st.lists(
    st.text(st.sampled_from(PATH_CHARACTERS), min_size=1, max_size=120), max_size=6
)
ANY_PATH_SEGMENTS = st.lists(mixed_text(string.printable.strip() + "\x7f", 60), max_size=10)


@st.composite
def paths(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # well formed, of any printable ASCII
        segments = draw(WELL_FORMED_PATH_SEGMENTS)
        return "/" + "".join(segment + "/" for segment in segments)
    segments = draw(ANY_PATH_SEGMENTS)
    shape = draw(st.sampled_from(["/{}/", "{}/", "/{}", "{}"]))
    return shape.format("/".join(segments))


TAG_ALPHABET = string.ascii_letters + string.digits + " _.:/=+-@" + "éÆ数٣"


WELL_FORMED_TAG_KEYS = st.lists(
    st.text(st.sampled_from(TAG_ALPHABET), min_size=1, max_size=128).filter(
        lambda key: not key.lower().startswith("aws:")
    ),
    max_size=50,
    unique_by=str.lower,
)
WELL_FORMED_TAG_VALUES = st.text(st.sampled_from(TAG_ALPHABET), max_size=256)
ANY_TAG_KEYS = st.lists(mixed_text(TAG_ALPHABET, 140), max_size=55, unique=True)


@st.composite
def tag_sets(draw: st.DrawFn) -> dict[str, str]:
    if draw(st.booleans()):  # well formed
        keys = draw(WELL_FORMED_TAG_KEYS)
        return {key: draw(WELL_FORMED_TAG_VALUES) for key in keys}
    keys = draw(ANY_TAG_KEYS)
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


def attached_policies() -> st.SearchStrategy[str]:
    """Policies a profile attaches (ARNs and AWS-managed names), but the administrator-level ones:
    refusing those is a least-privilege rule (EAP024, in any case of the name, as IAM reads names),
    not a form IAM or the schema refuses, and tests/test_least_privilege_rules.py holds it."""
    return st.one_of(policy_arns(), aws_managed_names()).filter(
        lambda policy: (
            not is_admin_managed_policy(
                (aws_managed_name(policy) or "") if policy.startswith("arn:") else policy
            )
        )
    )


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIELDS = ("names", "paths", "descriptions", "tags", "durations", "policy forms")


def count_verdict(
    counts: Counter[tuple[str, str]],
    field: str,
    accepted: bool,
    *,
    accepted_by_iam: bool,
    rejected_by_schema: Callable[[], bool],
    outcome: object = None,
) -> None:
    """Assert a verdict agrees with the oracles (a refusal is invalid for one of them, an acceptance
    is valid for IAM), and count it."""
    if accepted:
        assert accepted_by_iam, outcome
        counts[(field, "accepted")] += 1
    elif rejected_by_schema():
        counts[(field, "refused, invalid for CloudFormation's schema")] += 1
    else:
        assert not accepted_by_iam, f"refused although valid for the schema and IAM: {outcome}"
        counts[(field, "refused, invalid for IAM only")] += 1


def summary(counts: Counter[tuple[str, str]], title: str) -> int:
    """Print the counts by field and verdict; return the total."""
    print(f"\nGenerated cases ({title}):")
    for field in FIELDS:
        for verdict in sorted(v for f, v in counts if f == field):
            print(f"  {field:13} {verdict:48} {counts[(field, verdict)]:5}")
    total = sum(counts.values())
    print(f"  {'total':62} {total:5}")
    return total
