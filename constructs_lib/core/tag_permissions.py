"""Which instance profiles a stack's tag function may tag: its own, in as few characters as IAM needs.

``iam:TagInstanceProfile`` and ``iam:UntagInstanceProfile`` authorize against the instance profile's
ARN (``arn:PARTITION:iam::ACCOUNT:instance-profile/PATH/NAME``). Their condition keys are
``aws:RequestTag/*`` and ``aws:TagKeys`` (the tags in the request) and ``aws:ResourceTag/*`` (tags the
profile already has). CloudFormation creates instance profiles untagged, so no tag says "this stack's"
when the function first tags one: the resource ARN is the only way to name the stack's profiles.

One ARN per profile is exact, but a stack holds up to about 165 profiles and a role's inline policies
may hold 10,240 characters: that many ARNs do not fit. ``resource_patterns`` gives the exact list when
it fits, and otherwise groups the profiles by the longest name prefix that makes the list fit
(``/ec2/team/profile-number-01*``). A group's pattern never shortens below the profiles' path, so the
function never reaches beyond the paths of the stack's profiles. Pure Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Instance profiles the function must reach: one by name, or every one under ``path``."""

    path: str
    """The IAM path, ``/`` or ``/…/``."""
    name: str | None
    """The instance profile's name; ``None`` when CloudFormation generates it."""

    @property
    def resource(self) -> str:
        """The ARN's part after ``instance-profile``: ``/ec2/web``, or ``/ec2/*`` for any name."""
        return self.path + ("*" if self.name is None else self.name)


def resource_patterns(targets: Iterable[Target], *, fits: Callable[[Sequence[str]], bool]) -> tuple[str, ...]:
    """The narrowest resources (``/path/name`` or ``/path/prefix*``) reaching every target that ``fits``.

    Tries the exact list; then, from the longest shared prefix to the shortest (never shorter than a
    path), turns the largest groups of profiles sharing it into one pattern each, one group at a time,
    and returns the first list that ``fits``. If none does, one pattern per path, which the caller's
    limit check then reports. Sorted, so the same targets always give the same policy.
    """
    unique = sorted(set(targets), key=lambda target: (target.path, target.name or "", target.name is None))
    exact = _without_covered(target.resource for target in unique)
    if not unique or fits(exact):
        return exact
    for length in range(max(len(target.resource) for target in unique) - 1, -1, -1):
        groups = _groups(unique, length)
        shared = sorted(
            (prefix for prefix, members in groups.items() if len(members) > 1),
            key=lambda p: (-len(groups[p]), p),
        )
        if not shared or not fits(_patterns(groups, shared)):
            continue
        for count in range(1, len(shared) + 1):
            candidate = _patterns(groups, shared[:count])
            if fits(candidate):
                return candidate
    return _patterns(_groups(unique, 0), list(_groups(unique, 0)))


def covers(pattern: str, resource: str) -> bool:
    """Whether IAM's ``pattern`` (``*`` only at the end here) matches every ARN ``resource`` matches."""
    if pattern.endswith("*"):
        return resource.startswith(pattern[:-1])
    return pattern == resource


def _groups(targets: Sequence[Target], length: int) -> dict[str, list[Target]]:
    """The targets by their first ``length`` characters, or by their path when that is longer."""
    groups: dict[str, list[Target]] = {}
    for target in targets:
        stem = target.resource.removesuffix("*")
        groups.setdefault(stem[: max(length, len(target.path))], []).append(target)
    return groups


def _patterns(groups: dict[str, list[Target]], shared: Sequence[str]) -> tuple[str, ...]:
    """One ``prefix*`` for each group named in ``shared``; every other target by its own resource."""
    chosen = set(shared)
    resources = [
        prefix + "*" if prefix in chosen and len(members) > 1 else member.resource
        for prefix, members in groups.items()
        for member in (members[:1] if prefix in chosen and len(members) > 1 else members)
    ]
    return _without_covered(resources)


def _without_covered(resources: Iterable[str]) -> tuple[str, ...]:
    """The resources, sorted, without those another one (a pattern) already matches."""
    unique = sorted(set(resources))
    patterns = [resource for resource in unique if resource.endswith("*")]
    return tuple(
        resource
        for resource in unique
        if not any(pattern != resource and covers(pattern, resource) for pattern in patterns)
    )
