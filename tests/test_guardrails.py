"""App-wide policies from context, checked on the finished app: required tags, CDK's boundary."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, PermissionsBoundary, Stack, Stage, Tags
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from constructs import Construct

from constructs_lib import Ec2AccessProfile, ProfileValidationError
from tests.conftest import library_context
from tests.guardrail_helpers import synth_errors

REQUIRED = {"ec2-access-profile:requiredTags": ["Environment", "Service"]}
BOUNDARY_CONTEXT = "@aws-cdk/core:permissionsBoundary"


def app_with(context: dict[str, Any]) -> App:
    return App(context={**library_context(), **context})


# ---------------------------------------------------------------------------------------------------
# ec2-access-profile:requiredTags
# ---------------------------------------------------------------------------------------------------


def test_required_tags_given_as_props_pass() -> None:
    stack = Stack(app_with(REQUIRED), "Stack")
    Ec2AccessProfile(stack, "P", tags={"Environment": "Production", "Service": "Web"})
    assert synth_errors(stack) == []


def test_required_tags_applied_with_tags_of_anywhere_above_pass() -> None:
    app = app_with(REQUIRED)
    stack = Stack(app, "Stack")
    Ec2AccessProfile(stack, "P", tags={"Service": "Web"})
    Tags.of(app).add("Environment", "Production")
    assert synth_errors(stack) == []


def test_a_missing_required_tag_fails_at_synth_naming_it() -> None:
    stack = Stack(app_with(REQUIRED), "Stack")
    Ec2AccessProfile(stack, "P", tags={"Service": "Web"})
    assert synth_errors(stack) == [
        "Ec2AccessProfile 'Stack/P': tags 'Environment' are required on every profile by the context key "
        "'ec2-access-profile:requiredTags' (Environment, Service) but missing; add them with tags={...} "
        "or Tags.of(scope).add(key, value)"
    ]


def test_a_required_tag_removed_by_tags_of_fails() -> None:
    stack = Stack(app_with(REQUIRED), "Stack")
    Ec2AccessProfile(stack, "P", tags={"Environment": "Production", "Service": "Web"})
    Tags.of(stack).remove("Service", priority=300)
    (error,) = synth_errors(stack)
    assert "tags 'Service' are required" in error


def test_required_tags_match_keys_exactly() -> None:
    stack = Stack(app_with(REQUIRED), "Stack")
    Ec2AccessProfile(stack, "P", tags={"environment": "Production", "Service": "Web"})
    (error,) = synth_errors(stack)
    assert "tags 'Environment' are required" in error


@pytest.mark.parametrize(("value", "shown"), [("Environment", "'Environment'"), (["aws:x"], "'aws:x'")])
def test_a_malformed_required_tags_context_is_refused(value: object, shown: str) -> None:
    stack = Stack(app_with({"ec2-access-profile:requiredTags": value}), "Stack")
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P")
    assert caught.value.field == "context 'ec2-access-profile:requiredTags'"
    assert repr(caught.value.value) == shown


# ---------------------------------------------------------------------------------------------------
# @aws-cdk/core:permissionsBoundary
# ---------------------------------------------------------------------------------------------------


def boundaries(template: Template) -> dict[str, Any]:
    """The permissions boundary of every role in the template, by logical ID."""
    return {
        logical_id: role["Properties"].get("PermissionsBoundary")
        for logical_id, role in template.find_resources("AWS::IAM::Role").items()
    }


def boundary_by_name(name: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, f":policy/{name}"],
        ]
    }


def test_the_context_boundary_ends_up_on_every_role_including_the_tag_handlers() -> None:
    stack = Stack(app_with({BOUNDARY_CONTEXT: {"name": "OrgBoundary"}}), "Stack")
    Ec2AccessProfile(stack, "A", tags={"A": "1"})
    Ec2AccessProfile(stack, "B", tags={"B": "1"})
    found = boundaries(Template.from_stack(stack))
    assert len(found) == 3  # two profiles and the tag handler
    assert all(boundary == boundary_by_name("OrgBoundary") for boundary in found.values())


def test_a_stage_or_stack_boundary_is_the_same_mechanism() -> None:
    app = app_with({})
    stage = Stage(
        app, "Prod", permissions_boundary=PermissionsBoundary.from_arn("arn:aws:iam::123456789012:policy/B")
    )
    stack = Stack(stage, "Stack")
    Ec2AccessProfile(stack, "A", tags={"A": "1"})
    assert set(map(str, boundaries(Template.from_stack(stack)).values())) == {
        "arn:aws:iam::123456789012:policy/B"
    }


@pytest.mark.parametrize(
    ("context", "boundary"),
    [
        ({"name": "OrgBoundary"}, "arn:aws:iam::123456789012:policy/OrgBoundary"),
        (
            {"arn": "arn:aws:iam::123456789012:policy/OrgBoundary"},
            "arn:aws-cn:iam::123456789012:policy/OrgBoundary",
        ),
    ],
)
def test_an_explicit_boundary_that_is_the_context_one_is_accepted(
    context: dict[str, str], boundary: str
) -> None:
    stack = Stack(app_with({BOUNDARY_CONTEXT: context}), "Stack")
    Ec2AccessProfile(stack, "P", permissions_boundary=boundary)
    assert len(boundaries(Template.from_stack(stack))) == 2


def test_an_explicit_boundary_that_the_context_would_replace_is_refused() -> None:
    stack = Stack(app_with({BOUNDARY_CONTEXT: {"name": "OrgBoundary"}}), "Stack")
    own = iam.ManagedPolicy(
        stack, "Own", statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["x"])]
    )
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", permissions_boundary=own)
    assert caught.value.field == "permissions_boundary"
    assert caught.value.value == "Stack/Own"
    assert "which CDK puts on every role of the stack in its place" in caught.value.rule
    with pytest.raises(
        ProfileValidationError, match="'arn:aws:iam::123456789012:policy/Other' is not the app"
    ):
        Ec2AccessProfile(stack, "Q", permissions_boundary="arn:aws:iam::123456789012:policy/Other")


def test_a_context_boundary_set_below_the_stack_is_refused() -> None:
    stack = Stack(app_with({}), "Stack")
    team = Construct(stack, "Team")
    team.node.set_context(BOUNDARY_CONTEXT, {"name": "TeamBoundary"})
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(team, "P")
    assert caught.value.field == "context '@aws-cdk/core:permissionsBoundary'"
    assert "is set below the profile's stack, where CDK does not apply it" in caught.value.rule


# ---------------------------------------------------------------------------------------------------
# One validation pass per stack
# ---------------------------------------------------------------------------------------------------


def validation_lines(app: App) -> list[str]:
    """The lines of CDK's validation error when ``app`` is synthesized: ``[where] message``."""
    with pytest.raises(RuntimeError, match="Validation failed with the following errors") as caught:
        app.synth()
    return [line.strip() for line in str(caught.value).splitlines() if line.strip().startswith("[")]


