"""IAM's quotas on what one role carries, and how a policy document is measured against them.

Pure functions like ``validation``: each check returns ``None`` when within the limit, or the end
of a sentence saying by how much it is over and the way out. The construct adds where and which
field (``guardrails`` does, for what is only known once the app is complete).

Sizes are counted the way IAM counts them: the characters of the policy's JSON, whitespace not
counted. A document that contains CloudFormation intrinsics (``{"Ref": ...}``, ``Fn::Join``...) is
measured as it stands in the template, with the intrinsic in place of the value it will have. For
the references CDK writes (ARNs joined from the partition, the account and a name) that is a little
more than the deployed value, so the measure errs towards refusing at synth rather than at deploy.

``inline_policy`` writes a profile's statements as aws-cdk-lib writes them into the template (the
measure the construct's guardrail reads at synth), so the checker measures a catalogue's inline
policy before Node.js starts, to the character; ``written_statements`` says which of the given
statements each written one comes from (cdk-nag's NIST patterns read that text, ``linter_rules``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from constructs_lib.core import pseudo_parameters
from constructs_lib.core.cdk_tokens import has_token

MANAGED_POLICIES_DEFAULT_QUOTA = 10
"""Managed policies IAM lets one role have unless the account's quota was raised."""
MANAGED_POLICIES_MAX_QUOTA = 20
"""The most that quota can be raised to."""
INLINE_POLICIES_MAX_CHARACTERS = 10_240
"""All inline policies of one role together, whitespace not counted."""
MANAGED_POLICY_MAX_CHARACTERS = 6_144
"""One customer managed policy document, whitespace not counted."""
TRUST_POLICY_MAX_CHARACTERS = 2_048
"""A role's trust policy, whitespace not counted (IAM's default quota)."""


_WHITESPACE = re.compile(r"\s")
"""What ``str.isspace`` calls whitespace (both use CPython's ``Py_UNICODE_ISSPACE``)."""


def policy_size(document: object) -> int:
    """The characters IAM counts in ``document``: its JSON, without whitespace."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return len(text) - len(_WHITESPACE.findall(text))


POLICY_VERSION = "2012-10-17"
INLINE_POLICY_NAME = "Permissions"
"""The name of the inline policy that holds a profile's statements, on its role."""
_LISTED = ("Action", "NotAction", "Resource", "NotResource")
_PSEUDO_PARAMETER = re.compile("|".join(re.escape(f"${{{name}}}") for name in pseudo_parameters.SAMPLES))


def inline_policy(statements: Sequence[Mapping[str, Any]], *, merged: bool) -> dict[str, Any] | None:
    """The inline policy aws-cdk-lib writes into the template for ``statements``, or None.

    As ``iam.PolicyDocument`` renders ``PolicyStatement.fromJson`` of each (aws-iam/lib,
    ``normalizeStatement`` and ``PostProcessPolicyDocument``): an action or resource given twice
    written once, one written as a string, an empty condition left out, a statement given twice
    written once; with ``merged`` (``@aws-cdk/aws-iam:minimizePolicies``) statements merged as
    ``mergeStatements`` merges them (``rendered``) and each list of actions and of resources sorted
    as JSON. A pseudo-parameter (``${AWS::Partition}``) is written as the ``Ref`` CDK puts in its place
    (``from_spec``). None when there is no statement (no policy is written), or a statement holds
    what only synth knows: a CDK token, a principal.
    """
    written = written_statements(statements, merged=merged)
    if written is None:
        return None
    return {"Statement": [each.statement for each in written], "Version": POLICY_VERSION}


@dataclass(frozen=True)
class WrittenStatement:
    """A statement of the inline policy as the template has it, and where it comes from."""

    statement: dict[str, Any]
    origins: tuple[int, ...]
    """The indexes of the given statements written as this one (merged, or given twice)."""


