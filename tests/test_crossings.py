"""The answers ``constructs_lib.cdk.crossings`` gives without asking aws-cdk-lib are aws-cdk-lib's own."""

from __future__ import annotations

from typing import Any

import jsii
import pytest
from aws_cdk import Aws, Fn, IStableAnyProducer, Lazy, Stack, Token
from aws_cdk import aws_iam as iam

from constructs_lib.cdk import crossings
from constructs_lib.cdk.crossings import is_unresolved, resolved_in


def values(stack: Stack) -> list[Any]:
    """Values as a role's properties hold them: plain JSON, token strings, token objects, list tokens."""
    arn = f"arn:{Aws.PARTITION}:iam::aws:policy/AmazonSSMManagedInstanceCore"
    document = iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:{Aws.PARTITION}:s3:::b/*"])
        ]
    )
    return [
        None,
        {
            "managedPolicyArns": [arn, arn, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "permissionsBoundary": None,
        },
        {"policies": [{"policyName": "Permissions", "policyDocument": document}]},
        {
            "plain": {
                "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
                "n": 3.5,
            }
        },
        {"joined": Fn.join("-", ["a", Aws.ACCOUNT_ID]), "number": Token.as_number(Aws.ACCOUNT_ID)},
        {"list": Token.as_list(Fn.split(",", "a,b")), "mixed": ["x", Aws.REGION, True, 1]},
        {"attribute": Fn.get_att("Resource", "Arn"), "nothing": Lazy.any(_Nothing())},
        [Lazy.any(_Nothing()), "kept"],
        [arn, {"again": arn}],
    ]


@jsii.implements(IStableAnyProducer)
class _Nothing:
    """A value that resolves to nothing, as a role's managed policies do when it has none."""

    def produce(self) -> Any:
        return None


def test_what_python_answers_is_what_the_stack_resolves(stack: Stack) -> None:
    given = values(stack)
    assert resolved_in(stack, given) == stack.resolve(given)


def test_plain_json_does_not_cross_and_a_token_string_crosses_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = f"arn:{Aws.PARTITION}:iam::aws:policy/ReadOnlyAccess"
    joined = stack.resolve(arn)
    asked: list[Any] = []
    resolve = Stack.resolve

    def counted(self: Stack, obj: Any) -> Any:
        asked.append(obj)
        return resolve(self, obj)

    monkeypatch.setattr(Stack, "resolve", counted)
    plain: list[Any] = [{"policies": [{"policyDocument": {"Statement": []}}]}] * 3
    assert resolved_in(stack, plain) == plain
    assert asked == []
    assert resolved_in(stack, [[arn], [arn], {"a": arn}]) == [[joined], [joined], {"a": joined}]
    assert asked == [{"strings": [arn], "objects": []}]


def test_the_python_token_test_agrees_with_aws_cdk_libs(stack: Stack) -> None:
    for value in ["plain", Aws.REGION, f"x-{Aws.ACCOUNT_ID}", "${Token[not.one]}", "${AWS::Region}"]:
        assert is_unresolved(value) == Token.is_unresolved(value), value
    assert crossings._plain_scalar(1.5)
    assert not crossings._plain_scalar(Token.as_number(Aws.ACCOUNT_ID))
