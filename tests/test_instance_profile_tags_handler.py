"""The tag handler's real code, run in-process against moto's IAM API and a real HTTP response URL.

Each test checks what IAM then reports (GetInstanceProfile's Tags; moto 5.2.5 has no
ListInstanceProfileTags) and what was sent to CloudFormation's response URL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication

from constructs_lib.cdk import instance_profile_tags_handler as handler_module
from constructs_lib.cdk.instance_profile_tags import STACK_ACTIONS
from constructs_lib.cdk.instance_profile_tags_handler import handler

pytestmark = pytest.mark.usefixtures("botocore_data_once")

PROFILE = "Web"
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
ACCOUNT_ID = "123456789012"  # moto's default account


@dataclass
class ResponseUrl:
    """A local stand-in for CloudFormation's pre-signed S3 URL: records every PUT it gets."""

    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    failures_left: int = 0

    @property
    def last(self) -> dict[str, Any]:
        assert self.bodies, "the handler sent no response"
        return self.bodies[-1]


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    recorder = ResponseUrl(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["Content-Length"])
            payload = json.loads(self.rfile.read(length))
            if recorder.failures_left:
                recorder.failures_left -= 1
                self.send_response(500)
            else:
                recorder.bodies.append(payload)
                recorder.headers.append(dict(self.headers))
                self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/response?signature=x"
    yield recorder
    server.shutdown()
    server.server_close()


@pytest.fixture
def iam(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("iam")
        client.create_instance_profile(InstanceProfileName=PROFILE, Path="/ec2/")
        yield client


class Context:
    def __init__(self, remaining_millis: int = 120_000) -> None:
        self.remaining_millis = remaining_millis

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def event(
    request: str,
    response_url: ResponseUrl,
    tags: dict[str, str],
    name: str = PROFILE,
    old: dict[str, Any] | None = None,
    physical_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "RequestType": request,
        "ResponseURL": response_url.url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/S/guid",
        "RequestId": f"request-{request}",
        "LogicalResourceId": "WebInstanceProfileTags",
        "ResourceType": "Custom::InstanceProfileTags",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "InstanceProfileName": name,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        },
    }
    if old is not None:
        body["OldResourceProperties"] = old
    if physical_id is not None:
        body["PhysicalResourceId"] = physical_id
    return body


def tags_in_iam(iam: Any, name: str = PROFILE) -> dict[str, str]:
    profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    return {tag["Key"]: tag["Value"] for tag in profile.get("Tags", [])}


def run(request: dict[str, Any], context: Context | None = None) -> None:
    handler(request, context or Context())


def create(iam: Any, response_url: ResponseUrl, tags: dict[str, str]) -> dict[str, Any]:
    request = event("Create", response_url, tags)
    run(request)
    return request


def test_create_tags_the_profile_and_reports_success(iam: Any, response_url: ResponseUrl) -> None:
    request = create(iam, response_url, {"Environment": "Production", "Service": "WebApp"})
    assert tags_in_iam(iam) == {"Environment": "Production", "Service": "WebApp"}
    assert response_url.last == {
        "Status": "SUCCESS",
        "Reason": "See the function's log",
        "PhysicalResourceId": "instance-profile-tags:Web",
        "StackId": request["StackId"],
        "RequestId": request["RequestId"],
        "LogicalResourceId": request["LogicalResourceId"],
    }
    # S3 pre-signed URLs reject a content type that was not signed.
    assert response_url.headers[-1].get("Content-Type", "") == ""


def test_update_adds_changes_and_removes_keys(iam: Any, response_url: ResponseUrl) -> None:
    created = create(iam, response_url, {"Environment": "Production", "Service": "WebApp", "Old": "x"})
    update = event(
        "Update",
        response_url,
        {"Environment": "Staging", "Service": "WebApp", "Team": "Platform"},
        old=created["ResourceProperties"],
        physical_id="instance-profile-tags:Web",
    )
    run(update)
    assert tags_in_iam(iam) == {"Environment": "Staging", "Service": "WebApp", "Team": "Platform"}
    assert response_url.last["Status"] == "SUCCESS"
    assert response_url.last["PhysicalResourceId"] == "instance-profile-tags:Web"
    assert response_url.last["RequestId"] == "request-Update"


