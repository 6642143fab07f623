"""Plain moto still has each gap that ``emulator/fidelity.py`` fixes.

These run against moto as released (in-process, no fidelity layer). When a moto upgrade closes a
gap, its test here fails: drop the matching fix from the fidelity layer and this test with it.
Each fix has at least one such control, named ``test_<fix>_plain_moto_...`` (``<fix>`` the fix's name
or its start): ``test_fixes_cover_every_gap_tested_here`` fails for a fix without one.
The fixed behaviour itself is proven by ``tests/test_deploy.py`` through the real CDK CLI, and by the
negative controls of ``tests/test_emulator_failures.py`` and ``tests/test_emulator_updates.py``
(deploys and updates that must fail do fail).
"""

from __future__ import annotations

import binascii
import inspect
import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws, settings
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import ResourceMap
from moto.core import enable_iam_authentication

from emulator import fidelity

pytestmark = pytest.mark.usefixtures("botocore_data_once")

TRUST = {"Version": "2012-10-17", "Statement": []}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


def stack(template: dict[str, Any], name: str = "s", **kwargs: Any) -> None:
    client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template), **kwargs)


def update(template: dict[str, Any], name: str = "s", **kwargs: Any) -> None:
    client("cloudformation").update_stack(StackName=name, TemplateBody=json.dumps(template), **kwargs)


def role_template(**properties: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": "r", "AssumeRolePolicyDocument": TRUST, **properties},
            }
        }
    }


def python_function() -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.13",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
        },
    }


def test_fixes_cover_every_gap_tested_here() -> None:
    assert [fix.__name__ for fix in fidelity.FIXES] == [
        "loopback_response_urls",
        "python_lambdas_in_process",
        "runnable_runtimes_only",
        "inline_code_updates",
        "custom_resource_protocol",
        "failures_roll_back",
        "deletes_in_dependency_order",
        "previous_parameter_defaults",
        "role_properties_applied",
        "instance_profile_updates",
        "managed_policies_follow_the_stack",
        "log_group_updates",
        "list_instance_profiles_filters_and_pages",
        "list_instance_profile_tags",
        "account_authorization_details_pages",
        "assume_role_needs_the_role",
        "functions_run_as_their_role",
        "iam_actions_on_their_resources",
        "cloudformation_actions_on_their_stacks",
        "json_templates_parsed_as_json",
        "cloudtrail_event_history",
        "ssm_parameter_tags_as_a_map",
    ]
    fixes = [fix.__name__ for fix in fidelity.FIXES]
    controls = [name for name in globals() if name.startswith("test_") and "_plain_moto_" in name]
    uncontrolled = [fix for fix in fixes if not any(_control_of(test, fix) for test in controls)]
    assert uncontrolled == [], "fixes without a control here"
    orphans = [test for test in controls if not any(_control_of(test, fix) for fix in fixes)]
    assert orphans == [], "controls of no fix"


def _control_of(test: str, fix: str) -> bool:
    """Whether ``test`` (``test_<gap>_plain_moto_...``) is a control of ``fix``: ``<gap>`` is the
    fix's name or the start of it, up to an underscore."""
    gap = test.removeprefix("test_").partition("_plain_moto_")[0]
    return fix == gap or fix.startswith(f"{gap}_")


def test_loopback_response_urls_plain_moto_points_custom_resources_at_docker() -> None:
    assert settings.moto_server_host() == "http://host.docker.internal"


def create_function(runtime: str, handler: str = "index.handler") -> Any:
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return 'ran'\n")
    functions = client("lambda")
    functions.create_function(
        FunctionName="f",
        Runtime=runtime,
        Role=role["Arn"],
        Handler=handler,
        Code={"ZipFile": archive.getvalue()},
    )
    return functions


def test_python_lambdas_plain_moto_needs_docker_to_run_a_function(aws: None) -> None:
    result = create_function("python3.13").invoke(FunctionName="f", Payload=b"{}")
    assert result["FunctionError"] == "Handled"
    assert b"docker" in result["Payload"].read()


def test_python_lambdas_plain_moto_accepts_a_handler_that_names_no_module(aws: None) -> None:
    functions = create_function("python3.13", handler="wrong_file.no_such_function")
    # Created and served as any other: only Docker, never the handler, decides how it fails.
    assert (
        functions.get_function(FunctionName="f")["Configuration"]["Handler"] == "wrong_file.no_such_function"
    )
    assert b"docker" in functions.invoke(FunctionName="f", Payload=b"{}")["Payload"].read()


