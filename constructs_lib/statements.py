"""What makes an IAM JSON statement usable in a role's identity policy, as pure functions.

The same rules ``iam.PolicyStatement`` applies (its messages included), so a statement from a
catalogue is refused before Node.js starts, and a statement built in Python is refused the same way.
A string that holds ``${...}`` is a reference resolved at deploy (a CDK token, a CloudFormation
pseudo-parameter) and is not read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# aws-cdk-lib's own pattern for an action (aws-iam/lib/policy-statement.ts).
_ACTION = re.compile(r"\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*]+")
EFFECTS = ("Allow", "Deny")
ACTION_RULE = (
    "is not an action: an action is a service namespace, a colon and the name of an action, which "
    "may contain '*', e.g. 's3:GetObject' or 's3:Get*'"
)


def identity_statement_problems(statement: Mapping[str, object]) -> list[str]:
    """Why a statement cannot be part of an identity policy, in aws-cdk-lib's words; [] when it can."""
    problems = []
    if statement.get("Effect", "Allow") not in EFFECTS:
        problems.append(f"The Effect of a PolicyStatement is 'Allow' or 'Deny', not {statement['Effect']!r}.")
    if not statement.get("Action") and not statement.get("NotAction"):
        problems.append("A PolicyStatement must specify at least one 'action' or 'notAction'.")
    if "Principal" in statement or "NotPrincipal" in statement:
        problems.append(
            "A PolicyStatement used in an identity-based policy cannot specify any IAM principals."
        )
    if not statement.get("Resource") and not statement.get("NotResource"):
        problems.append(
            "A PolicyStatement used in an identity-based policy must specify at least one resource."
        )
    return problems


def malformed_actions(statement: Mapping[str, object]) -> list[str]:
    """The actions (and not-actions) of a statement that are not ``*`` or ``SERVICE:ACTION``."""
    malformed = []
    for key in ("Action", "NotAction"):
        value = statement.get(key)
        for action in value if isinstance(value, list) else [value]:
            if isinstance(action, str) and "${" not in action and not _ACTION.fullmatch(action):
                malformed.append(action)
    return malformed