def written_statements(
    statements: Sequence[Mapping[str, Any]], *, merged: bool
) -> list[WrittenStatement] | None:
    """The statements of ``inline_policy(statements, merged=merged)``, each with its origins; None
    when it is None."""
    given = [_as_written(statement) for statement in statements]
    written = [statement for statement in given if statement is not None and not _has_token(statement)]
    if not written or len(written) < len(given):
        return None
    unique: dict[str, WrittenStatement] = {}
    for part in rendered(written, merged=merged):
        statement = _as_written(part.statement) if merged else dict(part.statement)
        if statement is None:
            continue
        key = json.dumps(statement)
        first = unique.get(key)
        unique[key] = WrittenStatement(statement, (first.origins if first else ()) + part.origins)
    return [
        WrittenStatement(_in_template_sorted(each.statement, merged), each.origins)
        for each in unique.values()
    ]


def _in_template_sorted(statement: Mapping[str, Any], merged: bool) -> dict[str, Any]:
    """``statement`` as the template has it: with ``merged`` its actions and resources sorted as
    ``PostProcessPolicyDocument`` sorts them under ``minimizePolicies`` (``sortByJson``: by their JSON,
    as JavaScript compares strings)."""
    written = {key: _in_template(value) for key, value in statement.items()}
    for key in ("Action", "Resource") if merged else ():
        values = written.get(key)
        if isinstance(values, list):
            written[key] = sorted(values, key=_js_order)
    return written


def _js_order(value: object) -> bytes:
    """The key JavaScript's ``sort()`` orders ``JSON.stringify(value)`` by: its UTF-16 code units."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-16-be", "surrogatepass")


@dataclass(frozen=True)
class _Rendered:
    """A statement of the rendered policy: CDK merges statements (``@aws-cdk/aws-iam:minimizePolicies``)."""

    statement: Mapping[str, object]
    origins: tuple[int, ...]
    """The indexes of the given statements merged into it, the first where it stands."""


def rendered(statements: Sequence[Mapping[str, object]], *, merged: bool) -> list[_Rendered]:
    """The statements in the order the template has them: with ``merged``, as aws-cdk-lib's
    ``mergeStatements`` merges them.

    Two statements merge when they have the same effect, conditions and ``NotAction`` /
    ``NotResource``, no ``Sid``, and the same actions or the same resources; the merged one takes the
    first's place.
    """
    parts = [_Rendered(statement, (index,)) for index, statement in enumerate(statements)]
    changed = merged
    while changed:
        changed = False
        for i in range(len(parts)):
            j = i + 1
            while j < len(parts):
                combined = _merge(parts[i], parts[j])
                if combined is None:
                    j += 1
                    continue
                parts[i] = combined
                del parts[j]
                changed = True
    return parts


def _merge(a: _Rendered, b: _Rendered) -> _Rendered | None:
    first, second = a.statement, b.statement
    if (
        first.get("Effect", "Allow") != second.get("Effect", "Allow")
        or "Sid" in first
        or "Sid" in second
        or json.dumps(first.get("Condition")) != json.dumps(second.get("Condition"))
        or any(
            set(_strings(first.get(k))) != set(_strings(second.get(k))) for k in ("NotAction", "NotResource")
        )
    ):
        return None
    same = [set(_values(first, key)) == set(_values(second, key)) for key in ("Action", "Resource")]
    if not any(same):
        return None
    statement = dict(first)
    for key in ("Action", "Resource"):
        union = sorted({*_values(first, key), *_values(second, key)})
        if union:
            statement[key] = union
    return _Rendered(statement, a.origins + b.origins)


def _values(statement: Mapping[str, object], key: str) -> list[str]:
    return _strings(statement[key]) if key in statement else []


def _strings(value: object) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [item for item in values if isinstance(item, str)]


def _as_written(statement: Mapping[str, Any]) -> dict[str, Any] | None:
    """``PolicyStatement.fromJson(statement).toStatementJson()``, keys in its order; None if unknowable."""
    if "Principal" in statement or "NotPrincipal" in statement:
        return None
    written: dict[str, Any] = {}
    for key in _LISTED:
        if key not in statement:
            continue
        value = statement[key]
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(each, str) for each in values):
            return None
        unique = list(dict.fromkeys(values))
        if unique:
            written[key] = unique[0] if len(unique) == 1 else unique
    if statement.get("Condition"):
        written["Condition"] = _plain(statement["Condition"])
    written["Effect"] = statement.get("Effect") or "Allow"
    if statement.get("Sid") is not None:
        written["Sid"] = statement["Sid"]
    return {key: written[key] for key in _ORDER if key in written}


_ORDER = ("Action", "NotAction", "Condition", "Effect", "Resource", "NotResource", "Sid")
"""The order of a statement's keys as ``toStatementJson`` writes them (which statements count as the
same depends on it)."""


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _has_token(value: object) -> bool:
    return has_token(json.dumps(value))


def _in_template(value: object) -> object:
    """``value`` with each pseudo-parameter as CDK resolves its reference: ``{"Ref": ...}``, joined."""
    if isinstance(value, str):
        parts: list[object] = []
        last = 0
        for match in _PSEUDO_PARAMETER.finditer(value):
            if match.start() > last:
                parts.append(value[last : match.start()])
            parts.append({"Ref": match[0][2:-1]})
            last = match.end()
        if not parts:
            return value
        if last < len(value):
            parts.append(value[last:])
        return parts[0] if len(parts) == 1 else {"Fn::Join": ["", parts]}
    if isinstance(value, Mapping):
        return {key: _in_template(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_template(item) for item in value]
    return value


def check_managed_policy_quota(quota: object) -> str | None:
    """A managed-policy quota given for the account: a whole number from the default to the maximum."""
    if isinstance(quota, bool) or not isinstance(quota, int):
        return f"is not a whole number; give the account's quota, {_quota_range()}"
    if not MANAGED_POLICIES_DEFAULT_QUOTA <= quota <= MANAGED_POLICIES_MAX_QUOTA:
        return f"is outside IAM's range for this quota: {_quota_range()}"
    return None


def check_managed_policy_count(count: int, quota: int) -> str | None:
    """How many managed policies one role has, against the account's quota."""
    if count <= quota:
        return None
    way_out = "attach fewer (merge policies, or move statements into the profile's statements)"
    if quota < MANAGED_POLICIES_MAX_QUOTA:
        way_out += (
            ", or, if the account's quota was raised, say so with managed_policy_quota or the "
            f"context key 'ec2-access-profile:managedPolicyQuota' (at most {MANAGED_POLICIES_MAX_QUOTA})"
        )
    return f"is more than IAM allows one role: {quota} managed policies; {way_out}"


