"""The consumer contract: one SSM parameter per profile, JSON that templates can read at deploy time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from hypothesis import given
from hypothesis import strategies as st

from constructs_lib import Ec2AccessProfile, ProfileValidationError
from constructs_lib.core import contract
from tests.conftest import library_context
from tooling.cdk import ROOT

SAMPLE = {"AWS::Partition": "aws", "AWS::AccountId": "111111111111"}


def evaluate(value: Any, attributes: dict[str, str]) -> Any:
    """A template value as CloudFormation would resolve it, with ``attributes`` for Ref and GetAtt."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, items = value["Fn::Join"]
        return separator.join(evaluate(item, attributes) for item in items)
    if isinstance(value, dict) and "Ref" in value:
        return SAMPLE.get(value["Ref"]) or attributes[value["Ref"]]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return attributes[".".join(value["Fn::GetAtt"])]
    if isinstance(value, dict) and "Fn::Select" in value:
        index, items = value["Fn::Select"]
        return evaluate(items, attributes)[index]
    if isinstance(value, dict) and "Fn::Split" in value:
        separator, source = value["Fn::Split"]
        return evaluate(source, attributes).split(separator)
    return value


def published(stack: Stack, **props: Any) -> tuple[dict[str, Any], str]:
    Ec2AccessProfile(stack, "Web", publish_contract=True, **props)
    template = Template.from_stack(stack)
    (parameter,) = template.find_resources("AWS::SSM::Parameter").values()
    (profile_id,) = template.find_resources("AWS::IAM::InstanceProfile")
    (role_id,) = (
        k for k, r in template.find_resources("AWS::IAM::Role").items() if "RoleName" in r["Properties"]
    )
    attributes = {
        f"{profile_id}.Arn": "arn:aws:iam::111111111111:instance-profile/ec2/web",
        profile_id: "web",
        f"{role_id}.Arn": "arn:aws:iam::111111111111:role/ec2/web-role",
        role_id: "web-role",
    }
    return parameter["Properties"], evaluate(parameter["Properties"]["Value"], attributes)


def test_a_profile_publishes_one_string_parameter_of_sorted_compact_json(stack: Stack) -> None:
    properties, value = published(stack, instance_profile_name="web", role_name="web-role", path="/ec2/")
    assert properties["Name"] == "/ec2-access-profiles/web"
    assert properties["Type"] == "String"
    assert value == (
        '{"instanceProfileArn":"arn:aws:iam::111111111111:instance-profile/ec2/web",'
        '"instanceProfileName":"web","path":"/ec2/","roleArn":"arn:aws:iam::111111111111:role/ec2/web-role",'
        '"roleName":"web-role"}'
    )
    assert contract.read_value(value) == json.loads(value)


def test_publishing_is_off_unless_asked(stack: Stack) -> None:
    Ec2AccessProfile(stack, "Web", instance_profile_name="web")
    Template.from_stack(stack).resource_count_is("AWS::SSM::Parameter", 0)


@given(
    st.from_regex(r"/([!#-\[\]-~]{1,20}/)?", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_.\-]{1,40}", fullmatch=True),
)
def test_every_publishable_value_reads_back_by_splitting_on_quotes(path: str, name: str) -> None:
    values = {
        "instanceProfileArn": f"arn:aws:iam::111111111111:instance-profile{path}{name}",
        "instanceProfileName": name,
        "path": path,
        "roleArn": f"arn:aws:iam::111111111111:role{path}{name}",
        "roleName": name,
    }
    assert contract.publish_findings(name, path) == []
    assert contract.read_value(json.dumps(values, separators=(",", ":"), sort_keys=True)) == values


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"instance_profile_name": "web+1"}, "instance_profile_name"),
        ({}, "instance_profile_name"),
        ({"instance_profile_name": "web", "path": '/a"b/'}, "path"),
    ],
)
def test_what_cannot_be_published_is_refused_before_anything_is_built(
    stack: Stack, props: dict[str, Any], field: str
) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "Web", publish_contract=True, **props)
    assert (caught.value.rule_id, caught.value.field) == ("EAP114", field)
    assert stack.node.try_find_child("Web") is None


