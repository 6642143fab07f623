"""Distinct template shapes, so that a linter proves each once instead of once per identical copy.

cfn-lint checks a resource against its type's schema and the resources it references. Two profiles
that differ only in names, values and logical IDs put it through the same checks. The shape of a
resource keeps what those checks read: its type, the structure of its properties (keys, value
types, which intrinsic functions), and the types its ``Ref``, ``Fn::GetAtt``, ``DependsOn`` and
``Fn::Sub`` variables reach; it drops the values and the list lengths. Sections other than
``Resources`` (parameters, outputs, conditions, rules, metadata) are shaped the same way. What
cfn-lint counts over a whole template (resources, bytes, outputs) is asserted on every template by
the tests that use this module.

``exemplars`` goes one step further, for templates of many copies (the shards): one resource of each
distinct shape, with every resource it references, so that cfn-lint reads each shape once instead of
once per copy. What cfn-lint checks across the resources of a template (primary identifiers unique,
E3019; names unique, E3007; no dependency cycle, E3004) the tests run over a whole template of the
same construction.
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


def _depends_on(resource: dict[str, Any]) -> list[str]:
    depends = resource.get("DependsOn", [])
    return [depends] if isinstance(depends, str) else list(depends)


def resource_shape(logical_id: str, template: dict[str, Any]) -> str:
    """The shape of one resource of ``template``."""
    resources = template.get("Resources", {})
    parameters = template.get("Parameters", {})
    resource = resources[logical_id]
    described = dict(resource, DependsOn=[_target(d, resources, parameters) for d in _depends_on(resource)])
    return repr(("resource", shape(described, resources, parameters)))


def _section_shapes(section: str, template: dict[str, Any]) -> dict[str, str]:
    """Each item of a section other than ``Resources`` (by name, or ``""`` for a bare value) and its shape."""
    resources = template.get("Resources", {})
    parameters = template.get("Parameters", {})
    body = template[section]
    items = body.items() if isinstance(body, dict) else [("", body)]
    return {name: repr((section, shape(item, resources, parameters))) for name, item in items}


def template_shapes(template: dict[str, Any]) -> set[str]:
    """Every distinct shape in ``template``: one per resource shape, one per other section's shape."""
    shapes = {resource_shape(logical_id, template) for logical_id in template.get("Resources", {})}
    for section in template:
        if section != "Resources":
            shapes.update(_section_shapes(section, template).values())
    return shapes


def references(value: Any) -> set[str]:
    """The names ``value`` refers to: by ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` variables."""
    if isinstance(value, list):
        return set().union(*map(references, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found = set().union(*map(references, value.values())) if value else set()
    if isinstance(value.get("Ref"), str):
        found.add(value["Ref"])
    target = value.get("Fn::GetAtt")
    if isinstance(target, list) and target and isinstance(target[0], str):
        found.add(target[0])
    elif isinstance(target, str):
        found.add(target.split(".", 1)[0])
    sub = value.get("Fn::Sub")
    text = sub if isinstance(sub, str) else sub[0] if isinstance(sub, list) and sub else None
    if isinstance(text, str):
        found.update(v.split(".")[0] for v in re.findall(r"\$\{([^}!]+)\}", text))
    return found


def exemplars(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each template cut to one resource and one output of each shape no template before it (in
    ``covering`` order) holds, with every resource they reference, in turn; its other sections whole.
    A template that adds no shape is left out. Together they hold every shape of ``templates``."""
    seen: set[str] = set()
    cut: dict[str, dict[str, Any]] = {}
    for name in covering(templates):
        template = templates[name]
        resources = template.get("Resources", {})
        outputs: dict[str, Any] = {}
        for output, item in sorted(
            _section_shapes("Outputs", template).items() if "Outputs" in template else []
        ):
            if item not in seen:
                seen.add(item)
                outputs[output] = template["Outputs"][output]
        pending = sorted(references(outputs))
        for logical_id in sorted(resources):
            if (kind := resource_shape(logical_id, template)) not in seen:
                seen.add(kind)
                pending.append(logical_id)
        kept: set[str] = set()
        while pending:
            logical_id = pending.pop()
            if logical_id in resources and logical_id not in kept:
                kept.add(logical_id)
                seen.add(resource_shape(logical_id, template))
                pending.extend(references(resources[logical_id]) | set(_depends_on(resources[logical_id])))
        if kept or outputs:
            reduced = {section: body for section, body in template.items() if section != "Outputs"}
            reduced["Resources"] = {logical_id: resources[logical_id] for logical_id in sorted(kept)}
            cut[name] = {**reduced, "Outputs": outputs} if outputs else reduced
    return cut


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
