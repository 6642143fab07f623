"""The catalogue: a YAML file of profiles, read into ``ProfileSpec``s and checked, with line numbers.

``load_catalog("catalog.yaml")`` reads the file (``marked_yaml``: bounded, safe), checks its shape
against the key tables of ``catalog_schema``, turns each entry into a ``ProfileSpec``, runs the same
checker the construct runs, and reports every finding at once, each at the line and column of the
value it is about::

    catalog.yaml:12:11: EAP003 profile 'web-server' path: 'ec2' is not an IAM path: ...

Pure Python over PyYAML: checking a catalogue starts no Node.js. The app builds stacks from a
catalogue without findings (``constructs_lib.cdk.catalog_stacks``); ``python -m constructs_lib
check`` prints them.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from constructs_lib.catalog.deployments import (
    ACCOUNT_REMOVAL_CHOICES,
    Deployment,
    chosen,
    combined_tag_findings,
    deployment_findings,
    shared_target_findings,
    stack_set_findings,
)
from constructs_lib.catalog.marked_yaml import Mark, Node, YamlError, load, read_bounded
from constructs_lib.catalog.placement import (
    SHARD_PREFIX,
    Placement,
    Request,
    estimated_bytes,
    place,
    placement_path,
    read_placement,
)
from constructs_lib.catalog.schema import (
    ACKNOWLEDGED_KINDS,
    ACKNOWLEDGMENT_KEYS,
    DEFAULTS_KEYS,
    DEPLOYMENT_KEYS,
    EXEMPTION_KEYS,
    GUARD_KEYS,
    PROFILE_KEYS,
    STATEMENT_KEYS,
    TOP_KEYS,
    Key,
)
from constructs_lib.core import validation
from constructs_lib.core.checker import AppSettings, check_profile
from constructs_lib.core.credential_guard import CredentialGuard, Exemption
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import BroadAccess
from constructs_lib.core.spec import Pointer, ProfileSpec

DEFAULT_STACK = SHARD_PREFIX
"""The first shard: where the first profiles that name no stack (nor ``defaults``) go."""

_PYTHON_ACKNOWLEDGMENT = re.compile(
    r"BroadAccess\.(action|resource|managed_policy|unknown_action)\(('[^']*'), "
    r"reason='why it is needed'\) in acknowledge"
)
"""The way out the checker words for Python (``BroadAccess.action('s3:*', ...)``), said in YAML."""

_FIELD_NAMES = {
    "instance_profile_name": "name",
    "role_name (defaulted from instance_profile_name)": "role_name (defaulted from name)",
    "max_session_duration": "max_session_duration_hours",
}
"""The checker names fields as the construct's props; a catalogue names a few differently."""

_SPEC_FIELDS = {"name": "instance_profile_name", "max_session_duration_hours": "max_session_seconds"}
"""Catalogue keys whose value lands in a differently named spec field."""


class CatalogReadError(Exception):
    """The catalogue file could not be read at all (missing, unreadable): nothing was checked."""


@dataclass(frozen=True)
class CatalogProfile:
    """One profile of a catalogue: its spec, where it goes in the app, and where it is in the file."""

    spec: ProfileSpec
    id: str
    """Construct ID of the profile: fixes its logical IDs, so it never changes."""
    stack: str
    """Name of the stack that holds it: the one it names, else its shard (``placement``)."""
    location: str
    """``FILE:LINE:COL`` of the entry."""
    index: int = 0
    """Position in the catalogue's ``profiles`` list."""
    locations: Mapping[Pointer, str] = field(default_factory=dict, repr=False, compare=False)
    """``FILE:LINE:COL`` of each value, by its place in the spec."""
    deployments: tuple[str, ...] | None = None
    """The deployments it names; ``None``: every one."""

    @property
    def name(self) -> str:
        """How findings name the profile: its name, else its place in the list (``#3``)."""
        name = self.spec.instance_profile_name
        return name if isinstance(name, str) else f"#{self.index + 1}"

    def location_of(self, pointer: Pointer) -> str:
        """Where the value at ``pointer`` (or the nearest enclosing one) is written."""
        while pointer:
            if pointer in self.locations:
                return self.locations[pointer]
            pointer = pointer[:-1]
        return self.location


