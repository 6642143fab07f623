"""A spec's inline policy rendered in Python is what aws-cdk-lib writes, or is left to aws-cdk-lib."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import Ec2AccessProfile
from constructs_lib.cdk.policy_json import rendered_policy
from constructs_lib.core.spec import ProfileSpec
from tests.conftest import library_context

MINIMIZE = "@aws-cdk/aws-iam:minimizePolicies"
ARN = "arn:aws:s3:::bucket"

SIMPLE: dict[str, dict[str, Any]] = {
    "one action, one resource": {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{ARN}/*"]},
    "strings, not lists": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ARN},
    "unsorted, repeated": {
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:PutObject", "ec2:Describe*"],
        "Resource": [f"{ARN}/b", f"{ARN}/a", f"{ARN}/a", f"{ARN}/a-b", f"{ARN}/a/b"],
    },
    "no resource, no effect": {"Action": ["sts:GetCallerIdentity", "iam:Get*"]},
    "deny with a sid": {"Effect": "Deny", "Action": ["*"], "Resource": ["*"], "Sid": "NoThing"},
    "a policy variable": {
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": [f"{ARN}/${{aws:username}}/*"],
    },
}


def cdk_rendering(statements: list[dict[str, Any]], minimize: object) -> Any:
    stack = Stack(App(context={MINIMIZE: minimize}), "Stack")
    return stack.resolve(iam.PolicyDocument.from_json({"Statement": statements}))


@pytest.mark.parametrize("minimize", [True, False])
@pytest.mark.parametrize("name", list(SIMPLE))
def test_a_simple_statement_renders_as_aws_cdk_lib_writes_it(name: str, minimize: bool) -> None:
    statements = [SIMPLE[name]]
    rendered = rendered_policy(statements, minimize=minimize)
    assert rendered is not None
    assert rendered == cdk_rendering(statements, minimize)
    assert list(rendered["Statement"][0]) == list(cdk_rendering(statements, minimize)["Statement"][0])


LEFT_TO_CDK: dict[str, tuple[list[dict[str, Any]], object]] = {
    "two statements (the flag merges them)": ([SIMPLE["one action, one resource"]] * 2, True),
    "a condition": (
        [{**SIMPLE["strings, not lists"], "Condition": {"Bool": {"aws:SecureTransport": "true"}}}],
        True,
    ),
    "a principal": ([{**SIMPLE["strings, not lists"], "Principal": {"AWS": "*"}}], True),
    "a token": (
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:{Aws.PARTITION}:s3:::b"}],
        True,
    ),
    "an action aws-cdk-lib refuses": ([{"Effect": "Allow", "Action": "s3 GetObject"}], True),
    "a space (sorts apart as JSON)": (
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["a b", "a"]}],
        True,
    ),
    "the flag as a string": ([SIMPLE["one action, one resource"]], "true"),
    "no action": ([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}], True),
}


@pytest.mark.parametrize("name", list(LEFT_TO_CDK))
def test_anything_else_is_left_to_aws_cdk_lib(name: str) -> None:
    statements, minimize = LEFT_TO_CDK[name]
    assert rendered_policy(statements, minimize=minimize) is None


def test_a_statement_added_later_joins_the_policy_rendered_in_python() -> None:
    stack = Stack(App(context=library_context()), "Stack")
    spec = ProfileSpec(instance_profile_name="Web", statements=(SIMPLE["one action, one resource"],))
    profile = Ec2AccessProfile.from_spec(stack, "Web", spec, tag_instance_profile=False)
    profile.add_to_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[f"{ARN}/*"]))
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {
            "Policies": [
                {
                    "PolicyName": "Permissions",
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Action": ["s3:GetObject", "s3:PutObject"],
                                "Effect": "Allow",
                                "Resource": f"{ARN}/*",
                            }
                        ],
                        "Version": "2012-10-17",
                    },
                }
            ]
        },
    )
