"""A profile's ARNs used from another account or region are the ARNs written out, as aws-cdk-lib's L2s
give theirs; in the profile's own account and region they stay references (``Ec2AccessProfile.role_arn``).

A profile built from a spec (the catalogue's) has no L2 to do it: a reference from another environment
became ``Fn::GetStackOutput`` naming an output and a role its stack never got, so synth passed and the
deployment failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Fn, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from constructs_lib import Ec2AccessProfile, ProfileSpec, build_catalog
from tests.conftest import library_context
from tooling.cdk import cli_context

OWNER = Environment(account="111111111111", region="us-east-1")
ARNS = ["arn:aws:iam::111111111111:instance-profile/ec2/web", "arn:aws:iam::111111111111:role/ec2/web"]
"""What ``grant_launch`` names from another environment: the instance profile, then the role."""
ANOTHER_ACCOUNT = Environment(account="999999999999", region="us-east-1")
ANOTHER_REGION = Environment(account="111111111111", region="eu-west-1")

Build = Callable[[Stack], Ec2AccessProfile]


def from_spec(stack: Stack) -> Ec2AccessProfile:
    """A profile as the catalogue builds it: its CloudFormation resources, no L2."""
    return Ec2AccessProfile.from_spec(stack, "Web", ProfileSpec(instance_profile_name="web", path="/ec2/"))


def with_props(stack: Stack) -> Ec2AccessProfile:
    """The same profile through the constructor: aws-cdk-lib's ``iam.Role`` and ``iam.InstanceProfile``."""
    return Ec2AccessProfile(stack, "Web", instance_profile_name="web", path="/ec2/")


BUILDS = [pytest.param(from_spec, id="from_spec"), pytest.param(with_props, id="props")]
EVERYWHERE = [
    pytest.param(ANOTHER_ACCOUNT, id="another account"),
    pytest.param(ANOTHER_REGION, id="another region"),
    pytest.param(OWNER, id="another stack of its environment"),
    pytest.param(None, id="its own stack"),
]
"""Where a profile's values are used: each environment a stack can be in, against the profile's own stack."""


@dataclass
class Granted:
    resources: list[Any]
    """What ``grant_launch`` names in the launcher's policy: the instance profile, then the role."""
    attributes: list[Any]
    """The ARN attributes of the instance profile and the role, as their own stack writes them."""
    owner_template: dict[str, Any]


