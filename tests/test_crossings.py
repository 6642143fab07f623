"""The answers given without asking aws-cdk-lib (``constructs_lib.cdk.crossings``), or in one call
(``ProfileResources``), are aws-cdk-lib's own."""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import App, Aws, CfnTag, IStableAnyProducer, Lazy, Stack, Tags, Token
from aws_cdk import aws_iam as iam

from constructs_lib.cdk.access_profile import _statement_json
from constructs_lib.cdk.crossings import default_child, is_unresolved
from constructs_lib.cdk.profile_resources import ProfileResources
from constructs_lib.cdk.trust_policy import ec2_trust_policy


def test_the_python_token_test_agrees_with_aws_cdk_libs(stack: Stack) -> None:
    for value in ["plain", Aws.REGION, f"x-{Aws.ACCOUNT_ID}", "${Token[not.one]}", "${AWS::Region}"]:
        assert is_unresolved(value) == Token.is_unresolved(value), value


def test_read_roles_answers_what_the_stack_resolves_each_roles_properties_to(stack: Stack) -> None:
    """The guardrails' one call per stack (``ProfileResources.read_roles``) is aws-cdk-lib's own resolve."""
    arn = f"arn:{Aws.PARTITION}:iam::aws:policy/AmazonSSMManagedInstanceCore"
    statement = iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:{Aws.PARTITION}:s3:::b/*"])
    full = iam.Role(
        stack,
        "Full",
        assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        role_name=f"role-{Aws.REGION}",
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")],
        inline_policies={"Permissions": iam.PolicyDocument(statements=[statement])},
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_arn(stack, "Boundary", arn),
    )
    Tags.of(full).add("Team", Aws.ACCOUNT_ID)
    bare = iam.Role(stack, "Bare", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    trust = ec2_trust_policy(stack)
    spec_role = iam.CfnRole(
        stack,
        "FromSpec",
        assume_role_policy_document=trust,
        managed_policy_arns=[arn, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
        policies=[
            {
                "policyName": "Permissions",
                "policyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
            }
        ],
        tags=[CfnTag(key="Service", value="web")],
    )
    shared = iam.CfnRole(stack, "SharesTheTrust", assume_role_policy_document=trust)
    app = App.of(stack)
    assert app is not None
    app.synth()  # aspects (Tags.of) have run, as they have when the guardrails read
    roles = [default_child(full), default_child(bare), spec_role, shared]
    read = ProfileResources.read_roles(stack, roles)  # type: ignore[arg-type]
    for role, answer in zip(roles, read, strict=True):
        properties = role._cfn_properties  # type: ignore[union-attr]
        expected = {
            key: stack.resolve(properties[key])
            for key in ("assumeRolePolicyDocument", "managedPolicyArns", "policies", "permissionsBoundary")
            if properties.get(key) is not None and stack.resolve(properties[key]) is not None
        }
        assert answer["resolved"] == expected
        assert answer.get("roleName") == properties.get("roleName")
        assert answer.get("tags") == properties.get("tags")
    assert "managedPolicyArns" not in read[1]["resolved"]  # a Lazy that resolves to nothing is left out
    assert read[0]["tags"] == [{"key": "Team", "value": Aws.ACCOUNT_ID}]  # a token stays its string


def test_statements_json_is_each_statements_own_json(stack: Stack) -> None:
    """The construct reads its statements in one call; one holding a token object is asked on its own."""
    statements = [
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:{Aws.PARTITION}:s3:::b/*"]),
        iam.PolicyStatement(
            effect=iam.Effect.DENY,
            not_actions=["iam:*"],
            resources=["*"],
            conditions={"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}},
        ),
        iam.PolicyStatement(
            actions=["sqs:SendMessage"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceVpc": Lazy.any(_Vpc())}},
        ),
    ]
    read = ProfileResources.statements_json(statements)
    expected = [statement.to_statement_json() for statement in statements]
    assert read[:2] == expected[:2]
    assert read[2] is None  # a token object cannot cross inside a JSON string
    assert stack.resolve(_statement_json(statements)) == stack.resolve(expected)


@jsii.implements(IStableAnyProducer)
class _Vpc:
    def produce(self) -> Any:
        return "vpc-1234"
