"""CloudFormation's intrinsic functions in a template, resolved for the one account being audited.

A synthesized template says ``{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:..."]]}``
where the account will read ``arn:aws:iam::aws:...``. ``Resolver.value`` gives that value:

- ``Ref`` of ``AWS::Partition``, ``AWS::AccountId``, ``AWS::Region``, ``AWS::URLSuffix`` and
  ``AWS::StackName`` (the account's, from STS and the session), and ``AWS::NoValue`` (left out);
- ``Ref`` of a role, instance profile or managed policy of the same template that has a literal
  name: its name (the policy's ARN); of any other resource of the template: its physical ID, which
  only CloudFormation knows (``physical_id``, read with ``DescribeStackResource`` when needed);
- ``Fn::GetAtt`` of such a role's or profile's ``Arn`` and a managed policy's ``PolicyArn``;
- ``Fn::Join``, ``Fn::Sub``, ``Fn::Select`` and ``Fn::FindInMap``.

Anything else (a parameter, ``Fn::ImportValue``, ``Fn::If``, another attribute) is only known when
CloudFormation deploys: ``UnresolvedError`` says which, and the audit leaves that field alone. A
review compares two templates rather than a template with an account, so it asks for ``stand_ins``:
in a policy document (``Resolver.document``), each such value then stands for itself, as
``{Bucket.Arn}`` or ``{Param}`` (``stand_in``), a resource no narrower pattern matches but ``*`` does,
and the rest of the document is still read. Pure Python: the physical IDs come from a function the
caller gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PhysicalIds = Callable[[str, "str | None", str], "str | None"]
"""``physical_id(stack, region, logical_id)``: the resource's physical ID, ``None`` if there is none."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NO_VALUE = object()


class UnresolvedError(Exception):
    """The value is only known at deploy; the message says why, as the end of a sentence."""


@dataclass(frozen=True)
class Account:
    """The account being audited, as the templates' pseudo-parameters read in it."""

    partition: str
    account_id: str
    region: str | None = None
    """The session's region; ``None`` when none is configured (IAM is global)."""
    url_suffix: str | None = None
    """The partition's domain (``amazonaws.com``); ``None`` when it is not known."""