def test_update_to_no_tags_removes_them_all(iam: Any, response_url: ResponseUrl) -> None:
    created = create(iam, response_url, {"Environment": "Production"})
    run(event("Update", response_url, {}, old=created["ResourceProperties"], physical_id="id-1"))
    assert tags_in_iam(iam) == {}
    assert response_url.last["Status"] == "SUCCESS"


def test_replaced_profile_gets_tagged_under_a_new_physical_id(iam: Any, response_url: ResponseUrl) -> None:
    created = create(iam, response_url, {"Environment": "Production"})
    iam.create_instance_profile(InstanceProfileName="Web-2", Path="/web/")
    run(
        event(
            "Update",
            response_url,
            {"Environment": "Production", "Tier": "Web"},
            name="Web-2",
            old=created["ResourceProperties"],
            physical_id="instance-profile-tags:Web",
        )
    )
    assert tags_in_iam(iam, "Web-2") == {"Environment": "Production", "Tier": "Web"}
    assert response_url.last["Status"] == "SUCCESS"
    assert response_url.last["PhysicalResourceId"] == "instance-profile-tags:Web-2"
    # CloudFormation then deletes the old resource, with the old ID and properties.
    old_delete = event(
        "Delete", response_url, {"Environment": "Production"}, physical_id="instance-profile-tags:Web"
    )
    run(old_delete)
    assert tags_in_iam(iam) == {}
    assert tags_in_iam(iam, "Web-2") == {"Environment": "Production", "Tier": "Web"}
    assert response_url.last["PhysicalResourceId"] == "instance-profile-tags:Web"


def test_delete_removes_its_tags_and_keeps_others(iam: Any, response_url: ResponseUrl) -> None:
    create(iam, response_url, {"Environment": "Production"})
    iam.tag_instance_profile(InstanceProfileName=PROFILE, Tags=[{"Key": "SetByHand", "Value": "yes"}])
    run(event("Delete", response_url, {"Environment": "Production"}, physical_id="instance-profile-tags:Web"))
    assert tags_in_iam(iam) == {"SetByHand": "yes"}
    assert response_url.last["Status"] == "SUCCESS"
    assert response_url.last["PhysicalResourceId"] == "instance-profile-tags:Web"


def test_delete_of_an_already_deleted_profile_succeeds(iam: Any, response_url: ResponseUrl) -> None:
    create(iam, response_url, {"Environment": "Production"})
    iam.delete_instance_profile(InstanceProfileName=PROFILE)
    run(event("Delete", response_url, {"Environment": "Production"}, physical_id="instance-profile-tags:Web"))
    assert response_url.last["Status"] == "SUCCESS"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        tags_in_iam(iam)


def test_retried_events_give_the_same_result(iam: Any, response_url: ResponseUrl) -> None:
    request = event("Create", response_url, {"Environment": "Production"})
    run(request)
    run(request)
    assert tags_in_iam(iam) == {"Environment": "Production"}
    update = event(
        "Update",
        response_url,
        {"Team": "Platform"},
        old=request["ResourceProperties"],
        physical_id="instance-profile-tags:Web",
    )
    run(update)
    run(update)
    assert tags_in_iam(iam) == {"Team": "Platform"}
    delete = event("Delete", response_url, {"Team": "Platform"}, physical_id="instance-profile-tags:Web")
    run(delete)
    run(delete)
    assert tags_in_iam(iam) == {}
    assert [body["Status"] for body in response_url.bodies] == ["SUCCESS"] * 6
    assert {body["PhysicalResourceId"] for body in response_url.bodies} == {"instance-profile-tags:Web"}