def test_runnable_runtimes_plain_moto_creates_a_function_only_docker_could_run(aws: None) -> None:
    functions = create_function("nodejs20.x")
    assert functions.get_function(FunctionName="f")["Configuration"]["Runtime"] == "nodejs20.x"
    assert b"docker" in functions.invoke(FunctionName="f", Payload=b"{}")["Payload"].read()


def test_inline_code_updates_plain_moto_stores_the_source_as_the_package(aws: None) -> None:
    def template(source: str) -> dict[str, Any]:
        result = role_template()
        function = python_function()
        function["Properties"]["FunctionName"] = "f"
        function["Properties"]["Code"] = {"ZipFile": source}
        result["Resources"]["Function"] = function
        return result

    stack(template("def handler(event, context):\n    return 1\n"))
    # moto reads the new source as a base64 package: this one does not decode; others decode to junk.
    with pytest.raises(binascii.Error):
        update(template("def handler(event, context):\n    return 2\n"))


def test_custom_resource_protocol_plain_moto_leaves_the_stack_in_progress(aws: None) -> None:
    template = role_template()
    template["Resources"]["Function"] = python_function()
    template["Resources"]["Custom"] = {
        "Type": "Custom::Thing",
        "Properties": {"ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]}},
    }
    stack(template)
    time.sleep(2)  # moto invokes the function on a thread of its own; give it time to fail
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "CREATE_IN_PROGRESS"


def test_custom_resource_protocol_plain_moto_sends_neither_update_nor_delete() -> None:
    assert getattr(CustomModel.update_from_cloudformation_json, "__isabstractmethod__", False)
    assert getattr(CustomModel.delete_from_cloudformation_json, "__isabstractmethod__", False)
    assert not hasattr(CustomModel, "delete")


def custom_resource_stack(name: str, answer: dict[str, Any]) -> dict[str, Any]:
    """A stack with one custom resource, whose Create is answered with ``answer`` as a handler would
    answer it (moto's own invocation needs Docker, and fails); its template."""
    template = role_template()
    template["Resources"]["Function"] = python_function()
    template["Resources"]["Other"] = python_function()
    template["Resources"]["Custom"] = {
        "Type": "Custom::Thing",
        "Properties": {"ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]}},
    }
    stack(template, name)
    stack_id = client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackId"]
    body = {
        "Status": "SUCCESS",
        "StackId": stack_id,
        "RequestId": "any",
        "LogicalResourceId": "Custom",
        **answer,
    }
    # moto's in-process mock answers this URL as its server answers a handler's PUT.
    requests.put(
        f"https://cloudformation.us-east-1.amazonaws.com/cloudformation_us-east-1/cfnresponse?stack={stack_id}",
        data=json.dumps(body),
        timeout=10,
    ).raise_for_status()
    return template


def test_custom_resource_protocol_plain_moto_takes_an_answer_cloudformation_refuses(aws: None) -> None:
    # Over 4,096 bytes and without a PhysicalResourceId: CloudFormation fails the resource.
    custom_resource_stack("s", {"Data": {"Blob": "x" * 5000}})
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE"


def test_custom_resource_protocol_plain_moto_reports_a_physical_id_of_its_own(aws: None) -> None:
    custom_resource_stack("s", {"PhysicalResourceId": "the-handlers-id"})
    detail = client("cloudformation").describe_stack_resource(StackName="s", LogicalResourceId="Custom")
    assert detail["StackResourceDetail"]["PhysicalResourceId"].startswith("s-Custom-")


def test_custom_resource_protocol_plain_moto_accepts_a_new_service_token(aws: None) -> None:
    template = custom_resource_stack("s", {"PhysicalResourceId": "the-handlers-id"})
    template["Resources"]["Custom"]["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["Other", "Arn"]}
    update(template)
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "UPDATE_COMPLETE"


def test_failures_roll_back_plain_moto_leaves_a_failed_create_in_progress(aws: None) -> None:
    template = role_template()
    template["Resources"]["Profile"] = {
        "Type": "AWS::IAM::InstanceProfile",
        "Properties": {"Roles": ["no-such-role"]},
    }
    with pytest.raises(ClientError, match="NoSuchEntity"):
        stack(template)
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "CREATE_IN_PROGRESS"
    assert [r["RoleName"] for r in client("iam").list_roles()["Roles"]] == ["r"]


def test_failures_roll_back_plain_moto_fails_the_update_call_not_the_stack(aws: None) -> None:
    stack(role_template())
    template = role_template()
    template["Resources"]["Profile"] = {
        "Type": "AWS::IAM::InstanceProfile",
        "Properties": {"Roles": ["no-such-role"]},
    }
    with pytest.raises(ClientError, match="NoSuchEntity"):
        update(template)
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE"


def test_failures_roll_back_plain_moto_retries_a_failed_update() -> None:
    # What lets a custom resource that answers FAILED once, then SUCCESS, end UPDATE_COMPLETE.
    source = inspect.getsource(ResourceMap.update)
    assert "tries < MAX_UPDATE_ATTEMPTS" in source
    assert "ROLLBACK" not in source


def test_deletes_in_dependency_order_plain_moto_deletes_in_set_order() -> None:
    # moto walks the stack's resources as an unordered set, retrying what fails; nothing puts a
    # custom resource before the function that serves it.
    source = inspect.getsource(ResourceMap.delete)
    assert "remaining_resources = {" in source
    assert "Custom" not in source


def test_deletes_in_dependency_order_plain_moto_forgets_a_stack_that_failed_to_delete(aws: None) -> None:
    stack(role_template())
    iam = client("iam")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="Outside", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    with pytest.raises(ClientError, match="DeleteConflict"):
        client("cloudformation").delete_stack(StackName="s")
    assert client("cloudformation").list_stacks()["StackSummaries"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["r"]


def test_previous_parameter_defaults_plain_moto_fails_use_previous_value(aws: None) -> None:
    template = role_template()
    template["Parameters"] = {"Version": {"Type": "String", "Default": "1"}}
    template["Resources"]["Role"]["Properties"]["Description"] = {"Ref": "Version"}
    stack(template)
    template["Resources"]["Role"]["Properties"]["MaxSessionDuration"] = 7200
    with pytest.raises(KeyError, match="Version"):
        update(template, Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}])


def test_role_properties_plain_moto_ignores_managed_policies_and_stores_a_repr(aws: None) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    stack(
        role_template(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            Policies=[{"PolicyName": "P", "PolicyDocument": document}],
        )
    )
    iam = client("iam")
    assert iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"] == []
    stored = iam.get_role_policy(RoleName="r", PolicyName="P")["PolicyDocument"]
    assert stored == repr(document)


def test_role_properties_plain_moto_resets_max_session_on_update(aws: None) -> None:
    stack(role_template(MaxSessionDuration=7200))
    update(role_template(MaxSessionDuration=7200, Description="changed"))
    assert client("iam").get_role(RoleName="r")["Role"]["MaxSessionDuration"] == 3600


def test_role_properties_plain_moto_updates_a_named_role_whose_path_changes(aws: None) -> None:
    # A new Path replaces the role, which CloudFormation refuses while RoleName stays the same.
    stack(role_template(Path="/a/"))
    update(role_template(Path="/b/"))
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "UPDATE_COMPLETE"
    assert client("iam").get_role(RoleName="r")["Role"]["Path"] == "/a/"


def test_instance_profile_updates_plain_moto_keeps_the_old_profile(aws: None) -> None:
    def template(name: str) -> dict[str, Any]:
        result = role_template()
        result["Resources"]["Profile"] = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"InstanceProfileName": name, "Roles": [{"Ref": "Role"}]},
        }
        return result

    stack(template("old"))
    update(template("new"))
    names = [p["InstanceProfileName"] for p in client("iam").list_instance_profiles()["InstanceProfiles"]]
    assert names == ["old"]


