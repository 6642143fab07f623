"""The order in which CloudFormation creates and deletes a template's resources.

A resource depends on every resource it names with ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub`` in its
properties, and on those in its ``DependsOn``. CloudFormation creates dependencies first and deletes
in the reverse order (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
Ties keep the template's order, so the order is the same on every run. Plain data in, names out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
"""``${Name}`` or ``${Name.Attribute}`` in an Fn::Sub string; ``${!Literal}`` is not a reference."""


def references(value: Any) -> set[str]:
    """Every logical ID or parameter that ``value`` names through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".", 1)[0])
            elif key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else (item[0], item[1])
                named = {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text)}
                found |= (named - set(variables)) | references(variables)
            else:
                found |= references(item)
    return found


def dependencies(resources: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each resource, the resources of the same template it depends on, in template order."""
    result: dict[str, list[str]] = {}
    for logical_id, definition in resources.items():
        depends_on = definition.get("DependsOn", [])
        named = references(definition.get("Properties", {})) | set(
            [depends_on] if isinstance(depends_on, str) else depends_on
        )
        result[logical_id] = [other for other in resources if other in named and other != logical_id]
    return result


def creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical IDs with every resource after the resources it depends on."""
    graph = dependencies(resources)
    order: list[str] = []
    placed: set[str] = set()

    def place(logical_id: str, path: tuple[str, ...]) -> None:
        if logical_id in placed:
            return
        if logical_id in path:
            cycle = " -> ".join((*path[path.index(logical_id) :], logical_id))
            raise ValueError(f"Circular dependency between resources: {cycle}")
        for dependency in graph[logical_id]:
            place(dependency, (*path, logical_id))
        placed.add(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        place(logical_id, ())
    return order


def deletion_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical IDs with every resource before the resources it depends on."""
    return creation_order(resources)[::-1]
