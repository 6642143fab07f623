"""Bad input fails while the construct is built, naming the profile, the field, the value and the rule."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import Ec2AccessProfile, ProfileValidationError
from constructs_lib.core.credential_guard import SIDS as CREDENTIAL_GUARD_SIDS
from constructs_lib.core.credential_guard import CredentialGuard


def build_error(stack: Stack, **props: Any) -> ProfileValidationError:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "WebServer", **props)
    return caught.value


@pytest.mark.parametrize(
    ("props", "field", "rule"),
    [
        ({"role_name": "r" * 65}, "role_name", "is 65 characters; IAM allows 1 to 64"),
        ({"role_name": ""}, "role_name", "is 0 characters; IAM allows 1 to 64"),
        ({"role_name": "web server"}, "role_name", "contains ' '"),
        (
            {"instance_profile_name": "p" * 129},
            "instance_profile_name",
            "is 129 characters; IAM allows 1 to 128",
        ),
        (
            {"instance_profile_name": "p" * 65},
            "role_name (defaulted from instance_profile_name)",
            "is 65 characters; IAM allows 1 to 64",
        ),
        ({"path": "ec2"}, "path", "must be '/' or begin and end with '/'"),
        ({"path": "/ec2"}, "path", "must be '/' or begin and end with '/'"),
        ({"path": "/e c2/"}, "path", "must be '/' or begin and end with '/'"),
        ({"path": "/" + "a" * 511 + "/"}, "path", "is 513 characters; IAM allows 1 to 512"),
        ({"description": "d" * 1001}, "description", "is 1001 characters; IAM allows at most 1000"),
        ({"description": "snow ☃"}, "description", "contains '☃'"),
        (
            {"max_session_duration": Duration.minutes(59)},
            "max_session_duration",
            "is 3540 seconds; IAM allows 1 to 12 hours",
        ),
        (
            {"max_session_duration": Duration.hours(13)},
            "max_session_duration",
            "is 46800 seconds; IAM allows 1 to 12 hours",
        ),
        (
            {"max_session_duration": Duration.millis(3_600_500)},
            "max_session_duration",
            "is not a whole number of seconds",
        ),
        ({"tags": {"aws:owner": "me"}}, "tag key", "starts with 'aws:'"),
        ({"tags": {"": "x"}}, "tag key", "is 0 characters; IAM allows 1 to 128"),
        ({"tags": {"k" * 129: "x"}}, "tag key", "is 129 characters; IAM allows 1 to 128"),
        ({"tags": {"Team": "a" * 257}}, "tags['Team']", "is 257 characters; IAM allows 0 to 256"),
        ({"tags": {"Team": "a&b"}}, "tags['Team']", "contains '&'"),
        ({"tags": {"Env": "a", "env": "b"}}, "tag key", "equals 'Env' ignoring case"),
        ({"tags": {f"k{i}": "v" for i in range(51)}}, "tags", "has 51 tags; IAM allows at most 50"),
        (
            {"managed_policies": ["Amazon S3"]},
            "managed_policies",
            "has policy name 'Amazon S3' that contains ' '",
        ),
        (
            {"managed_policies": ["arn:aws:iam::123:policy/Reader"]},
            "managed_policies",
            "is not a managed-policy ARN",
        ),
        (
            {"managed_policies": ["arn:aws:s3:::bucket"]},
            "managed_policies",
            "is not a managed-policy ARN",
        ),
        (
            {"managed_policies": ["/service-role/AmazonEC2RoleforSSM"]},
            "managed_policies",
            "is not an AWS-managed policy name",
        ),
        (
            {"permissions_boundary": "Boundary"},
            "permissions_boundary",
            "is not a managed-policy ARN",
        ),
    ],
)
def test_bad_input_names_profile_field_value_and_rule(
    stack: Stack, props: dict[str, Any], field: str, rule: str
) -> None:
    error = build_error(stack, **props)
    assert isinstance(error, ValueError)
    assert error.profile == "Test/WebServer"
    assert error.field == field
    assert rule in error.rule
    assert str(error).startswith(f"Ec2AccessProfile 'Test/WebServer': {field} ")
    assert rule in str(error)


def test_message_shows_the_value(stack: Stack) -> None:
    error = build_error(stack, path="ec2")
    assert str(error) == (
        "Ec2AccessProfile 'Test/WebServer': path 'ec2' is not an IAM path: it must be '/' or "
        "begin and end with '/' around printable ASCII characters without spaces, e.g. '/ec2/'"
    )


def test_long_values_are_shortened_in_the_message_but_kept_on_the_error(stack: Stack) -> None:
    error = build_error(stack, role_name="r" * 300)
    assert error.value == "r" * 300
    assert "(300 characters)" in str(error)
    assert len(str(error)) < 250


def test_exact_boundaries_pass(stack: Stack) -> None:
    Ec2AccessProfile(
        stack,
        "WebServer",
        instance_profile_name="p" * 128,
        role_name="r" * 64,
        path="/" + "a" * 510 + "/",
        description="d" * 1000,
        max_session_duration=Duration.hours(12),
        tags={f"k{i:03}" + "k" * 124: "v" * 256 for i in range(50)},
    )
    Ec2AccessProfile(stack, "Shortest", role_name="r", max_session_duration=Duration.hours(1))
    Template.from_stack(stack).resource_count_is("AWS::IAM::InstanceProfile", 2)


def test_tokens_are_not_checked_as_strings(stack: Stack) -> None:
    unknown = CfnParameter(stack, "NameParameter").value_as_string
    Ec2AccessProfile(
        stack,
        "WebServer",
        instance_profile_name=unknown,
        role_name=unknown,
        path=unknown,
        description=unknown,
        managed_policies=[unknown],
        permissions_boundary=CfnParameter(stack, "BoundaryParameter").value_as_string,
        tags={"Team": unknown},
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": {"Ref": "NameParameter"},
            "ManagedPolicyArns": [{"Ref": "NameParameter"}],
            "PermissionsBoundary": {"Ref": "BoundaryParameter"},
        },
    )


def test_importers_reject_malformed_names_and_arns(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError, match=r"'Test/Shared': instance_profile_name"):
        Ec2AccessProfile.from_instance_profile_name(stack, "Shared", "no spaces allowed")
    with pytest.raises(ProfileValidationError, match="is not an instance-profile ARN"):
        Ec2AccessProfile.from_instance_profile_arn(stack, "Shared", "arn:aws:iam::123456789012:role/Shared")


def test_nothing_is_created_when_construction_fails(stack: Stack) -> None:
    build_error(stack, tags={"aws:x": "y"})
    build_error(stack, managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("A"), "A"])
    build_error(stack, statements=[iam.PolicyStatement(actions=["s3:GetObject"])])
    assert stack.node.try_find_child("WebServer") is None
    Ec2AccessProfile(stack, "WebServer")
    Template.from_stack(stack).resource_count_is("AWS::IAM::InstanceProfile", 1)


def read(resource: str, sid: str | None = None) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid=sid, actions=["s3:GetObject"], resources=[f"arn:aws:s3:::assets/{resource}"]
    )


@pytest.mark.parametrize(
    ("statements", "guard", "sid", "rule"),
    [
        ([read("a", "read-assets")], None, "read-assets", "contains '-'; IAM allows only letters"),
        ([read("a", "")], None, "", "is empty; leave the Sid out, or give one"),
        ([read("a", "${aws:username}")], None, "${aws:username}", "contains '$', '{', ':', '}'"),
        ([read("a", "S1"), read("b", "S1")], None, "S1", "is the Sid of statements[0] too"),
        (
            [read("a", "CredentialGuardImdsV2Only")],
            CredentialGuard(imdsv2_only=True),
            "CredentialGuardImdsV2Only",
            "is the Sid of a statement of the credential guard too",
        ),
    ],
)
def test_a_sid_iam_refuses_fails_the_construct_as_eap047(
    stack: Stack, statements: list[iam.PolicyStatement], guard: CredentialGuard | None, sid: str, rule: str
) -> None:
    error = build_error(stack, statements=statements, credential_guard=guard)
    (finding,) = error.findings
    assert (finding.rule_id, finding.field, finding.value) == ("EAP047", "sid", sid)
    assert rule in finding.rule


def test_a_sid_added_with_add_to_policy_is_checked(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "WebServer", statements=[read("a", "S1")])
    with pytest.raises(ProfileValidationError) as caught:
        profile.add_to_policy(read("b", "read-b"))
    assert (caught.value.rule_id, caught.value.value) == ("EAP047", "read-b")


def test_the_librarys_own_sids_and_a_token_sid_pass(stack: Stack) -> None:
    token = CfnParameter(stack, "Sid").value_as_string
    profile = Ec2AccessProfile(
        stack,
        "WebServer",
        presets=["ssm", "cloudwatch-agent"],
        statements=[read("a", "ReadA"), read("b", token)],
        credential_guard=CredentialGuard(imdsv2_only=True),
    )
    role = Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(profile.cfn_role)]
    (policy,) = role["Properties"]["Policies"]
    sids = [statement.get("Sid") for statement in policy["PolicyDocument"]["Statement"]]
    assert sids == ["ReadA", {"Ref": "Sid"}, *CREDENTIAL_GUARD_SIDS]
