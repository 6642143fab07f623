"""IAM policy documents compared as IAM reads them, not as text.

Two documents are the same when IAM would evaluate them the same, so ``canonical`` removes what
does not change a policy's meaning:

- ``Version`` defaults to ``2008-10-17``, as IAM's does when it is left out;
- ``Statement`` may be one statement or a list; statements are unordered and a repeated one counts
  once (IAM evaluates every statement); ``Sid`` only names a statement, so it is left out;
- ``Action``, ``NotAction``, ``Resource``, ``NotResource`` and each principal and condition value
  may be a string or a list; lists are unordered and without repeats. Action names and condition
  keys are compared ignoring case, as IAM matches them; resources and values keep their case;
- a principal ``"*"`` is ``{"AWS": "*"}``, and an account ID in ``AWS`` is its root ARN (IAM stores
  it so); condition values ``true`` and ``"true"`` are the same, as IAM reads them as strings.

Anything else (``Effect``, condition operators, unknown keys) is compared exactly. Pure Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_VERSION = "2008-10-17"
"""IAM's policy language version when a document gives none."""

_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_CASELESS_ELEMENTS = ("Action", "NotAction")
_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")
_ACCOUNT_ID = re.compile(r"\d{12}")


def canonical(document: Mapping[str, Any], *, partition: str = "aws") -> dict[str, Any]:
    """``document`` in one form per meaning: ``{"Version": ..., "Statement": [sorted statements]}``.

    ``partition`` is the account's, for writing an account ID principal as IAM stores it.
    """
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical_statements = {_key(s): s for s in (_statement(s, partition) for s in statements)}
    return {
        "Version": document.get("Version", DEFAULT_VERSION),
        "Statement": [canonical_statements[key] for key in sorted(canonical_statements)],
    }


def same(declared: Mapping[str, Any], actual: Mapping[str, Any], *, partition: str = "aws") -> bool:
    """Whether the two documents mean the same to IAM."""
    return canonical(declared, partition=partition) == canonical(actual, partition=partition)


def difference(
    declared: Mapping[str, Any], actual: Mapping[str, Any], *, partition: str = "aws"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What only each side has, in canonical form: ``(declared's, actual's)``, each a document whose
    ``Statement`` lists the statements the other side lacks (``Version`` is each side's own)."""
    mine, theirs = canonical(declared, partition=partition), canonical(actual, partition=partition)
    mine_keys = {_key(s) for s in mine["Statement"]}
    theirs_keys = {_key(s) for s in theirs["Statement"]}
    only_mine = [s for s in mine["Statement"] if _key(s) not in theirs_keys]
    only_theirs = [s for s in theirs["Statement"] if _key(s) not in mine_keys]
    return (
        {"Version": mine["Version"], "Statement": only_mine},
        {"Version": theirs["Version"], "Statement": only_theirs},
    )


def _statement(statement: Any, partition: str) -> Any:
    if not isinstance(statement, Mapping):
        return statement  # not a statement IAM would accept: compared as it is
    result: dict[str, Any] = {}
    for element, value in statement.items():
        if element == "Sid":
            continue
        if element in _LIST_ELEMENTS:
            values = _strings(value)
            caseless = element in _CASELESS_ELEMENTS
            result[element] = sorted({v.lower() for v in values} if caseless else set(values))
        elif element in _PRINCIPAL_ELEMENTS:
            result[element] = _principal(value, partition)
        elif element == "Condition" and isinstance(value, Mapping):
            result[element] = {
                operator: {k.lower(): sorted(set(_strings(v))) for k, v in keys.items()}
                if isinstance(keys, Mapping)
                else keys
                for operator, keys in value.items()
            }
        else:
            result[element] = value
    return result


def _principal(value: Any, partition: str) -> Any:
    if value == "*":
        value = {"AWS": "*"}
    if not isinstance(value, Mapping):
        return value
    principals: dict[str, list[str]] = {}
    for kind, names in value.items():
        strings = _strings(names)
        if kind == "AWS":
            strings = [f"arn:{partition}:iam::{n}:root" if _ACCOUNT_ID.fullmatch(n) else n for n in strings]
        principals[kind] = sorted(set(strings))
    return principals


def _strings(value: Any) -> list[str]:
    """A string or a list of them (or of JSON scalars) as a list of strings, as IAM reads the values."""
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    return [_string(item) for item in items]


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _key(statement: Any) -> str:
    return json.dumps(statement, sort_keys=True)
