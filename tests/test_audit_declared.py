"""What the audit reads from a cloud assembly: every profile, its role and tags, resolved for one account.

The assemblies are small JSON fixtures shaped as ``cdk synth`` writes them (``write_assembly``);
``tests/test_audit_account.py`` reads the real app's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.audit.declared import Declared, declared_profiles, read_assembly
from constructs_lib.audit.errors import AuditError
from constructs_lib.audit.findings import NotAudited
from constructs_lib.audit.intrinsics import Account
from constructs_lib.audit.profiles import DeclaredProfile, DeclaredRole

ACCOUNT_ID = "123456789012"
ACCOUNT = Account("aws", ACCOUNT_ID, region="us-east-1", url_suffix="amazonaws.com")
TRUST = {
    "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    ],
    "Version": "2012-10-17",
}


def partition_arn(rest: str) -> dict[str, Any]:
    """``arn:${AWS::Partition}REST`` as CDK writes it."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}


def aws_managed(name: str) -> dict[str, Any]:
    return partition_arn(f":iam::aws:policy/{name}")


def profile_resources(
    construct: str = "Web",
    *,
    stack: str = "Web",
    name: str | None = "web",
    role_name: str | None = "web-role",
    path: str = "/ec2/",
    managed: tuple[str, ...] = ("AmazonS3ReadOnlyAccess",),
    statements: list[dict[str, Any]] | None = None,
    tags: dict[str, str] | None = None,
    tag_profile: bool = True,
    session: int | None = None,
    boundary: Any = None,
) -> dict[str, Any]:
    """The resources ``Ec2AccessProfile`` synthesizes: role, instance profile and the tags resource."""
    tags = {"Environment": "Production", "Service": "WebApp"} if tags is None else tags
    tag_list = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
    role: dict[str, Any] = {"AssumeRolePolicyDocument": TRUST, "Path": path, "Tags": tag_list}
    if role_name is not None:
        role["RoleName"] = role_name
    if managed:
        role["ManagedPolicyArns"] = [aws_managed(policy) for policy in managed]
    if statements:
        role["Policies"] = [
            {
                "PolicyName": "Permissions",
                "PolicyDocument": {"Statement": statements, "Version": "2012-10-17"},
            }
        ]
    if session is not None:
        role["MaxSessionDuration"] = session
    if boundary is not None:
        role["PermissionsBoundary"] = boundary
    profile: dict[str, Any] = {"Path": path, "Roles": [{"Ref": f"{construct}Role"}]}
    if name is not None:
        profile["InstanceProfileName"] = name
    resources: dict[str, Any] = {
        f"{construct}Role": {
            "Type": "AWS::IAM::Role",
            "Properties": role,
            "Metadata": {"aws:cdk:path": f"{stack}/{construct}/Role/Resource"},
        },
        construct: {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": profile,
            "Metadata": {"aws:cdk:path": f"{stack}/{construct}/Resource/Resource"},
        },
    }
    if tag_profile:
        resources[f"{construct}Tags"] = {
            "Type": "Custom::InstanceProfileTags",
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]},
                "InstanceProfileName": {"Ref": construct},
                "Tags": tag_list,
            },
        }
    return resources


