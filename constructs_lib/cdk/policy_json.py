"""A spec's inline policy as aws-cdk-lib writes it, rendered in Python when the rendering is simple.

``iam.PolicyDocument.from_json`` costs a call into Node.js per profile, and an object there that every
resolve renders again. A catalogue's statements are JSON already, and for one statement of literal
``Effect``, ``Action``, ``Resource`` and ``Sid`` what aws-cdk-lib 2.x writes is plain: duplicates
dropped, one value written as a string, and with ``@aws-cdk/aws-iam:minimizePolicies`` the lists
sorted as JSON (``PostProcessPolicyDocument``). Anything else (several statements, which that flag
merges; conditions, principals, tokens, an action aws-cdk-lib would refuse) gets ``None``: the caller
builds a ``PolicyDocument`` as before. This module decides the simple case; ``core.limits.inline_policy``
(the checker's rendering) writes it. ``tests/test_policy_json.py`` holds the two renderings equal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from constructs_lib.cdk.crossings import is_unresolved
from constructs_lib.core import limits

_KEYS = frozenset(("Effect", "Action", "Resource", "Sid"))
_CDK_ACTION = re.compile(r"^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*]+)$")
"""aws-cdk-lib's check of an action (``PolicyStatement.validatePolicyActions``): it throws otherwise."""
_PLAIN = re.compile(r"^[\x23-\x5b\x5d-\x7e]+$")
"""Printable ASCII above the quote, but the backslash: sorted as JSON (``"..."``), such strings sort as
themselves (a space or ``!`` sorts below the closing quote, so ``"a b"`` comes before ``"a"``)."""


def rendered_policy(statements: Sequence[Mapping[str, Any]], *, minimize: object) -> dict[str, Any] | None:
    """The policy document aws-cdk-lib writes for ``statements``, or None when it is not this simple case."""
    if len(statements) != 1 or not isinstance(minimize, bool):
        return None
    (statement,) = statements
    if not set(statement) <= _KEYS or "Action" not in statement:
        return None
    effect = statement.get("Effect", "Allow")
    actions = _strings(statement["Action"])
    resources = _strings(statement["Resource"]) if "Resource" in statement else []
    sid = statement.get("Sid")
    if (
        effect not in ("Allow", "Deny")
        or actions is None
        or not actions
        or resources is None
        or not all(_CDK_ACTION.fullmatch(action) for action in actions)
        or (sid is not None and (not isinstance(sid, str) or not sid or is_unresolved(sid)))
    ):
        return None
    # The simple case settled, the writing is the checker's (the same rules, for any statements).
    return limits.inline_policy([statement], merged=minimize)


def _strings(value: object) -> list[str] | None:
    """The strings of a statement's list (or single value), or None when one is not a plain literal."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        return None
    if not all(
        isinstance(each, str) and _PLAIN.fullmatch(each) and not is_unresolved(each) for each in values
    ):
        return None
    return list(dict.fromkeys(values))
