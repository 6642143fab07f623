"""IAM's rules as pure functions: exact boundaries, accepted and rejected forms, and properties."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from constructs_lib.core.checker import tag_findings
from constructs_lib.core.validation import (
    DESCRIPTION_MAX,
    INSTANCE_PROFILE_NAME_MAX,
    MAX_SESSION_MAX_SECONDS,
    MAX_SESSION_MIN_SECONDS,
    NAME_CHARACTERS,
    PATH_MAX,
    POLICY_NAME_MAX,
    ROLE_NAME_MAX,
    STACK_NAME_MAX,
    TAG_CHARACTERS,
    TAG_KEY_MAX,
    TAG_VALUE_MAX,
    TAGS_MAX,
    aws_managed_policy_key,
    check_aws_managed_policy_name,
    check_description,
    check_instance_profile_arn,
    check_max_session_seconds,
    check_name,
    check_path,
    check_policy_arn,
    check_stack_name,
    check_tag_count,
    check_tag_key,
    check_tag_value,
    managed_policy_key,
)

NAME_ALPHABET = string.ascii_letters + string.digits + "+=,.@_-"
PATH_ALPHABET = "".join(chr(code) for code in range(0x21, 0x7F))
TAG_PUNCTUATION = "_.:/=+-@"


def is_tag_character(char: str) -> bool:
    return char in TAG_PUNCTUATION or unicodedata.category(char)[0] in ("L", "N", "Z")


# ---------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------


def test_the_limits_are_the_ones_iam_documents() -> None:
    assert (ROLE_NAME_MAX, INSTANCE_PROFILE_NAME_MAX, POLICY_NAME_MAX) == (64, 128, 128)
    assert (PATH_MAX, DESCRIPTION_MAX) == (512, 1000)
    assert (MAX_SESSION_MIN_SECONDS, MAX_SESSION_MAX_SECONDS) == (3600, 43200)
    assert (TAGS_MAX, TAG_KEY_MAX, TAG_VALUE_MAX) == (50, 128, 256)


@pytest.mark.parametrize("maximum", [ROLE_NAME_MAX, INSTANCE_PROFILE_NAME_MAX, POLICY_NAME_MAX])
def test_name_at_the_maximum_passes(maximum: int) -> None:
    assert check_name("r" * maximum, maximum) is None


@pytest.mark.parametrize(
    ("maximum", "length"),
    [
        (ROLE_NAME_MAX, 65),
        (ROLE_NAME_MAX, 0),
        (INSTANCE_PROFILE_NAME_MAX, 129),
        (INSTANCE_PROFILE_NAME_MAX, 0),
    ],
)
def test_name_outside_the_limits_fails_with_its_length(maximum: int, length: int) -> None:
    assert check_name("r" * length, maximum) == f"is {length} characters; IAM allows 1 to {maximum}"


def test_single_character_name_passes() -> None:
    assert check_name("r", ROLE_NAME_MAX) is None


def test_every_allowed_name_character_passes() -> None:
    assert check_name(NAME_ALPHABET, len(NAME_ALPHABET)) is None


@pytest.mark.parametrize(
    ("name", "bad"), [("web server", " "), ("a/b", "/"), ("café", "é"), ("x:y", ":"), ("a\nb", "\n")]
)
def test_name_with_a_character_iam_refuses_names_it(name: str, bad: str) -> None:
    assert check_name(name, ROLE_NAME_MAX) == f"contains {bad!r}; IAM allows only {NAME_CHARACTERS}"


# ---------------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "///", "/ec2/", "/a/b/c/", "/" + "p" * (PATH_MAX - 2) + "/"])
def test_path_that_iam_allows_passes(path: str) -> None:
    assert check_path(path) is None


def test_path_one_over_the_maximum_fails_with_its_length() -> None:
    path = "/" + "p" * (PATH_MAX - 1) + "/"
    assert len(path) == 513
    assert check_path(path) == "is 513 characters; IAM allows 1 to 512"


def test_empty_path_fails_with_its_length() -> None:
    assert check_path("") == "is 0 characters; IAM allows 1 to 512"


@pytest.mark.parametrize("path", ["ec2/", "/ec2", "ec2", "//", "/a b/", "/café/", "/a\tb/"])
def test_path_that_iam_refuses_fails(path: str) -> None:
    problem = check_path(path)
    assert problem is not None
    assert problem.startswith("is not an IAM path")


# ---------------------------------------------------------------------------------------------------
# Description
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description", ["", "d" * DESCRIPTION_MAX, "tab\tnewline\nreturn\r", "Équipe ÿ ¡", "~ !"]
)
def test_description_that_iam_allows_passes(description: str) -> None:
    assert check_description(description) is None


def test_description_one_over_the_maximum_fails_with_its_length() -> None:
    assert check_description("d" * 1001) == "is 1001 characters; IAM allows at most 1000"


@pytest.mark.parametrize(
    ("description", "bad"), [("cost €5", "€"), ("del\x7f", "\x7f"), ("nbsp\xa0", "\xa0")]
)
def test_description_with_a_character_iam_refuses_names_it(description: str, bad: str) -> None:
    problem = check_description(description)
    assert problem is not None
    assert problem.startswith(f"contains {bad!r}")


# ---------------------------------------------------------------------------------------------------
# Maximum session duration
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [3600, 43200, 7200, 3600.0, 43200.0])
def test_session_within_one_to_twelve_hours_passes(seconds: float) -> None:
    assert check_max_session_seconds(seconds) is None


@pytest.mark.parametrize("seconds", [3599, 43201, 0, -3600])
def test_session_outside_one_to_twelve_hours_fails_with_its_seconds(seconds: int) -> None:
    assert check_max_session_seconds(seconds) == (
        f"is {seconds} seconds; IAM allows 1 to 12 hours (3600 to 43200 seconds)"
    )


@pytest.mark.parametrize("seconds", [3600.5, 43199.999, 7200.1, float("inf"), float("-inf"), float("nan")])
def test_session_of_non_integral_seconds_fails(seconds: float) -> None:
    assert check_max_session_seconds(seconds) == "is not a whole number of seconds"


# ---------------------------------------------------------------------------------------------------
# CloudFormation stack names
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "Ec2Access-Web", "a1-2-3", "A" * STACK_NAME_MAX])
def test_stack_name_of_letters_digits_and_hyphens_from_a_letter_passes(name: str) -> None:
    assert check_stack_name(name) is None


@pytest.mark.parametrize("name", ["1stStack", "-Web", "Web_Stack", "Web Stack", "Wéb"])
def test_stack_name_not_starting_with_a_letter_or_with_another_character_fails(name: str) -> None:
    assert check_stack_name(name) == (
        "is not a stack name: CloudFormation allows letters, digits and hyphens, starting with a letter"
    )


@pytest.mark.parametrize("length", [0, STACK_NAME_MAX + 1])
def test_stack_name_outside_the_limits_fails_with_its_length(length: int) -> None:
    assert STACK_NAME_MAX == 128
    assert check_stack_name("A" * length) == f"is {length} characters; CloudFormation allows 1 to 128"


# ---------------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------------


def test_tag_key_at_the_maximum_passes() -> None:
    assert check_tag_key("k" * TAG_KEY_MAX) is None


@pytest.mark.parametrize("length", [0, 129])
def test_tag_key_outside_the_limits_fails_with_its_length(length: int) -> None:
    assert check_tag_key("k" * length) == f"is {length} characters; IAM allows 1 to 128"


@pytest.mark.parametrize("value", ["", "v" * TAG_VALUE_MAX])
def test_tag_value_empty_or_at_the_maximum_passes(value: str) -> None:
    assert check_tag_value(value) is None


def test_tag_value_one_over_the_maximum_fails_with_its_length() -> None:
    assert check_tag_value("v" * 257) == "is 257 characters; IAM allows 0 to 256"


@pytest.mark.parametrize(("count", "allowed"), [(0, True), (50, True), (51, False)])
def test_tag_count_boundary(count: int, allowed: bool) -> None:
    assert (check_tag_count(count) is None) is allowed


def check_tags(tags: dict[str, str]) -> tuple[str, object, str] | None:
    """The first problem the checker finds in a tag set, as (field, value, rule)."""
    findings = tag_findings(tags)
    return (findings[0].field, findings[0].value, findings[0].rule) if findings else None


def test_tag_count_over_the_maximum_names_the_count() -> None:
    assert check_tag_count(51) == "has 51 tags; IAM allows at most 50 per role or instance profile"


def test_tag_set_of_fifty_passes_and_fifty_one_fails() -> None:
    fifty = {f"key{index}": "value" for index in range(50)}
    assert check_tags(fifty) is None
    fifty_one = {**fifty, "key50": "value"}
    assert check_tags(fifty_one) == (
        "tags",
        "51 tags",
        "has 51 tags; IAM allows at most 50 per role or instance profile",
    )


@pytest.mark.parametrize("key", ["aws:x", "AWS:x", "Aws:x", "aWs:x", "AWS:", "aws:cloudformation:stack-name"])
def test_tag_key_with_the_reserved_aws_prefix_in_any_case_fails(key: str) -> None:
    assert check_tag_key(key) == "starts with 'aws:', which AWS reserves for its own tags"


@pytest.mark.parametrize("key", ["aws", "awsx:y", "x:aws:y", "aws-team", "aws :x"])
def test_tag_key_merely_resembling_the_reserved_prefix_passes(key: str) -> None:
    assert check_tag_key(key) is None


def test_tag_value_may_start_with_aws_prefix() -> None:
    assert check_tag_value("aws:x") is None


@pytest.mark.parametrize(
    "text", ["Équipe", "数据", "٣", "team name", "x_.:/=+-@", "ﬁ", "Ⅻ", "a\u00a0b", "a\u3000b", "Δ1"]
)
def test_unicode_letters_digits_and_spaces_are_allowed_in_tags(text: str) -> None:
    assert check_tag_key(text) is None
    assert check_tag_value(text) is None


@pytest.mark.parametrize("bad", ["!", "#", "*", ",", "?", "&", "%", "(", "\t", "\n", "\u0301", "😀", "€"])
def test_tag_character_outside_letters_digits_spaces_and_punctuation_fails(bad: str) -> None:
    expected = f"contains {bad!r}; IAM allows only {TAG_CHARACTERS}"
    assert check_tag_key(f"key{bad}") == expected
    assert check_tag_value(f"value{bad}") == expected


def test_case_insensitive_duplicate_keys_are_found() -> None:
    def duplicates(keys: list[str]) -> list[object]:
        return [f.value for f in tag_findings(dict.fromkeys(keys, "v")) if f.rule_id == "EAP013"]

    assert duplicates(["Team", "Owner", "TEAM"]) == ["TEAM"]
    assert duplicates(["Équipe", "équipe"]) == ["équipe"]
    assert duplicates(["Team", "Owner", "Teams"]) == []
    assert duplicates([]) == []


def test_tag_set_with_keys_equal_ignoring_case_fails_on_the_second() -> None:
    assert check_tags({"Team": "a", "Owner": "b", "team": "c"}) == (
        "tag key",
        "team",
        "equals 'Team' ignoring case; IAM tag keys are case-insensitive",
    )


def test_tag_set_reports_a_bad_key_before_a_bad_value() -> None:
    assert check_tags({"ok": "bad!", "bad!": "ok"}) == (
        "tags['ok']",
        "bad!",
        f"contains '!'; IAM allows only {TAG_CHARACTERS}",
    )
    field, value, _ = check_tags({"aws:x": "v"}) or ("", "", "")
    assert (field, value) == ("tag key", "aws:x")


def test_empty_tag_set_passes() -> None:
    assert check_tags({}) is None


# ---------------------------------------------------------------------------------------------------
# Policy ARNs, AWS-managed policy names, instance-profile ARNs
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:policy/Reader",
        "arn:aws-cn:iam::aws:policy/service-role/X",
        "arn:aws-us-gov:iam::123456789012:policy/a/b/c/Name",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws-iso-b:iam::123456789012:policy/team/Reader",
        "arn:aws:iam::123456789012:policy/" + "n" * POLICY_NAME_MAX,
        "arn:aws:iam::123456789012:policy/" + "p" * (PATH_MAX - 2) + "/Name",
    ],
)
def test_policy_arn_that_iam_allows_passes(arn: str) -> None:
    assert check_policy_arn(arn) is None


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:s3::123456789012:policy/Reader",
        "arn:aws:sts::123456789012:policy/Reader",
        "arn:aws:iam::12345678901:policy/Reader",
        "arn:aws:iam::1234567890123:policy/Reader",
        "arn:aws:iam::123456789012:role/Reader",
        "arn:aws:iam::123456789012:instance-profile/Reader",
        "arn:azure:iam::123456789012:policy/Reader",
        "arn:aws:iam:us-east-1:123456789012:policy/Reader",
        "arn:aws:iam::\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662:policy/Reader",
        "AmazonS3ReadOnlyAccess",
        "",
    ],
)
def test_policy_arn_of_another_shape_fails(arn: str) -> None:
    problem = check_policy_arn(arn)
    assert problem is not None
    assert problem.startswith("is not a managed-policy ARN")


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        ("arn:aws:iam::123456789012:policy/", ""),
        ("arn:aws:iam::123456789012:policy/team/", ""),
        ("arn:aws:iam::123456789012:policy/My Reader", "My Reader"),
        ("arn:aws:iam::123456789012:policy/team/My Reader", "My Reader"),
        ("arn:aws:iam::123456789012:policy/" + "n" * 129, "n" * 129),
    ],
)
def test_policy_arn_with_a_bad_name_names_it(arn: str, name: str) -> None:
    problem = check_policy_arn(arn)
    assert problem is not None
    assert problem.startswith(f"has policy name {name!r} that ")


def test_policy_arn_with_a_path_one_over_the_maximum_fails() -> None:
    arn = "arn:aws:iam::123456789012:policy/" + "p" * (PATH_MAX - 1) + "/Name"
    assert check_policy_arn(arn) == "has a path of 513 characters; IAM allows 1 to 512"


@pytest.mark.parametrize(
    "name", ["AmazonS3ReadOnlyAccess", "service-role/AmazonEC2RoleforSSM", "job-function/ViewOnlyAccess"]
)
def test_aws_managed_policy_name_passes(name: str) -> None:
    assert check_aws_managed_policy_name(name) is None


@pytest.mark.parametrize("name", ["/x", "/service-role/X", "a//b", "arn:aws:iam::aws:policy/X"])
def test_aws_managed_policy_name_of_another_shape_fails(name: str) -> None:
    problem = check_aws_managed_policy_name(name)
    assert problem is not None
    assert problem.startswith("is not an AWS-managed policy name")


@pytest.mark.parametrize(
    ("name", "policy_name"), [("a b", "a b"), ("", ""), ("service-role/", ""), ("x" * 129, "x" * 129)]
)
def test_aws_managed_policy_name_with_a_bad_name_names_it(name: str, policy_name: str) -> None:
    problem = check_aws_managed_policy_name(name)
    assert problem is not None
    assert problem.startswith(f"has policy name {policy_name!r} that ")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:instance-profile/WebServer",
        "arn:aws-cn:iam::123456789012:instance-profile/ec2/WebServer",
        "arn:aws-us-gov:iam::123456789012:instance-profile/a/b/c/Name",
        "arn:aws:iam::123456789012:instance-profile/" + "n" * INSTANCE_PROFILE_NAME_MAX,
    ],
)
def test_instance_profile_arn_that_iam_allows_passes(arn: str) -> None:
    assert check_instance_profile_arn(arn) is None


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:ec2::123456789012:instance-profile/WebServer",
        "arn:aws:iam::12345678901:instance-profile/WebServer",
        "arn:aws:iam::aws:instance-profile/WebServer",
        "arn:aws:iam::\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12:instance-profile/WebServer",
        "arn:aws:iam::123456789012:role/WebServer",
        "arn:aws:iam::123456789012:policy/WebServer",
        "WebServer",
    ],
)
def test_instance_profile_arn_of_another_shape_fails(arn: str) -> None:
    problem = check_instance_profile_arn(arn)
    assert problem is not None
    assert problem.startswith("is not an instance-profile ARN")


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        ("arn:aws:iam::123456789012:instance-profile/", ""),
        ("arn:aws:iam::123456789012:instance-profile/ec2/", ""),
        ("arn:aws:iam::123456789012:instance-profile/Web Server", "Web Server"),
        ("arn:aws:iam::123456789012:instance-profile/" + "n" * 129, "n" * 129),
    ],
)
def test_instance_profile_arn_with_a_bad_name_names_it(arn: str, name: str) -> None:
    problem = check_instance_profile_arn(arn)
    assert problem is not None
    assert problem.startswith(f"has instance-profile name {name!r} that ")


def test_instance_profile_arn_with_a_path_one_over_the_maximum_fails() -> None:
    arn = "arn:aws:iam::123456789012:instance-profile/" + "p" * (PATH_MAX - 1) + "/Name"
    assert check_instance_profile_arn(arn) == "has a path of 513 characters; IAM allows 1 to 512"


def test_managed_policy_key_ignores_the_partition() -> None:
    aws = managed_policy_key("arn:aws:iam::aws:policy/X")
    assert aws == managed_policy_key("arn:aws-cn:iam::aws:policy/X")
    assert aws == managed_policy_key("arn:aws-us-gov:iam::aws:policy/X")
    assert aws == aws_managed_policy_key("X")


def test_managed_policy_key_keeps_the_path() -> None:
    key = managed_policy_key("arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM")
    assert key == aws_managed_policy_key("service-role/AmazonEC2RoleforSSM")
    assert key != aws_managed_policy_key("AmazonEC2RoleforSSM")


def test_managed_policy_key_tells_apart_accounts_and_names() -> None:
    reader = managed_policy_key("arn:aws:iam::123456789012:policy/Reader")
    assert reader == managed_policy_key("arn:aws-cn:iam::123456789012:policy/Reader")
    assert reader != managed_policy_key("arn:aws:iam::210987654321:policy/Reader")
    assert reader != managed_policy_key("arn:aws:iam::123456789012:policy/Writer")
    assert reader != aws_managed_policy_key("Reader")


def test_managed_policy_key_of_a_non_arn_is_the_value_itself() -> None:
    assert managed_policy_key("not-an-arn") == "not-an-arn"


# ---------------------------------------------------------------------------------------------------
# Properties (hypothesis). Examples in total: 300 + 200 + 150 + 150 + 200 + 150 + 150 + 100
#                                              + 200 + 200 + 150 + 150 = 2,100.
# ---------------------------------------------------------------------------------------------------

name_characters = st.sampled_from(NAME_ALPHABET)
not_name_characters = st.characters(exclude_characters=NAME_ALPHABET)


@settings(max_examples=300, deadline=None)
@given(name=st.text(name_characters, min_size=1, max_size=ROLE_NAME_MAX))
def test_property_name_of_allowed_characters_within_the_limit_passes(name: str) -> None:
    assert check_name(name, ROLE_NAME_MAX) is None


@settings(max_examples=200, deadline=None)
@given(name=st.text(name_characters, min_size=ROLE_NAME_MAX + 1, max_size=200))
def test_property_name_over_the_limit_fails_with_its_length(name: str) -> None:
    problem = check_name(name, ROLE_NAME_MAX)
    assert problem is not None
    assert f"is {len(name)} characters" in problem


@settings(max_examples=150, deadline=None)
@given(
    before=st.text(name_characters, max_size=30),
    bad=not_name_characters,
    after=st.text(st.characters(), max_size=30),
)
def test_property_name_with_a_character_outside_the_alphabet_fails_naming_it(
    before: str, bad: str, after: str
) -> None:
    # At most 61 characters, so the length rule never decides: the character does.
    assert check_name(before + bad + after, ROLE_NAME_MAX) == (
        f"contains {bad!r}; IAM allows only {NAME_CHARACTERS}"
    )


@settings(max_examples=150, deadline=None)
@given(name=st.text(min_size=1, max_size=ROLE_NAME_MAX))
def test_property_any_name_with_a_character_outside_the_alphabet_fails(name: str) -> None:
    assume(any(char not in NAME_ALPHABET for char in name))
    assert check_name(name, ROLE_NAME_MAX) is not None


@st.composite
def iam_paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(st.text(st.sampled_from(PATH_ALPHABET), min_size=1, max_size=80), max_size=8))
    path = "/" + "/".join(segments) + "/" if segments else "/"
    assume(len(path) <= PATH_MAX)
    return path


@settings(max_examples=200, deadline=None)
@given(path=iam_paths())
def test_property_path_of_printable_ascii_between_slashes_passes(path: str) -> None:
    assert check_path(path) is None


@settings(max_examples=150, deadline=None)
@given(path=st.text(st.sampled_from(PATH_ALPHABET), min_size=1, max_size=PATH_MAX))
def test_property_path_not_starting_with_a_slash_fails(path: str) -> None:
    assume(not path.startswith("/"))
    assert check_path(path) is not None


@settings(max_examples=150, deadline=None)
@given(path=st.text(st.sampled_from(PATH_ALPHABET), min_size=1, max_size=PATH_MAX))
def test_property_path_not_ending_with_a_slash_fails(path: str) -> None:
    assume(not path.endswith("/"))
    assert check_path(path) is not None


@settings(max_examples=100, deadline=None)
@given(middle=st.text(st.sampled_from(PATH_ALPHABET), min_size=PATH_MAX - 1, max_size=PATH_MAX + 100))
def test_property_path_over_the_limit_fails_with_its_length(middle: str) -> None:
    path = "/" + middle + "/"
    assert check_path(path) == f"is {len(path)} characters; IAM allows 1 to {PATH_MAX}"


tag_characters = st.characters(categories=["L", "N", "Z"]) | st.sampled_from(TAG_PUNCTUATION)
not_tag_characters = st.characters().filter(lambda char: not is_tag_character(char))


@settings(max_examples=200, deadline=None)
@given(key=st.text(tag_characters, min_size=1, max_size=TAG_KEY_MAX))
def test_property_tag_key_of_allowed_characters_within_the_limit_passes(key: str) -> None:
    assume(not key.lower().startswith("aws:"))
    assert check_tag_key(key) is None


@settings(max_examples=200, deadline=None)
@given(value=st.text(tag_characters, max_size=TAG_VALUE_MAX))
def test_property_tag_value_of_allowed_characters_within_the_limit_passes(value: str) -> None:
    assert check_tag_value(value) is None


@settings(max_examples=150, deadline=None)
@given(
    before=st.text(tag_characters, max_size=60),
    bad=not_tag_characters,
    after=st.text(st.characters(), max_size=60),
)
def test_property_tag_key_or_value_with_a_character_outside_the_rule_fails_naming_it(
    before: str, bad: str, after: str
) -> None:
    text = before + bad + after
    expected = f"contains {bad!r}; IAM allows only {TAG_CHARACTERS}"
    assert check_tag_key(text) == expected
    assert check_tag_value(text) == expected


@settings(max_examples=150, deadline=None)
@given(value=st.text(max_size=TAG_VALUE_MAX))
def test_property_tag_value_passes_exactly_when_every_character_is_allowed(value: str) -> None:
    assert (check_tag_value(value) is None) is all(is_tag_character(char) for char in value)
