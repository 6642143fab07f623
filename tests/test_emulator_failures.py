"""Negative controls: deploys that fail on AWS fail on the emulator, as CloudFormation fails them.

Each test here passes only if the emulator is strict where AWS is. That moto alone is not, for each
behaviour these tests rely on, is proven by ``tests/test_emulator_fidelity.py``, one test per gap
the fidelity layer closes. The custom resource
they use is served by ``CONTROL_HANDLER``, which fails, or does not answer, the requests its
properties name (or answers them as its ``Answer`` and ``Omit`` properties bend the answer), and
records every request it gets (in SSM, on the emulator) for the test to read.
They share the session's emulator (``tests/conftest.py``): each stack, function and record is named
after its test, and the other modules read only what they named, so what a control leaves behind
(a stack in DELETE_FAILED, a function) is in nobody's way, and one emulator fewer starts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, BootstraplessSynthesizer, CfnResource, Stack
from botocore.exceptions import ClientError

from emulator import DEPLOY, Emulator

pytestmark = pytest.mark.emulator

CONTROL_HANDLER = """
import json
import urllib.request

import boto3


def handler(event, context):
    properties = event["ResourceProperties"]
    ssm = boto3.client("ssm")
    path = properties["RecordPath"]
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=path)
    seen = [json.loads(p["Value"]) for page in pages for p in page["Parameters"]]
    request = {
        "RequestType": event["RequestType"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Value": properties["Value"],
        "OldValue": event.get("OldResourceProperties", {}).get("Value"),
        "PhysicalResourceId": event.get("PhysicalResourceId"),
    }
    ssm.put_parameter(Name=f"{path}{len(seen) + 1:03d}", Type="String", Value=json.dumps(request))
    if event["RequestType"] in properties.get("Silent", []):
        return
    earlier = sum(1 for r in seen if r["RequestType"] == event["RequestType"])
    failing = earlier < int(properties.get("Fail", {}).get(event["RequestType"], 0))
    body = {
        "Status": "FAILED" if failing else "SUCCESS",
        "Reason": f"told to fail {event['RequestType']}",
        "PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
    }
    body.update(properties.get("Answer", {}))
    for key in properties.get("Omit", []):
        body.pop(key)
    answer = urllib.request.Request(
        event["ResponseURL"], data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
    )
    urllib.request.urlopen(answer, timeout=10).close()
"""
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
RECORD_REQUESTS = {
    "PolicyName": "RecordRequests",
    "PolicyDocument": {
        "Version": "2012-10-17",
        # moto authorizes SSM actions against "*", so a parameter ARN here would deny them.
        "Statement": [
            {"Effect": "Allow", "Action": ["ssm:GetParametersByPath", "ssm:PutParameter"], "Resource": "*"}
        ],
    },
}
"""What the control function calls, and so what its execution role must allow."""


def control_template(
    name: str,
    value: str,
    *,
    fail: dict[str, int] | None = None,
    silent: tuple[str, ...] = (),
    handler: str = "index.handler",
    runtime: str = "python3.13",
    policies: tuple[dict[str, Any], ...] = (RECORD_REQUESTS,),
    answer: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A role, the control function and one ``Custom::Control`` whose requests it records; ``answer``
    replaces fields of its answers, and ``omit`` leaves fields out."""
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST, "Policies": list(policies)},
            },
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": runtime,
                    "Handler": handler,
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"ZipFile": CONTROL_HANDLER},
                    "Timeout": 30,
                },
            },
            "Control": control_resource(name, value, fail=fail, silent=silent, answer=answer, omit=omit),
        }
    }


def control_resource(
    name: str,
    value: str,
    *,
    fail: dict[str, int] | None = None,
    silent: tuple[str, ...] = (),
    answer: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "Type": "Custom::Control",
        "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
            "Value": value,
            "Fail": fail or {},
            "Silent": list(silent),
            "RecordPath": f"/controls/{name}/",
            "Answer": answer or {},
            "Omit": list(omit),
        },
    }


def deploy(emulator: Emulator, name: str, template: dict[str, Any], **options: Any) -> dict[str, Any]:
    """Create the stack, or update it if it exists; return DescribeStacks' view of it after."""
    cloudformation = emulator.client("cloudformation")
    existing = [s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]]
    operation = cloudformation.update_stack if name in existing else cloudformation.create_stack
    operation(StackName=name, TemplateBody=json.dumps(template), **options)
    (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return dict(described)


def events(emulator: Emulator, name: str) -> list[tuple[str, str, str]]:
    """(logical ID, status, reason) of every event, oldest first; ``name`` is a stack ID once deleted."""
    listed = emulator.client("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", "")) for e in listed][
        ::-1
    ]


