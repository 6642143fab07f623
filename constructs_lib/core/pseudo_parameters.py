"""CloudFormation's pseudo-parameters written into a spec's strings: ``arn:${AWS::Partition}:s3:::a/*``.

A catalogue deployed to many accounts and partitions cannot spell out the account or the partition,
so its ARNs may name them as CloudFormation does, ``${AWS::AccountId}``. The checker checks such a
value as it would read in one sample account (``as_checked``); ``Ec2AccessProfile.from_spec`` puts
CDK's references in their place, so the template resolves them per account at deploy. ``${...}``
without ``AWS::`` is an IAM policy variable (``${aws:username}``) and is left alone. Pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SAMPLES: Mapping[str, str] = {
    "AWS::Partition": "aws",
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::URLSuffix": "amazonaws.com",
}
"""Each pseudo-parameter a spec may name, with the value checks read it as."""

_REFERENCE = re.compile(r"\$\{(AWS::[A-Za-z]+)\}")


def as_checked(value: str) -> str:
    """``value`` as it reads in the sample account, for checks that need a literal (ARN shapes)."""
    return _REFERENCE.sub(lambda match: SAMPLES.get(match[1], match[0]), value)


def unknown(value: str) -> list[str]:
    """The ``${AWS::...}`` references in ``value`` that are no pseudo-parameter a spec may name."""
    return [match[0] for match in _REFERENCE.finditer(value) if match[1] not in SAMPLES]


def substitute(value: object, references: Mapping[str, str]) -> object:
    """``value`` (a string, or JSON of them) with each pseudo-parameter replaced by its reference."""
    if isinstance(value, str):
        return _REFERENCE.sub(lambda match: references.get(match[1], match[0]), value)
    if isinstance(value, list | tuple):
        return [substitute(item, references) for item in value]
    if isinstance(value, Mapping):
        return {key: substitute(item, references) for key, item in value.items()}
    return value
