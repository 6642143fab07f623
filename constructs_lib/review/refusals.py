"""What the app's linters refused, as high findings on the profile they are about, with the fix. Pure.

The review synthesizes with CDK's ``@aws-cdk/core:failSynthOnValidationErrors`` context set to
false (and ``cdk synth --ignore-errors``), so a policy-validation plugin's violation (cdk-nag,
cfn-lint, any other) no longer stops synth: CDK writes the whole cloud assembly and records every
violation in its ``validation-report.json``. ``read_refusals`` reads that report: what a failed
plugin report holds (its errors, else all its violations, else the plugin's own failure) is what
``cdk synth`` would refuse. ``refusal_findings`` puts each on the instance profile whose construct it
names (the profile's construct or its role, found by construct path or logical ID) as a
``linter-refused`` finding, and says what to write: for a profile from a catalogue, the entry of
its ``acknowledge:`` key (at the profile's ``FILE:LINE:COL``); for one written in Python, the
``BroadAccess`` to pass in ``acknowledge``. A refusal of nothing the app's profiles hold is kept apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from constructs_lib.core.linter_rules import acknowledgments_for
from constructs_lib.review.findings import ReviewFinding
from constructs_lib.review.profiles import Profile, Templates

REFUSED = "linter-refused"
REFUSING_SEVERITIES = frozenset({"error", "fatal", "custom"})
"""Violations that fail a report in CDK's own terms; a failed report without any fails on all of its."""
_SERVICE_WIDE = re.compile(r"(?:\w+:)?\*")
"""An action cdk-nag's NIST full-access rule reads as every action of a service."""
_NAMED_BY_THE_PLUGIN = re.compile(r" In (?:catalogue profile|Ec2AccessProfile) '")
"""Where ``constructs_lib.cdk.linters`` appends the profile and its fix to a cdk-nag finding's text."""


@dataclass(frozen=True)
class Refusal:
    """One violation that fails synth, as CDK's validation report records it."""

    plugin: str
    rule: str
    """The finding's ID (``AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]``); empty when the plugin
    itself failed."""
    description: str
    suggested_fix: str = ""
    construct_paths: tuple[str, ...] = ()
    logical_ids: tuple[tuple[str, str], ...] = ()
    """``(template file name, logical ID)`` of each resource the report names."""

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return self.plugin, self.rule, self.construct_paths


def read_refusals(report: Mapping[str, Any]) -> list[Refusal]:
    """What a ``validation-report.json`` says synth refuses; ``[]`` when every plugin passed."""
    found: list[Refusal] = []
    for plugin in _dicts(report.get("pluginReports")):
        if plugin.get("conclusion") != "failure":
            continue
        name = str(plugin.get("pluginName", "a validation plugin"))
        violations = _dicts(plugin.get("violations"))
        refusing = [v for v in violations if str(v.get("severity", "error")) in REFUSING_SEVERITIES]
        for violation in refusing or violations:
            found.append(_refusal(name, violation))
        if not violations:
            error = (plugin.get("metadata") or {}).get("error") or "it failed without a violation"
            found.append(Refusal(name, "", str(error)))
    return found


def _refusal(plugin: str, violation: Mapping[str, Any]) -> Refusal:
    constructs = _dicts(violation.get("violatingConstructs"))
    resources = [c.get("cloudFormationResource") or {} for c in constructs]
    return Refusal(
        plugin=plugin,
        rule=str(violation.get("ruleName", "")),
        description=" ".join(str(violation.get("description", "")).split()),
        suggested_fix=str(violation.get("suggestedFix") or ""),
        construct_paths=tuple(str(c["constructPath"]) for c in constructs if c.get("constructPath")),
        logical_ids=tuple(
            (PurePath(str(r["templatePath"])).name, str(r["logicalId"]))
            for r in resources
            if r.get("templatePath") and r.get("logicalId")
        ),
    )


@dataclass(frozen=True)
class Refusals:
    """The refusals of one synthesized app, found on its profiles."""

    by_profile: Mapping[tuple[str, str], tuple[ReviewFinding, ...]]
    """``linter-refused`` findings, by the profile's ``(stack, logical ID)``."""
    outside: tuple[tuple[str, ReviewFinding], ...]
    """Refusals of constructs that no profile holds, each with the construct path it names."""


def refusal_findings(
    refusals: Sequence[Refusal],
    profiles: Sequence[Profile],
    templates: Templates,
    *,
    catalogue: Mapping[str, str] | None = None,
    known: Sequence[Refusal] = (),
    base_ref: str = "the base",
) -> Refusals:
    """Each refusal as a high finding on the profile it names, with the fix.

    ``catalogue`` gives the ``FILE:LINE:COL`` of each catalogue profile by instance-profile name;
    ``None`` when the app's catalogue is not known. ``known`` are the base's refusals: one found
    there too is said to be.
    """
    resources = _resources_by_path(templates)
    known_keys = {refusal.key for refusal in known}
    by_profile: dict[tuple[str, str], list[ReviewFinding]] = {}
    outside: list[tuple[str, ReviewFinding]] = []
    for refusal in refusals:
        owners = _owners(refusal, profiles, resources)
        already = f" It is refused at {base_ref} too." if refusal.key in known_keys else ""
        for owner in owners:
            fix, located = _fix(refusal, owner, catalogue)
            message = f"{_refused(refusal, located)}. Fix: {fix}.{already}"
            by_profile.setdefault(owner.key, []).append(ReviewFinding("high", REFUSED, message))
        if not owners:
            where = ", ".join(refusal.construct_paths) or "the app"
            fix = f" Fix: {refusal.suggested_fix}." if refusal.suggested_fix else ""
            finding = ReviewFinding("high", REFUSED, f"{_refused(refusal)}.{fix}{already}")
            outside.append((where, finding))
    return Refusals({key: tuple(found) for key, found in by_profile.items()}, tuple(outside))


