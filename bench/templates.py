"""Whether the workloads built the same thing: their templates compared whole, logical IDs aside.

Each workload names its constructs its own way (the library nests a profile's role under the profile,
hand-written CDK does not), so the same resource has a different logical ID in each. ``normalised``
names each resource by what it is instead (``role NAME``, ``instance profile NAME``, ``tags of
instance profile NAME``; any other resource by its type and place among the unnamed ones), puts
those names wherever the logical IDs were referred to (``Ref``, ``Fn::GetAtt``, ``DependsOn``,
``Fn::Sub``), and keeps of ``aws:cdk:path`` only that it is there. Everything else of every template
is compared as written: every property of every resource, parameters, rules, outputs.

A workload's ``Fingerprint`` holds a hash of each part; ``disagreements`` says how a set of
workloads built at the same N differ:

- the profiles (every resource but the tag resources and the tag function, and everything else of
  each template) are the same in every workload;
- a workload without tagging has nothing more; a tagged one has a ``Custom::InstanceProfileTags`` per
  profile, the same in every tagged workload;
- the tagged workloads of the library have the same tag function (hand-written tagging has a function
  of its own, with its own policy and log group: the reference, with no target).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TAGS_TYPE = "Custom::InstanceProfileTags"
PATH_METADATA = "aws:cdk:path"
SHOWN = 5
"""Differing resources named in a disagreement; the rest are counted."""
_SUB_REFERENCE = re.compile(r"\$\{([^}.!]+)([.}])")


def read_assembly(outdir: Path) -> dict[str, dict[str, Any]]:
    """Each stack's template in ``outdir`` (a cloud assembly), by stack name."""
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in sorted(outdir.glob("*.template.json"))
    }


def resource_names(resources: Mapping[str, Any]) -> dict[str, str]:
    """Each logical ID's name for the comparison: what the resource is, not what its construct is called."""
    names: dict[str, str] = {}
    unnamed: dict[str, int] = {}
    for logical_id, resource in resources.items():
        kind, properties = resource.get("Type", ""), resource.get("Properties") or {}
        if kind == "AWS::IAM::Role" and isinstance(properties.get("RoleName"), str):
            names[logical_id] = f"role {properties['RoleName']}"
        elif kind == "AWS::IAM::InstanceProfile" and isinstance(properties.get("InstanceProfileName"), str):
            names[logical_id] = f"instance profile {properties['InstanceProfileName']}"
    for logical_id, resource in resources.items():
        if logical_id in names:
            continue
        kind, properties = resource.get("Type", ""), resource.get("Properties") or {}
        profile = properties.get("InstanceProfileName")
        if kind == TAGS_TYPE and isinstance(profile, dict) and profile.get("Ref") in names:
            names[logical_id] = f"tags of {names[profile['Ref']]}"
        elif kind == TAGS_TYPE and isinstance(profile, str):
            names[logical_id] = f"tags of instance profile {profile}"
        else:
            unnamed[kind] = unnamed.get(kind, 0) + 1
            names[logical_id] = f"{kind} #{unnamed[kind]}"
    seen: dict[str, int] = {}
    for logical_id, name in names.items():  # two resources of one name: both kept, told apart
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[logical_id] = f"{name} (again, #{seen[name]})"
    return names


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        if value in names:
            return names[value]
        if "${" in value:
            return _SUB_REFERENCE.sub(lambda m: "${" + names.get(m.group(1), m.group(1)) + m.group(2), value)
        return value
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _renamed(item, names) for key, item in value.items()}
    return value