def requests(emulator: Emulator, name: str) -> list[dict[str, Any]]:
    """What the control handler was asked, in order."""
    pages = emulator.client("ssm").get_paginator("get_parameters_by_path").paginate(Path=f"/controls/{name}/")
    parameters = sorted((p for page in pages for p in page["Parameters"]), key=lambda p: p["Name"])
    return [json.loads(p["Value"]) for p in parameters]


def asked(emulator: Emulator, name: str) -> list[tuple[str, str, str | None]]:
    return [(r["RequestType"], r["Value"], r["OldValue"]) for r in requests(emulator, name)]


def reason_of(emulator: Emulator, name: str, logical_id: str, status: str) -> str:
    (reason,) = [r for lid, s, r in events(emulator, name) if (lid, s) == (logical_id, status)]
    return reason


def functions(emulator: Emulator) -> list[str]:
    return [f["FunctionName"] for f in emulator.client("lambda").list_functions()["Functions"]]


def test_a_custom_resource_that_fails_on_update_rolls_the_update_back(emulator: Emulator) -> None:
    name = "FailsOnceOnUpdate"
    assert deploy(emulator, name, control_template(name, "one"))["StackStatus"] == "CREATE_COMPLETE"
    # It fails the first Update only: retried, it would succeed and the stack would end green.
    described = deploy(emulator, name, control_template(name, "two", fail={"Update": 1}))
    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert asked(emulator, name) == [
        ("Create", "one", None),
        ("Update", "two", "one"),
        ("Update", "one", "two"),  # the rollback: back to the previous properties
    ]
    assert reason_of(emulator, name, "Control", "UPDATE_FAILED").startswith(
        "Received response status [FAILED] from custom resource. Message returned: told to fail Update"
    )
    template = emulator.client("cloudformation").get_template(StackName=name)["TemplateBody"]
    assert template == control_template(name, "one")  # boto3 decodes the JSON body


def replaceable_template(
    name: str, profile: str, value: str, fail: dict[str, int] | None = None
) -> dict[str, Any]:
    """The control template plus an instance profile, which a new name replaces; Control needs it."""
    template = control_template(name, value, fail=fail)
    template["Resources"]["Profile"] = {
        "Type": "AWS::IAM::InstanceProfile",
        "Properties": {"InstanceProfileName": profile, "Roles": [{"Ref": "Role"}]},
    }
    template["Resources"]["Control"]["DependsOn"] = ["Profile"]
    return template


