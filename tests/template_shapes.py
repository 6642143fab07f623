"""Distinct template shapes, so that a linter proves each once instead of once per identical copy.

cfn-lint checks a resource against its type's schema and the resources it references. Two profiles
that differ only in names, values and logical IDs put it through the same checks. The shape of a
resource keeps what those checks read: its type, the structure of its properties (keys, value
types, which intrinsic functions), and the types its ``Ref``, ``Fn::GetAtt``, ``DependsOn`` and
``Fn::Sub`` variables reach; it drops the values and the list lengths. Sections other than
``Resources`` (parameters, outputs, conditions, rules, metadata) are shaped the same way. What
cfn-lint counts over a whole template (resources, bytes, outputs) is asserted on every template by
the tests that use this module.
"""

from __future__ import annotations

import json
import re
from typing import Any

PSEUDO = re.compile(r"AWS::\w+")
DIGIT = re.compile(r"\d")


def _target(name: str, resources: dict[str, Any], parameters: dict[str, Any]) -> str:
    """What a reference reaches: a resource's type, a parameter's type, a pseudo parameter, or nothing."""
    if name in resources:
        return f"resource:{resources[name].get('Type')}"
    if name in parameters:
        return f"parameter:{parameters[name].get('Type')}"
    return name if PSEUDO.fullmatch(name) else "missing"


def shape(value: Any, resources: dict[str, Any], parameters: dict[str, Any]) -> Any:
    """``value`` without its values: a canonical, hashable description of its structure."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            return ("Ref", _target(value["Ref"], resources, parameters))
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            name, attribute = target if isinstance(target, list) else target.split(".", 1)
            return ("Fn::GetAtt", _target(name, resources, parameters), attribute)
        if set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            names = sorted(
                {_target(v.split(".")[0], resources, parameters) for v in re.findall(r"\$\{([^}!]+)\}", text)}
            )
            return ("Fn::Sub", tuple(names))
        return tuple(sorted((key, shape(item, resources, parameters)) for key, item in value.items()))
    if isinstance(value, list):
        items = tuple(sorted({shape(item, resources, parameters) for item in value}, key=repr))
        return ("list", len(value), items)
    if isinstance(value, str):
        return DIGIT.sub("0", value)
    return value


def template_shapes(template: dict[str, Any]) -> set[str]:
    """Every distinct shape in ``template``: one per resource shape, one per other section's shape."""
    resources = template.get("Resources", {})
    parameters = template.get("Parameters", {})
    shapes = set()
    for resource in resources.values():
        depends = resource.get("DependsOn", [])
        described = dict(
            resource,
            DependsOn=[
                _target(d, resources, parameters)
                for d in ([depends] if isinstance(depends, str) else depends)
            ],
        )
        shapes.add(repr(("resource", shape(described, resources, parameters))))
    for section, body in template.items():
        if section != "Resources":
            items = body.values() if isinstance(body, dict) else [body]
            shapes.update(repr((section, shape(item, resources, parameters))) for item in items)
    return shapes


def covering(templates: dict[str, dict[str, Any]]) -> list[str]:
    """Names of templates that together hold every shape of ``templates``: the largest first, then
    each that adds the most shapes not yet held (greedy), so a linter sees every shape at least once."""
    remaining = {name: template_shapes(template) for name, template in templates.items()}
    wanted = set().union(*remaining.values())
    chosen: list[str] = []
    while wanted:
        name = max(
            sorted(remaining), key=lambda n: (len(remaining[n] & wanted), len(json.dumps(templates[n])))
        )
        chosen.append(name)
        wanted -= remaining.pop(name)
    return chosen
