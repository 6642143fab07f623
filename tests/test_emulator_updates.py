"""Stack updates of IAM resources on the emulator, as CloudFormation makes them or refuses them.

A change to a property that requires replacement replaces the resource, under a new generated name
if the template names none; CloudFormation refuses to replace a custom-named resource whose name
stays, and the update rolls back. Everything else changes in place. That plain moto does neither is
proven by ``tests/test_emulator_fidelity.py``. These share the session's emulator
(``tests/conftest.py``), each stack and resource named after its test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator import ACCOUNT, Emulator
from tests.test_emulator_failures import deploy, events, reason_of

pytestmark = pytest.mark.emulator

TRUST = {"Version": "2012-10-17", "Statement": []}
CUSTOM_NAME = (
    "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
    "Rename {name} and update the stack again."
)
REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."


def role(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST, **properties}}


def reads(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }


def policy_template(name: str | None, *, bucket: str, roles: list[str]) -> dict[str, Any]:
    """Two roles and a managed policy that reads ``bucket``, described after it, attached to ``roles``."""
    properties: dict[str, Any] = {
        "Path": "/updates/",
        "Description": f"Reads {bucket}",
        "PolicyDocument": reads(bucket),
        "Roles": [{"Ref": logical_id} for logical_id in roles],
    }
    if name is not None:
        properties["ManagedPolicyName"] = name
    return {
        "Resources": {
            "First": role(),
            "Second": role(),
            "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": properties},
        }
    }


def physical_ids(emulator: Emulator, name: str) -> dict[str, str]:
    summaries = emulator.client("cloudformation").list_stack_resources(StackName=name)[
        "StackResourceSummaries"
    ]
    return {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}


def attached(emulator: Emulator, role_name: str) -> list[str]:
    iam = emulator.client("iam")
    return [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]]


def test_a_named_managed_policy_that_needs_replacing_fails_and_rolls_back(emulator: Emulator) -> None:
    name = "NamedPolicyReplaced"
    policy_name = f"{name}-Policy"
    deploy(emulator, name, policy_template(policy_name, bucket="first", roles=["First"]))
    iam = emulator.client("iam")
    arn = f"arn:aws:iam::{ACCOUNT}:policy/updates/{policy_name}"
    roles = physical_ids(emulator, name)
    # A new Description requires replacement; its name stays, so CloudFormation refuses, before
    # anything else of the change (document, roles) is made.
    changed = policy_template(policy_name, bucket="second", roles=["Second"])
    assert deploy(emulator, name, changed)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Policy", "UPDATE_FAILED") == CUSTOM_NAME.format(name=policy_name)
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["Description"], policy["DefaultVersionId"]) == ("Reads first", "v1")
    assert (attached(emulator, roles["First"]), attached(emulator, roles["Second"])) == ([arn], [])


def test_a_renamed_managed_policy_is_replaced_and_the_old_one_deleted(emulator: Emulator) -> None:
    name = "RenamedPolicy"
    deploy(emulator, name, policy_template(f"{name}-1", bucket="first", roles=["First"]))
    changed = policy_template(f"{name}-2", bucket="second", roles=["First"])
    assert deploy(emulator, name, changed)["StackStatus"] == "UPDATE_COMPLETE"
    old, new = (f"arn:aws:iam::{ACCOUNT}:policy/updates/{name}-{n}" for n in (1, 2))
    iam = emulator.client("iam")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=old)
    assert iam.get_policy(PolicyArn=new)["Policy"]["Description"] == "Reads second"
    assert physical_ids(emulator, name)["Policy"] == new
    assert attached(emulator, physical_ids(emulator, name)["First"]) == [new]


def test_an_unnamed_managed_policy_is_replaced_under_a_new_name(emulator: Emulator) -> None:
    name = "UnnamedPolicy"
    deploy(emulator, name, policy_template(None, bucket="first", roles=["First"]))
    old = physical_ids(emulator, name)["Policy"]
    changed = policy_template(None, bucket="second", roles=["First"])
    assert deploy(emulator, name, changed)["StackStatus"] == "UPDATE_COMPLETE"
    new = physical_ids(emulator, name)["Policy"]
    assert new != old
    assert new.startswith(f"arn:aws:iam::{ACCOUNT}:policy/updates/{name}-Policy-")
    assert ("Policy", "UPDATE_IN_PROGRESS", REPLACING) in events(emulator, name)
    iam = emulator.client("iam")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=old)
    assert iam.get_policy(PolicyArn=new)["Policy"]["Description"] == "Reads second"
    assert attached(emulator, physical_ids(emulator, name)["First"]) == [new]


def test_a_managed_policys_document_and_roles_change_in_place(emulator: Emulator) -> None:
    name = "PolicyInPlace"
    policy_name = f"{name}-Policy"
    template = policy_template(policy_name, bucket="first", roles=["First"])
    deploy(emulator, name, template)
    arn = physical_ids(emulator, name)["Policy"]
    changed = policy_template(policy_name, bucket="first", roles=["Second"])
    changed["Resources"]["Policy"]["Properties"]["PolicyDocument"] = reads("second")
    assert deploy(emulator, name, changed)["StackStatus"] == "UPDATE_COMPLETE"
    assert physical_ids(emulator, name)["Policy"] == arn
    iam = emulator.client("iam")
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    assert (version, document) == ("v2", reads("second"))
    roles = physical_ids(emulator, name)
    assert (attached(emulator, roles["First"]), attached(emulator, roles["Second"])) == ([], [arn])


def test_a_named_role_whose_path_changes_fails_and_rolls_back(emulator: Emulator) -> None:
    name = "NamedRoleMoved"
    role_name = f"{name}-Role"

    def template(path: str, description: str) -> dict[str, Any]:
        return {"Resources": {"Role": role(RoleName=role_name, Path=path, Description=description)}}

    deploy(emulator, name, template("/a/", "first"))
    assert deploy(emulator, name, template("/b/", "second"))["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert reason_of(emulator, name, "Role", "UPDATE_FAILED") == CUSTOM_NAME.format(name=role_name)
    found = emulator.client("iam").get_role(RoleName=role_name)["Role"]
    assert (found["Path"], found["Description"]) == ("/a/", "first")


def test_an_unnamed_profile_whose_path_changes_is_replaced_under_a_new_name(emulator: Emulator) -> None:
    name = "UnnamedProfileMoved"

    def template(path: str) -> dict[str, Any]:
        profile = {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"Path": path, "Roles": [{"Ref": "Role"}]},
        }
        return {"Resources": {"Role": role(), "Profile": profile}}

    deploy(emulator, name, template("/a/"))
    old = physical_ids(emulator, name)["Profile"]
    assert deploy(emulator, name, template("/b/"))["StackStatus"] == "UPDATE_COMPLETE"
    new = physical_ids(emulator, name)["Profile"]
    assert new != old
    assert new.startswith(f"{name}-Profile-")
    iam = emulator.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=new)["InstanceProfile"]
    assert (profile["Path"], [r["RoleName"] for r in profile["Roles"]]) == (
        "/b/",
        [physical_ids(emulator, name)["Role"]],
    )
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_instance_profile(InstanceProfileName=old)


def test_a_role_of_the_same_name_in_another_account_leaves_this_ones_update_alone(emulator: Emulator) -> None:
    name = "SameRoleNameTwoAccounts"
    read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess"

    def template(managed: list[str]) -> dict[str, Any]:
        return {"Resources": {"Role": role(RoleName=name, ManagedPolicyArns=managed)}}

    other_account = emulator.client("cloudformation")
    other_account.meta.events.register(
        "before-sign.*.*",
        lambda request, **_: request.headers.__setitem__("x-moto-account-id", "111111111111"),
    )
    deploy(emulator, name, template([read_only]))
    other_account.create_stack(StackName=name, TemplateBody=json.dumps(template([])))
    # This account's update drops the policy its previous template attached, whatever the other
    # account's stack made of its own role of that name.
    assert deploy(emulator, name, template([]))["StackStatus"] == "UPDATE_COMPLETE"
    assert attached(emulator, name) == []


def test_instance_profile_tags_are_listed_by_key_in_pages(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    name = "TagPages"
    iam.create_instance_profile(InstanceProfileName=name)
    iam.tag_instance_profile(InstanceProfileName=name, Tags=[{"Key": k, "Value": "v"} for k in "CAB"])
    first = iam.list_instance_profile_tags(InstanceProfileName=name, MaxItems=2)
    assert ([t["Key"] for t in first["Tags"]], first["IsTruncated"]) == (["A", "B"], True)
    rest = iam.list_instance_profile_tags(InstanceProfileName=name, MaxItems=2, Marker=first["Marker"])
    assert ([t["Key"] for t in rest["Tags"]], rest["IsTruncated"], rest.get("Marker")) == (["C"], False, None)
    pages = iam.get_paginator("list_instance_profile_tags").paginate(
        InstanceProfileName=name, PaginationConfig={"PageSize": 1}
    )
    assert [[t["Key"] for t in page["Tags"]] for page in pages] == [["A"], ["B"], ["C"]]


def test_a_renamed_log_group_is_replaced_and_the_old_one_deleted_in_the_cleanup(emulator: Emulator) -> None:
    name = "RenamedLogGroup"

    def template(group: str) -> dict[str, Any]:
        return {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": group}}}}

    deploy(emulator, name, template(f"{name}-1"))
    assert deploy(emulator, name, template(f"{name}-2"))["StackStatus"] == "UPDATE_COMPLETE"
    logs = emulator.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [f"{name}-2"]
    cleanup = [e[:2] for e in events(emulator, name)]
    assert cleanup[cleanup.index((name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")) :] == [
        (name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("Logs", "DELETE_IN_PROGRESS"),
        ("Logs", "DELETE_COMPLETE"),
        (name, "UPDATE_COMPLETE"),
    ]
