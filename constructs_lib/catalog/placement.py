"""Which stack holds each catalogue profile: decided once, recorded beside the catalogue, never moved.

A profile that names its stack (``stack:``, its own or from ``defaults``) is in that stack. Every
other profile goes on a shard, ``Ec2AccessProfiles``, ``Ec2AccessProfiles-2``, ... and the choice is
recorded in the placement file beside the catalogue (``catalog.yaml`` -> ``catalog.placement.json``),
as CDK records its lookups in ``cdk.context.json``. A recorded profile stays on its shard for life:
adding, removing, reordering or editing profiles only decides where new profiles go. Moving a profile
would be a delete and a create: every instance using it would lose its credentials.

New profiles join the lowest-numbered shard with room, in name order (so the catalogue's order never
matters), else a new shard with the next number. A shard keeps its name, and its place in the file,
after its last profile goes, so that a deploy deletes the removed profiles rather than leaving their
stack behind. The file records the stacks that profiles name too (``stacks``), for the same reason:
such a stack stays in the app after its last profile goes, empty, instead of dropping out of the app
and so staying deployed, profiles and all. Room in a stack: at most ``MAX_PROFILES_PER_STACK``
profiles and ``TEMPLATE_BYTES_BUDGET`` bytes of template by ``estimated_bytes``. When a stack cannot
take a profile, that is a finding naming both and the way out; nothing already placed is moved to
make room. Pure Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from constructs_lib.core.findings import Finding
from constructs_lib.core.spec import ProfileSpec
from constructs_lib.core.validation import check_stack_name

SHARD_PREFIX = "Ec2AccessProfiles"
"""The first shard's name; the next ones are ``Ec2AccessProfiles-2``, ``-3``..."""
PLACEMENT_SUFFIX = ".placement.json"
PLACEMENT_VERSION = 1

RESOURCES_PER_PROFILE = 4
"""Role, instance profile, its tags (``Custom::InstanceProfileTags``) and its contract parameter."""
HELPER_RESOURCES = 3
"""The tag function's log group, role and function, once per stack."""
STACK_RESOURCE_LIMIT = 500
"""CloudFormation's resources per template."""
MAX_PROFILES_PER_STACK = 99
"""99 profiles are 399 resources: 80% of CloudFormation's 500, the rest left as headroom."""
TEMPLATE_BYTES_LIMIT = 1_048_576
"""CloudFormation's template size from S3 (1 MB)."""
TEMPLATE_BYTES_BUDGET = 800_000
"""What the profiles of one stack may take by ``estimated_bytes``: about 76% of the limit."""
PROFILE_BASE_BYTES = 4_500
"""A profile's template bytes before its own values (its role, instance profile, tags resource and
contract parameter, with their keys and references); ``tests/test_scale.py`` checks the bound."""

_SHARD_NAME = re.compile(rf"^{SHARD_PREFIX}(?:-([1-9][0-9]*))?$")


@dataclass(frozen=True)
class Request:
    """A profile to place: its name, the stack it names (if any), its size, and where it is written."""

    name: str
    stack: str | None
    bytes: int
    location: str


@dataclass(frozen=True)
class Placement:
    """What the placement file records: the profiles of each shard, by instance-profile name, and the
    stacks that profiles named (``stack:``), so that neither leaves the app when it empties."""

    shards: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stacks: tuple[str, ...] = ()
    """Every stack a profile has named, sorted; kept after its last profile goes."""

    def shard_of(self) -> dict[str, str]:
        """Each recorded profile's shard."""
        return {name: shard for shard, names in self.shards.items() for name in names}

    def render(self) -> str:
        """The file's text: sorted, one name per line, so that a pull request shows each change.

        ``stacks`` is left out when there are none, so a catalogue of shards only keeps its file as it was.
        """
        shards = {shard: sorted(names) for shard, names in sorted(self.shards.items(), key=_shard_order)}
        content: dict[str, object] = {"version": PLACEMENT_VERSION, "shards": shards}
        if self.stacks:
            content["stacks"] = sorted(self.stacks)
        return json.dumps(content, indent=2) + "\n"

    @property
    def empty(self) -> bool:
        """Whether there is nothing to record (then no file is needed)."""
        return not self.shards and not self.stacks