class Resolver:
    """Resolves the expressions of one stack's template for one account."""

    def __init__(
        self,
        *,
        stack: str,
        template: Mapping[str, Any],
        account: Account,
        physical_id: PhysicalIds,
        region: str | None = None,
        stand_ins: bool = False,
    ) -> None:
        self.stack = stack
        self.stand_ins = stand_ins
        self._standing = False
        self.account = account
        self.region = region or account.region
        self._resources: Mapping[str, Any] = template.get("Resources") or {}
        self._parameters: Mapping[str, Any] = template.get("Parameters") or {}
        self._mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self._physical_id = physical_id

    def value(self, expression: Any) -> Any:
        """The JSON value ``expression`` has in the account; ``UnresolvedError`` if only a deploy knows it."""
        try:
            result = self._value(expression)
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise UnresolvedError(f"is not an expression CloudFormation resolves: {expression!r}") from error
        return None if result is _NO_VALUE else result

    def document(self, expression: Any) -> Any:
        """``value`` of a policy document; with ``stand_ins``, what only a deploy knows stands for itself."""
        if not self.stand_ins:
            return self.value(expression)
        self._standing = True
        try:
            return self.value(expression)
        finally:
            self._standing = False

    def string(self, expression: Any) -> str:
        """``value`` for a property that must be a string."""
        result = self.value(expression)
        if not isinstance(result, str):
            raise UnresolvedError(f"is {result!r}, not a string")
        return result

    def physical_id(self, logical_id: str) -> str:
        """The physical ID of a resource of this stack, from CloudFormation."""
        found = self._physical_id(self.stack, self.region, logical_id)
        if found is None:
            raise UnresolvedError(f"CloudFormation names {logical_id} when stack {self.stack} creates it")
        return found

    def name_of(self, logical_id: str) -> str:
        """``Ref`` of a resource of this template: its name or ARN where the template fixes it."""
        resource = self._resources[logical_id]
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if kind == "AWS::IAM::Role" and "RoleName" in properties:
            return self.string(properties["RoleName"])
        if kind == "AWS::IAM::InstanceProfile" and "InstanceProfileName" in properties:
            return self.string(properties["InstanceProfileName"])
        if kind == "AWS::IAM::ManagedPolicy" and "ManagedPolicyName" in properties:
            return self._arn("policy", properties.get("Path", "/"), properties["ManagedPolicyName"])
        return self.physical_id(logical_id)

    def _value(self, expression: Any) -> Any:
        if isinstance(expression, list):
            return [item for item in (self._value(e) for e in expression) if item is not _NO_VALUE]
        if not isinstance(expression, Mapping):
            return expression
        if len(expression) == 1:
            ((function, argument),) = expression.items()
            if function == "Ref" or function.startswith("Fn::"):
                try:
                    return self._ref(argument) if function == "Ref" else self._function(function, argument)
                except UnresolvedError:
                    if not self._standing:
                        raise
                    return stand_in(expression)
        return {
            key: item
            for key, item in ((k, self._value(v)) for k, v in expression.items())
            if item is not _NO_VALUE
        }

    def _ref(self, name: Any) -> Any:
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self._parameters:
            raise UnresolvedError(f"refers to parameter {name}, given at deploy")
        if name in self._resources:
            return self.name_of(name)
        raise UnresolvedError(f"refers to {name!r}, which the template does not define")

    def _pseudo(self, name: Any) -> str | None:
        values = {
            "AWS::Partition": self.account.partition,
            "AWS::AccountId": self.account.account_id,
            "AWS::Region": self.region,
            "AWS::URLSuffix": self.account.url_suffix,
            "AWS::StackName": self.stack,
        }
        if name not in values:
            return None
        value = values[name]
        if value is None:
            raise UnresolvedError(f"refers to {name}, unknown here: give --region")
        return value

    def _function(self, function: str, argument: Any) -> Any:
        if function == "Fn::Join":
            separator, items = argument
            return self.string(separator).join(self._strings(items))
        if function == "Fn::Sub":
            return self._sub(argument)
        if function == "Fn::Select":
            index, items = argument
            return self._value(items)[int(self.value(index))]
        if function == "Fn::FindInMap":
            mapping, top, second = (self.string(part) for part in argument)
            try:
                return self._value(self._mappings[mapping][top][second])
            except KeyError as missing:
                raise UnresolvedError(f"finds nothing in mapping {mapping} at {top}/{second}") from missing
        if function == "Fn::GetAtt":
            logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return self._attribute(logical_id, self.string(attribute))
        raise UnresolvedError(f"uses {function}, computed at deploy")

    def _attribute(self, logical_id: str, attribute: str) -> str:
        resource = self._resources.get(logical_id) or {}
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if (kind, attribute) == ("AWS::IAM::Role", "Arn"):
            return self._arn("role", properties.get("Path", "/"), self.name_of(logical_id))
        if (kind, attribute) == ("AWS::IAM::InstanceProfile", "Arn"):
            return self._arn("instance-profile", properties.get("Path", "/"), self.name_of(logical_id))
        if (kind, attribute) == ("AWS::IAM::ManagedPolicy", "PolicyArn"):
            return self.name_of(logical_id)
        raise UnresolvedError(f"uses Fn::GetAtt {logical_id}.{attribute}, computed at deploy")

    def _arn(self, kind: str, path: Any, name: Any) -> str:
        prefix = f"arn:{self.account.partition}:iam::{self.account.account_id}:{kind}"
        return f"{prefix}{self.string(path)}{self.string(name)}"

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            try:
                if name in variables:
                    return self.string(variables[name])
                if "." in name:
                    logical_id, attribute = name.split(".", 1)
                    return self._attribute(logical_id, attribute)
                return str(self._ref(name))
            except UnresolvedError:
                if not self._standing:
                    raise
                return _standing_for(name)

        return _SUB_VARIABLE.sub(replace, text)

    def _strings(self, items: Any) -> list[str]:
        values = self._value(items)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise UnresolvedError(f"joins {values!r}, not a list of strings")
        return values


def stand_in(expression: Mapping[str, Any]) -> str:
    """What a value only a deploy knows stands for in a review: ``{Bucket.Arn}``, ``{Param}``,
    ``{Fn::ImportValue "Shared"}``; never a wildcard, never an IAM policy variable (``${...}``)."""
    ((function, argument),) = expression.items()
    if function == "Ref":
        return _standing_for(str(argument))
    if function == "Fn::GetAtt" and isinstance(argument, str):
        return _standing_for(argument)
    if function == "Fn::GetAtt" and isinstance(argument, list) and all(isinstance(a, str) for a in argument):
        return _standing_for(".".join(argument))
    return _standing_for(f"{function} {json.dumps(argument, sort_keys=True, separators=(',', ':'))}")


def _standing_for(text: str) -> str:
    return "{" + text.replace("*", "_").replace("?", "_") + "}"