@dataclass(frozen=True)
class Catalog:
    """A catalogue as read: its profiles and every problem found, loading and checking together."""

    path: str
    profiles: tuple[CatalogProfile, ...]
    findings: tuple[Finding, ...]
    placement: Placement = field(default_factory=Placement)
    """The shards and their profiles, as the placement file should record them now."""
    recorded: Placement = field(default_factory=Placement)
    """What the placement file records (nothing when there is none)."""
    placement_file: str = ""
    """Where the placement file is, beside the catalogue."""
    deployments: tuple[Deployment, ...] = ()
    """Where the profiles deploy; none: environment-agnostic stacks."""
    unlisted: tuple[int, int] = (0, 0)
    """Errors and warnings past the ``MAX_LISTED_FINDINGS`` listed, counted by the last finding
    (``EAP105``) in place of themselves."""

    @property
    def placement_changed(self) -> bool:
        """Whether the placement file must be written: new profiles placed, removed ones gone, or a
        stack named for the first time."""
        return self.placement.render() != self.recorded.render() and not (
            self.placement.empty and self.recorded.empty
        )

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == "error")


def load_catalog(path: str | Path, *, settings: AppSettings | None = None) -> Catalog:
    """Read and check the catalogue at ``path``; raise ``CatalogReadError`` only if it cannot be read.

    ``settings`` are the app's context settings (required tags, the managed-policy quota), so the
    catalogue is held to what ``cdk synth`` will hold its profiles to.
    """
    shown = str(path)
    settings = settings or AppSettings()
    try:
        data = read_bounded(Path(path))
        root = load(data)
    except OSError as error:
        raise CatalogReadError(f"{shown}: cannot read the catalogue: {error.strerror or error}") from error
    except YamlError as refused:
        return Catalog(
            shown,
            (),
            tuple(
                Finding(problem.rule_id, "file", shown, problem.message, location=_at(shown, problem.mark))
                for problem in refused.problems
            ),
        )
    reader = _Reader(shown)
    profiles = reader.read(root)
    findings = list(reader.findings)
    for profile in profiles:
        own = _settings_of(profile, settings, reader.deployments)
        for finding in check_profile(
            profile.spec, settings=own, profile=profile.name, tags_complete=True, linters=True
        ):
            findings.append(_in_file(finding, profile, reader.written))
        for deployment in chosen(reader.deployments, profile.deployments):
            for finding in combined_tag_findings(deployment, profile.spec.tags):
                findings.append(_in_file(replace(finding, profile=profile.name), profile, reader.written))
    recorded_file = placement_path(path)
    recorded, placement_findings = _recorded(recorded_file)
    placed = place(
        [
            Request(
                profile.name,
                profile.stack or None,
                estimated_bytes(profile.spec),
                profile.location_of(("stack",)),
            )
            for profile in profiles
        ],
        recorded,
        placement_file=str(recorded_file),
    )
    profiles = [
        replace(profile, stack=placed.stacks.get(profile.name, profile.stack or DEFAULT_STACK))
        for profile in profiles
    ]
    findings += placement_findings + placed.findings
    findings += _clashes(profiles)
    findings += deployment_findings(reader.deployments) + _unknown_deployments(profiles, reader.deployments)
    findings += shared_target_findings(reader.deployments, [profile.deployments for profile in profiles])
    findings += stack_set_findings(
        reader.deployments, _stacks_of(profiles, reader.deployments, placed.placement, recorded_file)
    )
    listed, unlisted = _listed(shown, sorted(findings, key=file_order))
    return Catalog(
        shown,
        tuple(profiles),
        listed,
        placement=placed.placement,
        recorded=recorded,
        placement_file=str(recorded_file),
        deployments=tuple(reader.deployments),
        unlisted=unlisted,
    )


def _settings_of(
    profile: CatalogProfile, settings: AppSettings, deployments: Sequence[Deployment]
) -> AppSettings:
    """``settings`` for ``profile``, less the required tags every one of its deployments gives.

    Synth tags each deployment's Stage (or the StackSet's member app) with its ``tags:``, so the
    profile's role carries them when the guardrails check the required tags: ``check`` takes them as
    given too, and asks the profile only for the rest (EAP014).
    """
    required = settings.required_tags
    targets = chosen(deployments, profile.deployments)
    if not targets or not isinstance(required, list) or not all(isinstance(key, str) for key in required):
        return settings
    given = set.intersection(*(set(deployment.tags) for deployment in targets))
    if not given:
        return settings
    return replace(settings, required_tags=[key for key in required if key not in given])


