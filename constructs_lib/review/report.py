"""A review as Markdown (for a pull-request comment or a CI job summary) and as JSON (for a CI gate)."""

from __future__ import annotations

from typing import Any

from constructs_lib.core import markdown
from constructs_lib.review.compare import ProfileReview, Review
from constructs_lib.review.describe import can_do
from constructs_lib.review.findings import SEVERITIES


def to_json(result: Review) -> dict[str, Any]:
    """``{"base", "head", "high", "counts", "profiles": [{"instance_profile", "stack", "status", ...}],
    "outside_profiles": [{"construct_path", "severity", "rule", "message"}]}``."""
    return {
        "base": result.base,
        "head": result.head,
        "high": result.high,
        "counts": {severity: result.count(severity) for severity in SEVERITIES},
        "profiles": [_profile_json(p) for p in result.profiles],
        "outside_profiles": [{"construct_path": path, **f.to_json()} for path, f in result.outside],
    }


def _profile_json(profile: ProfileReview) -> dict[str, Any]:
    shown = profile.shown
    return {
        "instance_profile": shown.label,
        "stack": shown.declared.stack,
        "logical_id": shown.declared.logical_id,
        "construct_path": shown.declared.where,
        "status": profile.status,
        "was": profile.base.label
        if profile.base and profile.head and profile.base.label != shown.label
        else None,
        "findings": [finding.to_json() for finding in profile.findings],
        "can_do": can_do(shown),
    }


def to_markdown(result: Review) -> str:
    counts = ", ".join(f"{result.count(s)} {s}" for s in SEVERITIES)
    verdict = "**needs a careful review: high findings**" if result.high else "no high finding"
    lines = [
        f"## Access review: `{result.base}` → {result.head}",
        "",
        f"{len(result.profiles)} instance profiles; findings: {counts}; {verdict}.",
        "",
        "| Instance profile | Stack | Status | Worst finding |",
        "| --- | --- | --- | --- |",
    ]
    for profile in result.profiles:
        stack, worst = profile.shown.declared.stack, profile.worst or "-"
        lines.append(f"| `{markdown.cell(_name(profile))}` | {stack} | {profile.status} | {worst} |")
    for profile in result.profiles:
        if profile.status == "unchanged" and not profile.findings:
            continue
        lines += ["", f"### `{_name(profile)}` ({profile.shown.declared.stack}): {profile.status}", ""]
        for finding in profile.findings:
            lines.append(f"- **{finding.severity}** `{finding.rule}`: {finding.message}")
        if profile.head is None:
            continue
        lines += ["", "What it can do after the change:", ""]
        for heading, entries in can_do(profile.shown).items():
            lines.append(
                f"- {heading}: {'; '.join(f'`{e}`' if heading.startswith('inline') else e for e in entries)}"
            )
    if result.outside:
        lines += ["", "### Outside the instance profiles", ""]
        lines += [f"- **{f.severity}** `{f.rule}` ({path}): {f.message}" for path, f in result.outside]
    unchanged = [_name(p) for p in result.profiles if p.status == "unchanged" and not p.findings]
    if unchanged:
        lines += ["", f"Unchanged: {', '.join(f'`{name}`' for name in unchanged)}."]
    return "\n".join(lines) + "\n"


def _name(profile: ProfileReview) -> str:
    shown = profile.shown.label
    if profile.base is not None and profile.head is not None and profile.base.label != shown:
        return f"{profile.base.label} → {shown}"
    return shown