@dataclass(frozen=True)
class Placed:
    """The outcome: each profile's stack, the placement to record, and what could not be placed."""

    stacks: dict[str, str]
    placement: Placement
    findings: list[Finding]


def placement_path(catalog: str | Path) -> Path:
    """The placement file of a catalogue: beside it, ``NAME.placement.json``."""
    path = Path(catalog)
    return path.with_name(path.stem + PLACEMENT_SUFFIX)


def estimated_bytes(spec: ProfileSpec) -> int:
    """An upper bound of the template bytes a profile adds to its stack (CDK indents by one space).

    Three times its values as compact JSON covers the indentation, the keys and the copies CDK writes
    (the tags on the role and on the tags resource); ``PROFILE_BASE_BYTES`` covers the fixed parts.
    """
    values = [
        str(spec.instance_profile_name),
        str(spec.role_name),
        str(spec.path),
        str(spec.description),
        [str(policy) for policy in spec.managed_policies],
        [str(preset) for preset in spec.presets],
        [dict(statement) for statement in spec.statements],
        {str(key): str(value) for key, value in spec.tags.items()},
        str(spec.permissions_boundary),
    ]
    return PROFILE_BASE_BYTES + 3 * len(json.dumps(values, separators=(",", ":"), default=str))


def read_placement(text: str, where: str) -> tuple[Placement, list[Finding]]:
    """The placement file's content, or the findings that make it unusable (then nothing is recorded)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        return Placement(), [_file_finding(where, "file", "(not JSON)", f"is not JSON: {error}")]
    if not isinstance(data, dict) or data.get("version") != PLACEMENT_VERSION:
        rule = f"is not a placement file: a JSON object with 'version': {PLACEMENT_VERSION} and 'shards'"
        return Placement(), [_file_finding(where, "version", _shown(data, "version"), rule)]
    shards = data.get("shards")
    if not isinstance(shards, dict):
        rule = "is not a mapping of shard names to lists of profile names"
        return Placement(), [_file_finding(where, "shards", shards, rule)]
    findings = []
    seen: dict[str, str] = {}
    for shard, names in shards.items():
        if not _SHARD_NAME.match(shard):
            rule = f"is not a shard name: {SHARD_PREFIX}, or {SHARD_PREFIX}-N for N from 2"
            findings.append(_file_finding(where, "shards", shard, rule))
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            findings.append(_file_finding(where, f"shards[{shard!r}]", names, "is not a list of names"))
            continue
        for name in names:
            earlier = seen.setdefault(name.lower(), shard)
            if earlier != shard or names.count(name) > 1:
                rule = f"is recorded more than once (in {earlier!r} and {shard!r}); keep one"
                findings.append(_file_finding(where, f"shards[{shard!r}]", name, rule))
    stacks = data.get("stacks", [])
    if not isinstance(stacks, list) or not all(isinstance(name, str) for name in stacks):
        findings.append(_file_finding(where, "stacks", stacks, "is not a list of stack names"))
        stacks = []
    for position, name in enumerate(stacks):
        problem = check_stack_name(name)
        if problem:
            findings.append(_file_finding(where, "stacks", name, problem))
        elif name in stacks[:position]:
            findings.append(_file_finding(where, "stacks", name, "is recorded more than once; keep one"))
    if findings:
        return Placement(), findings
    recorded = {shard: tuple(names) for shard, names in shards.items()}
    return Placement(recorded, tuple(sorted(stacks))), []


def place(
    requests: Sequence[Request],
    recorded: Placement,
    *,
    max_profiles: int = MAX_PROFILES_PER_STACK,
    max_bytes: int = TEMPLATE_BYTES_BUDGET,
    placement_file: str = "the placement file",
) -> Placed:
    """Each profile's stack: its own, its recorded shard, or a shard with room; never another."""
    shard_of = {name.lower(): shard for name, shard in recorded.shard_of().items()}
    present = {request.name.lower() for request in requests}
    shards: dict[str, list[str]] = {
        shard: [name for name in names if name.lower() in present] for shard, names in recorded.shards.items()
    }
    used: dict[str, tuple[int, int]] = {}
    stacks: dict[str, str] = {}
    findings: list[Finding] = []

    def take(request: Request, stack: str) -> bool:
        count, size = used.get(stack, (0, 0))
        if count + 1 > max_profiles or size + request.bytes > max_bytes:
            return False
        used[stack] = (count + 1, size + request.bytes)
        stacks[request.name] = stack
        return True

    recorded_first = sorted(requests, key=lambda r: r.name.lower() not in shard_of)
    new: list[Request] = []
    for request in recorded_first:
        shard = shard_of.get(request.name.lower())
        if request.stack is not None and shard is not None and request.stack != shard:
            rule = (
                f"would move the profile off shard {shard!r}, where {placement_file} records it: a move "
                "replaces the instance profile under every running instance; remove 'stack:', or, to "
                "move it on purpose, delete its entry from the placement file"
            )
            findings.append(
                Finding("EAP112", "stack", request.stack, rule, ("stack",), request.name, request.location)
            )
            continue
        target = request.stack or shard
        if target is None:
            new.append(request)
        elif not take(request, target):
            findings.append(_full(request, target, max_profiles, max_bytes, recorded=request.stack is None))
    for request in sorted(new, key=lambda r: r.name.lower()):
        shard = next((name for name in sorted(shards, key=_number) if take(request, name)), None)
        if shard is None:
            shard = _shard_name(max((_number(name) for name in shards), default=0) + 1)
            shards[shard] = []
            if not take(request, shard):
                findings.append(_full(request, shard, max_profiles, max_bytes, recorded=False))
                continue
        shards[shard].append(request.name)
    named = {request.stack for request in requests if request.stack is not None}
    placement = Placement(
        {shard: tuple(sorted(names)) for shard, names in shards.items()},
        tuple(sorted(named.union(recorded.stacks))),
    )
    return Placed(stacks, placement, findings)