def _stacks_of(
    profiles: Sequence[CatalogProfile],
    deployments: Sequence[Deployment],
    placement: Placement,
    placement_file: Path,
) -> dict[str, list[tuple[str, str]]]:
    """Each deployment's stacks in the order ``catalog_stacks`` builds them, each with where it is
    named: at the first of the deployment's profiles in it, else in the placement file."""
    found = {}
    for deployment in deployments:
        named: dict[str, str] = {}
        for profile in profiles:
            if deployment in chosen(deployments, profile.deployments):
                named.setdefault(profile.stack, profile.location_of(("stack",)))
        for stack in (*placement.stacks, *placement.shards):
            named.setdefault(stack, f"{placement_file}:1:1")
        found[deployment.name] = list(named.items())
    return found


def _unknown_deployments(
    profiles: Sequence[CatalogProfile], deployments: Sequence[Deployment]
) -> list[Finding]:
    known = {deployment.name.lower() for deployment in deployments}
    listed = ", ".join(deployment.name for deployment in deployments) or "none"
    findings = []
    for profile in profiles:
        for position, name in enumerate(profile.deployments or ()):
            if name.lower() not in known:
                rule = f"is not a deployment of this catalogue; known: {listed}"
                pointer = ("deployments", position)
                findings.append(
                    Finding(
                        "EAP117",
                        "deployments",
                        name,
                        rule,
                        pointer,
                        profile.name,
                        profile.location_of(pointer),
                    )
                )
    return findings


def _seconds(hours: Any) -> Any:
    """Hours as seconds, exactly: ``1.1`` is 3960 seconds, where the float product is 3960.0000000000005.

    A float is read as the decimal it was written as (its shortest form, ``repr``); seconds that come
    out whole are an ``int``, the rest stay a float, which the checker refuses (EAP005). Anything that
    is not a float (an ``int``, or a value the schema refuses) is multiplied as written.
    """
    if isinstance(hours, float) and math.isfinite(hours):
        exact = Decimal(repr(hours)) * 3600
        if exact == exact.to_integral_value():
            return int(exact)
    return hours * 3600


def write_placement(catalog: Catalog) -> None:
    """Record the catalogue's placement in its placement file (only written when it changed)."""
    if catalog.placement_changed:
        # A new file beside it, then renamed over it: an interrupted write never leaves the record
        # that keeps profiles on their shards half written.
        target = Path(catalog.placement_file)
        written = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            written.write_text(catalog.placement.render())
            os.replace(written, target)
        finally:
            with suppress(OSError):  # the write's own error, if any, is the one to report
                written.unlink(missing_ok=True)


def unrecorded_findings(catalog: Catalog) -> tuple[Finding, ...]:
    """Why a placement file is out of date: each profile it does not record yet where it is placed
    (a new profile, a stack named for the first time, or a file that lists its named stacks without
    their profiles), or one line if stale."""
    recorded = {
        (name.lower(), stack)
        for placement in (catalog.recorded.shard_of(), catalog.recorded.named_stack_of())
        for name, stack in placement.items()
    }
    placed = {**catalog.placement.shard_of(), **catalog.placement.named_stack_of()}
    rule = (
        f"is not recorded in {catalog.placement_file}; run `ec2-access-profiles place "
        f"{catalog.path}` and commit the placement file (a synth with ec2-access-profile:lockPlacement "
        "set refuses it until then)"
    )
    findings = tuple(
        Finding("EAP113", "stack", stack, rule, ("stack",), profile.name, profile.location_of(("stack",)))
        for profile in catalog.profiles
        if (stack := placed.get(profile.name)) is not None and (profile.name.lower(), stack) not in recorded
    )
    stale = f"records profiles the catalogue no longer has; run `ec2-access-profiles place {catalog.path}`"
    return findings or (
        Finding("EAP113", "file", catalog.placement_file, stale, location=catalog.placement_file),
    )


def _recorded(path: Path) -> tuple[Placement, list[Finding]]:
    """What the placement file records; nothing when it does not exist yet."""
    try:
        text = read_bounded(path).decode("utf-8")
    except FileNotFoundError:
        return Placement(), []
    except (OSError, UnicodeDecodeError, YamlError) as error:
        rule = f"cannot be read: {error}"
        return Placement(), [Finding("EAP110", "file", str(path), rule, location=f"{path}:1:1")]
    return read_placement(text, f"{path}:1:1")


