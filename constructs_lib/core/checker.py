"""The checker: every rule that applies to a profile, run over a ``ProfileSpec``, every problem found.

Both front doors call it: ``Ec2AccessProfile`` (which raises ``ProfileValidationError`` with all the
findings) and the catalogue (which prints each with its file and line). The leaf rules live in
``validation``, ``limits``, ``least_privilege`` and ``statements``; this module applies them to a
profile, in a fixed order, and gives each problem its rule ID. Pure Python: importing it starts no
Node.js.
"""

from __future__ import annotations

import difflib
import functools
import json
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from constructs_lib.core import iam_reference, limits, pseudo_parameters, validation
from constructs_lib.core.credential_guard import CredentialGuard
from constructs_lib.core.findings import Finding
from constructs_lib.core.least_privilege import (
    REASON_MIN_CHARACTERS,
    BroadAccess,
    admin_policy_rule,
    check_acknowledgment,
    find_acknowledgment,
    is_unacknowledged_admin_policy,
    unacknowledged_grants,
)
from constructs_lib.core.linter_rules import linter_findings
from constructs_lib.core.presets import PRESETS, Preset
from constructs_lib.core.spec import DeployTime, Pointer, ProfileSpec, TagSet, Text
from constructs_lib.core.statements import (
    ACTION_RULE,
    identity_statement_problems,
    known_action,
    malformed_actions,
    malformed_sid,
    reference_problems,
    repeated_sids,
)

MANAGED_POLICY_QUOTA_CONTEXT = "ec2-access-profile:managedPolicyQuota"
"""Context key: the account's quota of managed policies per role, if it was raised (10 to 20)."""

REQUIRED_TAGS_CONTEXT = "ec2-access-profile:requiredTags"
"""Context key: a list of tag keys every profile's role must carry, however they were applied."""

MINIMIZE_POLICIES_CONTEXT = "@aws-cdk/aws-iam:minimizePolicies"
"""aws-cdk-lib's feature flag that merges a policy's statements, which the linters then read merged."""

AWS_MANAGED_KEY_PREFIX = validation.aws_managed_policy_key("")


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """App-wide settings, as the app's context (``cdk.json``) gives them: checked like the profile.

    Values are taken as they come (``object``), so a malformed setting is a finding, not a crash.
    """

    managed_policy_quota: object = None
    """Context ``ec2-access-profile:managedPolicyQuota``: the quota when a profile gives none."""
    required_tags: object = None
    """Context ``ec2-access-profile:requiredTags``: tag keys every profile must carry."""
    minimize_policies: object = None
    """Context ``@aws-cdk/aws-iam:minimizePolicies``: whether CDK merges statements (for the linter rules)."""

    @staticmethod
    def from_context(context: Mapping[str, object]) -> AppSettings:
        """The settings found in a CDK context mapping (``cdk.json``'s ``context``)."""
        return AppSettings.read(context.get)

    @staticmethod
    def read(get_context: Callable[[str], object]) -> AppSettings:
        """The settings a context lookup gives (``scope.node.try_get_context`` in a CDK app)."""
        return AppSettings(
            managed_policy_quota=get_context(MANAGED_POLICY_QUOTA_CONTEXT),
            required_tags=get_context(REQUIRED_TAGS_CONTEXT),
            minimize_policies=get_context(MINIMIZE_POLICIES_CONTEXT),
        )

    @property
    def merges_statements(self) -> bool:
        """Whether aws-cdk-lib merges a policy's statements: its flag read as JavaScript reads it
        (``FeatureFlags.isEnabled``: ``!!value``, and off when unset)."""
        value = self.minimize_policies
        if isinstance(value, int | float):  # bool included
            return bool(value) and value == value
        return value is not None and value != ""