def test_failure_is_reported_with_a_reason_naming_the_profile(iam: Any, response_url: ResponseUrl) -> None:
    run(event("Create", response_url, {"Environment": "Production"}, name="Missing"))
    assert response_url.last["Status"] == "FAILED"
    assert "Tags of instance profile 'Missing'" in response_url.last["Reason"]
    assert "NoSuchEntity" in response_url.last["Reason"]
    # CloudFormation sends Delete for the ID of a failed Create when it rolls back: it says nothing
    # was tagged, so that Delete removes nothing.
    assert response_url.last["PhysicalResourceId"] == "instance-profile-tags:Missing:nothing-tagged"


def test_the_rollback_delete_of_a_failed_create_leaves_the_profiles_tags_alone(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tagging turned on for a profile tagged by hand: IAM refuses the Create (its 50 tags), so nothing
    was written, and the Delete of the rollback must not remove the hand-set key it shares."""
    iam.tag_instance_profile(InstanceProfileName=PROFILE, Tags=[{"Key": "CostCenter", "Value": "1234"}])

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "LimitExceeded", "Message": "50 tags"}}, "TagInstanceProfile")

    monkeypatch.setattr(handler_module, "_iam", lambda: _Refusing(iam, refuse))
    create(iam, response_url, {"CostCenter": "9999"})
    failed = response_url.last
    assert (failed["Status"], failed["PhysicalResourceId"]) == (
        "FAILED",
        "instance-profile-tags:Web:nothing-tagged",
    )
    run(event("Delete", response_url, {"CostCenter": "9999"}, physical_id=failed["PhysicalResourceId"]))
    assert response_url.last["Status"] == "SUCCESS"
    assert tags_in_iam(iam) == {"CostCenter": "1234"}


@dataclass
class _Refusing:
    """An IAM client whose TagInstanceProfile raises ``refuse``'s error."""

    client: Any
    refuse: Any

    def __getattr__(self, name: str) -> Any:
        return self.refuse if name == "tag_instance_profile" else getattr(self.client, name)


def test_no_iam_call_is_made_once_the_handler_has_answered(iam: Any) -> None:
    """A frozen Lambda resumes a thread the handler gave up on: it must not change tags then."""
    given_up = threading.Event()
    given_up.set()
    request = event("Create", ResponseUrl("http://127.0.0.1:9/"), {"Environment": "Production"})
    with pytest.raises(handler_module.GivenUpError):
        handler_module.apply(request, iam, given_up)
    assert tags_in_iam(iam) == {}


def test_the_response_fits_cloudformations_4096_bytes_with_the_reason_first() -> None:
    """Non-ASCII text is six bytes a character once escaped: the reason is cut by bytes, not characters."""
    request = event("Delete", ResponseUrl("http://127.0.0.1:9/"), {})
    reason = "AccessDenied: explicit deny in a service control policy; so tags " + "\u30bf" * 3000
    body = handler_module.response_body(
        request, "FAILED", "instance-profile-tags:Web", reason.encode().decode("unicode_escape")
    )
    assert len(body) <= handler_module.MAX_RESPONSE_BYTES
    said = json.loads(body)["Reason"]
    assert said.startswith("AccessDenied: explicit deny in a service control policy")
    assert said.endswith("...")
    short = json.loads(handler_module.response_body(request, "SUCCESS", "id", ""))
    assert short["Reason"] == "See the function's log"


def test_malformed_event_still_gets_an_answer(iam: Any, response_url: ResponseUrl) -> None:
    request = event("Create", response_url, {"Environment": "Production"})
    del request["ResourceProperties"]["Tags"][0]["Value"]
    run(request)
    assert response_url.last["Status"] == "FAILED"
    assert "'Web'" in response_url.last["Reason"]
    assert tags_in_iam(iam) == {}


def test_running_out_of_time_answers_failed_before_lambda_would_stop(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, finished = threading.Event(), threading.Event()

    def stuck(event: dict[str, Any], iam: Any, given_up: threading.Event) -> str:
        release.wait(60)
        finished.set()
        return "never"

    monkeypatch.setattr(handler_module, "apply", stuck)
    # Six seconds left: the handler must answer after one (six minus its five-second margin), while
    # the work it gave up on is still running (no wall-clock bound: timings are not tested).
    run(event("Create", response_url, {"Environment": "Production"}), Context(remaining_millis=6_000))
    assert not finished.is_set()
    release.set()
    assert response_url.last["Status"] == "FAILED"
    assert "ran out of time" in response_url.last["Reason"]


def test_response_is_retried_when_the_url_fails(iam: Any, response_url: ResponseUrl) -> None:
    response_url.failures_left = 1
    create(iam, response_url, {"Environment": "Production"})
    assert len(response_url.bodies) == 1
    assert response_url.last["Status"] == "SUCCESS"


class CaseInsensitiveKeys:
    """moto's IAM client, with tag keys that differ only in case held as one key.

    moto 5.2.5 compares instance-profile tag keys exactly. IAM holds the keys of users and roles
    case-insensitively (tagging 'department' replaces 'Department'), and the handler must not
    depend on which of the two an instance profile gets: this wrapper is the other one.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def stored_keys(self, name: str, keys: list[str]) -> list[str]:
        wanted = {key.lower() for key in keys}
        return [key for key in tags_in_iam(self.client, name) if key.lower() in wanted]

    def tag_instance_profile(self, **call: Any) -> None:
        name = call["InstanceProfileName"]
        replaced = self.stored_keys(name, [tag["Key"] for tag in call["Tags"]])
        if replaced:
            self.client.untag_instance_profile(InstanceProfileName=name, TagKeys=replaced)
        self.client.tag_instance_profile(**call)

    def untag_instance_profile(self, **call: Any) -> None:
        name = call["InstanceProfileName"]
        self.client.untag_instance_profile(
            InstanceProfileName=name, TagKeys=self.stored_keys(name, call["TagKeys"])
        )


@pytest.mark.parametrize("keys", ["moto", "case-insensitive"])
def test_a_key_changed_only_in_case_ends_as_exactly_the_new_key(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch, keys: str
) -> None:
    if keys == "case-insensitive":
        monkeypatch.setattr(handler_module, "_iam", lambda: CaseInsensitiveKeys(boto3.client("iam")))
    created = create(iam, response_url, {"team": "Platform", "Environment": "Production"})
    update = event(
        "Update",
        response_url,
        {"Team": "Platform", "Environment": "Production"},
        old=created["ResourceProperties"],
        physical_id="instance-profile-tags:Web",
    )
    run(update)
    assert tags_in_iam(iam) == {"Team": "Platform", "Environment": "Production"}
    run(event("Update", response_url, {"team": "Web"}, old=update["ResourceProperties"], physical_id="id"))
    assert tags_in_iam(iam) == {"team": "Web"}
    assert [body["Status"] for body in response_url.bodies] == ["SUCCESS"] * 3


def function_credentials(
    iam: Any, monkeypatch: pytest.MonkeyPatch, *profile_arns: str, read_stack: bool = True
) -> None:
    """The handler calls IAM and CloudFormation as a principal holding the tag function's policy.

    In-process moto authorizes CloudFormation actions against ``*`` only, so the stack statement
    names ``*`` here; its real resource, the stack's ID, is exercised on the emulator
    (``tests/test_update_paths.py``), which authorizes it as CloudFormation does.
    """
    statements = [
        {
            "Effect": "Allow",
            "Action": ["iam:TagInstanceProfile", "iam:UntagInstanceProfile"],
            "Resource": list(profile_arns),
        }
    ]
    if read_stack:
        statements.append({"Effect": "Allow", "Action": STACK_ACTIONS, "Resource": "*"})
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.create_user(UserName="tag-function")
    iam.put_user_policy(UserName="tag-function", PolicyName="Permissions", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="tag-function")["AccessKey"]
    credentials = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    monkeypatch.setattr(handler_module, "_iam", lambda: boto3.client("iam", **credentials))
    monkeypatch.setattr(
        handler_module, "_cloudformation", lambda: boto3.client("cloudformation", **credentials)
    )


def stack_holding(profile: str) -> str:
    """Create a stack (moto's CloudFormation) whose template holds instance profile ``profile``."""
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": EC2_TRUST}},
            "Profile": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"InstanceProfileName": profile, "Path": "/ec2/", "Roles": [{"Ref": "Role"}]},
            },
        }
    }
    cloudformation = boto3.client("cloudformation")
    return str(cloudformation.create_stack(StackName="S", TemplateBody=json.dumps(template))["StackId"])


