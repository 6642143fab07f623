"""Least privilege in the construct: broad grants need an acknowledgment with a reason; the trust policy
stays EC2's. The rules themselves, pure, are ``tests/test_least_privilege_rules.py``'s."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import BroadAccess, Ec2AccessProfile, ProfileSpec, ProfileValidationError
from tests.guardrail_helpers import acknowledged_rules, synth_errors

REASON = "Needed because the agent manages every object"


# ---------------------------------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "resources", "shown", "factory"),
    [
        (["*"], ["arn:aws:s3:::b"], "*", "BroadAccess.action('*'"),
        (["s3:*"], ["arn:aws:s3:::b"], "s3:*", "BroadAccess.action('s3:*'"),
        (["s3:GetObject"], ["*"], "*", "BroadAccess.resource('*'"),
    ],
)
def test_an_unacknowledged_wildcard_is_refused_naming_how_to_acknowledge_it(
    stack: Stack, actions: list[str], resources: list[str], shown: str, factory: str
) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", statements=[iam.PolicyStatement(actions=actions, resources=resources)])
    assert caught.value.field == "statements"
    assert caught.value.value == shown
    assert factory in caught.value.rule
    assert stack.node.try_find_child("P") is None


def test_the_exact_wildcard_acknowledged_passes_and_reaches_the_template(stack: Stack) -> None:
    Ec2AccessProfile(
        stack,
        "P",
        statements=[iam.PolicyStatement(actions=["s3:*"], resources=["*"])],
        acknowledge=[
            BroadAccess.action("s3:*", reason=REASON),
            BroadAccess.resource("*", reason="Buckets are created at run time by the agent"),
        ],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {"Policies": [{"PolicyDocument": {"Statement": [{"Action": "s3:*", "Resource": "*"}]}}]},
    )


def test_acknowledging_one_wildcard_does_not_cover_another(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError, match=r"statements 'ec2:\*' allows every action of ec2"):
        Ec2AccessProfile(
            stack,
            "P",
            statements=[iam.PolicyStatement(actions=["s3:*", "ec2:*"], resources=["arn:aws:s3:::b"])],
            acknowledge=[BroadAccess.action("s3:*", reason=REASON)],
        )


def test_add_to_policy_needs_the_acknowledgment_first(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P")
    wildcard = iam.PolicyStatement(actions=["sqs:*"], resources=["arn:aws:sqs:*:*:q"])
    with pytest.raises(ProfileValidationError, match=r"'Test/P': statements 'sqs:\*'"):
        profile.add_to_policy(wildcard)
    profile.acknowledge(BroadAccess.action("sqs:*", reason="The worker owns its queues entirely"))
    profile.add_to_policy(wildcard)
    assert [a.pattern for a in profile.acknowledgments] == ["sqs:*"]
    assert synth_errors(stack) == []


def test_acknowledging_again_what_an_earlier_call_acknowledged_is_refused(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", acknowledge=[BroadAccess.action("s3:*", reason=REASON)])
    profile.acknowledge(BroadAccess.action("sqs:*", reason=REASON))
    with pytest.raises(ProfileValidationError) as caught:
        profile.acknowledge(BroadAccess.action("s3:*", reason="The same wildcard, said once more"))
    assert (caught.value.field, caught.value.value) == ("acknowledge (action)", "s3:*")
    assert "is acknowledged twice" in caught.value.rule
    assert [a.pattern for a in profile.acknowledgments] == ["s3:*", "sqs:*"]


@pytest.mark.parametrize(
    ("acknowledge", "field", "rule"),
    [
        ([BroadAccess.action("s3:*", reason="because")], "acknowledge (action)", "has a reason of 7"),
        ([BroadAccess.action("s3:GetObject", reason=REASON)], "acknowledge (action)", "is not a wildcard"),
        (
            [BroadAccess.action("s3:*", reason=REASON), BroadAccess.action("s3:*", reason=REASON)],
            "acknowledge (action)",
            "is acknowledged twice",
        ),
        (
            [BroadAccess.managed_policy("Power User", reason=REASON)],
            "acknowledge (managed_policy)",
            "contains ' '",
        ),
    ],
)
def test_a_bad_acknowledgment_is_refused(
    stack: Stack, acknowledge: list[BroadAccess], field: str, rule: str
) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", acknowledge=acknowledge)
    assert caught.value.field == field
    assert rule in caught.value.rule


def test_a_wildcard_added_from_outside_the_profile_is_caught_at_synth(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P")
    profile.role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    iam.ManagedPolicy(
        stack, "Broad", roles=[profile.role], statements=[iam.PolicyStatement(actions=["*"], resources=["x"])]
    )
    assert synth_errors(stack) == [
        "Ec2AccessProfile 'Test/P': statements (in Test/P/Role/DefaultPolicy/Resource) '*' allows every "
        "resource; list exactly what is needed, or acknowledge it with BroadAccess.resource('*', "
        "reason='why it is needed') in acknowledge",
        "Ec2AccessProfile 'Test/P': statements (in Test/Broad/Resource) '*' allows every action of every "
        "service; list exactly what is needed, or acknowledge it with BroadAccess.action('*', "
        "reason='why it is needed') in acknowledge",
    ]


def test_a_statement_changed_after_it_was_added_is_checked_again_at_synth(stack: Stack) -> None:
    statement = iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"])
    Ec2AccessProfile(stack, "P", statements=[statement])
    statement.add_resources("*")
    (error,) = synth_errors(stack)
    assert error.startswith("Ec2AccessProfile 'Test/P': statements (in inline policy 'Permissions') '*'")


# ---------------------------------------------------------------------------------------------------
# Admin-level AWS-managed policies
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        "AdministratorAccess",
        "PowerUserAccess",
        "IAMFullAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        iam.ManagedPolicy.from_aws_managed_policy_name("PowerUserAccess"),
    ],
)
def test_an_admin_level_policy_needs_an_acknowledgment(stack: Stack, policy: Any) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", managed_policies=[policy])
    assert caught.value.field == "managed_policies"
    assert "grants administrator-level access" in caught.value.rule
    assert "BroadAccess.managed_policy(" in caught.value.rule


def test_an_acknowledged_admin_policy_is_attached(stack: Stack) -> None:
    Ec2AccessProfile(
        stack,
        "P",
        managed_policies=["PowerUserAccess"],
        acknowledge=[BroadAccess.managed_policy("PowerUserAccess", reason="Build hosts create any resource")],
    )
    assert synth_errors(stack) == []


def test_an_admin_policy_attached_from_outside_is_caught_at_synth(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P")
    profile.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess"))
    assert synth_errors(stack) == [
        "Ec2AccessProfile 'Test/P': managed_policies 'AdministratorAccess' grants administrator-level "
        "access; attach a narrower policy, or acknowledge it with "
        "BroadAccess.managed_policy('AdministratorAccess', reason='why it is needed') in acknowledge"
    ]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        (Fn.sub("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"), "AdministratorAccess"),
        ("arn:aws:iam::aws:policy/administratoraccess", "administratoraccess"),
    ],
)
def test_an_admin_policy_written_another_way_is_caught_at_synth(
    stack: Stack, written: str, name: str
) -> None:
    """``Fn::Sub`` or another case: the same policy for IAM, so the same refusal."""
    profile = Ec2AccessProfile(stack, "P")
    profile.role.add_managed_policy(iam.ManagedPolicy.from_managed_policy_arn(stack, "Admin", written))
    (message,) = synth_errors(stack)
    assert message.startswith(
        f"Ec2AccessProfile 'Test/P': managed_policies '{name}' grants administrator-level"
    )


# ---------------------------------------------------------------------------------------------------
# Trust policy
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    [
        iam.AccountRootPrincipal(),
        iam.ServicePrincipal("lambda.amazonaws.com"),
        iam.CompositePrincipal(
            iam.ServicePrincipal("ec2.amazonaws.com"), iam.ServicePrincipal("ssm.amazonaws.com")
        ),
    ],
)
def test_the_trust_policy_cannot_be_widened_from_outside(stack: Stack, principal: iam.IPrincipal) -> None:
    profile = Ec2AccessProfile(stack, "P")
    assert profile.role.assume_role_policy is not None
    profile.role.assume_role_policy.add_statements(
        iam.PolicyStatement(actions=["sts:AssumeRole"], principals=[principal])
    )
    (error,) = synth_errors(stack)
    assert error.startswith("Ec2AccessProfile 'Test/P': trust policy ")
    assert error.endswith(
        "lets another principal than ec2.amazonaws.com assume the role; a profile's role is for EC2 only: "
        "remove what was added to role.assume_role_policy, or give that principal an iam.Role of its own"
    )


def test_a_spec_built_roles_trust_policy_is_ec2s_and_replacing_it_is_refused(stack: Stack) -> None:
    kept = Ec2AccessProfile.from_spec(stack, "Kept", ProfileSpec(instance_profile_name="kept"))
    widened = Ec2AccessProfile.from_spec(stack, "Widened", ProfileSpec(instance_profile_name="widened"))
    trust: dict[str, Any] = {
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
        ],
        "Version": "2012-10-17",
    }
    assert stack.resolve(kept.cfn_role.assume_role_policy_document) == trust
    widened.cfn_role.assume_role_policy_document = {
        **trust,
        "Statement": [{**trust["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}],
    }
    (error,) = synth_errors(stack)
    assert error.startswith("Ec2AccessProfile 'Test/Widened': trust policy ")


def test_deny_statements_and_ec2_conditions_in_the_trust_policy_are_fine(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P")
    assert profile.role.assume_role_policy is not None
    profile.role.assume_role_policy.add_statements(
        iam.PolicyStatement(
            effect=iam.Effect.DENY, actions=["sts:AssumeRole"], principals=[iam.AccountRootPrincipal()]
        ),
        iam.PolicyStatement(
            actions=["sts:AssumeRole"],
            principals=[iam.ServicePrincipal("ec2.amazonaws.com")],
            conditions={"StringEquals": {"aws:SourceAccount": "123456789012"}},
        ),
    )
    assert synth_errors(stack) == []


# ---------------------------------------------------------------------------------------------------
# What the profile tells cdk-nag (acknowledgments as construct metadata, read by cdk-nag v3)
# ---------------------------------------------------------------------------------------------------


def test_aws_managed_policies_chosen_by_name_are_acknowledged_with_a_default_reason(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", managed_policies=["AmazonS3ReadOnlyAccess"])
    finding = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonS3ReadOnlyAccess]"
    assert acknowledged_rules(profile.role) == {
        f"Annotation::{finding}": (
            "AWS-managed policy AmazonS3ReadOnlyAccess was chosen by name for Ec2AccessProfile 'Test/P'; "
            "give the reason with BroadAccess.managed_policy('AmazonS3ReadOnlyAccess', reason=...)"
        )
    }


def test_the_reason_given_replaces_the_default(stack: Stack) -> None:
    profile = Ec2AccessProfile(
        stack,
        "P",
        managed_policies=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        acknowledge=[BroadAccess.managed_policy("AmazonS3ReadOnlyAccess", reason="Serves any team bucket")],
    )
    assert acknowledged_rules(profile.role) == {
        "Annotation::AwsSolutions-IAM4[Policy::arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]": (
            "Serves any team bucket"
        )
    }


def test_acknowledged_wildcards_and_the_inline_policy_are_acknowledged_on_the_role(stack: Stack) -> None:
    profile = Ec2AccessProfile(
        stack,
        "P",
        statements=[iam.PolicyStatement(actions=["*"], resources=["*"])],
        acknowledge=[
            BroadAccess.action("*", reason="Break-glass host, reviewed"),
            BroadAccess.resource("*", reason="Break-glass host, reviewed"),
        ],
    )
    assert set(acknowledged_rules(profile.role)) == {
        "Annotation::AwsSolutions-IAM5[Action::*]",
        "Annotation::AwsSolutions-IAM5[Resource::*]",
        "Annotation::NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
        "Annotation::NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
        "Annotation::NIST.800.53.R5-IAMNoInlinePolicy",
    }


def test_nothing_is_acknowledged_for_a_policy_attached_outside_the_profile(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P")
    profile.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess"))
    assert acknowledged_rules(profile.role) == {}
