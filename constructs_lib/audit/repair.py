"""``--repair-tags``: put instance profiles' tags back as the app declares them, and nothing else.

CloudFormation cannot tag an instance profile (the app's ``Custom::InstanceProfileTags`` does it
once per change of the template), so a deploy does not undo tag drift on a profile; this does.
``plan`` turns the audit's ``tags`` drift findings into one ``UntagInstanceProfile`` (tags the app
does not declare) and then one ``TagInstanceProfile`` (tags missing or different) per profile, in
that order, as the app's tag handler does: IAM may hold keys that differ only in case as one key,
so untagging ``service`` after tagging ``Service`` could remove the new tag;
``account.change_tags`` makes each (``run`` skips that under ``--dry-run``), and ``repaired`` says
which findings are then gone. Role tags and every other drift are left to the owner of the stack:
they are not changed here. Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from constructs_lib.audit.findings import AuditFinding, show

Action = Literal["TagInstanceProfile", "UntagInstanceProfile"]


@dataclass(frozen=True)
class TagChange:
    """One call that repairs a profile's tags: the tags it sets, or the keys it removes."""

    action: Action
    profile: str
    tags: Mapping[str, str] = field(default_factory=dict)
    """For ``TagInstanceProfile``: the keys and values to set."""
    keys: tuple[str, ...] = ()
    """For ``UntagInstanceProfile``: the keys to remove."""

    def line(self, *, dry_run: bool) -> str:
        """``tagged profile 'NAME': Service='WebApp'`` (``would tag ...`` under ``--dry-run``)."""
        if self.action == "TagInstanceProfile":
            verb, what = "tag", ", ".join(f"{key}={show(value)}" for key, value in sorted(self.tags.items()))
        else:
            verb, what = "untag", ", ".join(self.keys)
        done = f"would {verb}" if dry_run else f"{verb}ged"
        return f"{done} profile '{self.profile}': {what} ({self.action})"

    def to_json(self) -> dict[str, object]:
        tags, keys = dict(self.tags), list(self.keys)
        return {"action": self.action, "profile": self.profile, "tags": tags, "keys": keys}


def plan(findings: Iterable[AuditFinding]) -> list[TagChange]:
    """The calls that repair every instance-profile tag drift in ``findings``, by profile: untag, then tag."""
    to_set: dict[str, dict[str, str]] = {}
    to_remove: dict[str, list[str]] = {}
    for finding in findings:
        if finding.kind != "drift" or finding.field != "tags" or finding.key is None:
            continue
        if finding.expected is None:
            to_remove.setdefault(finding.profile, []).append(finding.key)
        else:
            to_set.setdefault(finding.profile, {})[finding.key] = str(finding.expected)
    changes: list[TagChange] = []
    for profile in sorted(to_set.keys() | to_remove.keys(), key=str.lower):
        if profile in to_remove:  # first: see the module's docstring
            changes.append(TagChange("UntagInstanceProfile", profile, keys=tuple(sorted(to_remove[profile]))))
        if profile in to_set:
            changes.append(TagChange("TagInstanceProfile", profile, tags=to_set[profile]))
    return changes


def repaired(findings: Sequence[AuditFinding], changes: Iterable[TagChange]) -> list[AuditFinding]:
    """``findings`` without the tag drift that ``changes`` (made) repaired."""
    done = {(c.profile, key) for c in changes for key in (*c.tags, *c.keys)}
    return [
        f for f in findings if not (f.kind == "drift" and f.field == "tags" and (f.profile, f.key) in done)
    ]
