"""Presets: the AWS-managed policies each compute service documents, attached once, with their reason."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import BroadAccess, Ec2AccessProfile, ProfileValidationError, nag_findings
from constructs_lib.core import presets as presets_module
from constructs_lib.core import validation
from constructs_lib.core.presets import BATCH, CLOUDWATCH_AGENT, ECS, EKS_CNI, EKS_NODE, PRESETS, SSM, Preset
from tests.guardrail_helpers import acknowledged_rules

ECS_POLICY = "service-role/AmazonEC2ContainerServiceforEC2Role"


def aws_managed_arn(name: str) -> dict[str, Any]:
    """An AWS-managed policy's ARN as CDK writes it in a template: partition-aware."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{name}"]]}


def managed_policy_arns(stack: Stack, profile: Ec2AccessProfile) -> Any:
    resources = Template.from_stack(stack).to_json()["Resources"]
    role = profile.role.node.default_child
    assert isinstance(role, iam.CfnRole)
    return resources[stack.get_logical_id(role)]["Properties"].get("ManagedPolicyArns")


# ---------------------------------------------------------------------------------------------------
# The table (pure)
# ---------------------------------------------------------------------------------------------------


def test_the_presets_are_these_six_with_these_policies() -> None:
    assert {name: preset.managed_policies for name, preset in PRESETS.items()} == {
        "ssm": ("AmazonSSMManagedInstanceCore",),
        "cloudwatch-agent": ("CloudWatchAgentServerPolicy",),
        "ecs": (ECS_POLICY,),
        "batch": (ECS_POLICY,),
        "eks-node": ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"),
        "eks-cni": ("AmazonEKS_CNI_Policy",),
    }
    assert list(PRESETS) == ["ssm", "cloudwatch-agent", "ecs", "batch", "eks-node", "eks-cni"]
    assert list(PRESETS.values()) == [SSM, CLOUDWATCH_AGENT, ECS, BATCH, EKS_NODE, EKS_CNI]


@pytest.mark.parametrize("preset", list(PRESETS.values()), ids=list(PRESETS))
def test_each_preset_documents_why_and_names_valid_aws_managed_policies(preset: Preset) -> None:
    assert preset.documentation.startswith("https://docs.aws.amazon.com/")
    assert [validation.check_aws_managed_policy_name(p) for p in preset.managed_policies] == [None] * len(
        preset.managed_policies
    )
    assert preset.reason == (
        f"Preset {preset.name!r} ({preset.purpose}): AWS documents these policies as what the instance "
        f"role needs and keeps them current ({preset.documentation})"
    )


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        PRESETS["admin"] = SSM  # type: ignore[index]


# ---------------------------------------------------------------------------------------------------
# The construct
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "presets",
    [["ssm", "eks-node"], [SSM, EKS_NODE], ["ssm", EKS_NODE]],
    ids=["names", "constants", "mixed"],
)
def test_preset_policies_are_attached_in_order(stack: Stack, presets: list[Any]) -> None:
    profile = Ec2AccessProfile(stack, "P", presets=presets, managed_policies=["AmazonS3ReadOnlyAccess"])
    assert managed_policy_arns(stack, profile) == [
        aws_managed_arn("AmazonSSMManagedInstanceCore"),
        aws_managed_arn("AmazonEKSWorkerNodePolicy"),
        aws_managed_arn("AmazonEC2ContainerRegistryPullOnly"),
        aws_managed_arn("AmazonS3ReadOnlyAccess"),
    ]


def test_presets_that_bring_the_same_policy_attach_it_once(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", presets=["ecs", "batch"])
    assert managed_policy_arns(stack, profile) == [aws_managed_arn(ECS_POLICY)]


@pytest.mark.parametrize(
    "explicit",
    [
        "AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"),
    ],
    ids=["name", "arn", "imported"],
)
def test_a_policy_a_preset_brings_cannot_be_given_again(stack: Stack, explicit: Any) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", presets=["ssm"], managed_policies=[explicit])
    assert caught.value.rule_id == "EAP021"
    assert caught.value.field == "managed_policies"
    assert caught.value.rule == "is already attached by preset 'ssm'; remove it from managed_policies"
    assert stack.node.try_find_child("P") is None


def test_a_policy_a_preset_brings_cannot_be_added_later(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", presets=["batch"])
    with pytest.raises(ProfileValidationError) as caught:
        profile.add_managed_policy(ECS_POLICY)
    assert (caught.value.rule_id, caught.value.value) == ("EAP021", ECS_POLICY)
    assert "by preset 'batch'" in caught.value.rule
    assert managed_policy_arns(stack, profile) == [aws_managed_arn(ECS_POLICY)]


def test_an_unknown_preset_is_refused_with_the_closest_name(stack: Stack) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        Ec2AccessProfile(stack, "P", presets=["eks-nod"])
    assert (caught.value.rule_id, caught.value.field, caught.value.value) == ("EAP025", "presets", "eks-nod")
    assert "did you mean 'eks-node'?" in caught.value.rule


# ---------------------------------------------------------------------------------------------------
# What the profile tells cdk-nag
# ---------------------------------------------------------------------------------------------------


def nag_finding(name: str) -> str:
    return f"Annotation::{nag_findings.aws_managed_policy(aws_managed_arn(name))}"


def test_a_preset_policy_is_acknowledged_with_the_presets_reason(stack: Stack) -> None:
    profile = Ec2AccessProfile(stack, "P", presets=["eks-node", "ecs", "batch"])
    assert acknowledged_rules(profile.role) == {
        nag_finding("AmazonEKSWorkerNodePolicy"): EKS_NODE.reason,
        nag_finding("AmazonEC2ContainerRegistryPullOnly"): EKS_NODE.reason,
        nag_finding(ECS_POLICY): ECS.reason,
    }


def test_the_reason_given_replaces_the_presets(stack: Stack) -> None:
    reason = "Fleet hosts are patched and reached only through Session Manager"
    profile = Ec2AccessProfile(
        stack,
        "P",
        presets=["ssm", "cloudwatch-agent"],
        acknowledge=[BroadAccess.managed_policy("AmazonSSMManagedInstanceCore", reason=reason)],
    )
    assert acknowledged_rules(profile.role) == {
        nag_finding("AmazonSSMManagedInstanceCore"): reason,
        nag_finding("CloudWatchAgentServerPolicy"): CLOUDWATCH_AGENT.reason,
    }


def test_each_presets_docstring_links_the_aws_page_that_says_why() -> None:
    tree = ast.parse(Path(presets_module.__file__).read_text())
    docstrings = {
        node.targets[0].id: after.value.value
        for node, after in zip(tree.body, tree.body[1:], strict=False)
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
        and isinstance(after.value.value, str)
    }
    for constant in ("SSM", "CLOUDWATCH_AGENT", "ECS", "BATCH", "EKS_NODE", "EKS_CNI"):
        preset = getattr(presets_module, constant)
        assert preset.documentation in docstrings[constant], constant