def test_instance_profile_updates_plain_moto_keeps_an_unnamed_profile_on_its_old_path(aws: None) -> None:
    def template(path: str) -> dict[str, Any]:
        result = role_template()
        result["Resources"]["Profile"] = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"Path": path, "Roles": [{"Ref": "Role"}]},
        }
        return result

    stack(template("/a/"))
    update(template("/b/"))
    profiles = client("iam").list_instance_profiles()["InstanceProfiles"]
    assert [(p["InstanceProfileName"].startswith("s-Profile-"), p["Path"]) for p in profiles] == [
        (True, "/a/")
    ]


def test_managed_policies_plain_moto_outlive_their_stack(aws: None) -> None:
    stack(
        {
            "Resources": {
                "Policy": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {
                        "ManagedPolicyName": "Left-Behind",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                        },
                    },
                }
            }
        }
    )
    client("cloudformation").delete_stack(StackName="s")
    policies = client("iam").list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in policies] == ["Left-Behind"]


def test_managed_policies_plain_moto_drop_a_changed_policy_unchanged(aws: None) -> None:
    def template(description: str) -> dict[str, Any]:
        result = role_template()
        result["Resources"]["Policy"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": "Named",
                "Description": description,
                "Roles": [{"Ref": "Role"}] if description == "first" else [],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                },
            },
        }
        return result

    stack(template("first"))
    # A new Description replaces the policy, which CloudFormation refuses while its name stays.
    update(template("second"))
    (described,) = client("cloudformation").describe_stacks(StackName="s")["Stacks"]
    assert described["StackStatus"] == "UPDATE_COMPLETE"
    iam = client("iam")
    assert (
        iam.get_policy(PolicyArn="arn:aws:iam::123456789012:policy/Named")["Policy"]["Description"] == "first"
    )
    assert [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]] == [
        "Named"
    ]
    resources = client("cloudformation").describe_stack_resources(StackName="s")["StackResources"]
    assert [r.get("LogicalResourceId") for r in resources] == ["Role", None]


