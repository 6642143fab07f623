"""Which stack each benchmark profile goes in: the library's shards, so every workload has the same stacks."""

from __future__ import annotations

from constructs_lib.catalog.placement import MAX_PROFILES_PER_STACK, SHARD_PREFIX

PROFILES_PER_STACK = MAX_PROFILES_PER_STACK
STACK = SHARD_PREFIX


def stack_names(count: int) -> list[str]:
    """The stack of each of ``count`` profiles, in order: full shards, as the library fills them."""
    return [
        STACK if i < PROFILES_PER_STACK else f"{STACK}-{i // PROFILES_PER_STACK + 1}" for i in range(count)
    ]
