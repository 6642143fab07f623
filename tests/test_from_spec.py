"""``Ec2AccessProfile.from_spec``: a spec builds what the same props build; every finding at once."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import BroadAccess, Ec2AccessProfile, ProfileSpec, ProfileValidationError
from tests.conftest import library_context
from tests.guardrail_helpers import acknowledged_rules

PATH_RULE = (
    "is not an IAM path: it must be '/' or begin and end with '/' around printable ASCII characters "
    "without spaces, e.g. '/ec2/'"
)
AWS_PREFIX_RULE = "starts with 'aws:', which AWS reserves for its own tags"
PRESET_RULE = (
    "is not a preset; did you mean 'eks-node'? presets are ssm, cloudwatch-agent, ecs, batch, eks-node, "
    "eks-cni"
)
QUEUES_REASON = "The worker owns every queue of the jobs service"
BUCKET_REASON = "Reads any object of the assets bucket"


def fresh_stack() -> Stack:
    return Stack(App(context=library_context()), "Test")


def build_error(build: Any) -> ProfileValidationError:
    with pytest.raises(ProfileValidationError) as caught:
        build()
    return caught.value


# ---------------------------------------------------------------------------------------------------
# The same profile through both front doors
# ---------------------------------------------------------------------------------------------------


def test_a_spec_builds_the_same_template_as_the_equivalent_props() -> None:
    by_props = fresh_stack()
    with_props = Ec2AccessProfile(
        by_props,
        "Web",
        instance_profile_name="web-server",
        role_name="web-server-role",
        path="/ec2/",
        description="Serves the shop",
        presets=["ssm", "cloudwatch-agent"],
        managed_policies=["AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/Reader"],
        statements=[
            iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::assets/*"]),
            iam.PolicyStatement(
                actions=["sqs:*"],
                resources=["arn:aws:sqs:eu-west-1:123456789012:jobs"],
                conditions={"Bool": {"aws:SecureTransport": "true"}},
            ),
        ],
        permissions_boundary="arn:aws:iam::123456789012:policy/Boundary",
        max_session_duration=Duration.hours(4),
        tags={"Team": "Web", "Environment": "Production"},
        managed_policy_quota=11,
        acknowledge=[
            BroadAccess.action("sqs:*", reason=QUEUES_REASON),
            BroadAccess.resource("arn:aws:s3:::assets/*", reason=BUCKET_REASON),
        ],
    )
    by_spec = fresh_stack()
    from_spec = Ec2AccessProfile.from_spec(
        by_spec,
        "Web",
        ProfileSpec(
            instance_profile_name="web-server",
            role_name="web-server-role",
            path="/ec2/",
            description="Serves the shop",
            presets=("ssm", "cloudwatch-agent"),
            managed_policies=("AmazonS3ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/Reader"),
            statements=(
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets/*"},
                {
                    "Effect": "Allow",
                    "Action": "sqs:*",
                    "Resource": "arn:aws:sqs:eu-west-1:123456789012:jobs",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                },
            ),
            permissions_boundary="arn:aws:iam::123456789012:policy/Boundary",
            max_session_seconds=4 * 3600,
            tags={"Team": "Web", "Environment": "Production"},
            managed_policy_quota=11,
            acknowledge=(
                BroadAccess.action("sqs:*", reason=QUEUES_REASON),
                BroadAccess.resource("arn:aws:s3:::assets/*", reason=BUCKET_REASON),
            ),
        ),
    )

    template = Template.from_stack(by_props).to_json()
    assert Template.from_stack(by_spec).to_json() == template
    cfn_role = with_props.role.node.default_child
    assert isinstance(cfn_role, iam.CfnRole)
    role = template["Resources"][by_props.get_logical_id(cfn_role)]
    assert role["Properties"]["MaxSessionDuration"] == 14400
    assert len(role["Properties"]["ManagedPolicyArns"]) == 4
    assert role["Properties"]["PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/Boundary"
    # The acknowledgments sit on the construct at Web/Role: an iam.Role, or a spec's CfnRole's scope.
    assert acknowledged_rules(from_spec.node.find_child("Role")) == acknowledged_rules(with_props.role)
    assert isinstance(from_spec.cfn_role, iam.CfnRole)
    # Made in Node.js (profile_resources): the same construct, under a Python object of its own.
    default_child = from_spec.node.find_child("Role").node.default_child
    assert default_child is not None
    assert default_child.node.path == from_spec.cfn_role.node.path == "Test/Web/Role/Resource"
    assert from_spec.acknowledgments == with_props.acknowledgments
    assert from_spec.node.path == with_props.node.path == "Test/Web"


def test_a_spec_profile_has_no_l2_role_or_instance_profile_and_says_what_to_use() -> None:
    stack = fresh_stack()
    profile = Ec2AccessProfile.from_spec(stack, "Web", ProfileSpec(instance_profile_name="web"))
    with pytest.raises(AttributeError, match=r"Ec2AccessProfile 'Test/Web' .* no role; use role_arn"):
        profile.role  # noqa: B018
    with pytest.raises(AttributeError, match=r"no instance_profile; use instance_profile_arn"):
        profile.instance_profile  # noqa: B018
    resolved = stack.resolve([profile.role_arn, profile.instance_profile_name])
    assert resolved == [
        {"Fn::GetAtt": [stack.get_logical_id(profile.cfn_role), "Arn"]},
        {"Ref": stack.get_logical_id(profile.cfn_instance_profile)},
    ]


def test_an_empty_spec_builds_the_default_profile() -> None:
    by_props, by_spec = fresh_stack(), fresh_stack()
    Ec2AccessProfile(by_props, "Web", tag_instance_profile=False)
    Ec2AccessProfile.from_spec(by_spec, "Web", ProfileSpec(), tag_instance_profile=False)
    template = Template.from_stack(by_spec)
    assert template.to_json() == Template.from_stack(by_props).to_json()
    template.resource_count_is("Custom::InstanceProfileTags", 0)


def test_a_spec_warns_as_the_same_props_do_once_each() -> None:
    by_props, by_spec = fresh_stack(), fresh_stack()
    unknown = BroadAccess.unknown_action("s3:NewAction", reason="Announced after the data's date")
    Ec2AccessProfile(
        by_props,
        "Web",
        statements=[
            iam.PolicyStatement(actions=["s3:NewAction"], resources=["arn:aws:s3:::a/*"]),
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=["arn:aws:s3:::b/*"],
                conditions={"StringLike": {"s3:prefix": "home/*"}},
            ),
        ],
        acknowledge=[unknown],
    )
    Ec2AccessProfile.from_spec(
        by_spec,
        "Web",
        ProfileSpec(
            statements=(
                {"Effect": "Allow", "Action": ["s3:NewAction"], "Resource": "arn:aws:s3:::a/*"},
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                    "Condition": {"StringLike": {"s3:prefix": "home/*"}},
                },
            ),
            acknowledge=(unknown,),
        ),
    )

    def warnings(stack: Stack) -> list[tuple[str, Any]]:
        found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("EAP08"))
        return [(warning.id, warning.entry.data) for warning in found]

    assert len(warnings(by_props)) == 1
    assert warnings(by_spec) == warnings(by_props)


# ---------------------------------------------------------------------------------------------------
# A bad spec: every finding, nothing built
# ---------------------------------------------------------------------------------------------------


def test_a_bad_spec_raises_one_error_with_every_finding_and_builds_nothing(stack: Stack) -> None:
    spec = ProfileSpec(path="ec2", tags={"aws:owner": "me"}, presets=("eks-nod",))
    error = build_error(lambda: Ec2AccessProfile.from_spec(stack, "Web", spec))
    assert len(error.findings) > 1
    assert [(f.rule_id, f.field, f.value, f.profile) for f in error.findings] == [
        ("EAP003", "path", "ec2", "Test/Web"),
        ("EAP011", "tag key", "aws:owner", "Test/Web"),
        ("EAP025", "presets", "eks-nod", "Test/Web"),
    ]
    assert (error.profile, error.field, error.value, error.rule, error.rule_id) == (
        "Test/Web",
        "path",
        "ec2",
        PATH_RULE,
        "EAP003",
    )
    assert str(error) == (
        f"Ec2AccessProfile 'Test/Web': path 'ec2' {PATH_RULE}\n"
        "and 2 more:\n"
        f"  EAP011 tag key 'aws:owner' {AWS_PREFIX_RULE}\n"
        f"  EAP025 presets 'eks-nod' {PRESET_RULE}"
    )
    assert stack.node.try_find_child("Web") is None
    assert len(stack.node.children) == 0


def test_a_spec_is_checked_against_the_apps_settings() -> None:
    stack = Stack(App(context={**library_context(), "ec2-access-profile:managedPolicyQuota": 25}), "Test")
    error = build_error(lambda: Ec2AccessProfile.from_spec(stack, "Web", ProfileSpec()))
    assert (error.rule_id, error.field, error.value) == (
        "EAP023",
        "context 'ec2-access-profile:managedPolicyQuota'",
        25,
    )
    assert len(stack.node.children) == 0


# ---------------------------------------------------------------------------------------------------
# The construct reports every finding too
# ---------------------------------------------------------------------------------------------------

BAD_PROPS: dict[str, Any] = {
    "role_name": "r" * 65,
    "path": "ec2",
    "tags": {"aws:owner": "me"},
    "statements": [iam.PolicyStatement(actions=["s3:*"], resources=["arn:aws:s3:::b"])],
}


def test_the_construct_reports_every_finding_in_one_error_the_first_as_before(stack: Stack) -> None:
    alone = build_error(lambda: Ec2AccessProfile(stack, "Web", role_name="r" * 65))
    error = build_error(lambda: Ec2AccessProfile(stack, "Web", **BAD_PROPS))
    assert (error.field, error.value, error.rule, error.rule_id) == (
        "role_name",
        "r" * 65,
        "is 65 characters; IAM allows 1 to 64",
        "EAP002",
    )
    assert (error.field, error.value, error.rule, error.rule_id) == (
        alone.field,
        alone.value,
        alone.rule,
        alone.rule_id,
    )
    assert [(f.rule_id, f.field, f.profile) for f in error.findings] == [
        ("EAP002", "role_name", "Test/Web"),
        ("EAP003", "path", "Test/Web"),
        ("EAP011", "tag key", "Test/Web"),
        ("EAP042", "statements", "Test/Web"),
    ]
    assert str(error).startswith(f"{alone}\nand 3 more:\n  EAP003 path 'ec2' {PATH_RULE}\n")
    assert stack.node.try_find_child("Web") is None


def test_both_front_doors_find_the_same_problems(stack: Stack) -> None:
    by_props = build_error(lambda: Ec2AccessProfile(stack, "Web", **BAD_PROPS))
    spec = ProfileSpec(
        role_name="r" * 65,
        path="ec2",
        tags={"aws:owner": "me"},
        statements=({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"},),
    )
    by_spec = build_error(lambda: Ec2AccessProfile.from_spec(stack, "Web", spec))
    assert by_spec.findings == by_props.findings
    assert str(by_spec) == str(by_props)
