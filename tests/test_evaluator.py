"""The evaluator (``constructs_lib.core.evaluator``) and its conditions (``core.conditions``)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from constructs_lib.core import conditions
from constructs_lib.core.evaluator import Policy, Profile, action_matches, evaluate
from constructs_lib.core.explain import explain
from constructs_lib.core.request import Request, context_from_pairs

BUCKET = "arn:aws:s3:::logs"
OBJECT = "arn:aws:s3:::logs/app/1.log"
INSTANCE = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"

GUARD: dict[str, Any] = {
    "Statement": [
        {
            "Sid": "DenyOffInstanceVpc",
            "Effect": "Deny",
            "NotAction": ["kms:Decrypt"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:EC2InstanceSourceVPC": "${aws:SourceVpc}"},
                "Null": {"ec2:SourceInstanceARN": "false"},
                "BoolIfExists": {"aws:ViaAWSService": "false"},
            },
        },
        {
            "Sid": "DenyOffInstanceAddress",
            "Effect": "Deny",
            "NotAction": ["kms:Decrypt"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:EC2InstanceSourcePrivateIPv4": "${aws:VpcSourceIp}"},
                "Null": {"ec2:SourceInstanceARN": "false"},
                "BoolIfExists": {"aws:ViaAWSService": "false"},
            },
        },
        {
            "Sid": "DenyImdsV1",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}},
        },
    ]
}
ON_INSTANCE = {
    "ec2:SourceInstanceARN": (INSTANCE,),
    "aws:EC2InstanceSourceVPC": ("vpc-1",),
    "aws:SourceVpc": ("vpc-1",),
    "aws:EC2InstanceSourcePrivateIPv4": ("10.0.0.5",),
    "aws:VpcSourceIp": ("10.0.0.5",),
    "ec2:RoleDelivery": ("2.0",),
    "aws:ViaAWSService": ("false",),
}


def inline(*statements: dict[str, Any], name: str = "Inline") -> Policy:
    return Policy(name, "inline", {"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def decide(
    profile: Profile,
    action: str,
    resource: str = "*",
    closed: bool = True,
    every: bool = False,
    **context: str,
) -> str:
    values = {key.replace("__", ":"): (value,) for key, value in context.items()}
    return evaluate(profile, Request(action, resource, values, closed=closed, every_resource=every)).outcome


# -- allow, deny, boundary ----------------------------------------------------------------------


def test_an_allow_names_its_statement_and_nothing_else_is_allowed() -> None:
    profile = Profile("web", (inline(allow("s3:GetObject", f"{BUCKET}/*"), name="Reads"),))
    decision = evaluate(profile, Request("s3:GetObject", OBJECT))
    assert decision.outcome == "allowed"
    assert decision.statement is not None
    assert (decision.statement.policy, decision.statement.index) == ("Reads", 0)
    assert decide(profile, "s3:PutObject", OBJECT) == "denied"
    assert decide(profile, "s3:GetObject", "arn:aws:s3:::other/key") == "denied"
    assert "no statement" in evaluate(profile, Request("s3:PutObject", OBJECT)).reason


def test_an_explicit_deny_wins_over_any_allow_and_is_named() -> None:
    profile = Profile(
        "web",
        (
            inline(allow("s3:*")),
            inline({**deny("s3:Delete*", BUCKET + "/*"), "Sid": "NoDeletes"}, name="Guard"),
        ),
    )
    decision = evaluate(profile, Request("s3:DeleteObject", OBJECT))
    assert decision.outcome == "denied"
    assert decision.statement is not None
    assert decision.statement.sid == "NoDeletes"
    assert "explicitly denied by inline policy Guard statement 1" in decision.reason
    assert decide(profile, "s3:GetObject", OBJECT) == "allowed"


def test_of_two_matching_statements_the_first_is_named() -> None:
    """Two denies (or two allows) match: the answer names the first, in the order the policy writes them."""
    denies = Profile("web", (inline({**deny("s3:*"), "Sid": "First"}, {**deny("s3:Get*"), "Sid": "Second"}),))
    denied = evaluate(denies, Request("s3:GetObject", OBJECT))
    assert denied.statement is not None
    assert (denied.outcome, denied.statement.index, denied.statement.sid) == ("denied", 0, "First")
    allows = Profile("web", (inline(allow("s3:*"), allow("s3:GetObject", OBJECT)),))
    allowed = evaluate(allows, Request("s3:GetObject", OBJECT))
    assert allowed.statement is not None
    assert (allowed.outcome, allowed.statement.index) == ("allowed", 0)
    assert allowed.reason == "allowed by inline policy Inline statement 1"


def test_a_statement_written_as_one_object_not_a_list_is_read() -> None:
    """IAM takes ``"Statement": {...}`` for a list of that one statement."""
    single = Profile("web", (Policy("One", "inline", {"Statement": allow("s3:GetObject", OBJECT)}),))
    decision = evaluate(single, Request("s3:GetObject", OBJECT))
    assert decision.outcome == "allowed"
    assert decision.statement is not None
    assert (decision.statement.policy, decision.statement.index) == ("One", 0)
    assert decide(single, "s3:PutObject", OBJECT) == "denied"


def test_the_boundary_limits_and_never_grants() -> None:
    boundary = Policy("Boundary", "boundary", {"Statement": [allow("s3:Get*")]})
    profile = Profile("web", (inline(allow(["s3:GetObject", "s3:PutObject"])),), boundary)
    assert decide(profile, "s3:GetObject", OBJECT) == "allowed"
    cut = evaluate(profile, Request("s3:PutObject", OBJECT))
    assert cut.outcome == "denied"
    assert "permissions boundary Boundary does not allow it" in cut.reason
    assert decide(profile, "s3:GetBucketPolicy", BUCKET) == "denied"  # the boundary alone grants nothing


def test_a_deny_in_the_boundary_denies() -> None:
    boundary = Policy("Boundary", "boundary", {"Statement": [allow("*"), deny("iam:*")]})
    profile = Profile("admin", (inline(allow("*")),), boundary)
    assert decide(profile, "iam:CreateUser") == "denied"
    assert decide(profile, "ec2:DescribeInstances") == "allowed"


def test_actions_match_ignoring_case_with_both_wildcards() -> None:
    assert action_matches("s3:get*", "S3:GetObject")
    assert action_matches("ec2:Describe?nstances", "ec2:DescribeInstances")
    assert not action_matches("s3:Get", "s3:GetObject")
    assert not action_matches("s3:*", "s3express:CreateSession")
    assert action_matches("*", "anything:AtAll")


def test_not_action_and_not_resource() -> None:
    profile = Profile(
        "web",
        (
            inline(
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, f"{BUCKET}/*"]},
            ),
        ),
    )
    assert decide(profile, "ec2:RunInstances") == "allowed"
    assert decide(profile, "iam:PassRole") == "denied"
    assert decide(profile, "s3:GetObject", OBJECT) == "allowed"
    denied = evaluate(profile, Request("s3:GetObject", "arn:aws:s3:::secrets/k", closed=True))
    assert denied.outcome == "denied"
    assert denied.statement is not None
    assert denied.statement.index == 1


def test_resources_match_part_by_part_and_case_sensitively() -> None:
    profile = Profile("web", (inline(allow("ec2:StartInstances", "arn:aws:ec2:*:111122223333:instance/*")),))
    assert decide(profile, "ec2:StartInstances", INSTANCE) == "allowed"
    assert decide(profile, "ec2:StartInstances", INSTANCE.replace("111122223333", "444455556666")) == "denied"
    assert decide(profile, "ec2:StartInstances", INSTANCE.replace("instance/", "Instance/")) == "denied"
    within = Profile("web", (inline(allow("ec2:StartInstances", "arn:aws:ec2:eu*1:111122223333:*")),))
    assert decide(within, "ec2:StartInstances", INSTANCE) == "allowed"
    odd = "arn:aws:ec2:eu:west-1:111122223333:instance/i-0abc"  # `eu*1` would have to cross a `:`
    assert decide(within, "ec2:StartInstances", odd) == "denied"  # a `*` inside a part stays there


def test_a_star_that_ends_a_part_reaches_beyond_its_colons() -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource": a ``*`` that is the last character of an
    ARN segment "can expand to match beyond the colon boundaries"."""
    across = Profile("web", (inline(allow("ec2:StartInstances", "arn:aws:ec2:*")),))
    assert decide(across, "ec2:StartInstances", INSTANCE) == "allowed"
    everything = Profile("web", (inline(allow("s3:*")), inline(deny("s3:*", "arn:aws:s3:*"), name="Deny")))
    assert decide(everything, "s3:GetObject", "arn:aws:s3:::secret/key") == "denied"
    passing = Profile(
        "web", (inline(allow("iam:PassRole")), inline(deny("iam:*", "arn:aws:iam::*"), name="D"))
    )
    assert decide(passing, "iam:PassRole", "arn:aws:iam::111122223333:role/admin") == "denied"
    assert decide(passing, "iam:PassRole", "arn:aws:iam:x") == "allowed"  # no `:` after `iam:` to reach


