"""Fine-grained template assertions for every prop, attribute and method of Ec2AccessProfile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import Duration, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib import Ec2AccessProfile, ProfileValidationError

ROLE = "AWS::IAM::Role"
PROFILE = "AWS::IAM::InstanceProfile"


def aws_managed(name: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{name}"]]}


EC2_TRUST = {
    "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "ec2.amazonaws.com"}}]}
    }
}


def only_resource(template: Template, type_: str) -> Mapping[str, Any]:
    """The one resource of ``type_``; for roles, the one EC2 assumes (not the tag handler's)."""
    resources = template.find_resources(type_, EC2_TRUST if type_ == ROLE else None)
    assert len(resources) == 1, resources
    return next(iter(resources.values()))


def profile_role_id(template: Template) -> str:
    (role_id,) = template.find_resources(ROLE, EC2_TRUST)
    return str(role_id)


def test_trust_policy_allows_exactly_ec2_to_assume_the_role(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile")
    role = only_resource(Template.from_stack(stack), ROLE)
    assert role["Properties"]["AssumeRolePolicyDocument"] == {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
            }
        ],
        "Version": "2012-10-17",
    }


def test_defaults_leave_names_and_path_to_cloudformation(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile")
    template = Template.from_stack(stack)
    role = only_resource(template, ROLE)["Properties"]
    profile = only_resource(template, PROFILE)["Properties"]
    assert set(role) == {"AssumeRolePolicyDocument"}
    assert set(profile) == {"Roles"}
    template.resource_count_is("AWS::IAM::Policy", 0)


def test_instance_profile_carries_the_role(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile")
    template = Template.from_stack(stack)
    role_id = profile_role_id(template)
    assert only_resource(template, PROFILE)["Properties"]["Roles"] == [{"Ref": role_id}]


def test_names_path_description_and_session(stack: Stack) -> None:
    Ec2AccessProfile(
        stack,
        "Profile",
        instance_profile_name="EC2-S3-Access-Profile",
        role_name="EC2-S3-Access-Role",
        path="/ec2/",
        description="Web tier instances",
        max_session_duration=Duration.hours(2),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        ROLE,
        {
            "RoleName": "EC2-S3-Access-Role",
            "Path": "/ec2/",
            "Description": "Web tier instances",
            "MaxSessionDuration": 7200,
        },
    )
    template.has_resource_properties(
        PROFILE, {"InstanceProfileName": "EC2-S3-Access-Profile", "Path": "/ec2/"}
    )


def test_role_name_defaults_to_the_instance_profile_name(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile", instance_profile_name="Web")
    Template.from_stack(stack).has_resource_properties(ROLE, {"RoleName": "Web"})


def test_managed_policies_in_all_three_forms(stack: Stack) -> None:
    own = iam.ManagedPolicy(
        stack,
        "Own",
        statements=[iam.PolicyStatement(actions=["s3:ListBucket"], resources=["arn:aws:s3:::b"])],
    )
    Ec2AccessProfile(
        stack,
        "Profile",
        managed_policies=[
            "AmazonS3ReadOnlyAccess",
            "service-role/AmazonEC2RoleforSSM",
            "arn:aws:iam::123456789012:policy/team/Reader",
            own,
        ],
    )
    template = Template.from_stack(stack)
    (own_id,) = template.find_resources("AWS::IAM::ManagedPolicy")
    assert only_resource(template, ROLE)["Properties"]["ManagedPolicyArns"] == [
        aws_managed("AmazonS3ReadOnlyAccess"),
        aws_managed("service-role/AmazonEC2RoleforSSM"),
        "arn:aws:iam::123456789012:policy/team/Reader",
        {"Ref": own_id},
    ]


def test_add_managed_policy_after_construction(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile", managed_policies=["AmazonS3ReadOnlyAccess"])
    profile.add_managed_policy("AmazonSSMManagedInstanceCore")
    assert only_resource(Template.from_stack(stack), ROLE)["Properties"]["ManagedPolicyArns"] == [
        aws_managed("AmazonS3ReadOnlyAccess"),
        aws_managed("AmazonSSMManagedInstanceCore"),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("AmazonS3ReadOnlyAccess", "AmazonS3ReadOnlyAccess"),
        ("AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        ("arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess", "AmazonS3ReadOnlyAccess"),
        ("arn:aws:iam::123456789012:policy/R", "arn:aws:iam::123456789012:policy/R"),
    ],
)
def test_the_same_policy_twice_is_an_error(stack: Stack, first: str, second: str) -> None:
    profile = Ec2AccessProfile(stack, "Profile", managed_policies=[first])
    with pytest.raises(ProfileValidationError, match="already attached"):
        profile.add_managed_policy(second)


def test_the_same_policy_object_or_its_name_twice_is_an_error(stack: Stack) -> None:
    own = iam.ManagedPolicy(
        stack, "Own", statements=[iam.PolicyStatement(actions=["s3:ListBucket"], resources=["*"])]
    )
    profile = Ec2AccessProfile(stack, "Profile", managed_policies=[own, "AmazonS3ReadOnlyAccess"])
    with pytest.raises(ProfileValidationError, match="already attached"):
        profile.add_managed_policy(own)
    with pytest.raises(ProfileValidationError, match="already attached"):
        profile.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonS3ReadOnlyAccess"))


def test_statements_go_into_one_inline_policy_on_the_role(stack: Stack) -> None:
    profile = Ec2AccessProfile(
        stack,
        "Profile",
        statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::assets/*"])],
    )
    profile.add_to_policy(
        iam.PolicyStatement(actions=["sqs:ReceiveMessage"], resources=["arn:aws:sqs:*:*:jobs"])
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    assert only_resource(template, ROLE)["Properties"]["Policies"] == [
        {
            "PolicyName": "Permissions",
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "s3:GetObject",
                        "Effect": "Allow",
                        "Resource": "arn:aws:s3:::assets/*",
                    },
                    {
                        "Action": "sqs:ReceiveMessage",
                        "Effect": "Allow",
                        "Resource": "arn:aws:sqs:*:*:jobs",
                    },
                ],
                "Version": "2012-10-17",
            },
        }
    ]


def test_a_statement_that_is_not_an_identity_statement_is_rejected(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile")
    with pytest.raises(ProfileValidationError, match=r"'Test/Profile': statements .*resource"):
        profile.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"]))
    with pytest.raises(ProfileValidationError, match=r"statements .*principal"):
        profile.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"], principals=[iam.AnyPrincipal()])
        )


def test_permissions_boundary_by_arn(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile", permissions_boundary="arn:aws:iam::123456789012:policy/Boundary")
    Template.from_stack(stack).has_resource_properties(
        ROLE, {"PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary"}
    )


def test_permissions_boundary_by_managed_policy(stack: Stack) -> None:
    boundary = iam.ManagedPolicy(
        stack, "Boundary", statements=[iam.PolicyStatement(actions=["s3:*"], resources=["*"])]
    )
    Ec2AccessProfile(stack, "Profile", permissions_boundary=boundary)
    template = Template.from_stack(stack)
    (boundary_id,) = template.find_resources("AWS::IAM::ManagedPolicy")
    template.has_resource_properties(ROLE, {"PermissionsBoundary": {"Ref": boundary_id}})


def test_tags_go_on_the_role_sorted_by_key(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile", tags={"Service": "WebApp", "Environment": "Production"})
    assert only_resource(Template.from_stack(stack), ROLE)["Properties"]["Tags"] == [
        {"Key": "Environment", "Value": "Production"},
        {"Key": "Service", "Value": "WebApp"},
    ]


def test_tags_from_an_enclosing_scope_reach_the_role(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Profile", tags={"Service": "WebApp"})
    Tags.of(stack).add("CostCentre", "1234")
    Template.from_stack(stack).has_resource_properties(
        ROLE,
        {
            "Tags": [
                {"Key": "CostCentre", "Value": "1234"},
                {"Key": "Service", "Value": "WebApp"},
            ]
        },
    )


def test_attributes_reference_the_role_and_the_profile(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile", instance_profile_name="Web")
    template = Template.from_stack(stack)
    role_id = profile_role_id(template)
    (profile_id,) = template.find_resources(PROFILE)
    assert isinstance(profile.role, iam.Role)
    assert profile.instance_profile.role is not None
    assert stack.resolve(profile.role_arn) == {"Fn::GetAtt": [role_id, "Arn"]}
    assert stack.resolve(profile.role_name) == {"Ref": role_id}
    assert stack.resolve(profile.instance_profile_arn) == {"Fn::GetAtt": [profile_id, "Arn"]}
    assert stack.resolve(profile.instance_profile_name) == {"Ref": profile_id}


def test_construct_ids_give_short_stable_logical_ids(stack: Stack) -> None:
    Ec2AccessProfile(stack, "WebServer")
    template = Template.from_stack(stack)
    assert list(template.find_resources(PROFILE)) == ["WebServer6E276FE3"]
    assert profile_role_id(template) == "WebServerRoleFA0E13F4"


def test_launch_template_uses_the_profile_without_creating_another(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile")
    ec2.LaunchTemplate(stack, "Template", instance_profile=profile.instance_profile)
    template = Template.from_stack(stack)
    (profile_id,) = template.find_resources(PROFILE)
    template.resource_count_is(PROFILE, 1)
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {"LaunchTemplateData": {"IamInstanceProfile": {"Arn": {"Fn::GetAtt": [profile_id, "Arn"]}}}},
    )


def test_instance_uses_the_profile_without_creating_another(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    ec2.Instance(
        stack,
        "Instance",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.micro"),
        machine_image=ec2.MachineImage.generic_linux({"us-east-1": "ami-12345678"}),
        instance_profile=profile.instance_profile,
    )
    template = Template.from_stack(stack)
    (profile_id,) = template.find_resources(PROFILE)
    template.resource_count_is(PROFILE, 1)
    template.has_resource_properties("AWS::EC2::Instance", {"IamInstanceProfile": {"Ref": profile_id}})


def test_grant_pass_role_is_scoped_to_this_role_and_ec2(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile")
    launcher = iam.Role(stack, "Launcher", assumed_by=iam.AccountRootPrincipal())
    grant = profile.grant_pass_role(launcher)
    assert isinstance(grant, iam.Grant)
    assert grant.success
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "iam:PassRole",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^Profile"), "Arn"]},
                        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                    }
                ]
            },
            "Roles": [{"Ref": Match.string_like_regexp("^Launcher")}],
        },
    )


def test_importers_return_instance_profiles(stack: Stack) -> None:
    by_name = Ec2AccessProfile.from_instance_profile_name(stack, "ByName", "Shared-Profile")
    by_arn = Ec2AccessProfile.from_instance_profile_arn(
        stack, "ByArn", "arn:aws:iam::123456789012:instance-profile/ec2/Shared-Profile"
    )
    assert by_name.instance_profile_name == "Shared-Profile"
    assert by_arn.instance_profile_name == "Shared-Profile"
    assert by_arn.instance_profile_arn == ("arn:aws:iam::123456789012:instance-profile/ec2/Shared-Profile")
    ec2.LaunchTemplate(stack, "Template", instance_profile=by_arn)
    Template.from_stack(stack).resource_count_is(PROFILE, 0)


def test_grant_launch_gives_pass_role_to_ec2_and_reading_this_profile_only(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Profile")
    launcher = iam.Role(stack, "Launcher", assumed_by=iam.AccountRootPrincipal())
    grant = profile.grant_launch(launcher)
    assert grant.success
    template = Template.from_stack(stack)
    role_id = profile_role_id(template)
    (profile_id,) = template.find_resources(PROFILE)
    launcher_id = stack.get_logical_id(launcher.node.default_child)  # type: ignore[arg-type]
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["Roles"] == [{"Ref": launcher_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "iam:GetInstanceProfile",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [profile_id, "Arn"]},
        },
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
        },
    ]


# -- IAM's reference --------------------------------------------------------------------------------


def test_a_typo_in_an_action_fails_with_the_suggestion(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError, match=r"did you mean 's3:GetObject'\?") as raised:
        Ec2AccessProfile(
            stack,
            "Reader",
            statements=[iam.PolicyStatement(actions=["s3:GetObjetc"], resources=["arn:aws:s3:::a/*"])],
        )
    assert [f.rule_id for f in raised.value.findings] == ["EAP081"]
    assert stack.node.try_find_child("Reader") is None


def test_an_action_on_a_resource_it_cannot_act_on_fails(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "Reader")
    with pytest.raises(ProfileValidationError, match=r"acts on no resource of the statement") as raised:
        profile.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::a"]))
    assert [(f.rule_id, f.value) for f in raised.value.findings] == [("EAP083", "s3:GetObject")]


def test_a_bucket_s_token_arns_give_no_false_finding(stack: Stack) -> None:
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket(stack, "Bucket")
    Ec2AccessProfile(
        stack,
        "Reader",
        statements=[
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")]),
        ],
    )


def test_an_unknown_action_acknowledged_builds_and_a_warning_is_a_cdk_warning(stack: Stack) -> None:
    from aws_cdk.assertions import Annotations

    from constructs_lib import BroadAccess

    Ec2AccessProfile(
        stack,
        "Reader",
        statements=[
            iam.PolicyStatement(
                actions=["s3:NewAction", "s3:GetObject"],
                resources=["arn:aws:s3:::a/*"],
            ),
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=["arn:aws:s3:::b/*"],
                conditions={"StringLike": {"s3:prefix": "home/*"}},
            ),
        ],
        acknowledge=[BroadAccess.unknown_action("s3:NewAction", reason="Announced after the data's date")],
    )
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("EAP084"))
    assert [w.id for w in warnings] == ["/Test/Reader"]
    assert "'s3:prefix' is neither a global condition key" in str(warnings[0].entry.data)
