"""What makes an IAM JSON statement usable in a role's identity policy, as pure functions.

The same rules ``iam.PolicyStatement`` applies (its messages included), so a statement from a
catalogue is refused before Node.js starts, and a statement built in Python is refused the same way.
A string that holds ``${...}`` is a reference resolved at deploy (a CDK token, a CloudFormation
pseudo-parameter) and is not read.

Beyond the syntax, ``reference_problems`` reads IAM's own reference (``iam_reference``): an action
that does not exist, one that cannot act on the statement's resources, a condition key no request
carries. Each would leave the statement granting nothing, found only when an instance is denied.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from constructs_lib.core import iam_reference
from constructs_lib.core.cdk_tokens import has_token
from constructs_lib.core.findings import Severity
from constructs_lib.core.iam_reference import Action

# aws-cdk-lib's own pattern for an action (aws-iam/lib/policy-statement.ts).
_ACTION = re.compile(r"\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*]+")
EFFECTS = ("Allow", "Deny")
_SID = re.compile(r"[0-9A-Za-z]+")
"""A Sid: ASCII letters and digits (IAM User Guide, "IAM JSON policy elements: Sid"). Not empty, as
CloudFormation's schema of ``AWS::IAM::Role`` says (``^[A-Za-z0-9]+$``), though aws-cdk-lib's own
check (``PolicyStatement.validateForIdentityPolicy``) lets "" pass."""
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


def malformed_sid(statement: Mapping[str, object]) -> str | None:
    """Why the statement's Sid is no Sid IAM takes (the end of a sentence), or None when it is one.

    IAM allows ASCII letters and digits only, so a Sid naming a pseudo-parameter or a policy variable
    (``${...}``) is refused too; a CDK token is not read (aws-cdk-lib does not read it either).
    """
    sid = statement.get("Sid")
    if not isinstance(sid, str) or _SID.fullmatch(sid) or has_token(sid):
        return None
    way_out = "IAM allows only letters A-Z and a-z and digits in a Sid, e.g. 'ReadAssets'"
    if not sid:
        return f"is empty; leave the Sid out, or give one: {way_out}"
    shown = ", ".join(repr(char) for char in dict.fromkeys(char for char in sid if not _SID.fullmatch(char)))
    return f"contains {shown}; {way_out}"


def repeated_sids(statements: Sequence[Mapping[str, object]]) -> list[tuple[int, str, int]]:
    """Each statement whose Sid an earlier statement of the same policy has: its index, the Sid, and
    the earlier one's index. IAM requires each Sid unique within a policy; aws-cdk-lib never merges a
    statement that has one (``@aws-cdk/aws-iam:minimizePolicies``), so every Sid reaches the template.
    """
    first: dict[str, int] = {}
    repeated = []
    for index, statement in enumerate(statements):
        sid = statement.get("Sid")
        if not isinstance(sid, str) or has_token(sid):
            continue
        earlier = first.setdefault(sid, index)
        if earlier != index and statements[earlier] != statement:  # a statement given twice is written once
            repeated.append((index, sid, earlier))
    return repeated


# --------------------------------------------------------------------------------------------------
# What IAM's reference knows: actions, the resources they act on, condition keys
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceProblem:
    """A statement part IAM's reference says grants nothing (or may not apply), and why."""

    rule_id: str
    value: str
    rule: str
    severity: Severity = "error"


def reference_problems(statement: Mapping[str, object], accepted: Collection[str]) -> list[ReferenceProblem]:
    """What IAM's reference says about a statement's actions, resources and condition keys.

    ``accepted`` are actions acknowledged as not in the reference yet (exactly as written): they,
    and the condition keys of a statement that names one, are not checked. Values holding ``${...}``
    (a CDK token, a pseudo-parameter, a policy variable) match anything.
    """
    ref = iam_reference.reference()
    problems: list[ReferenceProblem] = []
    granted: list[tuple[str, list[Action]]] = []
    every_action = "NotAction" in statement
    unchecked = False
    for written in _texts(statement.get("Action")):
        if written == "*":
            every_action = True
            continue
        if written in accepted or "${" in written or not _ACTION.fullmatch(written):
            unchecked = True
            continue
        actions, problem = _known_actions(ref, written)
        if problem is not None:
            problems.append(problem)
            unchecked = True
        else:
            granted.append((written, actions))
    for written in _texts(statement.get("NotAction")):
        if written != "*" and written not in accepted and "${" not in written and _ACTION.fullmatch(written):
            _, problem = _known_actions(ref, written)
            if problem is not None:
                problems.append(problem)
    effect = str(statement.get("Effect", "Allow"))
    resources = None if "NotResource" in statement else _texts(statement.get("Resource"))
    if resources and "*" not in resources:
        problems += [
            _resource_problem(written, actions, resources, effect)
            for written, actions in granted
            if not any(_acts_on(action, resources) for action in actions)
        ]
    if not every_action and not unchecked:
        problems += _condition_problems(statement, [a for _, actions in granted for a in actions])
    return problems