def consumer() -> tuple[Stack, Template]:
    stack = Stack(App(context=library_context()), "Consumer")
    profile = Ec2AccessProfile.from_contract(stack, "Web", "web")
    ec2.LaunchTemplate(stack, "Template", instance_profile=profile.instance_profile)
    launcher = iam.Role(stack, "Launcher", assumed_by=iam.AccountRootPrincipal())
    profile.grant_pass_role(launcher)
    return stack, Template.from_stack(stack)


def test_a_consumer_launch_template_reads_the_contract_at_deploy_time() -> None:
    _, template = consumer()
    parameters = template.to_json()["Parameters"]
    ((name, parameter),) = ((k, p) for k, p in parameters.items() if "SsmParameterValue" in k)
    assert parameter == {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/ec2-access-profiles/web"}
    (launch_template,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    assert launch_template["Properties"]["LaunchTemplateData"]["IamInstanceProfile"] == {
        "Arn": {"Fn::Select": [3, {"Fn::Split": ['"', {"Ref": name}]}]}
    }


def test_a_consumer_instance_gets_the_plain_name_of_a_profile_with_a_path() -> None:
    """``ec2.Instance`` passes the instance profile's name; for a profile at ``/ec2/`` that is the
    contract's ``instanceProfileName``, not the ARN's ``ec2/web`` (which EC2 refuses)."""
    stack = Stack(App(context=library_context()), "Consumer")
    profile = Ec2AccessProfile.from_contract(stack, "Web", "web")
    public = ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[public])
    ec2.Instance(
        stack,
        "Host",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.micro"),
        machine_image=ec2.MachineImage.latest_amazon_linux2023(),
        instance_profile=profile.instance_profile,
    )
    value = json.dumps(
        {
            "instanceProfileArn": "arn:aws:iam::111111111111:instance-profile/ec2/web",
            "instanceProfileName": "web",
            "path": "/ec2/",
            "roleArn": "arn:aws:iam::111111111111:role/ec2/web-role",
            "roleName": "web-role",
        },
        separators=(",", ":"),
    )
    template = Template.from_stack(stack)
    (parameter,) = (k for k in template.to_json()["Parameters"] if k.startswith("SsmParameterValueec2"))
    (instance,) = template.find_resources("AWS::EC2::Instance").values()
    assert evaluate(instance["Properties"]["IamInstanceProfile"], {parameter: value}) == "web"


def test_a_consumer_grants_pass_role_on_the_published_role_arn_only_to_ec2() -> None:
    _, template = consumer()
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "iam:PassRole"
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert statement["Resource"]["Fn::Select"][0] == contract.FIELD_INDEX["roleArn"] == 15


def test_a_consumer_grant_launch_is_the_owners_grant_on_the_published_arns() -> None:
    """The same statements as ``Ec2AccessProfile.grant_launch``: PassRole only to EC2, and reading
    this instance profile only; the ARNs are the contract's fields."""
    stack = Stack(App(context=library_context()), "Consumer")
    profile = Ec2AccessProfile.from_contract(stack, "Web", "web")
    launcher = iam.Role(stack, "Launcher", assumed_by=iam.AccountRootPrincipal())
    grant = profile.grant_launch(launcher)
    assert grant.success
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [(s["Action"], s.get("Condition"), s["Resource"]["Fn::Select"][0]) for s in statements] == [
        ("iam:GetInstanceProfile", None, contract.FIELD_INDEX["instanceProfileArn"]),
        (
            "iam:PassRole",
            {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            contract.FIELD_INDEX["roleArn"],
        ),
    ]


def test_a_name_ssm_refuses_is_refused_on_import_too(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError, match="SSM allows only"):
        Ec2AccessProfile.from_contract(stack, "Web", "web+1")


def test_the_readmes_consumer_example_grants_pass_role_only_to_ec2() -> None:
    """The README's consumer code, run as written: its grants carry ``iam:PassedToService``."""
    readme = (ROOT / "README.md").read_text()
    after = readme[readme.index("A consumer imports it by name:") :]
    code = after[
        after.index("```python\n") + len("```python\n") : after.index("\n```", after.index("```python"))
    ]
    stack = Stack(App(context=library_context()), "Consumer")
    launcher = iam.Role(stack, "Launcher", assumed_by=iam.AccountRootPrincipal())
    exec(code, {"stack": stack, "launcher": launcher})
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    pass_role = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert [s["Condition"] for s in pass_role] == [
        {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    ]
