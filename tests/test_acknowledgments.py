"""``acknowledge_rules`` records what ``Validations.acknowledge`` records, in one entry without a trace."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Acknowledgment, Stack, Validations
from constructs import Construct

from constructs_lib.cdk.acknowledgments import ACKNOWLEDGED_RULES, acknowledge_rules, qualified_id

RULE_IDS = [
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
    "AwsSolutions-IAM5[Resource::arn:aws:s3:::results-bucket/*]",
    "NIST.800.53.R5-IAMNoInlinePolicy",
    "cdk-nag::AwsSolutions-L1",
    "CloudFormation Validation::E3012",
    "annotation::ec2-access-profile:instanceProfileNotTagged",
    "Construct Annotations::some warning",
    "a rule with spaces[Resource::a b]",
    "(grouped::inside)",
]


def recorded(construct: Construct) -> list[tuple[dict[str, str], Any]]:
    return [
        (dict(entry.data), entry.trace)
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    ]


def test_the_metadata_key_is_aws_cdk_libs() -> None:
    assert Validations.ACKNOWLEDGED_RULES_METADATA_KEY == ACKNOWLEDGED_RULES


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_an_id_is_qualified_as_validations_qualifies_it(stack: Stack, rule_id: str) -> None:
    construct = Construct(stack, "Acknowledged")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason="why"))
    ((data, _),) = recorded(construct)
    assert list(data) == [qualified_id(rule_id)]


@pytest.mark.parametrize("rule_id", ["a::b::c", "::rule", "rule]", "rule[)"])
def test_an_id_validations_refuses_is_refused(stack: Stack, rule_id: str) -> None:
    with pytest.raises(RuntimeError, match="Invalid validation rule ID"):
        Validations.of(stack).acknowledge(Acknowledgment(id=rule_id, reason="why"))
    with pytest.raises(ValueError, match="invalid validation rule ID"):
        qualified_id(rule_id)


def test_every_rule_goes_in_one_entry_without_a_trace_and_the_last_reason_wins(stack: Stack) -> None:
    construct = Construct(stack, "Acknowledged")
    acknowledge_rules(construct, [("RuleA", "first"), ("RuleB[x::y]", "b"), ("RuleA", "second")])
    assert recorded(construct) == [({"Annotation::RuleA": "second", "Annotation::RuleB[x::y]": "b"}, None)]


def test_no_rule_records_nothing(stack: Stack) -> None:
    construct = Construct(stack, "Acknowledged")
    acknowledge_rules(construct, [])
    assert recorded(construct) == []