def denied_delete(response_url: ResponseUrl, stack_id: str, name: str = PROFILE) -> None:
    delete = event("Delete", response_url, {"Environment": "Production"}, name=name, physical_id="id-1")
    delete["StackId"] = stack_id
    with enable_iam_authentication():
        run(delete)


def test_delete_denied_for_a_profile_the_stack_replaced_succeeds_and_says_why(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # After a rename the stack's template holds the new profile, and the function's policy names only
    # it; the old resource's Delete then comes for the old profile, which CloudFormation deletes next.
    create(iam, response_url, {"Environment": "Production"})
    stack_id = stack_holding("Web-2")
    function_credentials(iam, monkeypatch, f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/ec2/Web-2")
    caplog.set_level("INFO")
    denied_delete(response_url, stack_id)
    assert response_url.last["Status"] == "SUCCESS"
    assert response_url.last["PhysicalResourceId"] == "id-1"
    (said,) = [record.message for record in caplog.records if "Not allowed to untag" in record.message]
    assert said.startswith("Not allowed to untag instance profile 'Web' (An error occurred (AccessDenied)")
    assert "the stack's template no longer holds the profile" in said
    assert tags_in_iam(iam) == {"Environment": "Production"}


def test_delete_denied_for_a_profile_the_stack_keeps_fails_with_the_reason(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deny from outside the stack (an SCP, a boundary): the profile stays, so its tags would too.
    stack_id = stack_holding("Kept")
    iam.tag_instance_profile(InstanceProfileName="Kept", Tags=[{"Key": "Environment", "Value": "Production"}])
    function_credentials(iam, monkeypatch, f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/ec2/Other")
    denied_delete(response_url, stack_id, name="Kept")
    assert response_url.last["Status"] == "FAILED"
    assert response_url.last["Reason"].startswith(
        "Tags of instance profile 'Kept': An error occurred (AccessDenied) when calling the "
        "UntagInstanceProfile operation"
    )
    assert response_url.last["Reason"].endswith(
        "; so tags ['Environment'] stay, and the stack keeps the profile"
    )
    assert tags_in_iam(iam, "Kept") == {"Environment": "Production"}


def test_delete_denied_fails_when_the_stack_cannot_be_read(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_id = stack_holding("Web-2")
    function_credentials(
        iam, monkeypatch, f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/ec2/Web-2", read_stack=False
    )
    denied_delete(response_url, stack_id)
    assert response_url.last["Status"] == "FAILED"
    assert "when calling the DescribeStacks operation" in response_url.last["Reason"]


@dataclass
class StackSeenByTheHandler:
    """CloudFormation's answers to the three reads of ``why_deleted_next``."""

    status: str
    template: Any
    resources: list[tuple[str, str, str]]  # logical ID, type, physical ID

    def describe_stacks(self, **call: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": call["StackName"], "StackStatus": self.status}]}

    def get_template(self, **call: str) -> dict[str, Any]:
        assert call["TemplateStage"] == "Original"
        return {"TemplateBody": self.template}

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_stack_resources"
        summaries = [
            {"LogicalResourceId": logical, "ResourceType": kind, "PhysicalResourceId": physical}
            for logical, kind, physical in self.resources
        ]
        pages = [{"StackResourceSummaries": summaries[:1]}, {"StackResourceSummaries": summaries[1:]}]
        return type("Paginator", (), {"paginate": lambda _, **call: iter(pages)})()


PROFILE_TYPE = "AWS::IAM::InstanceProfile"
HOLDING: dict[str, Any] = {"Resources": {"Tags": {}, "Profile": {}}}


@pytest.mark.parametrize(
    ("seen", "deleted_next"),
    [
        # The stack keeps it: the current template holds the logical ID whose profile it is.
        (
            StackSeenByTheHandler(
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", HOLDING, [("Profile", PROFILE_TYPE, "Web")]
            ),
            False,
        ),
        (
            StackSeenByTheHandler(
                "UPDATE_COMPLETE",
                json.dumps(HOLDING),
                [("Tags", "Custom::X", "t"), ("Profile", PROFILE_TYPE, "Web")],
            ),
            False,
        ),
        # Replaced: the logical ID now holds a profile of another name.
        (
            StackSeenByTheHandler(
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", HOLDING, [("Profile", PROFILE_TYPE, "Web-2")]
            ),
            True,
        ),
        # Removed: still listed until its Delete, but no longer in the template.
        (
            StackSeenByTheHandler(
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                {"Resources": {"Tags": {}}},
                [("Profile", PROFILE_TYPE, "Web")],
            ),
            True,
        ),
        # A rollback's cleanup: the template is the previous one, without the new profile.
        (
            StackSeenByTheHandler(
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", HOLDING, [("Profile", PROFILE_TYPE, "Old")]
            ),
            True,
        ),
        # The whole stack goes.
        (StackSeenByTheHandler("DELETE_IN_PROGRESS", HOLDING, [("Profile", PROFILE_TYPE, "Web")]), True),
        (StackSeenByTheHandler("ROLLBACK_IN_PROGRESS", HOLDING, [("Profile", PROFILE_TYPE, "Web")]), True),
        # Another type with the same physical ID is not the profile.
        (StackSeenByTheHandler("UPDATE_COMPLETE", HOLDING, [("Profile", "AWS::IAM::Role", "Web")]), True),
    ],
)
def test_why_deleted_next_tells_a_profile_the_stack_deletes_from_one_it_keeps(
    seen: StackSeenByTheHandler, deleted_next: bool
) -> None:
    reason = handler_module.why_deleted_next(seen, "arn:aws:cloudformation:us-east-1:1:stack/S/x", "Web")
    assert (reason is not None) == deleted_next
    if seen.status.endswith("_IN_PROGRESS") and "CLEANUP" not in seen.status and deleted_next:
        assert reason == f"the stack is {seen.status}, so CloudFormation deletes the profile with its tags"


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_or_update_denied_fails_with_the_reason(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch, request_type: str
) -> None:
    function_credentials(iam, monkeypatch, f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/ec2/Other")
    old = {"InstanceProfileName": PROFILE, "Tags": [{"Key": "Old", "Value": "x"}]}
    with enable_iam_authentication():
        run(event(request_type, response_url, {"Environment": "Production"}, old=old, physical_id="id"))
    assert response_url.last["Status"] == "FAILED"
    assert response_url.last["Reason"].startswith(
        "Tags of instance profile 'Web': An error occurred (AccessDenied)"
    )


class FailingIam:
    """An IAM client whose every untag fails with ``code``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def untag_instance_profile(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "try later"}}, "UntagInstanceProfile")


def test_delete_fails_with_the_reason_on_any_other_error(
    iam: Any, response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler_module, "_iam", lambda: FailingIam("ServiceFailure"))
    run(event("Delete", response_url, {"Environment": "Production"}, physical_id="instance-profile-tags:Web"))
    assert response_url.last["Status"] == "FAILED"
    assert "(ServiceFailure)" in response_url.last["Reason"]
    assert response_url.last["Reason"].startswith("Tags of instance profile 'Web'")
