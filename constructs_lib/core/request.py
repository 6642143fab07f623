"""A request as the evaluator sees it: the action, the resource, and what is known of its context.

The context is partial on purpose. A key given is known; a key named absent is known to be missing
from the request; any other key is unknown, and a condition that reads it is reported as "depends
on" that key. ``closed=True`` makes every key not given absent (what a real request is: the
comparison with an independent simulator runs that way).

Keys are compared ignoring case, as IAM compares them; values keep their case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class Unknown:
    """The value of a key the context does not know: the answer depends on it."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Request:
    """One call: ``s3:GetObject`` on ``arn:aws:s3:::bucket/key`` with some context keys."""

    action: str
    resource: str = "*"
    context: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Values by key, as given (any case)."""
    absent: frozenset[str] = frozenset()
    """Keys known to be missing from the request."""
    closed: bool = False
    """Whether every key not in ``context`` is absent (else unknown)."""
    every_resource: bool = False
    """Whether the question is the call on every resource it can name, rather than on ``resource``
    (``can`` without a resource, for an action that names resources; ``resource`` is then ``*``)."""

    def __post_init__(self) -> None:
        lowered = {key.lower(): tuple(values) for key, values in self.context.items()}
        object.__setattr__(self, "_values", MappingProxyType(lowered))
        object.__setattr__(self, "_absent", frozenset(key.lower() for key in self.absent))

    def values(self, key: str) -> tuple[str, ...] | Unknown | None:
        """The key's values; ``None`` when the request lacks the key; ``UNKNOWN`` when not known."""
        lowered = key.lower()
        found: tuple[str, ...] | None = self._values.get(lowered)  # type: ignore[attr-defined]
        if found is not None:
            return found
        if self.closed or lowered in self._absent:  # type: ignore[attr-defined]
            return None
        return UNKNOWN


def context_from_pairs(pairs: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``KEY=VALUE`` strings into a context; a key given twice has both values (a multivalued key).

    ``ValueError`` names the first pair without ``=`` or with an empty key.
    """
    context: dict[str, list[str]] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"{pair!r} is not KEY=VALUE, e.g. aws:SourceVpc=vpc-1a2b3c4d")
        context.setdefault(key.strip(), []).append(value)
    return {key: tuple(values) for key, values in context.items()}
