"""EC2's trust policy, the one every profile's role has, and the token a stack's roles share for it.

``iam.Role`` gives its ``CfnRole`` a ``PolicyDocument`` object, not the document's JSON. A role built
from a spec does the same with one token per stack: the document crosses into Node.js once per stack
instead of once per role (a thousand profiles sent it a thousand times), and Node.js holds one
document per stack rather than one per role.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from aws_cdk import IResolvable, Stack, Token

EC2_SERVICE_PRINCIPAL = "ec2.amazonaws.com"
"""The principal EC2 assumes a role as; AWS uses this name in every partition."""
EC2_TRUST_POLICY: Mapping[str, Any] = MappingProxyType(
    {
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": EC2_SERVICE_PRINCIPAL}}
        ],
        "Version": "2012-10-17",
    }
)
"""The trust policy ``iam.Role(assumed_by=ServicePrincipal("ec2.amazonaws.com"))`` renders."""
_TOKENS: weakref.WeakKeyDictionary[Stack, IResolvable] = weakref.WeakKeyDictionary()


def ec2_trust_policy(stack: Stack) -> IResolvable:
    """``EC2_TRUST_POLICY`` as the token ``stack``'s roles share; it resolves to the same JSON."""
    token = _TOKENS.get(stack)
    if token is None:
        token = _TOKENS[stack] = Token.as_any(json_copy(EC2_TRUST_POLICY))
    return token


def json_copy(value: Any) -> Any:
    """``value`` as plain JSON that can be changed without changing ``value`` (dicts and lists copied)."""
    if isinstance(value, Mapping):
        return {key: json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_copy(item) for item in value]
    return value
