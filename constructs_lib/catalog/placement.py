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
stack behind. The file records the stacks that profiles name too (``stacks``), with their profiles,
for the same two reasons: a profile that names a stack stays there (removing or changing its
``stack:`` is refused, as naming a stack for a shard's profile is), and such a stack stays in the
app after its last profile goes, empty, instead of dropping out of the app and so staying deployed,
profiles and all. Room in a stack: at most ``MAX_PROFILES_PER_STACK``
profiles and ``TEMPLATE_BYTES_BUDGET`` bytes of template by ``estimated_bytes``. When a stack cannot
take a profile, that is a finding naming both and the way out; nothing already placed is moved to
make room. Pure Python.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from constructs_lib.catalog.marked_yaml import MAX_BYTES, MAX_DEPTH
from constructs_lib.core.findings import Finding, show_value
from constructs_lib.core.spec import ProfileSpec
from constructs_lib.core.validation import INSTANCE_PROFILE_NAME_MAX, check_stack_name

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

MAX_FILE_FINDINGS = 1_000
"""Problems of a placement file listed before the rest are only counted: past a few, the way out is to
restore the file, and a hostile file must not print a line per byte."""

_SHARD_NAME = re.compile(rf"{SHARD_PREFIX}(?:-([2-9]|[1-9][0-9]+))?")
"""A shard's name, matched whole (``fullmatch``: ``$`` would let a trailing line break through)."""
_LOCATION = re.compile(r":[0-9]+:[0-9]+$")
"""A ``:LINE:COL`` after a file's name."""
_TOKEN = re.compile(r'"[^"\\\n]*"|[][{}:]|"')
"""What the placement file's marks are read from: a string without escapes, a bracket or brace, a
colon, or the quote that opens any other string (read on by ``_IN_STRING``, without a regular
expression's repeat stack, which grows with the escapes it matches)."""
_IN_STRING = re.compile(r'["\\\n]')


@dataclass(frozen=True)
class Request:
    """A profile to place: its name, the stack it names (if any), its size, and where it is written."""

    name: str
    stack: str | None
    bytes: int
    location: str


@dataclass(frozen=True)
class Placement:
    """What the placement file records: the profiles of each shard, and of each stack that profiles
    named (``stack:``), by instance-profile name, so that no profile moves and no stack leaves the app
    when it empties."""

    shards: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Every stack a profile has named, with the profiles naming it now; kept after its last profile
    goes. A file written before profiles were recorded here lists the names only (read as no profiles)."""

    def shard_of(self) -> dict[str, str]:
        """Each recorded profile's shard."""
        return {name: shard for shard, names in self.shards.items() for name in names}

    def named_stack_of(self) -> dict[str, str]:
        """Each recorded profile's named stack."""
        return {name: stack for stack, names in self.stacks.items() for name in names}

    def render(self) -> str:
        """The file's text: sorted, one name per line, so that a pull request shows each change.

        ``stacks`` is left out when there are none, so a catalogue of shards only keeps its file as it was.
        """
        shards = {shard: sorted(names) for shard, names in sorted(self.shards.items(), key=_shard_order)}
        content: dict[str, object] = {"version": PLACEMENT_VERSION, "shards": shards}
        if self.stacks:
            content["stacks"] = {stack: sorted(names) for stack, names in sorted(self.stacks.items())}
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
    A profile whose texts alone pass CloudFormation's 1 MB that way is not encoded: no stack takes it
    whatever the rest, and YAML aliases can give 2,000 profiles one description of a megabyte.
    """
    texts = [
        str(spec.instance_profile_name),
        str(spec.role_name),
        str(spec.path),
        str(spec.description),
        str(spec.permissions_boundary),
    ]
    bound = PROFILE_BASE_BYTES + 3 * sum(len(text) for text in texts)
    if bound > TEMPLATE_BYTES_LIMIT:
        return bound
    values = [
        *texts,
        [str(policy) for policy in spec.managed_policies],
        [str(preset) for preset in spec.presets],
        [dict(statement) for statement in spec.statements],
        {str(key): str(value) for key, value in spec.tags.items()},
    ]
    return PROFILE_BASE_BYTES + 3 * len(json.dumps(values, separators=(",", ":"), default=str))


def read_placement(text: str, where: str) -> tuple[Placement, list[Finding]]:
    """The placement file's content, or the findings that make it unusable (then nothing is recorded).

    ``where`` names the file (a ``:LINE:COL`` after the name is dropped): each finding is located at
    the entry it is about, else at the start of the file. The file is refused past the catalogue's
    bounds, ``MAX_BYTES`` characters and ``MAX_DEPTH`` levels of nesting, before JSON reads it, and
    every check is linear, so a hostile file costs time and memory in proportion to its size. At most
    ``MAX_FILE_FINDINGS`` problems are listed; one more finding says how many were left out.
    """
    path = _LOCATION.sub("", where)
    if len(text) > MAX_BYTES:
        rule = f"is larger than {MAX_BYTES:,} characters; a placement file is refused past that"
        return Placement(), [_file_finding(f"{path}:1:1", "file", path, rule)]
    problems = _Problems()
    try:
        marks = _Marks.scan(text)
        data = json.loads(text)
    except _TooDeepError as deep:
        rule = f"nests deeper than {MAX_DEPTH} levels; a placement file needs 3"
        problems.add(deep.offset, "file", path, rule)
        return Placement(), problems.located(path, text)
    except json.JSONDecodeError as error:
        where_error = f"{path}:{error.lineno}:{error.colno}"
        return Placement(), [_file_finding(where_error, "file", path, f"is not JSON: {error.msg}")]
    except ValueError as error:  # JSON that Python refuses: an integer of more than 4,300 digits
        return Placement(), [_file_finding(f"{path}:1:1", "file", path, f"is not JSON: {error}")]
    if not isinstance(data, dict) or data.get("version") != PLACEMENT_VERSION:
        rule = f"is not a placement file: a JSON object with 'version': {PLACEMENT_VERSION} and 'shards'"
        problems.add(marks.keys.get(("version",), 0), "version", _shown(data, "version"), rule)
        return Placement(), problems.located(path, text)
    for key, offset in marks.duplicates:
        rule = "is a key more than once; JSON keeps only the last, dropping what the others record: keep one"
        problems.add(offset, "file" if len(key) == 1 else key[0], key[-1], rule)
    shards = data.get("shards")
    if not isinstance(shards, dict):
        rule = "is not a mapping of shard names to lists of profile names"
        problems.add(marks.keys.get(("shards",), 0), "shards", shards, rule)
        return Placement(), problems.located(path, text)
    recorded_in: dict[str, str] = {}
    _check_recorded("shards", shards, marks, problems, recorded_in)
    stacks = data.get("stacks", {})
    named: dict[str, tuple[str, ...]] = {}
    if isinstance(stacks, list) and all(isinstance(name, str) for name in stacks):
        # Written before the file recorded a named stack's profiles: the names only.
        _check_stack_list(stacks, marks, problems)
        named = dict.fromkeys(stacks, ())
    elif isinstance(stacks, dict):
        _check_recorded("stacks", stacks, marks, problems, recorded_in)
        named = {stack: tuple(names) for stack, names in stacks.items() if isinstance(names, list)}
    else:
        rule = "is not a mapping of stack names to lists of profile names"
        problems.add(marks.keys.get(("stacks",), 0), "stacks", stacks, rule)
    if problems.found:
        return Placement(), problems.located(path, text)
    recorded = {shard: tuple(names) for shard, names in shards.items()}
    return Placement(recorded, named), []


def _check_recorded(
    section: str,
    entries: dict[str, object],
    marks: _Marks,
    problems: _Problems,
    recorded_in: dict[str, str],
) -> None:
    """The names of a section's stacks (``shards``: shard names; ``stacks``: stack names), and each
    profile recorded once in the whole file, ignoring case as IAM does (``recorded_in`` carries the
    profiles seen so far, lowered, to the stack that records them)."""
    for stack, names in entries.items():
        stack_at = marks.keys.get((section, stack), 0)
        if section == "shards":
            shard_rule = f"is not a shard name: {SHARD_PREFIX}, or {SHARD_PREFIX}-N for N from 2"
            name_rule = None if _SHARD_NAME.fullmatch(stack) else shard_rule
        else:
            name_rule = check_stack_name(stack)
        if name_rule:
            problems.add(stack_at, section, stack, name_rule)
        field_name = f"{section}[{show_value(stack)}]"
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            problems.add(stack_at, field_name, names, "is not a list of names")
            continue
        offsets: Sequence[int] = marks.items.get((section, stack), ())
        for position, name in enumerate(names):
            key = name.lower()
            earlier = recorded_in.get(key)
            if earlier is None:
                recorded_in[key] = stack
                continue
            stacks_named = (
                show_value(stack) if earlier == stack else f"{show_value(earlier)} and {show_value(stack)}"
            )
            rule = f"is recorded more than once (in {stacks_named}); keep one"
            problems.add(_at_item(offsets, position, stack_at), field_name, name, rule)


def _check_stack_list(stacks: list[str], marks: _Marks, problems: _Problems) -> None:
    """Stack names, each recorded once (the file's older form of ``stacks``: names without profiles)."""
    offsets: Sequence[int] = marks.items.get(("stacks",), ())
    listed: set[str] = set()
    for position, name in enumerate(stacks):
        rule = check_stack_name(name) or ("is recorded more than once; keep one" if name in listed else None)
        if rule:
            problems.add(_at_item(offsets, position, marks.keys.get(("stacks",), 0)), "stacks", name, rule)
        listed.add(name)


def place(
    requests: Sequence[Request],
    recorded: Placement,
    *,
    max_profiles: int = MAX_PROFILES_PER_STACK,
    max_bytes: int = TEMPLATE_BYTES_BUDGET,
    placement_file: str = "the placement file",
) -> Placed:
    """Each profile's stack: its own, its recorded shard, or a shard with room; never another.

    A recorded profile stays where it is recorded: naming another stack for it, or no stack for one a
    named stack holds, is a finding (EAP112), and the profile is not placed.

    A profile whose name is longer than IAM allows is not placed: the checker refuses the name
    already (EAP001), and placing it would only cost memory, a lowered copy of the name per profile
    (YAML aliases let 2,000 profiles share one name of a megabyte).
    """
    requests = [request for request in requests if len(request.name) <= INSTANCE_PROFILE_NAME_MAX]
    shard_of = {name.lower(): shard for name, shard in recorded.shard_of().items()}
    named_stack_of = {name.lower(): stack for name, stack in recorded.named_stack_of().items()}
    # A named stack's profiles as recorded, as a shard keeps them: a name changed only in case is the
    # same IAM name, and the file stays as it was.
    spelled = {name.lower(): name for name in recorded.named_stack_of()}
    present = {request.name.lower() for request in requests}
    shards: dict[str, list[str]] = {
        shard: [name for name in names if name.lower() in present] for shard, names in recorded.shards.items()
    }
    named: dict[str, list[str]] = {stack: [] for stack in recorded.stacks}
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

    def recorded_stack(request: Request) -> str | None:
        key = request.name.lower()
        return shard_of.get(key) or named_stack_of.get(key)

    recorded_first = sorted(requests, key=lambda r: recorded_stack(r) is None)
    new: list[Request] = []
    for request in recorded_first:
        shard = shard_of.get(request.name.lower())
        was = shard or named_stack_of.get(request.name.lower())
        if was is not None and request.stack != was and (request.stack is not None or shard is None):
            findings.append(_moved(request, was, shard is not None, placement_file))
            continue
        target = request.stack or shard
        if target is None:
            new.append(request)
        elif not take(request, target):
            findings.append(_full(request, target, max_profiles, max_bytes, recorded=request.stack is None))
        elif request.stack is not None and shard is None:  # named as its own shard: recorded there
            named.setdefault(request.stack, []).append(spelled.get(request.name.lower(), request.name))
    for request in sorted(new, key=lambda r: r.name.lower()):
        shard = next((name for name in sorted(shards, key=_number) if take(request, name)), None)
        if shard is None:
            shard = _shard_name(max((_number(name) for name in shards), default=0) + 1)
            if not take(request, shard):  # too large for any stack: no shard is opened for it
                findings.append(_full(request, shard, max_profiles, max_bytes, recorded=False))
                continue
            shards[shard] = []
        shards[shard].append(request.name)
    for request in requests:  # a stack is recorded from its first naming, even when it has no room
        if request.stack is not None:
            named.setdefault(request.stack, [])
    placement = Placement(
        {shard: tuple(sorted(names)) for shard, names in shards.items()},
        {stack: tuple(sorted(names)) for stack, names in named.items()},
    )
    return Placed(stacks, placement, findings)


def _moved(request: Request, was: str, on_shard: bool, placement_file: str) -> Finding:
    """EAP112: the profile would leave the stack the placement file records it in."""
    where = f"{'shard' if on_shard else 'stack'} {was!r}, where {placement_file} records it"
    if request.stack is None:
        move = f"would move the profile off {where}, to a shard"
        way_back = f"name the stack again (stack: {was})"
    else:
        move = f"would move the profile off {where}"
        way_back = "remove 'stack:'" if on_shard else f"name {was!r} again"
    rule = (
        f"{move}: a move replaces the instance profile under every running instance; {way_back}, or, to "
        "move it on purpose, delete its entry from the placement file"
    )
    value = request.stack if request.stack is not None else "(missing)"
    return Finding("EAP112", "stack", value, rule, ("stack",), request.name, request.location)


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


class _TooDeepError(Exception):
    """The file nests deeper than ``MAX_DEPTH``; ``offset`` is where the level too many opens."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


@dataclass
class _Open:
    """A JSON object or array being scanned whose entries are marked: its path, last string and key."""

    kind: str
    path: tuple[str, ...]
    string: str = ""
    string_at: int = 0
    key: str = ""


_DEEPER = _Open("", ())
"""What the scan holds for a collection below the marked levels: it only counts toward the depth."""


@dataclass
class _Marks:
    """Where the entries of a placement file are written, as offsets in its text.

    ``keys``: the keys of the top-level object and of the objects it holds (``("shards",)``,
    ``("shards", "Ec2AccessProfiles")``); ``items``: the offsets of the strings (and collections) in
    the arrays under those keys, in order (``("stacks",)``, ``("shards", "Ec2AccessProfiles")``);
    ``duplicates``: the keys written again in the same object, each where it is written again.
    One pass over the text's strings and brackets, no recursion, at most ``MAX_DEPTH`` levels.
    """

    keys: dict[tuple[str, ...], int] = field(default_factory=dict)
    items: dict[tuple[str, ...], array[int]] = field(default_factory=dict)
    duplicates: list[tuple[tuple[str, ...], int]] = field(default_factory=list)

    @classmethod
    def scan(cls, text: str) -> _Marks:
        """The marks of ``text``; ``_TooDeepError`` at the first level past ``MAX_DEPTH``.

        It stops at the first string that does not end on its line: the text is not JSON there, and
        ``json`` says so.
        """
        marks = cls()
        stack: list[_Open] = []
        for kind, offset in _tokens(text):
            parent = stack[-1] if stack else None
            if kind in ("[", "{"):
                if len(stack) >= MAX_DEPTH:
                    raise _TooDeepError(offset)
                path = marks._value(parent, offset)
                if path is None:
                    stack.append(_DEEPER)
                    continue
                if kind == "[":
                    marks.items[path] = array("q")  # a key written twice keeps its last list, as json does
                stack.append(_Open(kind, path))
            elif kind in ("]", "}"):
                if not stack:
                    break
                stack.pop()
            elif parent is None or parent is _DEEPER:
                continue
            elif kind == ":":
                marks._key(parent)
            elif parent.kind == "{":  # a key, or a value that the next key replaces
                parent.string, parent.string_at = kind, offset
            else:
                marks._value(parent, offset)
        return marks

    def _value(self, parent: _Open | None, offset: int) -> tuple[str, ...] | None:
        """Note a value written at ``offset``; return its path when its own entries are marked."""
        if parent is None:
            return ()
        if parent is _DEEPER:
            return None
        if parent.kind == "[":
            self.items[parent.path].append(offset)
            return None
        return (*parent.path, parent.key) if len(parent.path) < 2 else None

    def _key(self, parent: _Open) -> None:
        parent.key = _decoded(parent.string)
        if len(parent.path) >= 2:
            return
        path = (*parent.path, parent.key)
        if path in self.keys:
            self.duplicates.append((path, parent.string_at))
        self.keys[path] = parent.string_at


def _tokens(text: str) -> Iterator[tuple[str, int]]:
    """The strings, brackets, braces and colons of ``text``, each with its offset, up to a string
    that does not end on its line."""
    at = 0
    while at >= 0:
        start, at = at, -1
        for token in _TOKEN.finditer(text, start):
            kind = token.group()
            if kind == '"':  # a string with escapes, or one never closed: read on from its end
                at = _string_end(text, token.end())
                if at >= 0:
                    yield text[token.start() : at], token.start()
                break
            yield kind, token.start()


def _string_end(text: str, at: int) -> int:
    """Where the string whose content starts at ``at`` ends (after its quote), or -1 if not on its line."""
    while (special := _IN_STRING.search(text, at)) is not None:
        if special.group() == "\n":
            return -1
        if special.group() == '"':
            return special.end()
        at = special.end() + 1  # a backslash: the next character is escaped
    return -1


def _decoded(token: str) -> str:
    """A JSON string token's text (as written when it is not valid: ``json`` reports that)."""
    if "\\" not in token:
        return token[1:-1]
    try:
        text = json.loads(token)
    except ValueError:
        return token[1:-1]
    return str(text)


class _Problems:
    """The problems of a placement file, each at an offset in its text, at most ``MAX_FILE_FINDINGS``."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, object, str]] = []
        self.left_out = 0

    def add(self, offset: int, field_name: str, value: object, rule: str) -> None:
        if len(self.found) < MAX_FILE_FINDINGS:
            self.found.append((offset, field_name, value, rule))
        else:
            self.left_out += 1

    def located(self, path: str, text: str) -> list[Finding]:
        """The problems as findings at ``FILE:LINE:COL``, in one pass over the text."""
        positions = _line_columns(text, {offset for offset, *_ in self.found})
        findings = [
            _file_finding(f"{path}:{positions[offset]}", field_name, value, rule)
            for offset, field_name, value, rule in self.found
        ]
        if self.left_out:
            rule = (
                f"has {self.left_out:,} more problems, not listed; restore it from version control, or "
                "delete it and run `ec2-access-profiles place`"
            )
            findings.append(_file_finding(f"{path}:1:1", "file", path, rule))
        return findings


def _line_columns(text: str, offsets: set[int]) -> dict[int, str]:
    """``LINE:COL`` (1-based, in characters, as ``json`` counts them) of each offset, in one pass."""
    positions = {}
    line, line_start, counted = 1, 0, 0
    for offset in sorted(offsets):
        newlines = text.count("\n", counted, offset)
        if newlines:
            line += newlines
            line_start = text.rindex("\n", counted, offset) + 1
        counted = offset
        positions[offset] = f"{line}:{offset - line_start + 1}"
    return positions


def _at_item(offsets: Sequence[int], position: int, default: int) -> int:
    """Where item ``position`` of an array is written; ``default`` (its key) when it was not marked."""
    return offsets[position] if position < len(offsets) else default


def _shown(data: object, key: str) -> object:
    return data.get(key) if isinstance(data, dict) else type(data).__name__


def _shard_name(number: int) -> str:
    return SHARD_PREFIX if number == 1 else f"{SHARD_PREFIX}-{number}"


def _number(shard: str) -> int:
    match = _SHARD_NAME.fullmatch(shard)
    if match is None:
        return 0
    return int(match.group(1) or 1)


def _shard_order(item: tuple[str, object]) -> int:
    return _number(item[0])