def _refused(refusal: Refusal, located: bool = False) -> str:
    """What the linter said; without the linters plugin's own fix when the review gives it, located."""
    what = f"{refusal.plugin} refuses {refusal.rule}" if refusal.rule else f"{refusal.plugin} failed"
    on = f" on {', '.join(refusal.construct_paths)}" if refusal.construct_paths else ""
    text = _NAMED_BY_THE_PLUGIN.split(refusal.description, 1)[0] if located else refusal.description
    description = text.rstrip(".")
    return f"{what}{on}, so `cdk synth` fails: {description}"


# -- which profile ----------------------------------------------------------------------------------


def _resources_by_path(templates: Templates) -> dict[str, tuple[str, str]]:
    """``(stack, logical ID)`` of each resource, by its construct path (``aws:cdk:path``)."""
    found = {}
    for stack, template in templates.items():
        for logical_id, resource in (template.get("Resources") or {}).items():
            path = (
                (resource.get("Metadata") or {}).get("aws:cdk:path") if isinstance(resource, dict) else None
            )
            if isinstance(path, str):
                found[path] = (stack, logical_id)
    return found


def _owners(
    refusal: Refusal, profiles: Sequence[Profile], resources: Mapping[str, tuple[str, str]]
) -> list[Profile]:
    places = {resources[path] for path in refusal.construct_paths if path in resources}
    files = {logical_id for _, logical_id in refusal.logical_ids}
    owners = []
    for profile in profiles:
        declared = profile.declared
        own = {declared.logical_id} | ({declared.role.logical_id} if declared.role else set())
        if (
            any(stack == declared.stack and logical_id in own for stack, logical_id in places)
            or any(path.startswith(f"{declared.where}/") for path in refusal.construct_paths)
            or (not places and own & files)
        ):
            owners.append(profile)
    return owners


# -- what to write ----------------------------------------------------------------------------------


def _fix(refusal: Refusal, profile: Profile, catalogue: Mapping[str, str] | None) -> tuple[str, bool]:
    """What to write, and whether it is the acknowledgment (which the linters plugin words too)."""
    name = profile.declared.name
    entry = catalogue.get(name) if catalogue is not None and name is not None else None
    construct = f"Ec2AccessProfile {profile.declared.where!r}"
    acknowledgments = list(dict.fromkeys(_acknowledgments(refusal.rule, profile)))
    if not acknowledgments:
        where = f"catalogue profile {name!r} ({entry})" if entry else construct
        how = refusal.suggested_fix or "see the rule's documentation"
        return f"change {where} until the rule passes ({how}); no acknowledgment settles it", False
    yaml = ", ".join(
        f'{{{kind}: "{pattern}", reason: "why it is needed"}}' for kind, pattern in acknowledgments
    )
    if entry:
        fix = (
            f"grant exactly what is needed, or acknowledge it: in catalogue profile {name!r} ({entry}), "
            f"add to `acknowledge:` {yaml}"
        )
        return fix, True
    python = ", ".join(
        f'BroadAccess.{kind}("{pattern}", reason="why it is needed")' for kind, pattern in acknowledgments
    )
    fix = f"grant exactly what is needed, or acknowledge it: {construct} takes acknowledge=[{python}]"
    return (
        fix if catalogue is not None else f"{fix} (from a catalogue: add to its `acknowledge:` {yaml})"
    ), True


def _acknowledgments(finding: str, profile: Profile) -> Iterator[tuple[str, str]]:
    """The acknowledgments (kind, pattern) that settle a cdk-nag finding on a profile's role, if any.

    They are ``linter_rules.acknowledgments_for``'s; the NIST full-access finding names no action,
    so for its ``SERVICE:*`` the profile's own ``*`` and ``SERVICE:*`` actions are named.
    """
    for kind, pattern in acknowledgments_for(finding) or ():
        own = list(_service_wide_actions(profile)) if (kind, pattern) == ("action", "SERVICE:*") else []
        yield from (("action", action) for action in own) if own else ((kind, pattern),)


def _service_wide_actions(profile: Profile) -> Iterator[str]:
    for document in profile.documents:
        for statement in _dicts(_listed(document.get("Statement"))):
            for action in _listed(statement.get("Action")):
                if isinstance(action, str) and _SERVICE_WIDE.fullmatch(action):
                    yield action


def _listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