def test_every_profile_of_every_stack_is_checked_by_its_stacks_validation() -> None:
    app = app_with({})
    prod, other = Stack(app, "Prod"), Stack(app, "Other")
    team = Construct(prod, "Team")
    profiles = [Ec2AccessProfile(prod, "Web"), Ec2AccessProfile(team, "Db"), Ec2AccessProfile(other, "Api")]
    Tags.of(app).add("aws:reserved", "1")
    rule = "tag key (after Tags.of) 'aws:reserved' starts with 'aws:', which AWS reserves for its own tags"
    assert validation_lines(app) == [
        f"[Prod] Ec2AccessProfile 'Prod/Web': {rule}",
        f"[Prod] Ec2AccessProfile 'Prod/Team/Db': {rule}",
        f"[Other] Ec2AccessProfile 'Other/Api': {rule}",
    ]
    # No validation of its own: Node.js calls Python once per stack, not once per profile.
    assert all(profile.node.validate() == [] for profile in profiles)


def test_a_profile_built_by_hand_is_checked_without_anything_else_to_call() -> None:
    app = app_with(REQUIRED)
    Ec2AccessProfile(Stack(app, "Stack"), "P", tags={"Service": "Web"})
    (line,) = validation_lines(app)
    assert line.startswith("[Stack] Ec2AccessProfile 'Stack/P': tags 'Environment' are required")


def test_a_policy_in_another_environment_does_not_stop_the_synth_of_an_unnamed_profile() -> None:
    """The guardrails ask which policies name each role; a policy in a stack of another region or
    account cannot name a generated role name, and aws-cdk-lib refuses to resolve one there."""
    app = App(context=library_context())
    profiles = Stack(app, "P", env=Environment(account="111111111111", region="eu-west-1"))
    Ec2AccessProfile(profiles, "C", tag_instance_profile=False)
    for name, env in [
        ("Region", Environment(account="111111111111", region="us-east-1")),
        ("Account", Environment(account="222222222222", region="eu-west-1")),
    ]:
        other = Stack(app, name, env=env)
        role = iam.Role(other, "Unrelated", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"]))
    assert synth_errors(profiles) == []