def test_a_star_that_ends_a_part_before_a_colon_reaches_beyond_it_too() -> None:
    """Not only at the pattern's end: the region's ``*`` in ``arn:aws:ec2:*:ACCOUNT:…`` ends its part, so
    it may take ``eu:west-1``, as the User Guide's rule says; a ``*`` inside a part may not (above)."""
    region = Profile("web", (inline(allow("ec2:StartInstances", "arn:aws:ec2:*:111122223333:instance/*")),))
    odd = "arn:aws:ec2:eu:west-1:111122223333:instance/i-0abc"
    assert decide(region, "ec2:StartInstances", odd) == "allowed"
    assert decide(region, "ec2:StartInstances", odd.replace("111122223333", "444455556666")) == "denied"


def test_in_the_resource_part_wildcards_cross_colons_before_it_they_do_not() -> None:
    """After an ARN's fifth colon comes the resource, whose own colons (``log-group:NAME:log-stream:…``)
    a ``*`` or ``?`` inside a part may cross; in the parts before it (here the account) they may not."""
    stream = "arn:aws:logs:eu-west-1:111122223333:log-group:app:log-stream:web"
    first_part = Profile(
        "web", (inline(allow("logs:GetLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-*-stream:web")),)
    )
    assert decide(first_part, "logs:GetLogEvents", stream) == "allowed"
    one = Profile(
        "web", (inline(allow("logs:GetLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-group?app:*")),)
    )
    assert decide(one, "logs:GetLogEvents", stream) == "allowed"
    later_part = Profile(
        "web", (inline(allow("logs:GetLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-group:a*b")),)
    )
    assert (
        decide(later_part, "logs:GetLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-group:a:b")
        == "allowed"
    )
    account = Profile(
        "web", (inline(allow("ec2:StartInstances", "arn:aws:ec2:eu-west-1:11*33:instance/i-0abc")),)
    )
    assert decide(account, "ec2:StartInstances", "arn:aws:ec2:eu-west-1:11:x:33:instance/i-0abc") == "denied"
    assert decide(account, "ec2:StartInstances", INSTANCE.replace("111122223333", "1100033")) == "allowed"
    asked = Profile(
        "web", (inline(allow("ec2:StartInstances", "arn:aws:ec2:eu-west-1:11?33:instance/i-0abc")),)
    )
    assert decide(asked, "ec2:StartInstances", "arn:aws:ec2:eu-west-1:11:33:instance/i-0abc") == "denied"