def test_a_replaced_profile_is_deleted_in_the_cleanup_after_what_depends_on_it(emulator: Emulator) -> None:
    name = "ReplacesAProfile"
    iam = emulator.client("iam")
    deploy(emulator, name, replaceable_template(name, f"{name}-1", "one"))
    # A new name replaces the profile: the new one is created during the update, the old one deleted
    # only in its cleanup (it is still there if the update fails), after what depends on it.
    described = deploy(emulator, name, replaceable_template(name, f"{name}-2", "two"))
    assert described["StackStatus"] == "UPDATE_COMPLETE"
    cleanup = [e[:2] for e in events(emulator, name)]
    cleanup = cleanup[cleanup.index((name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")) :]
    assert cleanup == [
        (name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("Profile", "DELETE_IN_PROGRESS"),
        ("Profile", "DELETE_COMPLETE"),
        (name, "UPDATE_COMPLETE"),
    ]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_instance_profile(InstanceProfileName=f"{name}-1")
    assert iam.get_instance_profile(InstanceProfileName=f"{name}-2")["InstanceProfile"]["Roles"]


def test_a_rollback_after_a_replacement_gets_the_very_same_profile_back(emulator: Emulator) -> None:
    name = "RollsBackAReplacement"
    iam = emulator.client("iam")
    deploy(emulator, name, replaceable_template(name, f"{name}-1", "one"))
    kept = iam.get_instance_profile(InstanceProfileName=f"{name}-1")["InstanceProfile"]
    # The rename fails at Control, after the profile was replaced: the rollback points the stack back
    # at the profile it had, the same one (instances using it keep it), and deletes the new one.
    failing = replaceable_template(name, f"{name}-2", "two", fail={"Update": 1})
    assert deploy(emulator, name, failing)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    back = iam.get_instance_profile(InstanceProfileName=f"{name}-1")["InstanceProfile"]
    assert back["InstanceProfileId"] == kept["InstanceProfileId"]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_instance_profile(InstanceProfileName=f"{name}-2")
    resources = emulator.client("cloudformation").list_stack_resources(StackName=name)[
        "StackResourceSummaries"
    ]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}["Profile"] == f"{name}-1"


def test_a_failed_rollback_leaves_the_stack_update_rollback_failed(emulator: Emulator) -> None:
    name = "FailsEveryUpdate"
    # The rollback's Update carries these properties again, so it fails too.
    deploy(emulator, name, control_template(name, "one", fail={"Update": 2}))
    described = deploy(emulator, name, control_template(name, "two", fail={"Update": 2}))
    assert described["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    assert asked(emulator, name)[1:] == [("Update", "two", "one"), ("Update", "one", "two")]


def test_a_failed_create_rolls_back_and_deletes_what_it_created(emulator: Emulator) -> None:
    name = "FailsOnCreate"
    described = deploy(emulator, name, control_template(name, "one", fail={"Create": 1}))
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    # CloudFormation sends Delete to a custom resource that answered FAILED to Create.
    assert asked(emulator, name) == [("Create", "one", None), ("Delete", "one", None)]
    assert [(lid, status) for lid, status, _ in events(emulator, name) if status.startswith("DELETE")] == [
        ("Control", "DELETE_IN_PROGRESS"),
        ("Control", "DELETE_COMPLETE"),
        ("Function", "DELETE_IN_PROGRESS"),
        ("Function", "DELETE_COMPLETE"),
        ("Role", "DELETE_IN_PROGRESS"),
        ("Role", "DELETE_COMPLETE"),
    ]
    assert not [f for f in functions(emulator) if f.startswith(name)]


def test_a_failed_create_without_rollback_stays_create_failed(emulator: Emulator) -> None:
    name = "FailsOnCreateNoRollback"
    template = control_template(name, "one", fail={"Create": 1})
    described = deploy(emulator, name, template, DisableRollback=True)
    assert described["StackStatus"] == "CREATE_FAILED"
    assert described["StackStatusReason"] == "The following resource(s) failed to create: [Control]."
    assert [f for f in functions(emulator) if f.startswith(name)]


def test_no_answer_fails_the_operation_with_cloudformations_reason(emulator: Emulator) -> None:
    name = "NeverAnswersCreate"
    described = deploy(emulator, name, control_template(name, "one", silent=("Create",)))
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Control", "CREATE_FAILED").startswith(
        "CloudFormation did not receive a response from your Custom Resource."
    )
    # It never answered, so it gave no physical ID for a Delete to name.
    assert asked(emulator, name) == [("Create", "one", None)]


def test_a_wrong_handler_fails_the_create(emulator: Emulator) -> None:
    name = "WrongHandler"
    template = control_template(name, "one", handler="wrong_file.no_such_function")
    assert deploy(emulator, name, template)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Control", "CREATE_FAILED").startswith(
        "CloudFormation did not receive a response from your Custom Resource."
    )
    assert requests(emulator, name) == []


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("wrong_file.handler", "Runtime.ImportModuleError", "Unable to import module 'wrong_file'"),
        (
            "index.no_such_function",
            "Runtime.HandlerNotFound",
            "Handler 'no_such_function' missing on module 'index'",
        ),
        ("handler", "Runtime.MalformedHandlerName", "Bad handler 'handler'"),
    ],
)
def test_an_invocation_fails_as_lambdas_python_runtime_fails_it(
    emulator: Emulator, handler: str, error_type: str, message: str
) -> None:
    name = f"Handler-{error_type.split('.')[1]}"
    template = control_template(name, "one")
    template["Resources"].pop("Control")
    template["Resources"]["Function"]["Properties"]["Handler"] = handler
    assert deploy(emulator, name, template)["StackStatus"] == "CREATE_COMPLETE"
    (function,) = [f for f in functions(emulator) if f.startswith(name)]
    result = emulator.client("lambda").invoke(FunctionName=function, Payload=b"{}")
    assert result["FunctionError"] == "Handled"
    payload = json.loads(result["Payload"].read())
    assert payload["errorType"] == error_type
    assert payload["errorMessage"].startswith(message)