def write_assembly(
    directory: Path,
    stacks: dict[str, dict[str, Any]],
    *,
    environments: dict[str, str] | None = None,
    stack_names: dict[str, str] | None = None,
) -> Path:
    """A cloud assembly in ``directory``: ``manifest.json`` and one template per stack (its resources)."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}
    for artifact_id, resources in stacks.items():
        template_file = f"{artifact_id}.template.json"
        template = {"Resources": resources, "Parameters": {"BootstrapVersion": {"Type": "String"}}}
        (directory / template_file).write_text(json.dumps(template, indent=1))
        properties: dict[str, Any] = {"templateFile": template_file}
        if stack_names and artifact_id in stack_names:
            properties["stackName"] = stack_names[artifact_id]
        artifacts[artifact_id] = {
            "type": "aws:cloudformation:stack",
            "environment": (environments or {}).get(artifact_id, "aws://unknown-account/unknown-region"),
            "properties": properties,
        }
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return directory


def no_stack(stack: str, region: str | None, logical_id: str) -> str | None:
    raise AssertionError(f"looked up {stack}/{logical_id} in {region}: every name here is literal")


def read(directory: Path, account: Account = ACCOUNT, physical_id: Any = no_stack) -> Declared:
    return declared_profiles(read_assembly(directory), account, physical_id)


WEB_ROLE = DeclaredRole(
    logical_id="WebRole",
    path="/ec2/",
    trust_policy=TRUST,
    managed_policy_arns=frozenset({"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}),
    inline_policies={},
    permissions_boundary=None,
    max_session_duration=3600,
    tags={"Environment": "Production", "Service": "WebApp"},
)
WEB = DeclaredProfile(
    stack="Web",
    logical_id="Web",
    where="Web/Web",
    name="web",
    path="/ec2/",
    tags={"Environment": "Production", "Service": "WebApp"},
    role_name="web-role",
    role=WEB_ROLE,
)


def test_a_profile_as_cdk_synthesizes_it(tmp_path: Path) -> None:
    declared = read(write_assembly(tmp_path, {"Web": profile_resources()}))
    assert declared == Declared(profiles=(WEB,), not_audited=(), other_accounts=())
    assert declared.owned_paths == ("/ec2/",)


def test_pseudo_parameters_are_the_accounts(tmp_path: Path) -> None:
    statements = [
        {
            "Action": "ssm:GetParameter",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":ssm:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":parameter/",
                        {"Ref": "AWS::StackName"},
                        ".",
                        {"Ref": "AWS::URLSuffix"},
                    ],
                ]
            },
        }
    ]
    directory = write_assembly(tmp_path, {"Web": profile_resources(statements=statements)})
    china = Account("aws-cn", "210987654321", region="cn-north-1", url_suffix="amazonaws.com.cn")
    (profile,) = read(directory, china).profiles
    assert profile.role is not None
    assert profile.role.managed_policy_arns == {"arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess"}
    (statement,) = profile.role.inline_policies["Permissions"]["Statement"]  # type: ignore[index]
    assert statement["Resource"] == "arn:aws-cn:ssm:cn-north-1:210987654321:parameter/Web.amazonaws.com.cn"


def test_a_stacks_own_region_wins_over_the_sessions(tmp_path: Path) -> None:
    statements = [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${AWS::Region}/*"},
        }
    ]
    directory = write_assembly(
        tmp_path,
        {"Web": profile_resources(statements=statements)},
        environments={"Web": f"aws://{ACCOUNT_ID}/eu-west-1"},
    )
    (profile,) = read(directory).profiles
    assert profile.role is not None
    document: Any = profile.role.inline_policies["Permissions"]
    assert document["Statement"][0]["Resource"] == "arn:aws:s3:::b-eu-west-1/*"


def test_stacks_for_another_account_are_not_audited_in_this_one(tmp_path: Path) -> None:
    directory = write_assembly(
        tmp_path,
        {
            "Here": profile_resources(stack="Here", name="here", role_name="here"),
            "There": profile_resources(stack="There", name="there", role_name="there"),
            "Anywhere": profile_resources(stack="Anywhere", name="anywhere", role_name="anywhere"),
        },
        environments={"Here": f"aws://{ACCOUNT_ID}/us-east-1", "There": "aws://999999999999/us-east-1"},
    )
    declared = read(directory)
    assert [profile.name for profile in declared.profiles] == ["here", "anywhere"]
    assert declared.other_accounts == ("There",)


def test_stages_and_deployed_stack_names_are_read(tmp_path: Path) -> None:
    write_assembly(
        tmp_path / "assembly-Prod",
        {"ProdWeb": profile_resources(stack="Prod/Web")},
        stack_names={"ProdWeb": "Prod-Web"},
    )
    manifest = {
        "version": "55.0.0",
        "artifacts": {
            "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (profile,) = read(tmp_path).profiles
    assert (profile.stack, profile.where, profile.name) == ("Prod-Web", "Prod/Web/Web", "web")


def test_policies_and_boundary_the_template_attaches_to_the_role(tmp_path: Path) -> None:
    resources = profile_resources(managed=(), boundary={"Ref": "Boundary"})
    document = {
        "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}],
        "Version": "2012-10-17",
    }
    resources |= {
        "Boundary": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"ManagedPolicyName": "Web-Boundary", "Path": "/ec2/", "PolicyDocument": document},
        },
        "Attached": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": "Extra",
                "PolicyDocument": document,
                "Roles": [{"Ref": "WebRole"}],
            },
        },
        "DefaultPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "WebRoleDefaultPolicy",
                "PolicyDocument": document,
                "Roles": [{"Ref": "WebRole"}],
            },
        },
        "ByName": {
            "Type": "AWS::IAM::RolePolicy",
            "Properties": {"PolicyName": "ByName", "PolicyDocument": document, "RoleName": "web-role"},
        },
        "Elsewhere": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "Elsewhere",
                "PolicyDocument": document,
                "Roles": [{"Ref": "OtherRole"}],
            },
        },
    }
    (profile,) = read(write_assembly(tmp_path, {"Web": resources})).profiles
    assert profile.role is not None
    assert profile.role.permissions_boundary == f"arn:aws:iam::{ACCOUNT_ID}:policy/ec2/Web-Boundary"
    assert profile.role.managed_policy_arns == {f"arn:aws:iam::{ACCOUNT_ID}:policy/Extra"}
    assert profile.role.inline_policies == {"WebRoleDefaultPolicy": document, "ByName": document}


def test_session_length_and_a_profile_the_app_does_not_tag(tmp_path: Path) -> None:
    (profile,) = read(
        write_assembly(tmp_path, {"Web": profile_resources(session=7200, tag_profile=False)})
    ).profiles
    assert profile.tags is None
    assert profile.role is not None
    assert profile.role.max_session_duration == 7200


def test_names_cloudformation_generates_are_read_from_the_stack(tmp_path: Path) -> None:
    directory = write_assembly(tmp_path, {"Web": profile_resources(name=None, role_name=None)})
    asked: list[tuple[str, str | None, str]] = []

    def physical_id(stack: str, region: str | None, logical_id: str) -> str | None:
        asked.append((stack, region, logical_id))
        return {"Web": "Web-Web-1ABC", "WebRole": "Web-WebRole-2DEF"}[logical_id]

    (profile,) = read(directory, physical_id=physical_id).profiles
    assert (profile.name, profile.role_name) == ("Web-Web-1ABC", "Web-WebRole-2DEF")
    assert asked == [("Web", "us-east-1", "Web"), ("Web", "us-east-1", "WebRole")]


def test_a_generated_name_before_the_stack_exists_is_no_name(tmp_path: Path) -> None:
    directory = write_assembly(tmp_path, {"Web": profile_resources(name=None)})
    declared = read(directory, physical_id=lambda *_: None)
    (profile,) = declared.profiles
    assert (profile.name, profile.shown_name, profile.role_name) == (None, "Web/Web", "web-role")


def test_values_only_a_deploy_knows_are_not_audited_field_by_field(tmp_path: Path) -> None:
    resources = profile_resources(
        statements=[
            {"Action": "s3:GetObject", "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}}
        ],
        session={"Ref": "SessionSeconds"},  # type: ignore[arg-type]
    )
    resources["WebRole"]["Properties"]["ManagedPolicyArns"].append({"Fn::ImportValue": "SharedPolicyArn"})
    resources["Bucket"] = {"Type": "AWS::S3::Bucket"}
    directory = write_assembly(tmp_path, {"Web": resources})
    template = json.loads((directory / "Web.template.json").read_text())
    template["Parameters"]["SessionSeconds"] = {"Type": "Number", "Default": 3600}
    (directory / "Web.template.json").write_text(json.dumps(template))
    declared = read(directory)
    (profile,) = declared.profiles
    assert profile.role is not None
    assert profile.role.inline_policies == {"Permissions": None}
    assert profile.not_audited == {
        "role.inline_policies['Permissions']": "its value uses Fn::GetAtt Bucket.Arn, computed at deploy",
        "role.managed_policies": "its value uses Fn::ImportValue, computed at deploy",
        "role.max_session_duration": "its value refers to parameter SessionSeconds, given at deploy",
    }
    assert [notice.line() for notice in declared.not_audited] == [
        f"not audited: profile 'web' {field}: {reason}"
        for field, reason in sorted(profile.not_audited.items())
    ]


def test_each_managed_policy_arn_is_resolved_on_its_own(tmp_path: Path) -> None:
    resources = profile_resources(managed=("AmazonS3ReadOnlyAccess", "AdministratorAccess"))
    resources["WebRole"]["Properties"]["ManagedPolicyArns"].append({"Fn::ImportValue": "SharedPolicyArn"})
    resources["Generated"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"PolicyDocument": TRUST, "Roles": [{"Ref": "WebRole"}]},
    }
    (profile,) = read(write_assembly(tmp_path, {"Web": resources}), physical_id=lambda *_: None).profiles
    assert profile.role is not None
    assert profile.role.managed_policy_arns == {
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    }
    assert profile.not_audited == {  # so the drift of the managed policies is still not audited
        "role.managed_policies": "its value uses Fn::ImportValue, computed at deploy; "
        "its value CloudFormation names Generated when stack Web creates it"
    }


def test_the_region_is_needed_only_where_a_template_names_it(tmp_path: Path) -> None:
    statements = [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": {"Fn::Sub": "arn:aws:s3:::b-${AWS::Region}/*"},
        }
    ]
    directory = write_assembly(tmp_path, {"Web": profile_resources(statements=statements)})
    (profile,) = read(directory, Account("aws", ACCOUNT_ID)).profiles
    assert profile.not_audited == {
        "role.inline_policies['Permissions']": "its value refers to AWS::Region, unknown here: give --region"
    }


def test_sub_select_and_find_in_map_resolve(tmp_path: Path) -> None:
    resources = profile_resources(
        managed=(),
        statements=[
            {
                "Action": {"Fn::Select": [1, ["s3:PutObject", "s3:GetObject"]]},
                "Effect": "Allow",
                "Resource": {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:s3:::${Bucket}/${!literal}/${Suffix}",
                        {"Bucket": {"Fn::FindInMap": ["Buckets", {"Ref": "AWS::Region"}, "Name"]}},
                    ]
                },
            }
        ],
    )
    directory = write_assembly(tmp_path, {"Web": resources})
    template = json.loads((directory / "Web.template.json").read_text())
    template["Mappings"] = {"Buckets": {"us-east-1": {"Name": "assets-use1"}}}
    template["Resources"]["Suffix"] = {"Type": "AWS::SSM::Parameter"}
    (directory / "Web.template.json").write_text(json.dumps(template))
    (profile,) = read(directory, physical_id=lambda stack, region, logical_id: "suffix-param").profiles
    assert profile.role is not None
    document: Any = profile.role.inline_policies["Permissions"]
    assert document["Statement"][0] == {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": "arn:aws:s3:::assets-use1/${literal}/suffix-param",
    }


def test_a_conditional_profile_is_not_audited(tmp_path: Path) -> None:
    resources = profile_resources()
    resources["Web"]["Condition"] = "IsProduction"
    declared = read(write_assembly(tmp_path, {"Web": resources}))
    assert declared.profiles == ()
    assert declared.not_audited == (
        NotAudited("Web/Web", "profile", "exists only when condition IsProduction holds", "Web/Web"),
    )


def test_owned_paths_leave_out_those_another_path_covers(tmp_path: Path) -> None:
    directory = write_assembly(
        tmp_path,
        {
            "A": profile_resources("A", stack="A", name="a", role_name="a", path="/ec2/"),
            "B": profile_resources("B", stack="B", name="b", role_name="b", path="/ec2/web/"),
            "C": profile_resources("C", stack="C", name="c", role_name="c", path="/batch/"),
            "D": profile_resources("D", stack="D", name="d", role_name="d", path="/ec2x/"),
        },
    )
    assert read(directory).owned_paths == ("/batch/", "/ec2/", "/ec2x/")


def test_a_missing_assembly_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(AuditError) as raised:
        read_assembly(tmp_path / "cdk.out")
    assert str(raised.value) == (
        f"{tmp_path}/cdk.out/manifest.json: cannot read it: No such file or directory "
        "(run `cdk synth` first, or give --assembly DIR)"
    )


def test_a_broken_template_is_one_line_with_its_line_and_column(tmp_path: Path) -> None:
    directory = write_assembly(tmp_path, {"Web": profile_resources()})
    (directory / "Web.template.json").write_text('{"Resources": {\n  "Web": }')
    with pytest.raises(AuditError) as raised:
        read_assembly(directory)
    assert str(raised.value) == f"{directory}/Web.template.json:2:10: is not valid JSON: Expecting value"


def test_a_manifest_without_artifacts_is_refused(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("[]")
    with pytest.raises(AuditError, match="has no 'artifacts': not a cloud assembly manifest"):
        read_assembly(tmp_path)


def test_policies_under_a_condition_are_marked_and_tag_values_read_as_cloudformation_stores_them(
    tmp_path: Path,
) -> None:
    """A policy whose resource has a ``Condition`` exists only where it holds; a tag value written as
    ``true`` is stored as the string ``true``."""
    document = {
        "Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}],
        "Version": "2012-10-17",
    }
    resources = profile_resources(managed=())
    resources["WebRole"]["Properties"]["Tags"] = [{"Key": "Backup", "Value": True}]
    resources |= {
        "ProdOnly": {
            "Type": "AWS::IAM::Policy",
            "Condition": "IsProd",
            "Properties": {
                "PolicyName": "ProdOnly",
                "PolicyDocument": document,
                "Roles": [{"Ref": "WebRole"}],
            },
        },
        "ProdManaged": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Condition": "IsProd",
            "Properties": {
                "ManagedPolicyName": "ProdMP",
                "PolicyDocument": document,
                "Roles": [{"Ref": "WebRole"}],
            },
        },
    }
    (profile,) = read(write_assembly(tmp_path, {"Web": resources})).profiles
    assert profile.role is not None
    assert profile.role.conditional_policies == {"prodonly", f"arn:aws:iam::{ACCOUNT_ID}:policy/prodmp"}
    assert profile.role.tags["Backup"] == "true"