def launch_grant(build: Build, launcher_env: Environment | None) -> Granted:
    """``grant_launch`` to a launcher in a stack of ``launcher_env`` (None: in the profile's own stack)."""
    app = App(context=library_context())
    owner = Stack(app, "Profiles", env=OWNER)
    profile = build(owner)
    scope = owner if launcher_env is None else Stack(app, "Ci", env=launcher_env)
    launcher = iam.Role(scope, "Launcher", assumed_by=iam.AccountRootPrincipal())
    profile.grant_launch(launcher)
    attributes = owner.resolve([profile.cfn_instance_profile.attr_arn, profile.cfn_role.attr_arn])
    assembly = app.synth()
    template = assembly.get_stack_by_name(scope.stack_name).template
    (policy,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return Granted(
        [statement["Resource"] for statement in statements],
        attributes,
        assembly.get_stack_by_name("Profiles").template,
    )


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize(
    "launcher_env",
    [pytest.param(ANOTHER_ACCOUNT, id="another account"), pytest.param(ANOTHER_REGION, id="another region")],
)
def test_from_another_environment_grant_launch_names_the_arns_written_out(
    build: Build, launcher_env: Environment
) -> None:
    """IAM is global: from another region of the account, too, the ARN is the same one. The profile's
    stack exports nothing: no output for a reference CloudFormation could not follow."""
    granted = launch_grant(build, launcher_env)
    assert granted.resources == ARNS
    assert "Outputs" not in granted.owner_template


@pytest.mark.parametrize("build", BUILDS)
def test_in_its_own_stack_grant_launch_references_the_attributes(build: Build) -> None:
    granted = launch_grant(build, None)
    assert granted.resources == granted.attributes
    assert [list(resource) for resource in granted.resources] == [["Fn::GetAtt"], ["Fn::GetAtt"]]


@pytest.mark.parametrize(
    "launcher_env",
    EVERYWHERE,
)
def test_a_profile_from_a_spec_is_referenced_as_its_l2s_would_be(launcher_env: Environment | None) -> None:
    """Wherever the launcher is, the same policy and the same outputs as the constructor's profile."""
    spec, props = launch_grant(from_spec, launcher_env), launch_grant(with_props, launcher_env)
    assert spec.resources == props.resources
    assert spec.owner_template.get("Outputs") == props.owner_template.get("Outputs")


def test_from_another_stack_of_its_environment_a_profile_from_a_spec_is_still_a_reference() -> None:
    """In the same environment CloudFormation follows the reference: the stack's output, as before."""
    granted = launch_grant(from_spec, OWNER)
    assert [list(resource) for resource in granted.resources] == [["Fn::GetStackOutput"]] * 2
    outputs = granted.owner_template["Outputs"].values()
    assert [output["Value"] for output in outputs] == granted.attributes


def test_a_profile_from_a_spec_without_a_name_keeps_the_attribute() -> None:
    """With the name generated at deploy, there is no ARN to write out: the attribute, as before."""
    stack = Stack(App(context=library_context()), "Profiles", env=OWNER)
    profile = Ec2AccessProfile.from_spec(stack, "Web", ProfileSpec(path="/ec2/"))
    assert profile.role_arn == profile.cfn_role.attr_arn
    assert profile.instance_profile_arn == profile.cfn_instance_profile.attr_arn


def test_a_catalogue_profile_grants_to_another_account_by_its_arn(tmp_path: Path) -> None:
    """README's example: a CI role in a tooling account may launch with a catalogue's profile."""
    (tmp_path / "catalog.yaml").write_text(
        "deployments:\n  - name: prod\n    accounts: ['111111111111']\n    region: us-east-1\n"
        "profiles:\n  - name: web\n    path: /ec2/\n    tags: {Environment: Production}\n"
    )
    app = App(context=cli_context(), outdir=str(tmp_path / "out"))
    build = build_catalog(app, tmp_path / "catalog.yaml")
    tooling = Stage(app, "tooling", env=Environment(account="999999999999", region="us-east-1"))
    launcher = iam.Role(Stack(tooling, "Ci"), "Ci", assumed_by=iam.AccountRootPrincipal())
    build.profiles["prod-111111111111/web"].grant_launch(launcher)
    template = app.synth().get_nested_assembly("assembly-tooling").stacks[0].template
    (policy,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [statement["Resource"] for statement in statements] == ARNS
    assert "Fn::GetStackOutput" not in json.dumps(template)


def names_used(build: Build, user_env: Environment | None) -> tuple[Any, dict[str, Any]]:
    """The role's and the instance profile's names as a stack of ``user_env`` writes them (None: the
    profile's own stack), and the profile's stack's template."""
    app = App(context=library_context())
    owner = Stack(app, "Profiles", env=OWNER)
    profile = build(owner)
    user = owner if user_env is None else Stack(app, "User", env=user_env)
    ssm.StringParameter(
        user, "Names", string_value=Fn.join(",", [profile.role_name, profile.instance_profile_name])
    )
    assembly = app.synth()
    template = assembly.get_stack_by_name(user.stack_name).template
    (parameter,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::SSM::Parameter")
    return parameter["Properties"]["Value"], assembly.get_stack_by_name("Profiles").template


@pytest.mark.parametrize(
    "user_env",
    EVERYWHERE,
)
def test_a_profile_from_a_spec_gives_its_names_as_its_l2s_would(user_env: Environment | None) -> None:
    """From another account or region the names written out (a reference there would be an output
    CloudFormation cannot follow), else references: as the constructor's profile gives them."""
    (spec_value, spec_owner), (props_value, props_owner) = (
        names_used(from_spec, user_env),
        names_used(with_props, user_env),
    )
    assert spec_value == props_value
    assert spec_owner.get("Outputs") == props_owner.get("Outputs")
    if user_env in (ANOTHER_ACCOUNT, ANOTHER_REGION):
        assert spec_value == "web,web"
        assert "Outputs" not in spec_owner


@pytest.mark.parametrize("build", BUILDS)
def test_a_profiles_arns_and_names_can_be_exported_as_its_l2s_can(build: Build) -> None:
    """``Stack.export_value`` takes a reference to a resource's attribute only (to keep an export
    while its consumer is removed): the values that are written out elsewhere are such references."""
    owner = Stack(App(context=library_context()), "Profiles", env=OWNER)
    profile = build(owner)
    for value in (
        profile.role_arn,
        profile.role_name,
        profile.instance_profile_arn,
        profile.instance_profile_name,
    ):
        assert list(owner.resolve(owner.export_value(value))) == ["Fn::ImportValue"]
