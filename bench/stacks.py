"""Which stack each benchmark profile goes in: the library's shards, so every workload has the same stacks.

The library's values (``constructs_lib.catalog.placement``; a test checks they agree), written out so
that hand-written CDK's process does not load the library's catalogue package to name its stacks.
"""

from __future__ import annotations

PROFILES_PER_STACK = 99
"""``MAX_PROFILES_PER_STACK``: how many profiles the library puts in one stack."""

STACK = "Ec2AccessProfiles"
"""``SHARD_PREFIX``: the first stack's name; the next ones are ``Ec2AccessProfiles-2``, ``-3``..."""


def stack_names(count: int) -> list[str]:
    """The stack of each of ``count`` profiles, in order: full shards, as the library fills them."""
    return [
        STACK if i < PROFILES_PER_STACK else f"{STACK}-{i // PROFILES_PER_STACK + 1}" for i in range(count)
    ]