def test_a_function_without_the_iam_permission_it_uses_fails(emulator: Emulator) -> None:
    name = "NoPermission"
    # The same function, whose role may not write the record it makes before answering.
    read_only = {
        "PolicyName": "ReadOnly",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ssm:GetParametersByPath", "Resource": "*"}],
        },
    }
    described = deploy(emulator, name, control_template(name, "one", policies=(read_only,)))
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Control", "CREATE_FAILED").startswith(
        "CloudFormation did not receive a response from your Custom Resource."
    )
    assert requests(emulator, name) == []
    # The default credentials stay the account's root user: the test itself may write there.
    ssm = emulator.client("ssm")
    ssm.put_parameter(Name=f"/controls/{name}/root", Type="String", Value="{}")
    ssm.delete_parameter(Name=f"/controls/{name}/root")


@pytest.mark.parametrize(
    ("case", "answer", "omit", "reason"),
    [
        ("TooLong", {"Data": {"Blob": "x" * 4096}}, (), "Response object is too long."),
        ("NoPhysicalId", {}, ("PhysicalResourceId",), "Invalid PhysicalResourceId"),
        ("EmptyPhysicalId", {"PhysicalResourceId": ""}, (), "Invalid PhysicalResourceId"),
        ("LongPhysicalId", {"PhysicalResourceId": "x" * 1025}, (), "Invalid PhysicalResourceId"),
    ],
)
def test_an_answer_cloudformation_refuses_fails_the_resource(
    emulator: Emulator, case: str, answer: dict[str, Any], omit: tuple[str, ...], reason: str
) -> None:
    name = f"Refused-{case}"
    described = deploy(emulator, name, control_template(name, "one", answer=answer, omit=omit))
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Control", "CREATE_FAILED") == reason
    # CloudFormation took no physical ID from the answer, so the rollback has none to send Delete.
    assert asked(emulator, name) == [("Create", "one", None)]


def test_the_handlers_physical_id_is_the_resources(emulator: Emulator) -> None:
    name = "HandlersPhysicalId"
    longest = "x" * 1024  # CloudFormation takes up to 1 KB
    template = control_template(name, "one", answer={"PhysicalResourceId": longest})
    assert deploy(emulator, name, template)["StackStatus"] == "CREATE_COMPLETE"
    cloudformation = emulator.client("cloudformation")
    detail = cloudformation.describe_stack_resource(StackName=name, LogicalResourceId="Control")
    assert detail["StackResourceDetail"]["PhysicalResourceId"] == longest
    (described,) = cloudformation.describe_stack_resources(StackName=name, LogicalResourceId="Control")[
        "StackResources"
    ]
    assert described["PhysicalResourceId"] == longest
    summaries = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}["Control"] == longest


def test_a_new_service_token_fails_the_update_before_any_request(emulator: Emulator) -> None:
    name = "NewServiceToken"
    template = control_template(name, "one")
    template["Resources"]["Other"] = template["Resources"]["Function"]
    assert deploy(emulator, name, template)["StackStatus"] == "CREATE_COMPLETE"
    changed = control_template(name, "two")
    changed["Resources"]["Other"] = changed["Resources"]["Function"]
    changed["Resources"]["Control"]["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["Other", "Arn"]}
    assert deploy(emulator, name, changed)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Control", "UPDATE_FAILED") == "Modifying service token is not allowed."
    # Neither function was asked anything: the resource was left as it was.
    assert asked(emulator, name) == [("Create", "one", None)]


@pytest.mark.parametrize(
    ("allowed", "status"), [("ssm:GetParametersByPath", "ROLLBACK_COMPLETE"), ("ssm:*", "CREATE_COMPLETE")]
)
def test_a_function_may_do_only_what_its_permissions_boundary_allows_too(
    emulator: Emulator, allowed: str, status: str
) -> None:
    name = f"Boundary-{allowed.replace(':', '-').replace('*', 'all')}"
    template = control_template(name, "one")
    # The role's own policy allows recording the request; the boundary decides whether it may.
    template["Resources"]["Boundary"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": allowed, "Resource": "*"}],
            }
        },
    }
    template["Resources"]["Role"]["Properties"]["PermissionsBoundary"] = {"Ref": "Boundary"}
    assert deploy(emulator, name, template)["StackStatus"] == status
    if status == "ROLLBACK_COMPLETE":
        assert reason_of(emulator, name, "Control", "CREATE_FAILED").startswith(
            "CloudFormation did not receive a response from your Custom Resource."
        )
        assert requests(emulator, name) == []
    else:
        assert asked(emulator, name) == [("Create", "one", None)]