def test_without_a_resource_a_narrower_statement_makes_the_answer_depend_on_the_resource() -> None:
    """No resource asks about every resource (``*``): allowed only when every resource is, and a
    statement that covers some resources only makes the answer depend on which."""
    secret = f"{BUCKET}/secret/*"
    denied_somewhere = Profile("web", (inline(allow("s3:GetObject"), deny("s3:GetObject", secret)),))
    answer = evaluate(denied_somewhere, Request("s3:GetObject", closed=True, every_resource=True))
    assert (answer.outcome, answer.depends_on) == ("unknown", ("the resource",))
    assert "a deny of inline policy Inline statement 2 depends on the resource" in answer.reason
    all_but = Profile("web", (inline({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": secret}),))
    assert decide(all_but, "s3:GetObject", every=True) == "unknown"
    one_bucket = Profile("web", (inline(allow("s3:GetObject", f"{BUCKET}/*")),))
    assert decide(one_bucket, "s3:GetObject", every=True) == "unknown"
    every_arn = Profile("web", (inline(allow("s3:GetObject", "arn:*")),))
    assert decide(every_arn, "s3:GetObject", every=True) == "allowed"
    nowhere = Profile("web", (inline({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "*"}),))
    assert decide(nowhere, "s3:GetObject", every=True) == "denied"
    assert decide(one_bucket, "s3:GetObject", f"{BUCKET}/x") == "allowed"  # a resource decides again
    # A call on "*" itself (an action that names no resource) is matched as that string.
    listing = Profile("web", (inline(allow("s3:*"), deny("s3:*", secret)),))
    assert decide(listing, "s3:ListAllMyBuckets") == "allowed"
    assert decide(one_bucket, "s3:GetObject") == "denied"


def test_special_variables_stand_for_their_character_not_a_wildcard() -> None:
    """``${*}`` and ``${?}`` are the characters ``*`` and ``?`` (IAM User Guide, "Variables and tags"),
    in ``Resource`` and in ``StringLike`` alike."""
    literal = Profile("web", (inline(allow("s3:PutObject", "arn:aws:s3:::bucket/${*}")),))
    assert decide(literal, "s3:PutObject", "arn:aws:s3:::bucket/*") == "allowed"
    assert decide(literal, "s3:PutObject", "arn:aws:s3:::bucket/anything") == "denied"
    assert check({"StringLike": {"k:a": "a${?}"}}, k__a="a?") is True
    assert check({"StringLike": {"k:a": "a${?}"}}, k__a="ab") is False
    assert check({"StringLike": {"k:a": "a?${*}"}}, k__a="ab*") is True
    assert check({"StringLike": {"k:a": "a\\*"}}, k__a="a\\xyz") is True  # a backslash is just itself
    assert check({"ArnLike": {"k:a": "arn:aws:s3:::b/${*}"}}, k__a="arn:aws:s3:::b/x") is False


def test_policy_variables_in_resources_are_read_from_the_context() -> None:
    profile = Profile("web", (inline(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")),))
    assert decide(profile, "s3:GetObject", "arn:aws:s3:::home/ana/x", aws__username="ana") == "allowed"
    assert decide(profile, "s3:GetObject", "arn:aws:s3:::home/bob/x", aws__username="ana") == "denied"
    assert decide(profile, "s3:GetObject", "arn:aws:s3:::home/ana/x") == "denied"  # key missing
    open_world = evaluate(profile, Request("s3:GetObject", "arn:aws:s3:::home/ana/x"))
    assert open_world.outcome == "unknown"
    assert open_world.depends_on == ("aws:username",)


# -- what cannot be known -----------------------------------------------------------------------


def test_an_unknown_policy_makes_an_allow_unknown_but_never_hides_a_known_deny() -> None:
    mystery = Policy("TeamPolicy", "customer-managed", None, "defined outside the app")
    profile = Profile("web", (inline(allow("s3:GetObject"), deny("s3:DeleteObject")), mystery))
    maybe = evaluate(profile, Request("s3:GetObject", OBJECT))
    assert maybe.outcome == "unknown"
    assert "customer-managed policy TeamPolicy could hold a deny: defined outside the app" in maybe.reason
    assert maybe.depends_on == ("policy TeamPolicy",)
    assert decide(profile, "s3:DeleteObject", OBJECT) == "denied"
    assert decide(profile, "s3:PutObject", OBJECT) == "unknown"  # the unknown policy may allow it


def test_an_unknown_boundary_leaves_allows_unknown_and_implicit_denies_denied() -> None:
    boundary = Policy("Boundary", "boundary", None, "defined outside the app")
    profile = Profile("web", (inline(allow("s3:GetObject")),), boundary)
    assert decide(profile, "s3:GetObject", OBJECT) == "unknown"
    assert decide(profile, "s3:PutObject", OBJECT) == "denied"


def test_a_condition_without_its_key_in_the_context_is_reported_as_depends_on() -> None:
    profile = Profile(
        "web", (inline(allow("s3:GetObject", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})),)
    )
    decision = evaluate(profile, Request("s3:GetObject", OBJECT))
    assert decision.outcome == "unknown"
    assert decision.depends_on == ("aws:SourceVpce",)
    assert "depends on aws:SourceVpce" in decision.reason
    given_key = Request("s3:GetObject", OBJECT, {"aws:sourcevpce": ("vpce-1",)})
    assert evaluate(profile, given_key).outcome == "allowed"  # keys ignore case
    absent = Request("s3:GetObject", OBJECT, absent=frozenset({"aws:SourceVpce"}))
    assert evaluate(profile, absent).outcome == "denied"


# -- the credential guard's conditions ----------------------------------------------------------


@pytest.fixture
def guarded() -> Profile:
    return Profile("web", (inline(allow(["s3:GetObject", "kms:Decrypt"])), inline(*GUARD["Statement"])))


def guard_call(profile: Profile, **changes: str | None) -> Any:
    context = {key: value for key, value in ON_INSTANCE.items() if changes.get(key, "") is not None}
    context |= {key: (value,) for key, value in changes.items() if value is not None}
    return evaluate(profile, Request("s3:GetObject", OBJECT, context, closed=True))


def test_guard_a_call_from_the_instances_own_vpc_and_address_is_allowed(guarded: Profile) -> None:
    assert guard_call(guarded).outcome == "allowed"


def test_guard_another_vpc_is_denied_by_the_vpc_statement(guarded: Profile) -> None:
    decision = guard_call(guarded, **{"aws:SourceVpc": "vpc-2"})
    assert decision.outcome == "denied"
    assert decision.statement.sid == "DenyOffInstanceVpc"


def test_guard_no_vpc_endpoint_is_denied(guarded: Profile) -> None:
    """Without a VPC endpoint the request has no aws:SourceVpc: the variable matches nothing."""
    assert guard_call(guarded, **{"aws:SourceVpc": None}).statement.sid == "DenyOffInstanceVpc"


def test_guard_another_address_is_denied_by_the_address_statement(guarded: Profile) -> None:
    decision = guard_call(guarded, **{"aws:VpcSourceIp": "10.0.0.99"})
    assert decision.outcome == "denied"
    assert decision.statement.sid == "DenyOffInstanceAddress"


def test_guard_a_call_via_an_aws_service_is_allowed(guarded: Profile) -> None:
    elsewhere = {"aws:SourceVpc": None, "aws:VpcSourceIp": None, "aws:ViaAWSService": "true"}
    assert guard_call(guarded, **elsewhere).outcome == "allowed"


def test_guard_credentials_that_are_not_an_instances_are_left_alone(guarded: Profile) -> None:
    no_instance = {"ec2:SourceInstanceARN": None, "aws:EC2InstanceSourceVPC": None, "aws:SourceVpc": None}
    assert guard_call(guarded, **no_instance).outcome == "allowed"


def test_guard_imdsv1_credentials_are_denied(guarded: Profile) -> None:
    decision = guard_call(guarded, **{"ec2:RoleDelivery": "1.0"})
    assert decision.outcome == "denied"
    assert decision.statement.sid == "DenyImdsV1"


def test_guard_exempted_actions_pass_from_anywhere(guarded: Profile) -> None:
    context = {**ON_INSTANCE, "aws:SourceVpc": ("vpc-2",)}
    decision = evaluate(guarded, Request("kms:Decrypt", "*", context, closed=True))
    assert decision.outcome == "allowed"


# -- condition operators --------------------------------------------------------------------------


def check(condition: dict[str, Any], closed: bool = True, **context: Any) -> bool | None:
    values = {
        key.replace("__", ":"): value if isinstance(value, tuple) else (value,)
        for key, value in context.items()
    }
    return conditions.evaluate(condition, Request("s3:GetObject", OBJECT, values, closed=closed)).value


@pytest.mark.parametrize(
    ("operator", "policy", "value", "expected"),
    [
        ("StringEquals", "abc", "abc", True),
        ("StringEquals", "abc", "ABC", False),
        ("StringEqualsIgnoreCase", "abc", "ABC", True),
        ("StringNotEquals", "abc", "abd", True),
        ("StringNotEqualsIgnoreCase", "abc", "ABC", False),
        ("StringLike", "a*c?", "abbbcd", True),
        ("StringLike", "a*c?", "abbbc", False),
        ("StringNotLike", "a*", "ba", True),
        ("NumericEquals", "2", "2.0", True),
        ("NumericNotEquals", "2", "3", True),
        ("NumericLessThan", "2.0", "1.0", True),
        ("NumericLessThan", "2.0", "2", False),
        ("NumericLessThanEquals", "2", "2", True),
        ("NumericGreaterThan", "10", "9", False),
        ("NumericGreaterThanEquals", "10", "10", True),
        ("NumericEquals", "2", "two", False),
        ("DateLessThan", "2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z", True),
        ("DateGreaterThan", "2026-01-01T00:00:00Z", "1767225601", True),
        ("DateEquals", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", True),
        ("DateNotEquals", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", True),
        ("DateLessThanEquals", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", True),
        ("DateGreaterThanEquals", "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z", False),
        ("Bool", "true", "TRUE", True),
        ("Bool", "true", "false", False),
        ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", True),
        ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
        ("IpAddress", "10.0.0.0/8", "11.1.2.3", False),
        ("NotIpAddress", "10.0.0.0/8", "11.1.2.3", True),
        ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
        ("ArnEquals", "arn:aws:ec2:*:*:instance/*", INSTANCE, True),
        ("ArnLike", "arn:aws:ec2:eu-*:111122223333:instance/i-0*", INSTANCE, True),
        ("ArnLike", "arn:aws:ec2:*", INSTANCE, False),
        ("ArnNotLike", "arn:aws:s3:::*", INSTANCE, True),
        ("ArnNotEquals", INSTANCE, INSTANCE, False),
    ],
)
def test_each_operator(operator: str, policy: str, value: str, expected: bool) -> None:
    assert check({operator: {"k:key": policy}}, k__key=value) is expected


def test_a_missing_key_is_false_except_for_negated_ifexists_null_and_forallvalues() -> None:
    assert check({"StringEquals": {"k:key": "a"}}) is False
    assert check({"StringNotEquals": {"k:key": "a"}}) is True
    assert check({"ArnNotLike": {"k:key": "arn:*"}}) is True
    assert check({"StringEqualsIfExists": {"k:key": "a"}}) is True
    assert check({"StringEqualsIfExists": {"k:key": "a"}}, k__key="b") is False
    assert check({"Null": {"k:key": "true"}}) is True
    assert check({"Null": {"k:key": "false"}}) is False
    assert check({"Null": {"k:key": "false"}}, k__key="x") is True
    assert check({"ForAllValues:StringEquals": {"k:key": "a"}}) is True
    assert check({"ForAnyValue:StringEquals": {"k:key": "a"}}) is False


def test_set_operators_compare_each_value() -> None:
    tags = ("env", "team")
    assert check({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team", "cost"]}}, aws__TagKeys=tags)
    assert not check({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}, aws__TagKeys=tags)
    assert check({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, aws__TagKeys=tags)
    assert not check({"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost"]}}, aws__TagKeys=tags)


def test_values_or_and_keys_and_operators_and() -> None:
    either = {"StringEquals": {"k:a": ["1", "2"]}}
    assert check(either, k__a="2") is True
    two_keys = {"StringEquals": {"k:a": "1", "k:b": "1"}}
    assert check(two_keys, k__a="1", k__b="1") is True
    assert check(two_keys, k__a="1", k__b="2") is False
    assert check({"StringNotEquals": {"k:a": ["1", "2"]}}, k__a="2") is False  # must match none


def test_a_negated_operator_on_a_multivalued_key_needs_every_value_to_match_none() -> None:
    """Without a qualifier, ``StringNotEquals`` holds only when no value of the key is a policy value;
    ``ForAnyValue:`` when one value is not, ``ForAllValues:`` when none is."""
    plain = {"StringNotEquals": {"k:a": "1"}}
    assert check(plain, k__a=("1", "2")) is False
    assert check(plain, k__a=("2", "3")) is True
    any_value = {"ForAnyValue:StringNotEquals": {"k:a": "1"}}
    assert check(any_value, k__a=("1", "2")) is True
    assert check(any_value, k__a=("1",)) is False
    assert check(any_value) is False  # no value at all: none that is not "1"
    all_values = {"ForAllValues:StringNotEquals": {"k:a": "1"}}
    assert check(all_values, k__a=("2", "3")) is True
    assert check(all_values, k__a=("1", "2")) is False


def test_a_condition_value_written_as_a_yaml_or_json_boolean_is_its_lower_case_text() -> None:
    """IAM reads ``true`` and ``"true"`` alike: a boolean value compares as ``true`` or ``false``."""
    assert check({"StringEquals": {"k:a": True}}, k__a="true") is True
    assert check({"StringEquals": {"k:a": [False]}}, k__a="false") is True
    assert check({"StringEquals": {"k:a": True}}, k__a="True") is False


def test_a_date_after_is_strictly_after() -> None:
    at = "2026-01-01T00:00:00Z"
    assert check({"DateGreaterThan": {"k:a": at}}, k__a=at) is False
    assert check({"DateGreaterThan": {"k:a": at}}, k__a="1767225600") is False  # the same instant
    assert check({"DateLessThan": {"k:a": at}}, k__a=at) is False
    assert check({"DateGreaterThanEquals": {"k:a": at}}, k__a=at) is True


def test_an_unknown_operator_is_never_guessed() -> None:
    verdict = conditions.evaluate({"StringSortOf": {"k:a": "1"}}, Request("s3:GetObject", closed=True))
    assert verdict.value is None
    assert verdict.depends_on == frozenset({"unsupported operator StringSortOf"})


@pytest.mark.parametrize(
    "operator", ["NullIfExists", "ForAnyValue:Null", "ForAllValues:Null", "Foo:StringEquals"]
)
def test_null_takes_neither_ifexists_nor_a_set_qualifier(operator: str) -> None:
    """IAM defines ``Null`` alone: with ``IfExists`` or a qualifier it is no operator it knows."""
    for context in ({}, {"k:a": ("x",)}):
        verdict = conditions.evaluate(
            {operator: {"k:a": "true"}}, Request("s3:GetObject", "*", context, closed=True)
        )
        assert verdict.value is None
        assert verdict.depends_on == frozenset({f"unsupported operator {operator}"})


def test_a_known_false_decides_even_when_another_key_is_unknown() -> None:
    both = {"StringEquals": {"k:a": "1", "k:b": "1"}}
    assert check(both, closed=False, k__a="2") is False
    assert check(both, closed=False, k__a="1") is None


def test_policy_variable_defaults_and_specials() -> None:
    assert check({"StringEquals": {"k:a": "${aws:username, 'guest'}"}}, k__a="guest") is True
    assert check({"StringEquals": {"k:a": "x${$}"}}, k__a="x$") is True
    assert check({"StringEquals": {"k:a": "x${*}"}}, k__a="x*") is True


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("NumericLessThan", "NaN"),
        ("NumericNotEquals", "Infinity"),
        ("DateLessThan", "99999999999999"),
        ("DateGreaterThan", "1e20"),
        ("DateEquals", "NaN"),
    ],
)
def test_a_value_no_number_or_date_can_hold_compares_with_nothing(operator: str, value: str) -> None:
    """Not a crash: a value out of range matches no policy value, as any value that is not a number or
    a date does (so a negated operator holds)."""
    assert check({operator: {"k:a": "10"}}, k__a=value) is operator.startswith("NumericNot")


@given(st.text(alphabet="ab*?", max_size=6), st.text(alphabet="ab", max_size=6))
def test_negated_operators_are_the_opposite_of_their_positive_when_the_key_is_there(
    pattern: str, value: str
) -> None:
    positive = check({"StringLike": {"k:a": pattern}}, k__a=value)
    negative = check({"StringNotLike": {"k:a": pattern}}, k__a=value)
    assert positive is not None
    assert negative is (not positive)


@given(
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3), st.lists(st.sampled_from(["a", "b"]), max_size=3)
)
def test_forallvalues_is_a_subset_test_and_foranyvalue_an_intersection_test(
    request_values: list[str], policy_values: list[str]
) -> None:
    context: dict[str, Any] = {"k__a": tuple(request_values)} if request_values else {}
    every = check({"ForAllValues:StringEquals": {"k:a": policy_values}}, **context)
    some = check({"ForAnyValue:StringEquals": {"k:a": policy_values}}, **context)
    assert every is set(request_values).issubset(policy_values)
    assert some is bool(set(request_values) & set(policy_values))


def test_context_pairs_collect_values_and_reject_pairs_without_a_key() -> None:
    assert context_from_pairs(["aws:TagKeys=a", "aws:TagKeys=b", "aws:SourceVpc=vpc-1"]) == {
        "aws:TagKeys": ("a", "b"),
        "aws:SourceVpc": ("vpc-1",),
    }
    with pytest.raises(ValueError, match="'novalue' is not KEY=VALUE"):
        context_from_pairs(["novalue"])
    with pytest.raises(ValueError, match="is not KEY=VALUE"):
        context_from_pairs(["=x"])


def test_the_core_loads_no_jsii_and_no_boto3() -> None:
    code = (
        "import sys; import constructs_lib.core.evaluator, constructs_lib.core.aws_managed_policies as m;"
        "m.aws_managed_policies().get('AdministratorAccess');"
        "print(sorted(x for x in ('jsii', 'aws_cdk', 'boto3', 'botocore', 'moto') if x in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert shown.strip() == "[]"


def test_explain_takes_away_what_a_deny_of_every_arn_covers() -> None:
    """``arn:*`` is every resource, as ``*`` is: the action is removed, not shown beside a narrower deny."""
    for everything in ("*", "arn:*"):
        profile = Profile("web", (inline(allow("s3:GetObject"), deny("s3:GetObject", everything)),))
        explanation = explain(profile)
        assert [grant.action for grant in explanation.grants] == [], everything
        assert [action for action, _ in explanation.removed] == ["s3:GetObject"], everything
    narrower = explain(
        Profile("web", (inline(allow("s3:GetObject"), deny("s3:GetObject", "arn:aws:s3:::b/*")),))
    )
    assert [grant.action for grant in narrower.grants] == ["s3:GetObject"]


def test_explain_expands_an_action_as_the_evaluator_matches_it() -> None:
    """Without a colon only a wildcard names actions (``*`` every one); ``5``, ``GetObject`` or
    ``s3:`` name none, which ``can`` answers too: explain listed every action of every service."""
    for written in (5, "GetObject", "s3:"):
        profile = Profile("web", (inline(allow(written)),))
        assert explain(profile).grants == (), written
        assert evaluate(profile, Request("s3:GetObject", "*")).outcome == "denied", written
    everything = explain(Profile("web", (inline(allow("*")),)))
    assert len(everything.grants) > 10_000
    assert {"s3:GetObject", "iam:PassRole"} <= {grant.action for grant in everything.grants}
