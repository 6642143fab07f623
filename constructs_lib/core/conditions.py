"""IAM's ``Condition`` element, evaluated against a partly known request: true, false, or depends on keys.

Semantics follow the IAM User Guide ("IAM JSON policy elements: Condition operators", "Condition
with multiple context keys or values", "IAM policy elements: Variables and tags"):

- operators are ANDed, keys within an operator are ANDed, values within a key are ORed; for a
  negated operator (``StringNotEquals``, ``ArnNotLike``, ...) the request's value must match none;
- a key missing from the request: false, except for negated operators (true), ``...IfExists``
  (true), ``Null`` (tests the absence itself) and ``ForAllValues:`` (true, as for an empty set);
- ``ForAnyValue:`` / ``ForAllValues:`` compare each of a multivalued key's values;
- policy variables (``${aws:SourceVpc}``, ``${aws:username, 'default'}``, ``${*}``, ``${?}``,
  ``${$}``) in the values of string, ARN and Bool operators; a variable whose key the request lacks
  matches nothing;
- an unknown operator is never guessed: it is reported as unsupported.

A key the request does not know (neither given nor absent) makes the answer "depends on" it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Literal

from constructs_lib.core.request import UNKNOWN, Request, Unknown


@dataclass(frozen=True)
class Verdict:
    """``value`` True or False when decided; ``None`` with the keys (or the reason) it depends on."""

    value: bool | None
    depends_on: frozenset[str] = frozenset()

    @staticmethod
    def of(value: bool) -> Verdict:
        return TRUE if value else FALSE


TRUE = Verdict(True)
FALSE = Verdict(False)


def both(verdicts: Iterable[Verdict]) -> Verdict:
    """Three-valued AND: false wins, then unknown (with every key it waits on), then true."""
    waiting: set[str] = set()
    for verdict in verdicts:
        if verdict.value is False:
            return FALSE
        if verdict.value is None:
            waiting |= verdict.depends_on
    return Verdict(None, frozenset(waiting)) if waiting else TRUE


def either(verdicts: Iterable[Verdict]) -> Verdict:
    """Three-valued OR: true wins, then unknown (with every key it waits on), then false."""
    waiting: set[str] = set()
    for verdict in verdicts:
        if verdict.value is True:
            return TRUE
        if verdict.value is None:
            waiting |= verdict.depends_on
    return Verdict(None, frozenset(waiting)) if waiting else FALSE


def negation(verdict: Verdict) -> Verdict:
    """Three-valued NOT: unknown stays unknown, waiting on the same keys."""
    return verdict if verdict.value is None else Verdict.of(not verdict.value)


def evaluate(condition: Mapping[str, Mapping[str, object]] | None, request: Request) -> Verdict:
    """The statement's whole ``Condition`` block for ``request``."""
    if not condition:
        return TRUE
    return both(
        _one(operator, key, _strings(values), request)
        for operator, keys in condition.items()
        for key, values in keys.items()
    )


# -- operators ----------------------------------------------------------------------------------

Match = Callable[[str, str], bool]
"""``match(request_value, policy_value)`` for a positive operator."""


def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as ``substitute(..., glob=True)`` writes it: ``*`` and ``?`` wildcards, ``\\x`` a literal x."""
    return re.compile("".join(glob_parts(pattern, lambda index: ".*", lambda index: ".")), re.DOTALL)


def glob_parts(pattern: str, star: Callable[[int], str], question: Callable[[int], str]) -> Iterator[str]:
    """The regular expression of each character of a glob; ``star(i)`` and ``question(i)`` give the
    wildcards' at index ``i``."""
    index = 0
    while index < len(pattern):
        character = pattern[index]
        if character == "\\" and index + 1 < len(pattern):
            yield re.escape(pattern[index + 1])
            index += 2
            continue
        if character == "*":
            yield star(index)
        elif character == "?":
            yield question(index)
        else:
            yield re.escape(character)
        index += 1


def _string_like(value: str, pattern: str) -> bool:
    return _glob(pattern).fullmatch(value) is not None