def test_a_runtime_the_emulator_cannot_run_is_refused(emulator: Emulator) -> None:
    name = "NodeFunction"
    described = deploy(emulator, name, control_template(name, "one", runtime="nodejs20.x"))
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = reason_of(emulator, name, "Function", "CREATE_FAILED")
    assert "cannot run runtime 'nodejs20.x'" in reason
    assert "python3.13" in reason
    with pytest.raises(ClientError, match="InvalidParameterValueException"):
        emulator.client("lambda").create_function(
            FunctionName="direct",
            Runtime="java21",
            Role="arn:aws:iam::123456789012:role/any",
            Handler="example.Handler",
            Code={"ZipFile": b"not run"},
        )


def test_deletes_follow_the_templates_dependencies_in_reverse(emulator: Emulator) -> None:
    name = "DeleteOrder"
    template = control_template(name, "first")
    # Listed first but needed by Control: it must be deleted after Control, not before.
    needed = control_resource(name, "needed")
    template["Resources"] = {"Needed": needed, **template["Resources"]}
    template["Resources"]["Control"]["DependsOn"] = ["Needed"]
    stack_id = deploy(emulator, name, template)["StackId"]
    emulator.client("cloudformation").delete_stack(StackName=name)
    deletes = [r["LogicalResourceId"] for r in requests(emulator, name) if r["RequestType"] == "Delete"]
    assert deletes == ["Control", "Needed"]
    deleted = [lid for lid, status, _ in events(emulator, stack_id) if status == "DELETE_COMPLETE"]
    assert deleted == ["Control", "Needed", "Function", "Role", name]


def test_a_resource_that_fails_to_delete_leaves_the_stack_delete_failed(emulator: Emulator) -> None:
    name = "FailsOnDelete"
    deploy(emulator, name, control_template(name, "one", fail={"Delete": 1}))
    cloudformation = emulator.client("cloudformation")
    cloudformation.delete_stack(StackName=name)
    (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert described["StackStatus"] == "DELETE_FAILED"
    assert described["StackStatusReason"] == "The following resource(s) failed to delete: [Control]."
    # Nothing it depends on went first: the function is still there for the next try.
    assert [f for f in functions(emulator) if f.startswith(name)]


def synthesize_control_app(outdir: Path, name: str, value: str, fail: dict[str, int]) -> Path:
    """The control template as a CDK app's cloud assembly, for the real CLI to deploy."""
    application = App(outdir=str(outdir), context={"aws:cdk:version-reporting": False})
    stack = Stack(application, name, synthesizer=BootstraplessSynthesizer())
    for logical_id, definition in control_template(name, value, fail=fail)["Resources"].items():
        resource = CfnResource(
            stack, logical_id, type=definition["Type"], properties=definition["Properties"]
        )
        resource.override_logical_id(logical_id)
    application.synth()
    return outdir


@pytest.mark.cli
def test_the_cli_exits_non_zero_and_prints_cloudformations_reason(emulator: Emulator, tmp_path: Path) -> None:
    name = "CliControl"
    first = synthesize_control_app(tmp_path / "first", name, "one", {})
    failing = synthesize_control_app(tmp_path / "failing", name, "two", {"Update": 1})
    created = emulator.cdk(DEPLOY[0], "--app", str(first), *DEPLOY[1:])
    assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-3000:]

    result = emulator.cdk(DEPLOY[0], "--app", str(failing), *DEPLOY[1:])

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{name} failed to deploy" in output
    assert "UPDATE_ROLLBACK_IN_PROG" in output  # the CLI cuts statuses to its column's width
    assert (
        "Received response status [FAILED] from custom resource. Message returned: told to fail Update"
        in output
    )
    # The CLI looked in CloudTrail's event history to explain the failure: here it holds nothing.
    assert emulator.client("cloudtrail").lookup_events(MaxResults=50)["Events"] == []


def test_an_update_the_emulator_cannot_make_fails_with_the_reason(emulator: Emulator) -> None:
    # moto has no update for a REST API: it would drop the resource from the stack and report success.
    name = "CannotUpdate"

    def template(api_name: str) -> dict[str, Any]:
        return {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": api_name}}}}

    assert deploy(emulator, name, template("one"))["StackStatus"] == "CREATE_COMPLETE"
    assert deploy(emulator, name, template("two"))["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Api", "UPDATE_FAILED") == (
        "the emulator cannot update AWS::ApiGateway::RestApi (moto has no update for it)"
    )