@dataclass(frozen=True)
class PlannedPolicy:
    """One managed policy a profile will attach, once, and where it comes from."""

    key: str
    """Identity: the same for the same policy in any form (``aws:policy/NAME``, ``ACCOUNT:policy/…``)."""
    reference: Text
    """As given: an AWS-managed name, an ARN, or a deploy-time value."""
    preset: Preset | None = None
    """The preset that brings it, or None when ``managed_policies`` gives it."""
    index: int | None = None
    """Its position in ``managed_policies``, when given there."""

    @property
    def aws_managed_name(self) -> str | None:
        """The AWS-managed policy's name (with path), or None for a customer managed policy."""
        if self.key.startswith(AWS_MANAGED_KEY_PREFIX):
            return self.key[len(AWS_MANAGED_KEY_PREFIX) :]
        return None


def check_profile(
    spec: ProfileSpec,
    *,
    settings: AppSettings = AppSettings(),
    profile: str = "",
    tags_complete: bool = False,
    linters: bool = False,
) -> list[Finding]:
    """Every problem with ``spec``, in ``FIELD_ORDER``; [] when it is sound.

    ``profile`` names the profile in each finding (a construct path or a catalogue name).
    ``tags_complete`` says the spec's tags are all the profile gets (a catalogue entry): then the
    app's required tags are checked here. A construct's tags can still grow with ``Tags.of``, so its
    required tags are checked at synth. ``linters`` says the app runs cdk-nag (a catalogue's does):
    then what cdk-nag would refuse in the role is a finding too (``linter_rules``).
    """
    findings = list(_own_findings(spec, settings))
    if tags_complete:
        required, _ = _required_tags(settings)
        findings += required_tag_findings(spec.tags, required, fix=REQUIRED_TAGS_CATALOGUE_FIX)
    if linters:
        findings += linter_findings(spec, merged=settings.merges_statements)
    return in_field_order(_named(finding, profile) for finding in findings)


FIELD_ORDER = (
    "instance_profile_name",
    "role_name",
    "path",
    "description",
    "max_session_seconds",
    "tags",
    "permissions_boundary",
    "context",
    "managed_policy_quota",
    "acknowledge",
    "presets",
    "managed_policies",
    "credential_guard",
    "statements",
)
"""The order findings come in, by the spec field they are about: names first, statements last."""


_CHECKED: dict[int, tuple[weakref.ref[ProfileSpec], AppSettings, str, tuple[Finding, ...]]] = {}
"""The findings of each spec object still alive, with the settings and the statements (as JSON, since
a statement is a dict that can change in place) they were checked with."""


def _own_findings(spec: ProfileSpec, settings: AppSettings) -> tuple[Finding, ...]:
    """What is wrong with ``spec`` itself under ``settings``, checked once per spec object and settings.

    A catalogue checks every entry when it is read, and ``Ec2AccessProfile.from_spec`` checks the same
    spec object again when it builds it: the second check is the first one's answer.
    """
    key = id(spec)
    statements = json.dumps(spec.statements, sort_keys=True, default=repr)
    known = _CHECKED.get(key)
    if known is not None and known[0]() is spec and known[1] == settings and known[2] == statements:
        return known[3]
    findings = [
        *_name_findings(spec),
        *_text_findings("path", spec.path, "EAP003", validation.check_path),
        *_text_findings("description", spec.description, "EAP004", validation.check_description),
        *_session_findings(spec.max_session_seconds),
        *tag_findings(spec.tags),
        *_text_findings(
            "permissions_boundary",
            spec.permissions_boundary,
            "EAP030",
            lambda arn: validation.check_policy_arn(pseudo_parameters.as_checked(arn)),
        ),
    ]
    quota, quota_findings = _quota(spec, settings)
    findings += quota_findings
    findings += _required_tags(settings)[1]
    findings += acknowledgment_findings(spec.acknowledge)
    findings += preset_findings(spec.presets)
    plan, plan_findings = plan_managed_policies(spec.presets, spec.managed_policies)
    findings += plan_findings
    findings += managed_policy_count_findings(len(plan), quota)
    findings += admin_policy_findings(plan, spec.acknowledge)
    findings += guard_findings(spec.credential_guard)
    for index, statement in enumerate(spec.statements):
        findings += statement_findings(statement, spec.acknowledge, pointer=("statements", index))
    findings += sid_findings(spec.statements, _guard_statements(spec))
    findings += inline_policy_findings(spec, settings)
    findings += _pseudo_parameter_findings(spec)
    checked = tuple(findings)
    forget = functools.partial(_forget, key)
    _CHECKED[key] = (weakref.ref(spec, forget), settings, statements, checked)
    return checked