def test_log_group_updates_plain_moto_drops_the_group_from_the_stack(aws: None) -> None:
    def template(owner: str) -> dict[str, Any]:
        return {
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"LogGroupName": "g", "Tags": [{"Key": "Owner", "Value": owner}]},
                }
            }
        }

    stack(template("team-a"))
    update(template("team-b"))
    logs = client("logs")
    assert logs.list_tags_log_group(logGroupName="g")["tags"] == {"Owner": "team-a"}
    # The stack no longer holds it: its resource entry has lost its logical ID.
    resources = client("cloudformation").describe_stack_resources(StackName="s")["StackResources"]
    assert [r.get("LogicalResourceId") for r in resources] == [None]


def test_list_instance_profiles_plain_moto_ignores_path_prefix_and_max_items(aws: None) -> None:
    iam = client("iam")
    for name, path in (("a", "/ec2/"), ("b", "/ec2/"), ("c", "/batch/")):
        iam.create_instance_profile(InstanceProfileName=name, Path=path)
    page = iam.list_instance_profiles(PathPrefix="/ec2/", MaxItems=1)
    assert sorted(p["InstanceProfileName"] for p in page["InstanceProfiles"]) == ["a", "b", "c"]
    assert not page.get("IsTruncated")


def test_list_instance_profile_tags_plain_moto_is_not_implemented(aws: None) -> None:
    iam = client("iam")
    iam.create_instance_profile(InstanceProfileName="p")
    iam.tag_instance_profile(InstanceProfileName="p", Tags=[{"Key": "A", "Value": "1"}])
    assert iam.get_instance_profile(InstanceProfileName="p")["InstanceProfile"]["Tags"] == [
        {"Key": "A", "Value": "1"}
    ]
    with pytest.raises(NotImplementedError):
        iam.list_instance_profile_tags(InstanceProfileName="p")


