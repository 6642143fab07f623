"""Which stack each benchmark profile goes in: the library's shards, so every workload has the same stacks."""

from __future__ import annotations

PROFILES_PER_STACK = 99
STACK = "Ec2AccessProfiles"


def stack_names(count: int) -> list[str]:
    """The stack of each of ``count`` profiles, in order: shards of ``PROFILES_PER_STACK``."""
    return [
        STACK if i // PROFILES_PER_STACK == 0 else f"{STACK}-{i // PROFILES_PER_STACK + 1}"
        for i in range(count)
    ]
