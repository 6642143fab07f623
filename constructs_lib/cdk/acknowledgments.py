"""Linter acknowledgments on a construct, recorded as ``Validations.of(c).acknowledge(...)`` records them.

What the linters read is one kind of construct metadata, ``aws:cdk:acknowledged-rules``, mapping
each qualified rule ID to its reason: CDK's validation report matches it against every plugin's
findings, and cdk-nag against its own, on the construct and its children. ``Validations.acknowledge``
also adds one entry per rule with a JavaScript stack trace (which points into this library, so tells
a reader nothing), and walks the construct's subtree twice per rule for warnings of that ID, which no
linter of this library raises. A profile records four rules or more, a thousand profiles four thousand
stack traces. ``acknowledge_rules`` records a construct's rules in one entry, without a trace, with the IDs
qualified as aws-cdk-lib qualifies them (``tests/test_acknowledgments.py`` compares the two).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from constructs import IConstruct

ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
"""aws-cdk-lib's ``Validations.ACKNOWLEDGED_RULES_METADATA_KEY`` (asking for it would cross into Node.js)."""
ANNOTATION_NAMESPACE = "Annotation"
"""The namespace aws-cdk-lib gives a rule ID that names none (``validation-id.js``)."""
_ANNOTATION_ALIASES = ("annotation", "Construct-Annotations")
_OPENING = {"]": "[", ")": "(", "}": "{"}


@functools.lru_cache(maxsize=4096)  # every profile acknowledges the same AWS-managed policies
def qualified_id(rule_id: str) -> str:
    """``rule_id`` as aws-cdk-lib records it: ``NAMESPACE::RULE``, ``Annotation::RULE`` if it names none.

    A ``::`` inside brackets (``AwsSolutions-IAM4[Policy::arn:…]``) is part of the rule, as there.
    """
    separator = None
    open_braces: list[str] = []
    index = 0
    while index < len(rule_id):
        character = rule_id[index]
        if character == ":" and rule_id.startswith("::", index) and not open_braces:
            if separator is not None or index == 0:
                raise ValueError(f"invalid validation rule ID {rule_id!r}: one 'PREFIX::' at most")
            separator = index
            index += 1
        elif character in _OPENING:
            if not open_braces or open_braces.pop() != _OPENING[character]:
                raise ValueError(f"invalid validation rule ID {rule_id!r}: unmatched {character!r}")
        elif character in "[({":
            open_braces.append(character)
        index += 1
    if separator is None:
        namespace, rule = ANNOTATION_NAMESPACE, rule_id
    else:
        namespace, rule = rule_id[:separator].replace(" ", "-"), rule_id[separator + 2 :]
        if namespace in _ANNOTATION_ALIASES:
            namespace = ANNOTATION_NAMESPACE
    return f"{namespace}::{rule.replace(' ', '-')}"


def acknowledged_rules(rules: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The ``aws:cdk:acknowledged-rules`` metadata that records ``rules`` (``(rule ID, reason)``).

    A rule given twice keeps its last reason, as ``Validations`` would.
    """
    return {qualified_id(rule_id): reason for rule_id, reason in rules}


def acknowledge_rules(construct: IConstruct, rules: Iterable[tuple[str, str]]) -> None:
    """Record that each ``(rule ID, reason)`` of ``rules`` is accepted on ``construct`` and below it.

    Two calls into aws-cdk-lib, however many rules; none when there are none.
    """
    recorded = acknowledged_rules(rules)
    if recorded:
        construct.node.add_metadata(ACKNOWLEDGED_RULES, recorded)