def test_account_authorization_details_plain_moto_ignores_max_items(aws: None) -> None:
    iam = client("iam")
    for name in ("a", "b", "c"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    page = iam.get_account_authorization_details(Filter=["Role"], MaxItems=1)
    assert sorted(role["RoleName"] for role in page["RoleDetailList"]) == ["a", "b", "c"]
    assert not page.get("IsTruncated")


def test_account_authorization_details_fixed_pages_by_max_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fix, against the same calls: pages of MaxItems, then the rest from the Marker."""
    from moto.iam.responses import IamResponse

    monkeypatch.setattr(
        IamResponse, "get_account_authorization_details", IamResponse.get_account_authorization_details
    )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    fidelity.account_authorization_details_pages()
    with mock_aws():
        iam = client("iam")
        for name in ("a", "b", "c"):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        first = iam.get_account_authorization_details(Filter=["Role"], MaxItems=2)
        rest = iam.get_account_authorization_details(Filter=["Role"], MaxItems=2, Marker=first["Marker"])
    assert [len(first["RoleDetailList"]), first["IsTruncated"]] == [2, True]
    assert [len(rest["RoleDetailList"]), rest["IsTruncated"], rest.get("Marker")] == [1, False, None]


def test_assume_role_plain_moto_hands_out_credentials_for_a_role_that_does_not_exist(aws: None) -> None:
    arn = "arn:aws:iam::111111111111:role/Nobody"
    credentials = client("sts").assume_role(RoleArn=arn, RoleSessionName="audit")["Credentials"]
    assumed = boto3.client(
        "sts",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert assumed.get_caller_identity()["Account"] == "111111111111"


@pytest.mark.filterwarnings("ignore:Exception\\(STSClientError\\) with code AccessDenied")
def test_assume_role_fixed_refuses_a_role_that_does_not_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.sts.responses import TokenResponse

    monkeypatch.setattr(TokenResponse, "assume_role", TokenResponse.assume_role)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    fidelity.assume_role_needs_the_role()
    with mock_aws():
        client("iam").create_role(
            RoleName="Auditor", Path="/ops/", AssumeRolePolicyDocument=json.dumps(TRUST)
        )
        sts = client("sts")
        assert sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/ops/Auditor", RoleSessionName="audit")
        for arn in ("arn:aws:iam::123456789012:role/Auditor", "arn:aws:iam::111111111111:role/ops/Auditor"):
            with pytest.raises(ClientError) as refused:
                sts.assume_role(RoleArn=arn, RoleSessionName="audit")
            assert refused.value.response["Error"]["Code"] == "AccessDenied"
            assert refused.value.response["Error"]["Message"].endswith(f"sts:AssumeRole on resource: {arn}")


LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def user_allowed(statement: dict[str, Any]) -> dict[str, str]:
    """Credentials of a new IAM user whose one policy holds ``statement``."""
    iam = client("iam")
    iam.create_user(UserName="u")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="u")["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def test_functions_run_as_their_role_plain_moto_crashes_assuming_a_lambda_role(aws: None) -> None:
    role = client("iam").create_role(RoleName="f", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    sts = boto3.client("sts", region_name="us-east-1", **user_allowed({"Action": "*", "Resource": "*"}))
    with enable_iam_authentication(), pytest.raises(TypeError, match="'NoneType' is not iterable"):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="function")


def test_functions_run_as_their_role_plain_moto_refuses_the_default_credentials(aws: None) -> None:
    iam = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with enable_iam_authentication(), pytest.raises(ClientError, match="InvalidClientTokenId"):
        iam.list_roles()


def test_functions_run_as_their_role_plain_moto_ignores_a_permissions_boundary(aws: None) -> None:
    iam = client("iam")
    credentials = user_allowed({"Action": "sts:AssumeRole", "Resource": "*"})
    user = iam.get_user(UserName="u")["User"]["Arn"]
    only_s3 = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    boundary = iam.create_policy(PolicyName="Boundary", PolicyDocument=json.dumps(only_s3))["Policy"]["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=json.dumps(trust), PermissionsBoundary=boundary
    )
    list_roles = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="bounded", PolicyName="ListRoles", PolicyDocument=json.dumps(list_roles))
    with enable_iam_authentication():
        sts = boto3.client("sts", region_name="us-east-1", **credentials)
        session = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="bounded")["Credentials"]
        bounded = boto3.client(
            "iam",
            region_name="us-east-1",
            aws_access_key_id=session["AccessKeyId"],
            aws_secret_access_key=session["SecretAccessKey"],
            aws_session_token=session["SessionToken"],
        )
        # The boundary allows s3:GetObject only: IAM would deny iam:ListRoles.
        assert [r["RoleName"] for r in bounded.list_roles()["Roles"]] == ["bounded"]


def test_iam_actions_plain_moto_authorizes_instance_profile_actions_against_star(aws: None) -> None:
    arn = client("iam").create_instance_profile(InstanceProfileName="p", Path="/ec2/")["InstanceProfile"][
        "Arn"
    ]
    iam = boto3.client(
        "iam", region_name="us-east-1", **user_allowed({"Action": "iam:TagInstanceProfile", "Resource": arn})
    )
    with enable_iam_authentication(), pytest.raises(ClientError, match="AccessDenied"):
        iam.tag_instance_profile(InstanceProfileName="p", Tags=[{"Key": "A", "Value": "1"}])


def test_cloudformation_actions_plain_moto_authorizes_them_against_star(aws: None) -> None:
    stack(role_template())
    stack_id = client("cloudformation").describe_stacks(StackName="s")["Stacks"][0]["StackId"]
    cloudformation = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        **user_allowed({"Action": "cloudformation:DescribeStacks", "Resource": stack_id}),
    )
    with enable_iam_authentication(), pytest.raises(ClientError, match="AccessDenied"):
        cloudformation.describe_stacks(StackName=stack_id)


def test_json_templates_plain_moto_parses_them_with_the_yaml_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    loaded: list[str] = []

    def load(stream: str, **_: Any) -> dict[str, Any]:
        loaded.append(stream)
        return {}

    monkeypatch.setattr(yaml, "load", load)
    template = json.dumps(role_template())
    Stack.parse_template(template)
    assert loaded == [template]


def test_cloudtrail_event_history_plain_moto_has_no_lookup_events(aws: None) -> None:
    with pytest.raises(NotImplementedError, match="lookup_events"):
        client("cloudtrail").lookup_events(MaxResults=1)


def test_ssm_parameter_tags_plain_moto_fails_a_tagged_parameter(aws: None) -> None:
    parameter = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Name": "/p", "Type": "String", "Value": "v", "Tags": {"A": "1"}},
    }
    with pytest.raises(TypeError, match="string indices must be integers"):
        stack({"Resources": {"Parameter": parameter}})