def _full(request: Request, stack: str, max_profiles: int, max_bytes: int, *, recorded: bool) -> Finding:
    room = (
        f"stack {stack!r} has no room for it: at most {max_profiles} profiles and {max_bytes:,} template "
        f"bytes by estimate ({RESOURCES_PER_PROFILE} resources each and {HELPER_RESOURCES} for the tag "
        f"function, within CloudFormation's {STACK_RESOURCE_LIMIT} resources and 1 MB, with headroom); "
        "nothing placed there is moved to make room"
    )
    if recorded:
        way_out = (
            "the placement file records it there, so the stack's profiles grew: make this one smaller, or "
            "remove it from the catalogue and add it again under another name"
        )
    else:
        way_out = "remove 'stack:' to let placement put it on a shard with room, or name a stack with room"
    return Finding("EAP111", "stack", stack, f"{room}; {way_out}", ("stack",), request.name, request.location)


def _file_finding(where: str, field_name: str, value: object, rule: str) -> Finding:
    return Finding("EAP110", field_name, value, rule, (), "", where)


def _shown(data: object, key: str) -> object:
    return data.get(key) if isinstance(data, dict) else type(data).__name__


def _shard_name(number: int) -> str:
    return SHARD_PREFIX if number == 1 else f"{SHARD_PREFIX}-{number}"


def _number(shard: str) -> int:
    match = _SHARD_NAME.match(shard)
    if match is None:
        return 0
    return int(match.group(1) or 1)


def _shard_order(item: tuple[str, object]) -> int:
    return _number(item[0])