def known_action(written: str) -> bool:
    """Whether IAM's reference lists the action (or, for a wildcard, some action it matches)."""
    if not _ACTION.fullmatch(written) or written == "*":
        return False
    return _known_actions(iam_reference.reference(), written)[1] is None


def _texts(value: object) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [item for item in values if isinstance(item, str)]


def _known_actions(
    ref: iam_reference.IamReference, written: str
) -> tuple[list[Action], ReferenceProblem | None]:
    """The actions ``written`` names (one, or all a wildcard matches), or why it names none."""
    service, name = written.split(":", 1)
    way_out = (
        f"if AWS added it after {ref.date}, the date of the IAM reference this library ships, "
        f"acknowledge it with BroadAccess.unknown_action({written!r}, reason='why it is needed') "
        "in acknowledge"
    )
    if not ref.has_service(service):
        close = difflib.get_close_matches(service.lower(), sorted(ref.services()), n=5, cutoff=0.5)
        # Of the services spelt alike, the one that has this action is the one meant.
        close.sort(key=lambda other: "*" in name or ref.action(other, name) is None)
        hint = f"did you mean {close[0] + ':' + name!r}? " if close else ""
        rule = f"names service {service!r}, which IAM does not have; {hint}{way_out}"
        return [], ReferenceProblem("EAP080", written, rule)
    if "*" in name:
        matched = list(ref.matching(service, name))
        if matched:
            return matched, None
        rule = f"matches no action of {service.lower()}; {way_out}"
        return [], ReferenceProblem("EAP082", written, rule)
    action = ref.action(service, name)
    if action is not None:
        return [action], None
    names = ref.action_names(service)
    by_lower = {known.lower(): known for known in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    hint = f"did you mean '{service}:{by_lower[close[0]]}'? " if close else ""
    rule = f"is not an action of {service.lower()}; {hint}{way_out}"
    return [], ReferenceProblem("EAP081", written, rule)


def _acts_on(action: Action, resources: Sequence[str]) -> bool:
    if not action.resource_types:
        return False  # only "Resource": "*", which the caller has ruled out
    return any(
        iam_reference.could_match(resource, kind.arn_format)
        for resource in resources
        for kind in action.resource_types
    )


def _resource_problem(
    written: str, actions: Sequence[Action], resources: Sequence[str], effect: str
) -> ReferenceProblem:
    shown = ", ".join(resources)
    verb = "denies" if effect == "Deny" else "grants"
    if len(actions) == 1:
        (action,) = actions
        kinds = "; ".join(f"{kind.name}: {kind.arn_format}" for kind in action.resource_types)
        expected = f"it acts on {kinds}" if kinds else 'it supports only "Resource": "*"'
        rule = f"acts on no resource of the statement ({shown}), so it {verb} nothing; {expected}"
    else:
        rule = (
            f"matches {len(actions)} actions, none of which acts on a resource of the statement "
            f"({shown}), so it {verb} nothing"
        )
    return ReferenceProblem("EAP083", written, rule)


def _condition_problems(statement: Mapping[str, object], actions: Sequence[Action]) -> list[ReferenceProblem]:
    conditions = statement.get("Condition")
    if not isinstance(conditions, Mapping) or not actions:
        return []
    known = [
        *iam_reference.GLOBAL_CONDITION_KEYS,
        *(key for action in actions for key in action.condition_keys),
    ]
    names = ", ".join(dict.fromkeys(action.full_name for action in actions[:3]))
    more = f" and {len(actions) - 3} more" if len(actions) > 3 else ""
    problems = []
    for operator in conditions.values():
        if not isinstance(operator, Mapping):
            continue
        for key in operator:
            if not isinstance(key, str) or "${" in key:
                continue
            if not any(iam_reference.key_matches(key, candidate) for candidate in known):
                rule = (
                    f"is neither a global condition key nor a key of {names}{more} in IAM's reference; "
                    "a request never carries it, so the condition never holds (or, with IfExists, "
                    "always holds)"
                )
                problems.append(ReferenceProblem("EAP084", key, rule, "warning"))
    return problems
