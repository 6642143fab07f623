"""IAM's quotas, counted across every source: exact boundaries at construction and at synth. The pure
rules (sizes, counts, the quota's range) are ``tests/test_limits_rules.py``'s."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib import Ec2AccessProfile, ProfileValidationError
from constructs_lib.core.limits import policy_size
from tests.conftest import library_context
from tests.guardrail_helpers import overhead, padded_statement, synth_errors

ROLE = "AWS::IAM::Role"


def customer_policies(stack: Stack, count: int, prefix: str = "Own") -> list[iam.ManagedPolicy]:
    return [
        iam.ManagedPolicy(
            stack,
            f"{prefix}{index}",
            statements=[iam.PolicyStatement(actions=["s3:ListBucket"], resources=[f"arn:aws:s3:::b{index}"])],
        )
        for index in range(count)
    ]


def profile_role(template: Template) -> dict[str, Any]:
    roles = template.find_resources(
        ROLE,
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Principal": {"Service": "ec2.amazonaws.com"}})]
                    )
                }
            }
        },
    )
    (role,) = roles.values()
    return dict(role["Properties"])


# ---------------------------------------------------------------------------------------------------
# Managed policies per role, from every source
# ---------------------------------------------------------------------------------------------------


def test_ten_managed_policies_in_the_prop_pass(stack: Stack) -> None:
    Ec2AccessProfile(stack, "P", managed_policies=customer_policies(stack, 10))
    assert len(profile_role(Template.from_stack(stack))["ManagedPolicyArns"]) == 10


def test_eleven_managed_policies_in_the_prop_fail_at_construction(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", managed_policies=customer_policies(stack, 11))
    assert caught.value.field == "managed_policies"
    assert caught.value.value == "11 policies"
    assert "10 managed policies" in caught.value.rule
    assert stack.node.try_find_child("P") is None


def test_add_managed_policy_beyond_the_quota_fails(stack: Stack) -> None:
    policies = customer_policies(stack, 11)
    profile = Ec2AccessProfile(stack, "P", managed_policies=policies[:10])
    with pytest.raises(ProfileValidationError, match=r"'11 policies' is more than IAM allows one role"):
        profile.add_managed_policy(policies[10])


def test_the_quota_prop_allows_up_to_its_value(stack: Stack) -> None:
    policies = customer_policies(stack, 13)
    Ec2AccessProfile(stack, "Twelve", managed_policies=policies[:12], managed_policy_quota=12)
    with pytest.raises(ProfileValidationError, match=r"'13 policies'.*: 12 managed policies"):
        Ec2AccessProfile(stack, "Thirteen", managed_policies=policies, managed_policy_quota=12)


@pytest.mark.parametrize("quota", [9, 21, "20"])
def test_a_quota_outside_iams_range_is_refused(stack: Stack, quota: object) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", managed_policy_quota=quota)  # type: ignore[arg-type]
    assert caught.value.field == "managed_policy_quota"
    assert "10 (the default) to 20" in caught.value.rule


def test_the_quota_context_key_raises_it_for_the_whole_app() -> None:
    stack = Stack(App(context={**library_context(), "ec2-access-profile:managedPolicyQuota": 20}), "Test")
    policies = customer_policies(stack, 21)
    Ec2AccessProfile(stack, "Twenty", managed_policies=policies[:20])
    with pytest.raises(ProfileValidationError, match=r"'21 policies'.*: 20 managed policies"):
        Ec2AccessProfile(stack, "TwentyOne", managed_policies=policies)


def test_a_bad_quota_in_context_names_the_context_key() -> None:
    stack = Stack(App(context={**library_context(), "ec2-access-profile:managedPolicyQuota": 30}), "Test")
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P")
    assert caught.value.field == "context 'ec2-access-profile:managedPolicyQuota'"


def attach_two_elsewhere(stack: Stack, profile: Ec2AccessProfile) -> None:
    """Two managed policies that reach the role without going through the profile."""
    profile.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess"))
    iam.ManagedPolicy(
        stack,
        "Elsewhere",
        roles=[profile.role],
        statements=[iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:*:*:q"])],
    )


def test_policies_attached_elsewhere_count_up_to_ten(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", managed_policies=customer_policies(stack, 8))
    attach_two_elsewhere(stack, profile)
    assert synth_errors(stack) == []


def test_the_eleventh_policy_attached_elsewhere_fails_at_synth_naming_the_sources(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", managed_policies=customer_policies(stack, 9))
    attach_two_elsewhere(stack, profile)
    assert synth_errors(stack) == [
        "Ec2AccessProfile 'Test/P': managed_policies '11 attached (9 through the profile, 2 elsewhere)' is "
        "more than IAM allows one role: 10 managed policies; attach fewer (merge policies, or move "
        "statements into the profile's statements), or, if the account's quota was raised, say so with "
        "managed_policy_quota or the context key 'ec2-access-profile:managedPolicyQuota' (at most 20)"
    ]


def test_policies_attached_from_another_stack_count(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", managed_policies=customer_policies(stack, 10))
    other = Stack(stack.node.scope, "Other")  # type: ignore[arg-type]
    iam.ManagedPolicy(
        other,
        "Shared",
        roles=[profile.role],
        statements=[iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:*:*:q"])],
    )
    (error,) = synth_errors(stack)
    assert "'11 attached (10 through the profile, 1 elsewhere)'" in error


# ---------------------------------------------------------------------------------------------------
# Inline policies of the role, all together
# ---------------------------------------------------------------------------------------------------


def permissions_document_size(stack: Stack) -> int:
    (policy,) = profile_role(Template.from_stack(stack))["Policies"]
    return policy_size(policy["PolicyDocument"])


def test_an_inline_policy_of_exactly_10240_characters_passes(stack: Stack) -> None:
    Ec2AccessProfile(stack, "P", statements=[padded_statement(10_240, document_overhead=overhead([]))])
    assert permissions_document_size(stack) == 10_240


def test_an_inline_policy_of_10241_characters_fails_when_built(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", statements=[padded_statement(10_241, document_overhead=overhead([]))])
    assert str(caught.value) == (
        "Ec2AccessProfile 'Test/P': statements '10,241 characters' (the inline policy as synth writes it, "
        "statements merged, whitespace not counted) is more than IAM allows for all inline policies of "
        "one role together: 10,240 characters without whitespace; move statements into a customer "
        "managed policy (managed_policies=[iam.ManagedPolicy(...)]) or merge statements"
    )
    assert caught.value.rule_id == "EAP060"


def test_an_inline_policy_grown_to_10241_characters_fails_at_synth(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P")
    profile.add_to_policy(padded_statement(10_241, document_overhead=overhead([])))
    assert synth_errors(stack) == [
        "Ec2AccessProfile 'Test/P': inline policies '10,241 characters' (from inline policy 'Permissions' "
        "10,241) is more than IAM allows for all inline policies of one role together: 10,240 characters "
        "without whitespace; move statements into a customer managed policy "
        "(managed_policies=[iam.ManagedPolicy(...)]) or merge statements"
    ]


def test_inline_policies_from_elsewhere_are_added_together(stack: Stack) -> None:
    profile = Ec2AccessProfile(
        stack, "P", statements=[padded_statement(6_000, document_overhead=overhead([]))]
    )
    profile.role.add_to_policy(padded_statement(4_240, document_overhead=overhead([])))
    assert synth_errors(stack) == []
    stack_over = Stack(App(context=library_context()), "Over")
    over = Ec2AccessProfile(
        stack_over, "P", statements=[padded_statement(6_000, document_overhead=overhead([]))]
    )
    over.role.add_to_policy(padded_statement(4_241, document_overhead=overhead([])))
    iam.Policy(
        stack_over,
        "Extra",
        roles=[over.role],
        statements=[padded_statement(200, document_overhead=overhead([]))],
    )
    (error,) = synth_errors(stack_over)
    assert error.startswith(
        "Ec2AccessProfile 'Over/P': inline policies '10,441 characters' (from inline policy 'Permissions' "
        "6,000, Over/P/Role/DefaultPolicy/Resource 4,241, Over/Extra/Resource 200) is more than IAM allows"
    )


# ---------------------------------------------------------------------------------------------------
# One customer managed policy document
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "errors"), [(6_144, 0), (6_145, 1)])
def test_a_customer_managed_policy_is_at_most_6144_characters(stack: Stack, size: int, errors: int) -> None:
    big = iam.ManagedPolicy(stack, "Big", statements=[padded_statement(size, document_overhead=overhead([]))])
    Ec2AccessProfile(stack, "P", managed_policies=[big])
    found = synth_errors(stack)
    assert len(found) == errors
    if errors:
        assert found[0] == (
            f"Ec2AccessProfile 'Test/P': managed policy Test/Big/Resource '{size:,} characters' is more "
            "than IAM allows for one managed policy: 6,144 characters without whitespace; split it into two "
            "managed policies or merge statements"
        )
    else:
        (document,) = (
            r["Properties"]["PolicyDocument"]
            for r in Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
        )
        assert policy_size(document) == 6_144


def test_a_managed_policy_attached_elsewhere_and_the_boundary_are_measured(stack: Stack) -> None:
    boundary = iam.ManagedPolicy(
        stack, "Boundary", statements=[padded_statement(6_145, document_overhead=overhead([]))]
    )
    profile = Ec2AccessProfile(stack, "P", permissions_boundary=boundary)
    iam.ManagedPolicy(
        stack,
        "Elsewhere",
        roles=[profile.role],
        statements=[padded_statement(6_145, document_overhead=overhead([]))],
    )
    found = synth_errors(stack)
    assert [error.split(": ", 1)[1].split(" '")[0] for error in found] == [
        "managed policy Test/Elsewhere/Resource",
        "managed policy Test/Boundary/Resource",
    ]


# ---------------------------------------------------------------------------------------------------
# Trust policy
# ---------------------------------------------------------------------------------------------------


def pad_trust_policy(profile: Ec2AccessProfile, size: int) -> None:
    """Add an EC2-only statement that brings the trust policy to ``size`` characters."""
    stack = Stack.of(profile)
    statement: dict[str, Any] = {
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ""}},
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
    }
    current = stack.resolve(profile.role.assume_role_policy)
    document = {**current, "Statement": [*current["Statement"], statement]}
    padding = size - policy_size(document)
    profile.role.assume_role_policy.add_statements(  # type: ignore[union-attr]
        iam.PolicyStatement(
            actions=["sts:AssumeRole"],
            principals=[iam.ServicePrincipal("ec2.amazonaws.com")],
            conditions={"StringEquals": {"aws:SourceAccount": "1" * padding}},
        )
    )


@pytest.mark.parametrize(("size", "errors"), [(2_048, []), (2_049, ["trust policy '2,049 characters'"])])
def test_the_trust_policy_is_at_most_2048_characters(stack: Stack, size: int, errors: list[str]) -> None:
    profile = Ec2AccessProfile(stack, "P")
    pad_trust_policy(profile, size)
    found = synth_errors(stack)
    assert [error.split(": ", 1)[1].split(" is more")[0] for error in found] == errors
    if not errors:
        assert policy_size(profile_role(Template.from_stack(stack))["AssumeRolePolicyDocument"]) == 2_048


# ---------------------------------------------------------------------------------------------------
# Tags, counted after Tags.of
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_tags_of", "errors"), [(20, 0), (21, 1)])
def test_fifty_tags_after_tags_of_pass_and_fifty_one_fail(
    stack: Stack, from_tags_of: int, errors: int
) -> None:
    Ec2AccessProfile(stack, "P", tags={f"own{index}": "v" for index in range(30)})
    for index in range(from_tags_of):
        Tags.of(stack).add(f"stack{index}", "v")
    found = synth_errors(stack)
    assert len(found) == errors
    if errors:
        assert found[0] == (
            "Ec2AccessProfile 'Test/P': tags (after Tags.of) '51 tags' has 51 tags; IAM allows at most 50 "
            "per role or instance profile"
        )
    else:
        assert len(profile_role(Template.from_stack(stack))["Tags"]) == 50


def test_tags_of_with_a_reserved_or_bad_key_fails_at_synth(stack: Stack) -> None:
    Ec2AccessProfile(stack, "P", tags={"Team": "a"})
    Tags.of(stack).add("team", "b", priority=50)
    (error,) = synth_errors(stack)
    assert error.startswith("Ec2AccessProfile 'Test/P': tag key (after Tags.of) ")
    assert "ignoring case" in error