def check_inline_policies_size(size: int) -> str | None:
    """All inline policies of one role together."""
    if size <= INLINE_POLICIES_MAX_CHARACTERS:
        return None
    return (
        f"is more than IAM allows for all inline policies of one role together: "
        f"{INLINE_POLICIES_MAX_CHARACTERS:,} characters without whitespace; move statements into a "
        "customer managed policy (managed_policies=[iam.ManagedPolicy(...)]) or merge statements"
    )


def check_managed_policy_size(size: int) -> str | None:
    """One customer managed policy document."""
    if size <= MANAGED_POLICY_MAX_CHARACTERS:
        return None
    return (
        f"is more than IAM allows for one managed policy: {MANAGED_POLICY_MAX_CHARACTERS:,} characters "
        "without whitespace; split it into two managed policies or merge statements"
    )


def check_trust_policy_size(size: int) -> str | None:
    """A role's trust policy."""
    if size <= TRUST_POLICY_MAX_CHARACTERS:
        return None
    return (
        f"is more than IAM allows for a trust policy: {TRUST_POLICY_MAX_CHARACTERS:,} characters "
        "without whitespace; remove the statements added to role.assume_role_policy"
    )


def _quota_range() -> str:
    return f"{MANAGED_POLICIES_DEFAULT_QUOTA} (the default) to {MANAGED_POLICIES_MAX_QUOTA}"