def _forget(key: int, _: object) -> None:
    _CHECKED.pop(key, None)


def in_field_order(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` sorted by ``FIELD_ORDER`` (stable: a field's findings keep their order)."""

    def rank(finding: Finding) -> int:
        first = finding.pointer[0] if finding.pointer else None
        return FIELD_ORDER.index(first) if first in FIELD_ORDER else len(FIELD_ORDER)

    return sorted(findings, key=rank)


def effective_quota(spec: ProfileSpec, settings: AppSettings = AppSettings()) -> int:
    """The managed-policy quota that applies: the profile's, else the app's, else IAM's default."""
    return _quota(spec, settings)[0]


def required_tags(settings: AppSettings) -> tuple[str, ...]:
    """The tag keys the app requires on every profile (none when the setting is malformed)."""
    return _required_tags(settings)[0]


# --------------------------------------------------------------------------------------------------
# Names and plain values
# --------------------------------------------------------------------------------------------------


def _name_findings(spec: ProfileSpec) -> Iterator[Finding]:
    yield from _text_findings(
        "instance_profile_name",
        spec.instance_profile_name,
        "EAP001",
        lambda name: validation.check_name(name, validation.INSTANCE_PROFILE_NAME_MAX),
    )
    if spec.role_name is None and spec.instance_profile_name is not None:
        field, pointer = "role_name (defaulted from instance_profile_name)", "instance_profile_name"
    else:
        field, pointer = "role_name", "role_name"
    for finding in _text_findings(
        field,
        spec.effective_role_name(),
        "EAP002",
        lambda name: validation.check_name(name, validation.ROLE_NAME_MAX),
    ):
        yield _at(finding, (pointer,))


def _text_findings(
    field: str, value: Text | None, rule_id: str, check: Callable[[str], str | None]
) -> Iterator[Finding]:
    if value is None or isinstance(value, DeployTime):
        return
    problem = check(value)
    if problem:
        yield Finding(rule_id, field, value, problem, pointer=(field,))


def _session_findings(seconds: float | None) -> Iterator[Finding]:
    if seconds is None:
        return
    problem = validation.check_max_session_seconds(seconds)
    if problem:
        yield Finding("EAP005", "max_session_duration", seconds, problem, pointer=("max_session_seconds",))


def tag_findings(tags: TagSet, *, field_suffix: str = "") -> list[Finding]:
    """Every problem with a set of tags; deploy-time keys and values count but are not read."""
    findings = []
    count_problem = validation.check_tag_count(len(tags))
    if count_problem:
        findings.append(
            Finding("EAP010", f"tags{field_suffix}", f"{len(tags)} tags", count_problem, ("tags",))
        )
    known = [(key, value) for key, value in tags.items() if not isinstance(key, DeployTime)]
    for key, value in known:
        pointer: Pointer = ("tags", key)
        key_problem = validation.check_tag_key(key)
        if key_problem:
            findings.append(Finding("EAP011", f"tag key{field_suffix}", key, key_problem, pointer))
        value_problem = None if isinstance(value, DeployTime) else validation.check_tag_value(value)
        if value_problem:
            findings.append(Finding("EAP012", f"tags[{key!r}]{field_suffix}", value, value_problem, pointer))
    seen: dict[str, str] = {}
    for key, _ in known:
        first = seen.setdefault(key.lower(), key)
        if first != key:
            rule = f"equals {first!r} ignoring case; IAM tag keys are case-insensitive"
            findings.append(Finding("EAP013", f"tag key{field_suffix}", key, rule, ("tags", key)))
    return findings


REQUIRED_TAGS_CONSTRUCT_FIX = "add them with tags={...} or Tags.of(scope).add(key, value)"
REQUIRED_TAGS_CATALOGUE_FIX = "add them to the profile's tags or to the catalogue's defaults"


def required_tag_findings(tags: TagSet, required: Sequence[str], *, fix: str) -> list[Finding]:
    """The app's required tag keys that ``tags`` lacks, as one finding."""
    missing = [key for key in required if key not in tags]
    if not missing:
        return []
    rule = (
        f"are required on every profile by the context key {REQUIRED_TAGS_CONTEXT!r} "
        f"({', '.join(required)}) but missing; {fix}"
    )
    return [Finding("EAP014", "tags", ", ".join(missing), rule, ("tags",))]


# --------------------------------------------------------------------------------------------------
# App-wide settings
# --------------------------------------------------------------------------------------------------


def _quota(spec: ProfileSpec, settings: AppSettings) -> tuple[int, list[Finding]]:
    value: object = spec.managed_policy_quota
    field, pointer = "managed_policy_quota", "managed_policy_quota"
    if value is None:
        value = settings.managed_policy_quota
        field, pointer = f"context {MANAGED_POLICY_QUOTA_CONTEXT!r}", "context"
    if value is None:
        return limits.MANAGED_POLICIES_DEFAULT_QUOTA, []
    problem = limits.check_managed_policy_quota(value)
    if problem:
        return limits.MANAGED_POLICIES_DEFAULT_QUOTA, [Finding("EAP023", field, value, problem, (pointer,))]
    assert isinstance(value, int)
    return value, []


def _required_tags(settings: AppSettings) -> tuple[tuple[str, ...], list[Finding]]:
    keys = settings.required_tags
    if keys is None:
        return (), []
    field = f"context {REQUIRED_TAGS_CONTEXT!r}"
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        rule = 'is not a list of tag keys, e.g. ["Environment"]'
        return (), [Finding("EAP070", field, keys, rule, ("context",))]
    findings = [
        Finding("EAP070", field, key, problem, ("context",))
        for key in keys
        if (problem := validation.check_tag_key(key))
    ]
    return (tuple(keys) if not findings else ()), findings


# --------------------------------------------------------------------------------------------------
# Acknowledgments, presets and managed policies
# --------------------------------------------------------------------------------------------------


def acknowledgment_findings(
    acknowledgments: Sequence[BroadAccess], *, given: Sequence[BroadAccess] = (), first_index: int = 0
) -> list[Finding]:
    """Problems with acknowledgments: a short reason, no wildcard, a bad policy name, one given twice.

    ``given`` are acknowledgments the profile had already (``profile.acknowledge`` adds to them).
    """
    findings = []
    for index, acknowledgment in enumerate(acknowledgments, start=first_index):
        field = f"acknowledge ({acknowledgment.kind})"
        pointer: Pointer = ("acknowledge", index)
        problem = check_acknowledgment(acknowledgment)
        if problem is None and acknowledgment.kind == "managed_policy":
            problem = validation.check_aws_managed_policy_name(acknowledgment.pattern)
        if problem:
            findings.append(Finding("EAP050", field, acknowledgment.pattern, problem, pointer))
            continue
        known = acknowledgment.kind == "unknown_action" and known_action(acknowledgment.pattern)
        if known:
            rule = (
                f"is in IAM's reference now (data of {iam_reference.reference().date}); remove the "
                "acknowledgment, so that the checker reads the action again"
            )
            findings.append(
                Finding("EAP085", field, acknowledgment.pattern, rule, pointer, severity="warning")
            )
        earlier = [*given, *acknowledgments[: index - first_index]]
        if find_acknowledgment(earlier, acknowledgment.kind, acknowledgment.pattern):
            rule = "is acknowledged twice; give each wildcard or policy once"
            findings.append(Finding("EAP051", field, acknowledgment.pattern, rule, pointer))
    return findings


def guard_findings(guard: CredentialGuard | None) -> list[Finding]:
    """Problems with the credential guard's exemptions: an action IAM does not know, a short reason."""
    findings: list[Finding] = []
    for index, exemption in enumerate(guard.exempt if guard is not None else ()):
        pointer: Pointer = ("credential_guard", "exempt", index)
        reason = exemption.reason.strip()
        if not known_action(exemption.action):
            rule = (
                f"is not an action (or a wildcard matching one) in IAM's reference (data of "
                f"{iam_reference.reference().date}), e.g. 'ssm:GetParameter'"
            )
            findings.append(Finding("EAP090", "credential_guard.exempt", exemption.action, rule, pointer))
        elif len(reason) < REASON_MIN_CHARACTERS:
            rule = (
                f"has a reason of {len(reason)} characters; give at least {REASON_MIN_CHARACTERS} saying "
                "which call must work without a VPC endpoint"
            )
            findings.append(Finding("EAP090", "credential_guard.exempt", exemption.action, rule, pointer))
    return findings


def preset_findings(presets: Sequence[str | Preset]) -> list[Finding]:
    """Preset names the library does not ship, with the closest one it does."""
    findings = []
    for index, name in enumerate(presets):
        if isinstance(name, Preset) or name in PRESETS:
            continue
        close = difflib.get_close_matches(name, PRESETS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        rule = f"is not a preset; {hint}presets are {', '.join(PRESETS)}"
        findings.append(Finding("EAP025", "presets", name, rule, ("presets", index)))
    return findings


def plan_managed_policies(
    presets: Sequence[str | Preset],
    managed_policies: Sequence[Text],
    *,
    attached: Sequence[PlannedPolicy] = (),
    first_index: int = 0,
) -> tuple[list[PlannedPolicy], list[Finding]]:
    """The managed policies to attach, each once (presets' first, then ``managed_policies``), and problems.

    Presets that bring the same policy merge it; a policy given in ``managed_policies`` that a preset
    (or an earlier entry, or ``attached``) brings already is a finding that names where it came from.
    """
    planned = list(attached)
    findings = []
    for given in dict.fromkeys(presets):
        preset = given if isinstance(given, Preset) else PRESETS.get(given)
        for policy in preset.managed_policies if preset else ():
            key = validation.aws_managed_policy_key(policy)
            if not any(p.key == key for p in planned):
                planned.append(PlannedPolicy(key, policy, preset=preset))
    for index, reference in enumerate(managed_policies, start=first_index):
        pointer: Pointer = ("managed_policies", index)
        key, problem = _policy_key(reference)
        if problem:
            findings.append(Finding("EAP020", "managed_policies", reference, problem, pointer))
            continue
        shown = reference.shown if isinstance(reference, DeployTime) else reference
        earlier = next((p for p in planned if p.key == key), None)
        if earlier is not None:
            source = f"by preset {earlier.preset.name!r}" if earlier.preset else "to this profile"
            fix = "remove it from managed_policies" if earlier.preset else "give each managed policy once"
            rule = f"is already attached {source}; {fix}"
            findings.append(Finding("EAP021", "managed_policies", shown, rule, pointer))
            continue
        planned.append(PlannedPolicy(key, reference, index=index))
    return planned[len(attached) :], findings


def managed_policy_count_findings(count: int, quota: int) -> list[Finding]:
    """More managed policies than the role may have."""
    problem = limits.check_managed_policy_count(count, quota)
    if not problem:
        return []
    return [Finding("EAP022", "managed_policies", f"{count} policies", problem, ("managed_policies",))]


def admin_policy_findings(
    plan: Iterable[PlannedPolicy], acknowledgments: Sequence[BroadAccess]
) -> list[Finding]:
    """Admin-level AWS-managed policies that nobody acknowledged."""
    findings = []
    for policy in plan:
        name = policy.aws_managed_name
        if name is not None and is_unacknowledged_admin_policy(name, acknowledgments):
            pointer: Pointer = (
                ("managed_policies", policy.index) if policy.index is not None else ("presets",)
            )
            findings.append(Finding("EAP024", "managed_policies", name, admin_policy_rule(name), pointer))
    return findings


def _policy_key(reference: Text) -> tuple[str, str | None]:
    """What identifies a policy reference, or the rule it breaks."""
    if isinstance(reference, DeployTime):
        return reference.key, None
    if reference.startswith("arn:"):
        checked = pseudo_parameters.as_checked(reference)
        return validation.managed_policy_key(checked), validation.check_policy_arn(checked)
    return validation.aws_managed_policy_key(reference), validation.check_aws_managed_policy_name(reference)


def _pseudo_parameter_findings(spec: ProfileSpec) -> Iterator[Finding]:
    """``${AWS::...}`` references that CloudFormation has no pseudo-parameter for (a typo, mostly)."""
    places: list[tuple[str, Pointer, object]] = [
        *(("managed_policies", ("managed_policies", i), p) for i, p in enumerate(spec.managed_policies)),
        ("permissions_boundary", ("permissions_boundary",), spec.permissions_boundary),
        *(("statements", ("statements", i), s) for i, s in enumerate(spec.statements)),
    ]
    known = ", ".join(f"${{{name}}}" for name in pseudo_parameters.SAMPLES)
    for field, pointer, value in places:
        for text in _strings_in(value):
            for reference in pseudo_parameters.unknown(text):
                rule = f"names {reference}, which is no pseudo-parameter; a spec may name {known}"
                yield Finding("EAP009", field, text, rule, pointer)


def _strings_in(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings_in(item)


# --------------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------------


def statement_findings(
    statement: Mapping[str, object], acknowledgments: Sequence[BroadAccess], *, pointer: Pointer
) -> list[Finding]:
    """A statement that is no valid identity-policy statement, or grants broadly without acknowledgment."""
    findings = []
    problems = identity_statement_problems(statement)
    if problems:
        rule = "is not a valid identity-policy statement: " + "; ".join(problems)
        findings.append(Finding("EAP040", "statements", dict(statement), rule, pointer))
    sid_problem = malformed_sid(statement)
    if sid_problem:
        findings.append(Finding("EAP047", "sid", statement["Sid"], sid_problem, pointer))
    findings += [
        Finding("EAP041", "statements", action, ACTION_RULE, pointer)
        for action in malformed_actions(statement)
    ]
    findings += [
        Finding("EAP042", "statements", grant.shown, grant.rule(), pointer)
        for grant in unacknowledged_grants(statement, acknowledgments)
    ]
    accepted = {a.pattern for a in acknowledgments if a.kind == "unknown_action"}
    findings += [
        Finding(
            problem.rule_id, "statements", problem.value, problem.rule, pointer, severity=problem.severity
        )
        for problem in reference_problems(statement, accepted)
    ]
    return findings


def sid_findings(
    statements: Sequence[Mapping[str, object]], guard: Sequence[Mapping[str, object]] = ()
) -> list[Finding]:
    """Sids given twice in the role's inline policy: the profile's statements, then the credential guard's."""
    findings = []
    for index, sid, earlier in repeated_sids([*statements, *guard]):
        if index >= len(statements):
            index, source = earlier, "a statement of the credential guard"
        else:
            source = f"statements[{earlier}]"
        rule = (
            f"is the Sid of {source} too; IAM requires each Sid to be unique within a policy: give "
            "each statement its own"
        )
        findings.append(Finding("EAP047", "sid", sid, rule, ("statements", index)))
    return findings


def inline_policy_findings(spec: ProfileSpec, settings: AppSettings = AppSettings()) -> list[Finding]:
    """The role's inline policy (the profile's statements, then the credential guard's) against IAM's
    size, measured as the template will have it; what only synth knows (a CDK token) synth measures."""
    merged = settings.merges_statements
    document = limits.inline_policy([*spec.statements, *_guard_statements(spec)], merged=merged)
    size = limits.policy_size(document) if document is not None else 0
    problem = limits.check_inline_policies_size(size)
    if not problem:
        return []
    written = "statements merged, " if merged else ""
    rule = f"(the inline policy as synth writes it, {written}whitespace not counted) {problem}"
    return [Finding("EAP060", "statements", f"{size:,} characters", rule, ("statements",))]


def _guard_statements(spec: ProfileSpec) -> list[dict[str, object]]:
    return spec.credential_guard.statements() if spec.credential_guard is not None else []


# --------------------------------------------------------------------------------------------------


def _at(finding: Finding, pointer: Pointer) -> Finding:
    return replace(finding, pointer=pointer)


def _named(finding: Finding, profile: str) -> Finding:
    return replace(finding, profile=profile)