def _number(text: str) -> Decimal | None:
    """A finite number, else None: ``NaN`` and ``Infinity`` compare with nothing."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> Match:
    def match(value: str, policy: str) -> bool:
        left, right = _number(value), _number(policy)
        return left is not None and right is not None and compare(left, right)

    return match


def _date(text: str) -> datetime | None:
    text = text.strip()
    number = _number(text)
    if number is not None:
        try:
            return datetime.fromtimestamp(float(number), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # beyond the years a datetime holds
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _dates(compare: Callable[[datetime, datetime], bool]) -> Match:
    def match(value: str, policy: str) -> bool:
        left, right = _date(value), _date(policy)
        return left is not None and right is not None and compare(left, right)

    return match


def _ip(value: str, policy: str) -> bool:
    try:
        return ipaddress.ip_address(value.strip()) in ipaddress.ip_network(policy.strip(), strict=False)
    except ValueError:
        return False


def _binary(value: str, policy: str) -> bool:
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(policy, validate=True)
    except (binascii.Error, ValueError):
        return False


def arn_like(value: str, pattern: str) -> bool:
    """``ArnLike`` in a condition: each of the six ``:``-separated parts on its own, with ``*`` and
    ``?`` (a glob as ``substitute(..., glob=True)`` writes it)."""
    values, patterns = value.split(":", 5), pattern.split(":", 5)
    if len(values) != 6 or len(patterns) != 6:
        return False
    return all(_glob(p).fullmatch(v) is not None for v, p in zip(values, patterns, strict=True))


Variables = Literal["none", "text", "glob"]
"""How an operator's policy values take policy variables: not at all, as text, or into a glob (where
``${*}`` and ``${?}`` stay the characters, not wildcards)."""

_POSITIVE: Mapping[str, tuple[Match, Variables]] = {
    # name: (match, how policy variables are substituted in the policy's values)
    "stringequals": (lambda v, p: v == p, "text"),
    "stringequalsignorecase": (lambda v, p: v.lower() == p.lower(), "text"),
    "stringlike": (_string_like, "glob"),
    "numericequals": (_numeric(lambda a, b: a == b), "none"),
    "numericlessthan": (_numeric(lambda a, b: a < b), "none"),
    "numericlessthanequals": (_numeric(lambda a, b: a <= b), "none"),
    "numericgreaterthan": (_numeric(lambda a, b: a > b), "none"),
    "numericgreaterthanequals": (_numeric(lambda a, b: a >= b), "none"),
    "dateequals": (_dates(lambda a, b: a == b), "none"),
    "datelessthan": (_dates(lambda a, b: a < b), "none"),
    "datelessthanequals": (_dates(lambda a, b: a <= b), "none"),
    "dategreaterthan": (_dates(lambda a, b: a > b), "none"),
    "dategreaterthanequals": (_dates(lambda a, b: a >= b), "none"),
    "bool": (lambda v, p: v.lower() == p.lower(), "text"),
    "binaryequals": (_binary, "none"),
    "ipaddress": (_ip, "none"),
    "arnequals": (arn_like, "glob"),
    "arnlike": (arn_like, "glob"),
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
OPERATORS: tuple[str, ...] = (
    *(name for name in _POSITIVE),
    *_NEGATED,
    "null",
)
"""Every base operator understood, lower case (each also with ``IfExists`` and a set qualifier)."""


@dataclass(frozen=True)
class Operator:
    """A parsed operator: ``ForAnyValue:StringNotLikeIfExists``."""

    base: str
    negated: bool
    if_exists: bool
    qualifier: str
    """``""``, ``forallvalues`` or ``foranyvalue``."""

    @staticmethod
    def parse(name: str) -> Operator | None:
        qualifier, colon, rest = name.partition(":")
        if not colon:
            qualifier, rest = "", name
        qualifier = qualifier.lower()
        if qualifier not in ("", "forallvalues", "foranyvalue"):
            return None
        rest = rest.lower()
        if_exists = rest.endswith("ifexists") and rest != "null"
        base = rest.removesuffix("ifexists") if if_exists else rest
        if base == "null":
            return None if (if_exists or qualifier) else Operator("null", False, False, "")
        if base in _NEGATED:
            return Operator(_NEGATED[base], True, if_exists, qualifier)
        if base in _POSITIVE:
            return Operator(base, False, if_exists, qualifier)
        return None


def _one(operator_name: str, key: str, policy_values: Sequence[str], request: Request) -> Verdict:
    operator = Operator.parse(operator_name)
    if operator is None:
        return Verdict(None, frozenset({f"unsupported operator {operator_name}"}))
    found = request.values(key)
    if isinstance(found, Unknown):
        return Verdict(None, frozenset({key}))
    if operator.base == "null":
        return Verdict.of(any((found is None) == (value.lower() == "true") for value in policy_values))
    if found is None or not found:
        if operator.if_exists or operator.qualifier == "forallvalues":
            return TRUE
        return Verdict.of(operator.negated and operator.qualifier != "foranyvalue")
    match, takes_variables = _POSITIVE[operator.base]
    resolved: list[str | None] = []
    for value in policy_values:
        if takes_variables == "none":
            substituted: str | Unknown | None = value
        else:
            substituted = substitute(value, request, glob=takes_variables == "glob")
        if isinstance(substituted, Unknown):
            return Verdict(None, frozenset(variables(value)))
        resolved.append(substituted)

    def hit(request_value: str) -> bool:
        return any(policy is not None and match(request_value, policy) for policy in resolved)

    def holds(request_value: str) -> bool:
        return hit(request_value) != operator.negated

    if operator.qualifier == "forallvalues":
        return Verdict.of(all(holds(value) for value in found))
    if operator.negated and operator.qualifier == "":
        return Verdict.of(not any(hit(value) for value in found))
    return Verdict.of(any(holds(value) for value in found))


def _strings(values: object) -> tuple[str, ...]:
    items = values if isinstance(values, list | tuple) else [values]
    return tuple(str(item).lower() if isinstance(item, bool) else str(item) for item in items)


# -- policy variables ---------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def variables(text: str) -> tuple[str, ...]:
    """The context keys the policy variables of ``text`` read."""
    names = (_split_default(match.group(1))[0] for match in _VARIABLE.finditer(text))
    return tuple(name for name in names if name not in _SPECIAL)


def substitute(text: str, request: Request, *, glob: bool = False) -> str | Unknown | None:
    """``text`` with its policy variables replaced; ``None`` when a variable's key is missing (and
    has no default); ``UNKNOWN`` when the request does not know it. ``${*}``, ``${?}`` and ``${$}``
    give their character.

    With ``glob``, the result is a pattern for ``StringLike``, ``Arn*`` and ``Resource``: the text's
    own ``*`` and ``?`` are wildcards, while the characters ``${*}`` and ``${?}`` stand for are
    literal (``\\*``, ``\\?``; a backslash is ``\\\\``), as IAM defines them ("Variables and tags").
    """
    escape = _escaped if glob else _unchanged
    out: list[str] = []
    index = 0
    for match in _VARIABLE.finditer(text):
        out.append(escape(text[index : match.start()]))
        index = match.end()
        name, default = _split_default(match.group(1))
        if name in _SPECIAL:
            character = _SPECIAL[name]
            out.append(f"\\{character}" if glob and character in "*?" else character)
            continue
        found = request.values(name)
        if isinstance(found, Unknown):
            return UNKNOWN
        if found is None or not found:
            if default is None:
                return None
            found = (default,)
        out.append(escape(found[0]))
    out.append(escape(text[index:]))
    return "".join(out)


def _escaped(text: str) -> str:
    """Text into a glob unchanged in meaning: its backslashes literal, its ``*`` and ``?`` wildcards."""
    return text.replace("\\", "\\\\")


def _unchanged(text: str) -> str:
    return text


def _split_default(body: str) -> tuple[str, str | None]:
    """``aws:username, 'guest'`` -> (``aws:username``, ``guest``)."""
    name, comma, rest = body.partition(",")
    if not comma:
        return name.strip(), None
    return name.strip(), rest.strip().strip("'")