def normalised(template: Mapping[str, Any]) -> dict[str, Any]:
    """``template`` with every logical ID replaced by its resource's name (``resource_names``)."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    names = resource_names(resources)
    renamed: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        resource = _renamed(resource, names)
        metadata = resource.get("Metadata")
        if isinstance(metadata, dict) and PATH_METADATA in metadata:
            resource["Metadata"] = {**metadata, PATH_METADATA: "(the construct's path)"}
        renamed[names[logical_id]] = resource
    rest = {key: _renamed(value, names) for key, value in template.items() if key != "Resources"}
    return {**rest, "Resources": renamed}


def _references(value: Any, within: Mapping[str, Any]) -> set[str]:
    """The names of ``within`` that ``value`` refers to (any string equal to one, or ``${name}``)."""
    found: set[str] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if item in within:
                found.add(item)
            elif "${" in item:
                found.update(m.group(1) for m in _SUB_REFERENCE.finditer(item) if m.group(1) in within)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return found


def tag_function(resources: Mapping[str, Any]) -> set[str]:
    """The resources that answer the tag resources: their ``ServiceToken``'s function and all it refers
    to, in turn (its role, log group and, hand-written, the role's policy the function depends on)."""
    pending = [
        name
        for resource in resources.values()
        if resource.get("Type") == TAGS_TYPE
        for name in _references((resource.get("Properties") or {}).get("ServiceToken"), resources)
    ]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        pending.extend(_references(resources[name], resources) - found)
    return found


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """What one workload synthesized at one N: a hash of each resource (and of each template's other
    parts), by ``STACK/name``, in three parts."""

    profiles: dict[str, str] = field(default_factory=dict)
    """Every resource but the tag resources and the tag function, and each template's other parts."""
    tags: dict[str, str] = field(default_factory=dict)
    """The ``Custom::InstanceProfileTags``."""
    function: dict[str, str] = field(default_factory=dict)
    """The tag function and what it refers to."""

    @property
    def digest(self) -> str:
        """One hash of it all, short: the report shows it."""
        return _digest([self.profiles, self.tags, self.function])[:12]


def fingerprint(templates: Mapping[str, Mapping[str, Any]]) -> Fingerprint:
    """The fingerprint of an assembly's templates (``read_assembly``)."""
    profiles: dict[str, str] = {}
    tags: dict[str, str] = {}
    function: dict[str, str] = {}
    for stack, template in templates.items():
        whole = normalised(template)
        resources = whole.pop("Resources")
        answering = tag_function(resources)
        for name, resource in resources.items():
            part = function if name in answering else tags if resource.get("Type") == TAGS_TYPE else profiles
            part[f"{stack}/{name}"] = _digest(resource)
        for key, value in whole.items():
            profiles[f"{stack}/({key})"] = _digest(value)
    return Fingerprint(profiles, tags, function)


def fingerprint_of(outdir: Path) -> Fingerprint:
    return fingerprint(read_assembly(outdir))


def differences(ours: Mapping[str, str], theirs: Mapping[str, str], name: str = "theirs") -> str:
    """The resources two parts differ in, as ``"STACK/role x differs, STACK/tags of ... not in NAME"``;
    empty when they are the same. ``name``: whose ``theirs`` is."""
    rows = [
        f"{key} not in {name}"
        if key not in theirs
        else f"{key} only in {name}"
        if key not in ours
        else f"{key} differs"
        for key in sorted(ours.keys() | theirs.keys())
        if ours.get(key) != theirs.get(key)
    ]
    if len(rows) > SHOWN:
        rows = [*rows[:SHOWN], f"and {len(rows) - SHOWN} more"]
    return ", ".join(rows)


def disagreements(
    fingerprints: Mapping[str, Fingerprint],
    *,
    tagged: Iterable[str],
    by_hand: Iterable[str],
    profiles: int | None = None,
) -> list[str]:
    """How the workloads' fingerprints at one N break the rules of this module's docstring; none when
    they keep them. ``tagged``: the workloads with profile tagging on; ``by_hand``: those whose tag
    function is their own (not the library's); ``profiles``: N, when each tagged workload must have
    one tag resource per profile."""
    tagged, by_hand = set(tagged), set(by_hand)
    problems: list[str] = []
    if not fingerprints:
        return problems
    reference, *others = fingerprints  # plain, when measured, is first in WORKLOADS' order
    if "plain" in fingerprints:
        reference, others = "plain", [w for w in fingerprints if w != "plain"]
    for workload in others:
        if difference := differences(
            fingerprints[workload].profiles, fingerprints[reference].profiles, reference
        ):
            problems.append(f"{workload}'s profiles are not {reference}'s: {difference}")
    for workload, built in fingerprints.items():
        if workload not in tagged and (built.tags or built.function):
            extra = ", ".join(sorted({**built.tags, **built.function})[:SHOWN])
            problems.append(f"{workload} has tagging off, yet builds {extra}")
        if workload in tagged and profiles is not None and len(built.tags) != profiles:
            problems.append(f"{workload} has {len(built.tags)} tag resources for {profiles} profiles")
        if workload in tagged and not built.function:
            problems.append(f"{workload}'s tag resources have no function answering them")
    measured = [w for w in fingerprints if w in tagged]
    for workload in measured[1:]:
        if difference := differences(
            fingerprints[workload].tags, fingerprints[measured[0]].tags, measured[0]
        ):
            problems.append(f"{workload}'s tag resources are not {measured[0]}'s: {difference}")
    library = [w for w in measured if w not in by_hand]
    for workload in library[1:]:
        if difference := differences(
            fingerprints[workload].function, fingerprints[library[0]].function, library[0]
        ):
            problems.append(f"{workload}'s tag function is not {library[0]}'s: {difference}")
    return problems
