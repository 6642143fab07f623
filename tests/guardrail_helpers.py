"""Helpers for the guardrail tests: synth errors as messages, and documents of an exact size."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib.core.limits import policy_size

_ERROR_LINE = re.compile(r"^\s+\[(?P<path>[^\]]*)\] (?P<message>.*)$")


def synth_errors(stack: Stack) -> list[str]:
    """The messages CDK's validation reports when ``stack``'s app is synthesized; [] when it passes."""
    try:
        Template.from_stack(stack)
    except RuntimeError as error:
        text = str(error)
        assert "Validation failed with the following errors" in text, text
        return [match["message"] for match in map(_ERROR_LINE.match, text.splitlines()) if match]
    return []


def acknowledged_rules(construct: Any) -> dict[str, str]:
    """The acknowledgments recorded on a construct for linters (cdk-nag reads these), id -> reason."""
    rules: dict[str, str] = {}
    for entry in construct.node.metadata:
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
            rules.update(entry.data)
    return rules


def padded_statement(size: int, *, document_overhead: int) -> iam.PolicyStatement:
    """A statement that makes its policy document ``size`` characters (without whitespace).

    ``document_overhead`` is what the document adds around its statements: see ``overhead``.
    """
    base = {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::bucket/"}
    padding = size - document_overhead - policy_size(base)
    assert padding >= 0, f"{size} is too small for a padded statement"
    return iam.PolicyStatement(
        actions=["s3:GetObject"],
        resources=[f"arn:aws:s3:::bucket/{'k' * padding}"],
    )


def overhead(statements_before: list[dict[str, Any]]) -> int:
    """Characters a policy document adds to one more statement after ``statements_before``."""
    empty = {"Statement": [*statements_before, {}], "Version": "2012-10-17"}
    return policy_size(empty) - policy_size({})
