"""The catalogue's keys, defined once: the loader reads files by them, and the JSON Schema is made from them.

``catalog.schema.json`` at the repository root is ``json_schema()`` written out (a test keeps it in
step), so an editor with a YAML language server completes and checks a catalogue as people type.
Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from constructs_lib.core import validation
from constructs_lib.core.presets import PRESETS

Kind = Literal[
    "string",
    "integer",
    "number",
    "strings",
    "string-map",
    "conditions",
    "statements",
    "acknowledgments",
    "boolean",
    "credential-guard",
    "exemptions",
    "defaults",
    "profiles",
    "deployments",
]


@dataclass(frozen=True)
class Key:
    """One key of a catalogue mapping: its name, the kind of value it takes, and what it means."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


STATEMENT_KEYS: tuple[Key, ...] = (
    Key("sid", "string", "Statement ID. Default: none."),
    Key("effect", "string", "Allow or Deny. Default: Allow.", choices=("Allow", "Deny")),
    Key("actions", "strings", "Actions, e.g. s3:GetObject. Give actions or not_actions."),
    Key("not_actions", "strings", "Every action but these (needs an acknowledgment of action '*')."),
    Key("resources", "strings", "Resource ARNs. Give resources or not_resources."),
    Key("not_resources", "strings", "Every resource but these (needs an acknowledgment of resource '*')."),
    Key("conditions", "conditions", "An IAM condition block: {operator: {key: value or [values]}}."),
)

ACKNOWLEDGMENT_KEYS: tuple[Key, ...] = (
    Key("action", "string", "An action wildcard exactly as the statements write it: '*', 's3:*'."),
    Key("resource", "string", "A resource wildcard exactly as the statements write it: '*'."),
    Key("managed_policy", "string", "An AWS-managed policy by name (with its path)."),
    Key(
        "unknown_action",
        "string",
        "An action IAM's reference does not list yet, exactly as the statements write it: 's3:NewAction'.",
    ),
    Key("reason", "string", "Why this access is needed: at least 10 characters.", required=True),
)
ACKNOWLEDGED_KINDS = ("action", "resource", "managed_policy", "unknown_action")

EXEMPTION_KEYS: tuple[Key, ...] = (
    Key(
        "action",
        "string",
        "An action or action wildcard the VPC and address checks leave alone.",
        required=True,
    ),
    Key(
        "reason",
        "string",
        "Why: which call must work without a VPC endpoint (10 characters or more).",
        required=True,
    ),
)
GUARD_KEYS: tuple[Key, ...] = (
    Key("imdsv2_only", "boolean", "Also deny credentials delivered over IMDSv1. Default: false."),
    Key("exempt", "exemptions", "Actions exempted beyond AWS's published list, each with its reason."),
)
"""``credential_guard:`` as a mapping (``true`` is the same as ``{}``)."""
"""An acknowledgment gives exactly one of these."""

_SHARED_KEYS: tuple[Key, ...] = (
    Key(
        "stack",
        "string",
        "Name of the stack that holds the profile; never change it. Default: a shard, recorded in the "
        "placement file beside the catalogue.",
    ),
    Key("path", "string", "IAM path of role and instance profile, '/' or '/…/'. Default: /."),
    Key("description", "string", "The role's description, at most 1,000 characters. Default: none."),
    Key(
        "presets",
        "strings",
        "Presets whose AWS-managed policies the role gets. Default: none.",
        choices=tuple(PRESETS),
    ),
    Key(
        "managed_policies",
        "strings",
        "AWS-managed policy names (with path) or managed-policy ARNs. Default: none.",
    ),
    Key("permissions_boundary", "string", "The boundary's managed-policy ARN. Default: none."),
    Key(
        "max_session_duration_hours",
        "number",
        "Longest session of the role, in hours. Default: 1.",
        minimum=validation.MAX_SESSION_MIN_SECONDS / 3600,
        maximum=validation.MAX_SESSION_MAX_SECONDS / 3600,
    ),
    Key("tags", "string-map", "Tags of role and instance profile; a profile's merge over the defaults'."),
    Key(
        "credential_guard",
        "credential-guard",
        "Deny the role's credentials off the instance's VPC and address (and, with imdsv2_only, when "
        "delivered over IMDSv1): true, or a mapping. Default: false.",
    ),
)