class _Reader:
    """Turns marked YAML nodes into catalogue profiles, noting every shape problem on the way."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.written: dict[tuple[int, Pointer], object] = {}
        """Values as the file writes them where the spec holds another form (hours, not seconds)."""
        self.kept: dict[int, list[Node]] = {}
        """The items read from each list of mappings (by the list node's ``id``): the spec's positions."""
        self.deployments: list[Deployment] = []

    def read(self, root: Node | None) -> list[CatalogProfile]:
        if root is None or root.kind != "map":
            where = root.mark if root is not None else Mark(1, 1)
            self._problem("EAP102", "", "file", "(empty)" if root is None else _kind(root), _TOP_RULE, where)
            return []
        top = self._mapping(root, TOP_KEYS, "")
        if "deployments" in top:
            self.deployments = self._deployments(top["deployments"])
        defaults: dict[str, tuple[Any, Node]] = {}
        if "defaults" in top:
            defaults = self._values(top["defaults"], DEFAULTS_KEYS, "", "defaults")
        entries = top.get("profiles")
        if entries is None:
            return []
        if entries.kind != "seq":
            self._problem("EAP102", "", "profiles", _kind(entries), "is not a list of profiles", entries.mark)
            return []
        return [
            profile
            for index, entry in enumerate(entries.value)
            if (profile := self._profile(index, entry, defaults)) is not None
        ]

    def _deployments(self, node: Node) -> list[Deployment]:
        if node.kind != "seq":
            self._wrong(node, "", "deployments", "a list of deployments")
            return []
        deployments = []
        for index, item in enumerate(node.value):
            values = self._values(item, DEPLOYMENT_KEYS, "", f"deployments[{index}]")
            written = {key.value for key, _ in item.value} if item.kind == "map" else set()
            known = {key.name for key in DEPLOYMENT_KEYS}
            if (
                item.kind != "map"
                or "name" not in values
                or "region" not in values
                or (written & known) - set(values)
            ):
                continue  # reported already: checking the rest would only repeat it
            removal = values.get("account_removal", ("retain", item))
            if removal[0] not in ACCOUNT_REMOVAL_CHOICES:
                rule = f"is not one of {', '.join(ACCOUNT_REMOVAL_CHOICES)}"
                self._problem("EAP115", "", "deployments.account_removal", removal[0], rule, removal[1].mark)
                continue
            deployments.append(
                Deployment(
                    name=values["name"][0],
                    region=values["region"][0],
                    accounts=values.get("accounts", ((), item))[0],
                    organizational_units=values.get("organizational_units", ((), item))[0],
                    tags=values.get("tags", ({}, item))[0],
                    account_removal=removal[0],
                    location=self._where(item.mark),
                    locations={key: self._where(value.mark) for key, (_, value) in values.items()},
                    item_locations=self._deployment_items(values),
                )
            )
        return deployments

    def _deployment_items(self, values: Mapping[str, tuple[Any, Node]]) -> dict[Pointer, str]:
        """Where each account, OU and tag key of a deployment is written."""
        items: dict[Pointer, str] = {}
        if "accounts" in values:
            for position, node in enumerate(values["accounts"][1].value):
                items[("accounts", position)] = self._where(node.mark)
        if "organizational_units" in values:
            for position, node in enumerate(values["organizational_units"][1].value):
                items[("organizational_units", position)] = self._where(node.mark)
        if "tags" in values:
            for key_node, _ in values["tags"][1].value:
                items[("tags", key_node.value)] = self._where(key_node.mark)
        return items

    # -- one profile --------------------------------------------------------------------------------

    def _profile(
        self, index: int, entry: Node, defaults: Mapping[str, tuple[Any, Node]]
    ) -> CatalogProfile | None:
        if entry.kind != "map":
            self._problem(
                "EAP102", "", f"profiles[{index}]", _kind(entry), "is not a profile mapping", entry.mark
            )
            return None
        name_node = next((v for k, v in entry.value if k.value == "name"), None)
        label = (
            name_node.value if name_node is not None and isinstance(name_node.value, str) else f"#{index + 1}"
        )
        own = self._values(entry, PROFILE_KEYS, label, "")
        values = {**defaults, **own}
        if "tags" in defaults and "tags" in own:
            values["tags"] = ({**defaults["tags"][0], **own["tags"][0]}, own["tags"][1])
        locations: dict[Pointer, str] = {}
        spec_values: dict[str, Any] = {}
        for key, (value, node) in values.items():
            target = _SPEC_FIELDS.get(key, key)
            locations[(target,)] = self._where(node.mark)
            spec_values[target] = value
            self._locate_items(target, value, node, locations, defaults.get(key))
        if "max_session_duration_hours" in values:
            hours = values["max_session_duration_hours"][0]
            self.written[(index, ("max_session_seconds",))] = hours
            spec_values["max_session_seconds"] = _seconds(hours)
        placement = {key: spec_values.pop(key, None) for key in ("id", "stack", "deployments")}
        spec = ProfileSpec(
            **{key: _frozen(value) for key, value in spec_values.items()},
        )
        stack = placement["stack"] or ""
        stack_problem = validation.check_stack_name(stack) if stack else None
        if stack_problem:
            self._problem("EAP108", label, "stack", stack, stack_problem, values["stack"][1].mark)
        construct_id = placement["id"] or label
        return CatalogProfile(
            spec=spec,
            id=construct_id,
            stack=stack,
            location=self._where(entry.mark),
            index=index,
            locations=locations,
            deployments=placement["deployments"],
        )

    def _locate_items(
        self,
        target: str,
        value: Any,
        node: Node,
        locations: dict[Pointer, str],
        default: tuple[Any, Node] | None,
    ) -> None:
        """Note where each item of a list or mapping value is, for findings about one item."""
        nodes = [node] if default is None or default[1] is node else [default[1], node]
        for source in nodes:
            if source.kind == "seq":
                for position, item in enumerate(self.kept.get(id(source), source.value)):
                    locations[(target, position)] = self._where(item.mark)
            elif source.kind == "map":
                for key, item in source.value:
                    locations[(target, key.value)] = self._where(key.mark)
                    if item.kind == "seq":  # credential_guard.exempt: each exemption
                        for position, element in enumerate(item.value):
                            locations[(target, key.value, position)] = self._where(element.mark)

    # -- shapes -------------------------------------------------------------------------------------

    def _mapping(self, node: Node, keys: Sequence[Key], profile: str, prefix: str = "") -> dict[str, Node]:
        """The known keys of a mapping node; unknown, duplicate and missing keys are findings."""
        known = {key.name for key in keys}
        found: dict[str, Node] = {}
        duplicates = _duplicates(node)
        empty: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            field_name = f"{prefix}{key}"
            if not isinstance(key, str) or key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                rule = f"is not a key here; {hint}known keys: {', '.join(k.name for k in keys)}"
                self._problem("EAP101", profile, field_name, key, rule, key_node.mark)
                continue
            if id(key_node) in duplicates:
                self._problem("EAP106", profile, field_name, key, _DUPLICATE, key_node.mark)
                continue
            if value_node.kind == "scalar" and value_node.value is None:
                empty.setdefault(key, key_node)  # `key:` with nothing after it: as if not given
                continue
            found[key] = value_node
        for key in keys:
            if key.required and key.name not in found:
                given = empty.get(key.name)
                value, where = ("(empty)", given.mark) if given else ("(missing)", node.mark)
                rule = f"is required here; give {key.name}: {_lowered(key.description)}"
                self._problem("EAP103", profile, f"{prefix}{key.name}", value, rule, where)
        return found

    def _values(
        self, node: Node, keys: Sequence[Key], profile: str, prefix: str
    ) -> dict[str, tuple[Any, Node]]:
        """The values of a mapping of ``keys`` in plain Python, each with its node."""
        if node.kind != "map":
            self._problem("EAP102", profile, prefix or "profile", _kind(node), "is not a mapping", node.mark)
            return {}
        by_name = {key.name: key for key in keys}
        dotted = f"{prefix}." if prefix else ""
        values = {}
        for name, value_node in self._mapping(node, keys, profile, dotted).items():
            value = self._value(by_name[name], value_node, profile, f"{dotted}{name}")
            if value is not _INVALID:
                values[name] = (value, value_node)
        return values

    def _value(self, key: Key, node: Node, profile: str, field_name: str) -> Any:
        kind = key.kind
        if kind in ("string", "integer", "number"):
            return self._scalar(kind, node, profile, field_name)
        if kind == "strings":
            if node.kind != "seq":
                return self._wrong(node, profile, field_name, "a list of strings, e.g. [a, b]")
            items = [
                self._scalar("string", item, profile, f"{field_name}[{i}]")
                for i, item in enumerate(node.value)
            ]
            return _INVALID if _INVALID in items else tuple(items)
        if kind == "string-map":
            if node.kind != "map":
                return self._wrong(node, profile, field_name, "a mapping of strings, e.g. {Team: web}")
            pairs = {}
            duplicates = _duplicates(node)
            for key_node, value_node in node.value:
                name = self._scalar("string", key_node, profile, f"{field_name} key")
                value = self._scalar("string", value_node, profile, f"{field_name}[{key_node.text!r}]")
                if id(key_node) in duplicates:
                    self._problem("EAP106", profile, f"{field_name} key", name, _DUPLICATE, key_node.mark)
                elif name is not _INVALID and value is not _INVALID:
                    pairs[name] = value
            return pairs
        if kind == "conditions":
            return self._conditions(node, profile, field_name)
        if kind == "credential-guard":
            return self._guard(node, profile, field_name)
        if kind == "boolean":
            is_bool = node.kind == "scalar" and isinstance(node.value, bool)
            return node.value if is_bool else self._wrong(node, profile, field_name, "true or false")
        if kind == "exemptions":  # read item by item by ``_guard``, which has the node
            return node.value if node.kind == "seq" else self._wrong(node, profile, field_name, "a list")
        if kind == "statements":
            return self._list_of(node, profile, field_name, self._statement)
        return self._list_of(node, profile, field_name, self._acknowledgment)

    def _list_of(self, node: Node, profile: str, field_name: str, read: Any) -> Any:
        if node.kind != "seq":
            return self._wrong(node, profile, field_name, "a list of mappings")
        items = [
            (item, read(item, profile, f"{field_name}[{index}]")) for index, item in enumerate(node.value)
        ]
        kept = [(item, value) for item, value in items if value is not _INVALID]
        self.kept[id(node)] = [item for item, _ in kept]
        return tuple(value for _, value in kept)

    def _statement(self, node: Node, profile: str, field_name: str) -> Any:
        values = self._values(node, STATEMENT_KEYS, profile, field_name)
        if node.kind != "map":
            return _INVALID
        statement: dict[str, Any] = {"Effect": "Allow"}
        for key, json_key in _STATEMENT_JSON.items():
            if key in values:
                value = values[key][0]
                statement[json_key] = list(value) if isinstance(value, tuple) else value
        return statement

    def _guard(self, node: Node, profile: str, field_name: str) -> Any:
        """``true``, ``false`` or ``{imdsv2_only: ..., exempt: [{action: ..., reason: ...}]}``."""
        if node.kind == "scalar" and isinstance(node.value, bool):
            return CredentialGuard() if node.value else None
        if node.kind != "map":
            return self._wrong(
                node, profile, field_name, "true, false, or {imdsv2_only: true, exempt: [...]}"
            )
        values = self._values(node, GUARD_KEYS, profile, field_name)
        imdsv2_only = values.get("imdsv2_only", (False, node))[0]
        exempt: list[Exemption] = []
        if "exempt" in values:
            for index, item in enumerate(values["exempt"][1].value):
                where = f"{field_name}.exempt[{index}]"
                entry = self._values(item, EXEMPTION_KEYS, profile, where)
                if "action" in entry and "reason" in entry:
                    exempt.append(Exemption(entry["action"][0], entry["reason"][0]))
        return CredentialGuard(imdsv2_only=imdsv2_only, exempt=tuple(exempt))

    def _acknowledgment(self, node: Node, profile: str, field_name: str) -> Any:
        values = self._values(node, ACKNOWLEDGMENT_KEYS, profile, field_name)
        if node.kind != "map":
            return _INVALID
        kinds = [kind for kind in ACKNOWLEDGED_KINDS if kind in values]
        if len(kinds) != 1:
            rule = (
                f"gives {' and '.join(kinds) or 'none'} of {', '.join(ACKNOWLEDGED_KINDS)}; give exactly one"
            )
            self._problem("EAP103" if not kinds else "EAP102", profile, field_name, None, rule, node.mark)
            return _INVALID
        if "reason" not in values:
            return _INVALID
        (kind,) = kinds
        return BroadAccess(kind, values[kind][0], values["reason"][0])  # type: ignore[arg-type]

    def _conditions(self, node: Node, profile: str, field_name: str) -> Any:
        """``{operator: {key: value or [values]}}``, each value exactly as written (see ``_written``)."""
        shape = (
            "a mapping of operators to mappings of keys to values, "
            "e.g. {StringEquals: {aws:RequestedRegion: eu-west-1}}"
        )
        if node.kind != "map":
            return self._wrong(node, profile, field_name, shape)
        conditions: dict[str, dict[str, Any]] = {}
        operators = _duplicates(node)
        for operator, keys in node.value:
            where = f"{field_name}.{operator.text}"
            if id(operator) in operators:
                self._problem("EAP106", profile, where, operator.value, _DUPLICATE, operator.mark)
                continue
            if self._scalar("string", operator, profile, f"{field_name} operator") is _INVALID:
                continue
            if keys.kind != "map":
                self._wrong(keys, profile, where, shape)
                continue
            values: dict[str, Any] = {}
            duplicates = _duplicates(keys)
            for key, value in keys.value:
                if id(key) in duplicates:
                    self._problem("EAP106", profile, f"{where} key", key.value, _DUPLICATE, key.mark)
                    continue
                if self._scalar("string", key, profile, f"{where} key") is _INVALID:
                    continue
                if value.kind == "seq":
                    items = [
                        self._written(item, profile, f"{where}.{key.text}[{index}]")
                        for index, item in enumerate(value.value)
                    ]
                    if _INVALID not in items:
                        values[key.value] = items
                else:
                    item = self._written(value, profile, f"{where}.{key.text}")
                    if item is not _INVALID:
                        values[key.value] = item
            conditions[operator.value] = values
        return conditions

    def _written(self, node: Node, profile: str, field_name: str) -> Any:
        """A condition value as written: a string, or a number or boolean that JSON writes the same.

        YAML reads ``012345`` as 5349, ``0x1F`` as 31, ``1_000`` as 1000, ``no`` as false and ``.inf``
        as infinity, which IAM would then compare with something the file never said: quote it.
        """
        if node.kind != "scalar" or node.value is None:  # a mapping would reach the policy as YAML nodes
            return self._wrong(node, profile, field_name, _CONDITION_VALUE)
        value = node.value
        if isinstance(value, str) or json.dumps(value) == node.text:
            return value
        as_read = json.dumps(value).replace("Infinity", "infinity").replace("NaN", "not a number")
        expected = f"the value as written, but YAML reads {node.text} as {as_read}; quote it: '{node.text}'"
        return self._wrong(node, profile, field_name, expected)

    def _scalar(self, kind: str, node: Node, profile: str, field_name: str) -> Any:
        value = node.value if node.kind == "scalar" else node
        expected = _SCALAR_TYPES[kind]
        if (
            node.kind == "scalar"
            and isinstance(value, expected[0])
            and not (kind != "string" and isinstance(value, bool))
        ):
            return value
        if node.kind == "scalar" and kind == "string" and value is not None:
            return self._wrong(node, profile, field_name, f"a string; quote it: '{node.text}'")
        return self._wrong(node, profile, field_name, expected[1])

    def _wrong(self, node: Node, profile: str, field_name: str, expected: str) -> Any:
        self._problem(
            "EAP102", profile, field_name, _shown(node), f"is {_kind(node)}; expected {expected}", node.mark
        )
        return _INVALID

    # -- findings -----------------------------------------------------------------------------------

    def _problem(
        self, rule_id: str, profile: str, field_name: str, value: object, rule: str, mark: Mark
    ) -> None:
        self.findings.append(
            Finding(rule_id, field_name, value, rule, profile=profile, location=self._where(mark))
        )

    def _where(self, mark: Mark | None) -> str:
        return _at(self.path, mark)


def _in_file(
    finding: Finding, profile: CatalogProfile, written: Mapping[tuple[int, Pointer], object]
) -> Finding:
    """A checker finding as the catalogue writes it: its keys' names, its values' forms, its line."""
    value = written.get((profile.index, finding.pointer), finding.value)
    return replace(
        finding,
        field=_FIELD_NAMES.get(finding.field, finding.field),
        value=value,
        rule=_PYTHON_ACKNOWLEDGMENT.sub(r"{\1: \2, reason: ...} under acknowledge", finding.rule),
        location=profile.location_of(finding.pointer),
    )


RESERVED_IDS = {"InstanceProfileTagsProvider": "the tag function, cdk.instance_profile_tags.PROVIDER_ID"}
"""Construct IDs the library adds under every stack that holds a profile: a profile with one of them
as its ID would clash when the stack is built."""


def _clashes(profiles: Sequence[CatalogProfile]) -> list[Finding]:
    """Names IAM would refuse as duplicates (ignoring case), and construct IDs used twice in a stack."""
    findings = []
    named: tuple[tuple[str, Callable[[ProfileSpec], object], Pointer], ...] = (
        ("name", lambda spec: spec.instance_profile_name, ("instance_profile_name",)),
        ("role_name", lambda spec: spec.effective_role_name(), ("role_name",)),
    )
    for label, get, named_pointer in named:
        first: dict[str, CatalogProfile] = {}
        for profile in profiles:
            value = get(profile.spec)
            if not isinstance(value, str):
                continue
            pointer = named_pointer if profile.spec.role_name is not None else ("instance_profile_name",)
            earlier = first.setdefault(value.lower(), profile)
            both_defaulted = profile.spec.role_name is None and earlier.spec.role_name is None
            if earlier is not profile and not (label == "role_name" and both_defaulted):
                kind = "instance profile" if label == "name" else "role"
                # The earlier profile's name may come from another key than this one's.
                written = named_pointer if earlier.spec.role_name is not None else ("instance_profile_name",)
                rule = (
                    f"is the {kind} name of profile '{earlier.name}' too ({earlier.location_of(written)}); "
                    "IAM names are unique per account, ignoring case"
                )
                findings.append(
                    Finding("EAP104", label, value, rule, pointer, profile.name, profile.location_of(pointer))
                )
    ids: dict[tuple[str, str], CatalogProfile] = {}
    for profile in profiles:
        if profile.id in RESERVED_IDS:
            rule = (
                f"is the construct ID the library gives a child of every stack ({RESERVED_IDS[profile.id]}); "
                "give the profile another id"
            )
            findings.append(
                Finding("EAP107", "id", profile.id, rule, ("id",), profile.name, profile.location_of(("id",)))
            )
            continue
        earlier = ids.setdefault((profile.stack, profile.id), profile)
        if earlier is not profile:
            rule = (
                f"is the construct ID of profile '{earlier.name}' in stack {profile.stack!r} too; "
                "give each its own id"
            )
            findings.append(
                Finding("EAP107", "id", profile.id, rule, ("id",), profile.name, profile.location_of(("id",)))
            )
    return findings


MAX_LISTED_FINDINGS = 1_000
"""Problems of one catalogue listed before the rest are only counted: a thousand say what to fix, and
a hostile file of a million bad list items must not print a line each (the placement file's bound)."""


def _listed(path: str, findings: Sequence[Finding]) -> tuple[tuple[Finding, ...], tuple[int, int]]:
    """The first ``MAX_LISTED_FINDINGS`` in file order, then one finding that counts the rest; and the
    errors and warnings of the rest."""
    if len(findings) <= MAX_LISTED_FINDINGS:
        return tuple(findings), (0, 0)
    rest = findings[MAX_LISTED_FINDINGS:]
    errors = sum(1 for finding in rest if finding.severity == "error")
    rule = (
        f"has {len(rest):,} more problems ({errors:,} of them errors), not listed; fix those listed "
        "first, and check again"
    )
    last = rest[0].location or f"{path}:1:1"
    counted = Finding("EAP105", "file", path, rule, location=last)
    return (*findings[:MAX_LISTED_FINDINGS], counted), (errors, len(rest) - errors)


def file_order(finding: Finding) -> tuple[int, int]:
    """Findings in the order of the file's lines, then columns (the file as a whole first)."""
    parts = (finding.location or "").rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


def _at(path: str, mark: Mark | None) -> str:
    mark = mark or Mark(1, 1)
    return f"{path}:{mark.line}:{mark.column}"


def _duplicates(node: Node) -> set[int]:
    """The keys of a mapping node that repeat an earlier one, by ``id``: a lookup in constant time."""
    return {id(key) for key in node.duplicates}


def _lowered(description: str) -> str:
    """A key's description as the end of a sentence: ``The profiles, ...`` -> ``the profiles, ...``."""
    return description[:1].lower() + description[1:].removesuffix(".")


def _kind(node: Node) -> str:
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    value = node.value
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def _shown(node: Node) -> object:
    return node.value if node.kind == "scalar" else _kind(node)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class _Invalid:
    """A value that was reported and left out."""


_INVALID: Any = _Invalid()
_TOP_RULE = "is not a catalogue: the file is a mapping with a 'profiles:' list (and optional 'defaults:')"
_SCALAR_TYPES: dict[str, tuple[Any, str]] = {
    "string": (str, "a string"),
    "integer": (int, "a whole number"),
    "number": (int | float, "a number"),
}
_CONDITION_VALUE = "a string, number or boolean, or a list of them"
_DUPLICATE = "is given more than once in this mapping; YAML would keep only the last"
_STATEMENT_JSON = {
    "sid": "Sid",
    "effect": "Effect",
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
    "conditions": "Condition",
}