DEPLOYMENT_KEYS: tuple[Key, ...] = (
    Key("name", "string", "The deployment's name: a letter, then letters, digits and -.", required=True),
    Key("accounts", "strings", "Account IDs (quoted): one CDK Stage per account. Or organizational_units."),
    Key(
        "organizational_units",
        "strings",
        "OU IDs: one service-managed StackSet per shard, deployed to every account of them. Or accounts.",
    ),
    Key("region", "string", "The one region of the stacks (IAM is global).", required=True),
    Key("tags", "string-map", "Tags on every resource of this deployment that takes tags."),
    Key(
        "account_removal",
        "string",
        "StackSets only: what an account leaving the OUs keeps. Default: retain (its stacks stay).",
        choices=("retain", "delete"),
    ),
)
"""One entry of ``deployments:``."""

DEFAULTS_KEYS: tuple[Key, ...] = _SHARED_KEYS
"""What ``defaults:`` may set: every profile gets these unless it gives its own (tags merge)."""

PROFILE_KEYS: tuple[Key, ...] = (
    Key("name", "string", "Instance profile name, 1 to 128 of A-Za-z0-9+=,.@_-.", required=True),
    Key("id", "string", "Construct ID, which fixes the logical IDs: never change it. Default: name."),
    Key("role_name", "string", "Role name, 1 to 64 characters. Default: name."),
    *_SHARED_KEYS,
    Key("statements", "statements", "Statements of the role's inline policy. Default: none."),
    Key(
        "acknowledge",
        "acknowledgments",
        "Broad grants made on purpose, each with its reason. Default: none.",
    ),
    Key(
        "managed_policy_quota",
        "integer",
        "The account's raised quota of managed policies per role. Default: 10.",
        minimum=10,
        maximum=20,
    ),
    Key("deployments", "strings", "Names of the deployments that get this profile. Default: every one."),
)

TOP_KEYS: tuple[Key, ...] = (
    Key("defaults", "defaults", "Values every profile gets unless it gives its own."),
    Key("profiles", "profiles", "The profiles, each an instance profile and its role.", required=True),
    Key(
        "deployments",
        "deployments",
        "Where the profiles deploy: groups of accounts or OUs. Default: environment-agnostic stacks.",
    ),
)
"""The file's top level."""

SCHEMA_ID = "https://github.com/ec2-access-profiles/catalog.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a catalogue file, made from the key tables above."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "EC2 access profile catalogue",
        **_object(TOP_KEYS, "The instance profiles a platform team offers; see the README."),
    }


def _object(keys: tuple[Key, ...], description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "properties": {key.name: _value(key) for key in keys},
    }
    required = [key.name for key in keys if key.required]
    if required:
        schema["required"] = required
    return schema


def _value(key: Key) -> dict[str, Any]:
    schema: dict[str, Any] = {"description": key.description, **_KIND_SCHEMAS[key.kind]()}
    if key.minimum is not None:
        schema["minimum"] = key.minimum
    if key.maximum is not None:
        schema["maximum"] = key.maximum
    if key.choices and key.kind == "string":
        schema["enum"] = list(key.choices)
    if key.choices and key.kind == "strings":
        schema["items"] = {"enum": list(key.choices)}
    return schema


def _acknowledgment() -> dict[str, Any]:
    schema = _object(
        ACKNOWLEDGMENT_KEYS, "One acknowledged broad grant, or an action IAM's reference does not list yet."
    )
    schema["oneOf"] = [{"required": [kind]} for kind in ACKNOWLEDGED_KINDS]
    return schema


_SCALAR = {"type": ["string", "number", "boolean"]}
_KIND_SCHEMAS: dict[str, Any] = {
    "string": lambda: {"type": "string"},
    "integer": lambda: {"type": "integer"},
    "number": lambda: {"type": "number"},
    "strings": lambda: {"type": "array", "items": {"type": "string"}},
    "string-map": lambda: {"type": "object", "additionalProperties": {"type": "string"}},
    "conditions": lambda: {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]},
        },
    },
    "statements": lambda: {"type": "array", "items": _object(STATEMENT_KEYS, "One IAM policy statement.")},
    "acknowledgments": lambda: {"type": "array", "items": _acknowledgment()},
    "boolean": lambda: {"type": "boolean"},
    "credential-guard": lambda: {
        "anyOf": [{"type": "boolean"}, _object(GUARD_KEYS, "The guard's options.")],
    },
    "exemptions": lambda: {"type": "array", "items": _object(EXEMPTION_KEYS, "One exempted action.")},
    "defaults": lambda: {k: v for k, v in _object(DEFAULTS_KEYS, "").items() if k != "description"},
    "profiles": lambda: {
        "type": "array",
        "items": _object(PROFILE_KEYS, "One instance profile and its role."),
    },
    "deployments": lambda: {
        "type": "array",
        "items": {
            **_object(DEPLOYMENT_KEYS, "One group of accounts, or of organizational units, in one region."),
            "oneOf": [{"required": ["accounts"]}, {"required": ["organizational_units"]}],
        },
    },
}
